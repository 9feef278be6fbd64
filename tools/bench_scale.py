"""`stablehlo-eqsat-bench-scale`: the full `stablehlo-eqsat` pass on 1k, 10k and 100k-op modules.

    stablehlo-eqsat-bench-scale                                   # sizes 1000 10000 100000, both kinds
    stablehlo-eqsat-bench-scale --sizes 1000 10000 --kinds generated --xla-timeout 120
    stablehlo-eqsat-bench-scale --sizes 10000 --profile prof.txt  # cProfile of the pipeline, top functions

Two kinds of module:
  generated  a random module from `gen_module.generate_module(n, seed)`;
  zoo        the zoo's GPT-2 block (`zoo.lower_model("gpt2_block")`) stacked k times: copy i takes
             copy i-1's result as its activation input and shares the parameters, so no two
             copies are the same term and nothing collapses by hash-consing.

Each module is optimized end to end (`run_pipeline`: parse -> pass -> verify, then print) in a
fresh subprocess (`isolate.run_child`) with the pass's default options
(`builtin.module(stablehlo-eqsat)`), so its peak RSS is its own. XLA CPU compiles the *input*
module in another subprocess under `--xla-timeout`; past it the compile is reported as skipped.
The ratio is optimizer seconds / XLA compile seconds. The result is a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stablehlo_eqsat.tools.isolate import run_child

DEFAULT_PIPELINE = "builtin.module(stablehlo-eqsat)"
_HERE = "stablehlo_eqsat.tools.bench_scale"

# Targets on a 2-core machine (seconds, bytes), from the issue.
TARGETS = {10_000: (10.0, 2 * 2**30), 100_000: (60.0, None)}


def stacked_zoo_module(num_ops: int, model: str = "gpt2_block") -> str:
    """`model` from the zoo stacked until `@main` has at least `num_ops` ops."""
    from jaxlib.mlir import ir
    from stablehlo_eqsat.dialect_glue.context import make_context
    from stablehlo_eqsat.passes.pipeline import parse_module
    from stablehlo_eqsat.tools.zoo import lower_model

    import stablehlo_eqsat.xla as xla

    module, errors = parse_module(lower_model(model), make_context())
    if module is None:
        raise ValueError(f"{model}: {errors[0].message}")
    with module.context:
        text = str(module)
        for op in list(module.body.operations):  # what one copy adds: the ops of @main
            if ir.StringAttr(op.operation.attributes["sym_name"]).value != "main":
                op.operation.erase()
        per_copy = max(xla.count_ops(module), 1)
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"\s*func\.func public @main\(", line))
    end = next(i for i in range(start + 1, len(lines)) if lines[i] == "  }")
    header, body, ret = lines[start], lines[start + 1 : end - 1], lines[end - 1]
    m = re.match(r"\s*return (%[\w#]+) : (.+)$", ret)
    if m is None:
        raise ValueError(f"{model}: expected one result, got `{ret.strip()}`")
    result, result_type = m.group(1), m.group(2).strip()
    args = re.findall(r"(%arg\d+): ([^,{)]+(?:\{[^}]*\})?)", header)
    n_args = len(args)
    chained = [name for name, ty in args if ty.split(" {")[0].strip() == result_type]
    if not chained:
        raise ValueError(f"{model}: no argument has the result type {result_type}")
    activation = chained[-1]
    copies = max(1, math.ceil(num_ops / per_copy))
    out_body: list[str] = []
    prev = activation
    value = re.compile(r"%([A-Za-z_][\w$.-]*|\d+)")
    for k in range(copies):

        def rename(mt: re.Match[str], k: int = k, prev: str = prev) -> str:
            name = mt.group(1)
            am = re.fullmatch(r"arg(\d+)", name)
            if am and int(am.group(1)) < n_args:
                return prev if f"%{name}" == activation else f"%{name}"
            return f"%s{k}_{name}"

        out_body += [value.sub(rename, line) for line in body]
        prev = value.sub(lambda mt, k=k: f"%s{k}_{mt.group(1)}", result)
    new_ret = f"    return {prev} : {result_type}"
    return "\n".join([*lines[: start + 1], *out_body, new_ret, *lines[end:]]) + "\n"


def make_module(kind: str, num_ops: int, seed: int) -> str:
    if kind == "generated":
        from stablehlo_eqsat.tools.gen_module import generate_module

        return generate_module(num_ops, seed)
    if kind == "zoo":
        return stacked_zoo_module(num_ops)
    raise ValueError(f"unknown kind '{kind}'")


# -- the child processes (`isolate.run_child`) -----------------------------------------------------
def optimize_file(path: str, pipeline: str, profile: str) -> dict[str, Any]:
    """Run `pipeline` on the module in `path`; seconds end to end, ops out, what the passes say."""
    import logging

    logging.getLogger("stablehlo_eqsat").setLevel(logging.ERROR)
    from stablehlo_eqsat.passes.pipeline import PipelineResult, run_pipeline

    import stablehlo_eqsat.xla as xla

    text = Path(path).read_text()
    start = time.perf_counter()
    if profile:
        import cProfile
        import io
        import pstats

        prof = cProfile.Profile()
        done: PipelineResult = prof.runcall(run_pipeline, text, pipeline)
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(40)
        buf.write("\n")
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(25)
        Path(profile).write_text(buf.getvalue())
    else:
        done = run_pipeline(text, pipeline)
    if done.module is None:
        problems = done.errors or done.diagnostics
        raise RuntimeError(problems[0].message if problems else "the pipeline produced no module")
    done.output()
    seconds = time.perf_counter() - start
    reports = done.pass_reports()
    statuses = sorted({f"{r.name}: {r.status}" + (f" ({r.reason})" if r.reason else "") for r in reports})
    return {
        "seconds": seconds,
        "ops_out": xla.count_ops(done.module),
        "status": statuses,
        "stop": sorted({g.saturation.stop_reason for r in reports for g in r.graphs}),
        "warnings": [d.message for d in done.diagnostics],
    }


def compile_file(path: str) -> dict[str, Any]:
    """Seconds XLA CPU takes to compile the module in `path`."""
    import stablehlo_eqsat.xla as xla

    text = Path(path).read_text()
    start = time.perf_counter()
    xla.compile_module(text)
    return {"seconds": time.perf_counter() - start}


# -- the table -------------------------------------------------------------------------------------
def _gib(n: int) -> str:
    return f"{n / 2**30:.2f} GiB"


def bench(
    kinds: Sequence[str], sizes: Sequence[int], seed: int, pipeline: str, xla_timeout: float,
    xla_max: int, opt_timeout: float, profile: str,
) -> list[dict[str, Any]]:  # fmt: skip
    import stablehlo_eqsat.xla as xla

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            for n in sizes:
                t0 = time.perf_counter()
                text = make_module(kind, n, seed)
                gen_s = time.perf_counter() - t0
                path = os.path.join(tmp, f"{kind}{n}.mlir")
                Path(path).write_text(text)
                prof = f"{profile}.{kind}{n}" if profile else ""
                opt = run_child(f"{_HERE}:optimize_file", [path, pipeline, prof], timeout=opt_timeout)
                row: dict[str, Any] = {
                    "kind": kind,
                    "size": n,
                    "ops": xla.count_ops(text),
                    "gen_s": gen_s,
                    "rss": opt.peak_rss,
                    "opt": opt.value,
                    "opt_error": opt.error,
                }
                if n <= xla_max:
                    compiled = run_child(f"{_HERE}:compile_file", [path], timeout=xla_timeout)
                    row["xla"] = compiled.value["seconds"] if compiled.value else None
                    row["xla_note"] = compiled.error
                else:
                    row["xla"], row["xla_note"] = None, f"not tried (> {xla_max} ops)"
                rows.append(row)
                print(_row_text(row), file=sys.stderr, flush=True)
    return rows


def _row_text(r: dict[str, Any]) -> str:
    opt = r["opt"]
    t = f"{opt['seconds']:.1f} s" if opt else f"failed: {r['opt_error']}"
    target = TARGETS.get(r["size"])
    verdict = ""
    if target and opt:
        ok_t = opt["seconds"] <= target[0]
        ok_m = target[1] is None or r["rss"] <= target[1]
        verdict = "met" if ok_t and ok_m else "MISSED"
    xla = f"{r['xla']:.1f} s" if r["xla"] is not None else f"skipped ({r['xla_note']})"
    ratio = f"{opt['seconds'] / r['xla']:.2f}" if opt and r["xla"] else "-"
    ops_out = opt["ops_out"] if opt else "-"
    notes = "; ".join(
        (opt["status"] if opt else [])[:2] + ([f"stop: {','.join(opt['stop'])}"] if opt else [])
    )
    return (
        f"| {r['kind']} | {r['size']} | {r['ops']} -> {ops_out} | {t} | {_gib(r['rss'])} | {xla} | {ratio} "
        f"| {verdict} | {notes} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="stablehlo-eqsat-bench-scale", description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    ap.add_argument("--kinds", nargs="+", default=["generated", "zoo"], choices=["generated", "zoo"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pass-pipeline", default=DEFAULT_PIPELINE)
    ap.add_argument(
        "--xla-timeout", type=float, default=300.0, help="seconds before an XLA compile is skipped"
    )
    ap.add_argument("--xla-max", type=int, default=10_000, help="do not try XLA above this many ops")
    ap.add_argument(
        "--opt-timeout", type=float, default=1800.0, help="seconds before the optimizer run is stopped"
    )
    ap.add_argument(
        "--profile", default="", help="write a cProfile summary of each run to PROFILE.<kind><size>"
    )
    args = ap.parse_args(argv)
    print(
        "| kind | size | ops in -> out | optimizer | peak RSS | XLA compile | opt/XLA | target | notes |",
        file=sys.stderr,
    )
    print("|---|---|---|---|---|---|---|---|---|", file=sys.stderr)
    rows = bench(
        args.kinds, args.sizes, args.seed, args.pass_pipeline, args.xla_timeout, args.xla_max,
        args.opt_timeout, args.profile,
    )  # fmt: skip
    print("| kind | size | ops in -> out | optimizer | peak RSS | XLA compile | opt/XLA | target | notes |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(_row_text(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
