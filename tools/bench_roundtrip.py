"""`stablehlo-eqsat-bench-roundtrip`: time the `stablehlo-eqsat-roundtrip` pipeline on big modules.

    stablehlo-eqsat-bench-roundtrip                      # sizes 1000 and 10000
    stablehlo-eqsat-bench-roundtrip --sizes 1000 10000 30000 --seed 1 --profile prof.txt

For each size, a random module from `gen_module` runs end to end (parse -> import -> egglog
insert -> serialize -> extract -> export -> verify -> print) in a fresh subprocess
(`isolate.run_child`), so that each peak RSS is that size's own. The module is parsed with
`passes.pipeline.parse_module` and goes through `run_pipeline` like everywhere else; the stage
times come from timers wrapped around the functions the pass calls (the pass itself runs
unchanged). `verify` is `run_pipeline`'s time outside the passes (the verifier, and any upstream
MLIR pass in the pipeline); `other` is the passes' time outside the listed stages; `total` is
parse + pipeline + print (importing the passes, once per process, is not counted). `setup` is
the creation of egglog e-graphs (one per process and rule set: sessions are shared). The result
is a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import pstats
import resource
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from stablehlo_eqsat.tools.isolate import run_child

PIPELINE = "builtin.module(stablehlo-eqsat-roundtrip)"
STAGES = ("parse", "import", "setup", "insert", "serialize", "extract", "export", "verify", "print")


class _Timers:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(STAGES, 0.0)

    def wrap(self, stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - start

        return timed


@contextlib.contextmanager
def _instrumented(timers: _Timers) -> Iterator[None]:
    """Wrap the functions the passes call with stage timers (restored afterwards)."""
    from stablehlo_eqsat.passes import choose, eqsat, registry
    from stablehlo_eqsat.passes.egraph import EGraphSession
    from stablehlo_eqsat.passes.extract import EXTRACTORS

    patches: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, name: str, stage: str) -> None:
        original = getattr(owner, name, None)
        if original is None:
            return  # the pass no longer calls it: that stage shows 0 and `other` grows
        patches.append((owner, name, original))
        setattr(owner, name, timers.wrap(stage, original))

    for name in registry.pass_names():
        patch(registry.pass_class(name), "apply", "passes")
    patch(eqsat, "import_function", "import")
    patch(EGraphSession, "__init__", "setup")
    patch(EGraphSession, "insert", "insert")
    patch(EGraphSession, "serialize", "serialize")
    patch(choose, "check_extraction", "extract")
    patch(choose, "build_graph", "extract")
    patch(eqsat, "replace_function", "export")
    extractors = dict(EXTRACTORS)
    for name, ex in extractors.items():
        EXTRACTORS[name] = _TimedExtractor(ex, timers)  # type: ignore[assignment]
    try:
        yield
    finally:
        for owner, name, original in reversed(patches):
            setattr(owner, name, original)
        EXTRACTORS.update(extractors)


class _TimedExtractor:
    def __init__(self, inner: Any, timers: _Timers):
        self.inner, self.timers = inner, timers
        self.name, self.optimal = inner.name, inner.optimal

    def extract(self, *args: Any, **kwargs: Any) -> Any:
        return self.timers.wrap("extract", self.inner.extract)(*args, **kwargs)


def run_one(num_ops: int, seed: int, profile: str | None = None, pipeline: str = PIPELINE) -> dict[str, Any]:
    """Generate a module and round-trip it in this process; returns the measurements."""
    from stablehlo_eqsat.dialect_glue.context import make_context
    from stablehlo_eqsat.passes.pipeline import parse_module, run_pipeline
    from stablehlo_eqsat.tools.gen_module import generate_module

    import stablehlo_eqsat.xla as xla

    text = generate_module(num_ops, seed)
    ops_in = xla.count_ops(text)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timers = _Timers()
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    module, errors = parse_module(text, make_context())
    timers.seconds["parse"] = time.perf_counter() - start
    if module is None:
        raise RuntimeError(f"the generated module does not parse: {errors[0].message}")
    with _instrumented(timers):  # (which imports the passes: not timed)
        t = time.perf_counter()
        done = run_pipeline(module, pipeline)
        pipeline_seconds = time.perf_counter() - t
    pass_seconds = timers.seconds.pop("passes", 0.0)
    timers.seconds["verify"] = pipeline_seconds - pass_seconds
    t = time.perf_counter()
    out = done.output()
    timers.seconds["print"] = time.perf_counter() - t
    total = timers.seconds["parse"] + pipeline_seconds + timers.seconds["print"]
    if profiler:
        profiler.disable()
    ops_out = xla.count_ops(done.module) if done.module is not None else ops_in
    if profiler and profile:
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler, stream=buf).sort_stats("tottime").print_stats(25)
        with open(profile if num_ops == 0 else f"{profile}.{num_ops}", "w") as f:
            f.write(buf.getvalue())
    staged = sum(timers.seconds[s] for s in STAGES if s not in ("parse", "verify", "print"))
    reports = done.pass_reports()
    return {
        "ops": num_ops,
        "ops_in": ops_in,
        "ops_out": ops_out,
        "stages": timers.seconds,
        "other": pass_seconds - staged,
        "total": total,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mb": rss_before / 1024,
        "status": ", ".join(
            sorted({f"{r.status}" + (f" ({r.reason})" if r.reason else "") for r in reports})
        ),
        "warnings": [d.message for d in done.diagnostics],
        "output_chars": len(out),
    }


def _table(rows: list[dict[str, Any]]) -> str:
    head = ["ops", "ops in → out", *STAGES, "other", "total (s)", "peak RSS (MB)", "status"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [
            str(r["ops"]),
            f"{r['ops_in']} → {r['ops_out']}",
            *(f"{r['stages'][s]:.3f}" for s in STAGES),
            f"{r['other']:.3f}",
            f"**{r['total']:.2f}**",
            f"{r['peak_rss_mb']:.0f}",
            r["status"],
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="stablehlo-eqsat-bench-roundtrip",
        description="Time the stablehlo-eqsat-roundtrip pipeline on generated modules (stage times in s).",
    )
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="ops per module")
    p.add_argument("--seed", type=int, default=0, help="generator seed")
    p.add_argument("--pass-pipeline", default=PIPELINE, help=f"pipeline to time (default: {PIPELINE})")
    p.add_argument("--profile", metavar="FILE", help="write cProfile statistics to FILE.<size>")
    p.add_argument("--json", action="store_true", help="print the measurements as JSON instead")
    p.add_argument("--in-process", action="store_true", help="run every size in this process (shared RSS)")
    args = p.parse_args(argv)
    rows = []
    for n in args.sizes:
        if args.in_process:
            rows.append(run_one(n, args.seed, args.profile, args.pass_pipeline))
            continue
        call = [n, args.seed, args.profile, args.pass_pipeline]
        done = run_child("stablehlo_eqsat.tools.bench_roundtrip:run_one", call)
        if not done.ok:
            print(f"stablehlo-eqsat-bench-roundtrip: error: size {n} failed:\n{done.detail or done.error}",
                  file=sys.stderr)  # fmt: skip
            return 1
        rows.append(done.value)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"`{args.pass_pipeline}`, seed {args.seed}; stage times in seconds\n")
    print(_table(rows))
    for r in rows:
        for w in r["warnings"]:
            print(f"\nwarning ({r['ops']} ops): {w}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
