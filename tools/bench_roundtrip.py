"""`stablehlo-eqsat-bench-roundtrip`: time the `stablehlo-eqsat-roundtrip` pipeline on big modules.

    stablehlo-eqsat-bench-roundtrip                      # sizes 1000 and 10000
    stablehlo-eqsat-bench-roundtrip --sizes 1000 10000 30000 --seed 1 --profile prof.txt

For each size, a random module from `gen_module` runs end to end (parse -> import -> egglog
insert -> serialize -> extract -> export -> verify -> print) in a fresh subprocess, so that each
peak RSS is that size's own. The stage times come from timers wrapped around the functions the
pass calls (the pass itself runs unchanged); `total` is the wall time of parse + pipeline +
verify + print, and `other` is the pass's time outside the listed stages. `setup` is the
creation of egglog e-graphs (one per imported graph: a function body and each region body
that is imported as a graph of its own). The result is a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import pstats
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

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
                self.seconds[stage] += time.perf_counter() - start

        return timed


@contextlib.contextmanager
def _instrumented(timers: _Timers) -> Iterator[None]:
    """Wrap the functions the round-trip pass calls with stage timers (restored afterwards)."""
    from stablehlo_eqsat.passes import eqsat
    from stablehlo_eqsat.passes.egraph import EGraphSession

    patches: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, name: str, stage: str) -> None:
        original = getattr(owner, name, None)
        if original is None:
            return  # the pass no longer calls it: that stage shows 0 and `other` grows
        patches.append((owner, name, original))
        setattr(owner, name, timers.wrap(stage, original))

    patch(eqsat, "import_function", "import")
    patch(EGraphSession, "__init__", "setup")
    patch(EGraphSession, "insert", "insert")
    patch(EGraphSession, "serialize", "serialize")
    patch(eqsat, "check_extraction", "extract")
    patch(eqsat, "build_graph", "extract")
    patch(eqsat, "replace_function", "export")
    extractors = dict(eqsat.EXTRACTORS)
    for name, ex in extractors.items():
        eqsat.EXTRACTORS[name] = _TimedExtractor(ex, timers)  # type: ignore[assignment]
    try:
        yield
    finally:
        for owner, name, original in reversed(patches):
            setattr(owner, name, original)
        eqsat.EXTRACTORS.update(extractors)


class _TimedExtractor:
    def __init__(self, inner: Any, timers: _Timers):
        self.inner, self.timers = inner, timers
        self.name, self.optimal = inner.name, inner.optimal

    def extract(self, *args: Any, **kwargs: Any) -> Any:
        return self.timers.wrap("extract", self.inner.extract)(*args, **kwargs)


def _count_ops(module: Any) -> int:
    """Ops inside functions (nested region ops included; func.func, func.return, module excluded)."""
    from jaxlib.mlir import ir

    count = 0

    def visit(op: Any) -> Any:
        nonlocal count
        if op.name not in ("builtin.module", "func.func", "func.return"):
            count += 1
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    return count


def run_one(num_ops: int, seed: int, profile: str | None = None, pipeline: str = PIPELINE) -> dict[str, Any]:
    """Generate a module and round-trip it in this process; returns the measurements."""
    from jaxlib.mlir import ir
    from stablehlo_eqsat.dialect_glue.context import make_context
    from stablehlo_eqsat.passes.diagnostics import Diagnostics
    from stablehlo_eqsat.passes.registry import parse_pipeline
    from stablehlo_eqsat.tools.gen_module import generate_module

    text = generate_module(num_ops, seed)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timers = _Timers()
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    t = time.perf_counter()
    ctx = make_context()
    with ctx:
        module = ir.Module.parse(text)
        timers.seconds["parse"] = time.perf_counter() - t
        ops_in = _count_ops(module)
        passes = parse_pipeline(pipeline, ctx)
        diagnostics = Diagnostics()
        reports: list[Any] = []
        t_pass = time.perf_counter()
        with _instrumented(timers):
            for p in passes:
                reports.extend(p.apply(module, diagnostics) or [])
        pass_seconds = time.perf_counter() - t_pass
        t = time.perf_counter()
        module.operation.verify()
        timers.seconds["verify"] = time.perf_counter() - t
        t = time.perf_counter()
        out = str(module)
        timers.seconds["print"] = time.perf_counter() - t
        total = time.perf_counter() - start
        if profiler:
            profiler.disable()
        ops_out = _count_ops(module)
    if profiler and profile:
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler, stream=buf).sort_stats("tottime").print_stats(25)
        with open(profile if num_ops == 0 else f"{profile}.{num_ops}", "w") as f:
            f.write(buf.getvalue())
    staged = sum(timers.seconds[s] for s in STAGES if s not in ("parse", "verify", "print"))
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
        "warnings": [d.message for d in diagnostics.items],
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
    p.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker is not None:
        print(json.dumps(run_one(args.worker, args.seed, args.profile, args.pass_pipeline)))
        return 0
    rows = []
    for n in args.sizes:
        if args.in_process:
            rows.append(run_one(n, args.seed, args.profile, args.pass_pipeline))
            continue
        cmd = [sys.executable, "-m", "stablehlo_eqsat.tools.bench_roundtrip", "--worker", str(n), "--seed",
               str(args.seed), "--pass-pipeline", args.pass_pipeline]  # fmt: skip
        if args.profile:
            cmd += ["--profile", args.profile]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(f"stablehlo-eqsat-bench-roundtrip: error: size {n} failed:\n{proc.stderr}", file=sys.stderr)
            return 1
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
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
