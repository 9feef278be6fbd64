"""`stablehlo-eqsat-bench-conv`: the zoo's CNNs under XLA alone and after `stablehlo-eqsat`.

    stablehlo-eqsat-bench-conv                      # every CNN of the zoo, Markdown table on stdout
    stablehlo-eqsat-bench-conv --only resnet18_64px --rounds 7
    stablehlo-eqsat-bench-conv --cache-check 3      # optimization time: cache empty, filled, measure=off

Per model: the run time of XLA's executable for the module as written and for the module after
`stablehlo-eqsat` (default mode, measured costs), timed interleaved by the one timer
`xla.time_interleaved` (one batch of runs of each per round, rounds rotating) and reported as
medians; the compute bound, XLA's own FLOP count (`cost_analysis()`, with the matrix products of
loop iterations after the first added: XLA counts a loop body once) at the machine's measured
matrix-multiply rate; the optimization's own time (through `run_pipeline`, as the driver runs
it); and the largest difference between the two programs' results (`xla.relative_error`).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from stablehlo_eqsat.tools.report import markdown_table
from stablehlo_eqsat.tools.transform import Transformed, eqsat_pipeline, transform
from stablehlo_eqsat.tools.zoo import CNN_NAMES, lower_model

import stablehlo_eqsat.xla as xla


@dataclass
class Row:
    model: str
    xla_ms: float
    eqsat_ms: float
    bound_ms: float
    optimize_s: float
    measure_s: float
    max_rel_diff: float

    @property
    def speedup(self) -> float:
        return self.xla_ms / self.eqsat_ms if self.eqsat_ms else float("nan")


def matmul_rate(n: int = 1024, runs: int = 7) -> float:
    """FLOP/s of XLA's f32 n x n x n matrix product on this machine (median of `runs`)."""
    text = (
        f"func.func public @main(%a: tensor<{n}x{n}xf32>, %b: tensor<{n}x{n}xf32>) "
        f"-> tensor<{n}x{n}xf32> {{\n"
        f"  %0 = stablehlo.dot_general %a, %b, contracting_dims = [1] x [0] : "
        f"(tensor<{n}x{n}xf32>, tensor<{n}x{n}xf32>) -> tensor<{n}x{n}xf32>\n"
        f"  return %0 : tensor<{n}x{n}xf32>\n}}\n"
    )
    exe = xla.compile_module(text)
    rng = np.random.default_rng(0)
    args = xla.device_arrays(exe, [rng.standard_normal((n, n)).astype(np.float32) for _ in range(2)])
    return 2.0 * n**3 / xla.median_seconds(exe, args, rounds=runs)


def optimize(text: str, options: str = "") -> Transformed:
    """`text` after `stablehlo-eqsat` (pass options as `key=value ...`), timed; its reports say
    what it measured (`timed`, `reused`, `measure_seconds`)."""
    out = transform(text, eqsat_pipeline(options))
    if out.text is None:
        raise RuntimeError(f"stablehlo-eqsat {options}: {out.note}")
    return out


def measure_seconds(t: Transformed) -> float:
    """The time the optimization spent measuring."""
    return sum(r.measure_seconds for r in t.reports)


def timed(t: Transformed) -> int:
    """How many ops and functions the optimization timed (measurement cache misses)."""
    return sum(r.measured_ops + r.measured_programs for r in t.reports)


def reused(t: Transformed) -> int:
    """How many functions took their result stored by an earlier optimization."""
    return sum(r.reused for r in t.reports)


def time_interleaved(exes: Sequence[Any], args: Sequence[Any], rounds: int, per_round: int) -> list[float]:
    """Median seconds of each executable over `rounds` interleaved rounds (the one timer); a sample
    is `per_round` executions, each waited for."""
    samples, _ = xla.time_interleaved(
        exes, args, rounds=rounds, min_batch=per_round, max_batch=per_round, warmup=2, wait_each=True
    )
    return [s.median for s in samples]


def bench_model(name: str, rate: float, rounds: int, per_round: int, options: str) -> Row:
    text = lower_model(name)
    optimized = optimize(text, options)
    exe_a, exe_b = xla.compile_module(text), xla.compile_module(optimized.text or "")
    rng = np.random.default_rng(0)
    inputs = [rng.uniform(-1, 1, size=t.shape).astype(t.dtype) for t in xla.arg_types_of(text)]
    diff = xla.relative_error(xla.run(exe_a, inputs), xla.run(exe_b, inputs))
    ta, tb = time_interleaved([exe_a, exe_b], xla.device_arrays(exe_a, inputs), rounds, per_round)
    analysis = exe_a.cost_analysis()
    if isinstance(analysis, list):
        analysis = analysis[0]
    # XLA counts a loop body once: add the matrix products of the iterations after the first.
    flops = float(analysis.get("flops", 0.0)) + product_flops(text) - product_flops(text, loops=False)
    return Row(
        name, ta * 1e3, tb * 1e3, flops / rate * 1e3, optimized.seconds, measure_seconds(optimized), diff
    )


def product_flops(text: str, loops: bool = True) -> float:
    """FLOPs of the module's dot_generals and convolutions (every multiply-add, two FLOPs) from
    `@main`, through calls, with the bodies of `while` loops counted once per iteration where the
    trip count reads off the loop (`i < constant`, `i` starting at a constant, as `lax.scan` and
    `fori_loop` write it), and once otherwise or without `loops`."""
    import re

    from jaxlib.mlir import ir
    from stablehlo_eqsat.dialect_glue.context import make_context

    def numel(t: ir.Type) -> int:
        return math.prod(ir.RankedTensorType(t).shape)

    def scalar(value: ir.Value) -> int | None:
        owner = value.owner
        if not isinstance(owner, ir.OpView) or owner.operation.name != "stablehlo.constant":
            return None
        found = re.fullmatch(r"dense<(-?\d+)> : tensor<i\d+>", str(owner.operation.attributes["value"]))
        return int(found.group(1)) if found else None

    def trips(loop: ir.Operation) -> int:
        ops = list(loop.regions[0].blocks[0].operations)
        compare = next((o for o in ops if o.operation.name == "stablehlo.compare"), None)
        if (
            not loops
            or compare is None
            or "LT" not in str(compare.operation.attributes["comparison_direction"])
        ):
            return 1
        i, limit = compare.operation.operands
        if not isinstance(i, ir.BlockArgument) or (end := scalar(limit)) is None:
            return 1
        start = scalar(loop.operands[i.arg_number])
        return max(1, end - start) if start is not None else 1

    def walk(block: ir.Block, funcs: dict[str, ir.Operation], times: int) -> float:
        total = 0.0
        for op in block.operations:
            o = op.operation
            if o.name == "stablehlo.dot_general":
                dims = str(o.attributes["dot_dimension_numbers"])
                found = re.search(r"lhs_contracting_dimensions = \[([\d, ]*)\]", dims)
                shape = ir.RankedTensorType(o.operands[0].type).shape
                k = math.prod(shape[int(d)] for d in found.group(1).split(",") if d.strip()) if found else 1
                total += times * 2.0 * numel(o.results[0].type) * k
            elif o.name == "stablehlo.convolution":
                kernel = str(o.attributes["dimension_numbers"]).split("x[")[1].split("]")[0]
                out_pos = [d.strip() for d in kernel.split(",")].index("o")
                wshape = ir.RankedTensorType(o.operands[1].type).shape
                total += times * 2.0 * numel(o.results[0].type) * numel(o.operands[1].type) / wshape[out_pos]
            elif o.name == "func.call":
                callee = funcs.get(str(o.attributes["callee"]).lstrip("@"))
                if callee is not None:
                    total += walk(callee.regions[0].blocks[0], funcs, times)
            elif o.name == "stablehlo.while":
                total += walk(o.regions[1].blocks[0], funcs, times * trips(o))
            else:
                for region in o.regions:
                    for inner in region.blocks:
                        total += walk(inner, funcs, times)
        return total

    with make_context():
        module = ir.Module.parse(text)
        funcs = {str(op.attributes["sym_name"]).strip('"'): op.operation for op in module.body.operations}
        main = funcs.get("main")
        return walk(main.regions[0].blocks[0], funcs, 1) if main is not None else 0.0


@dataclass
class CacheRow:
    model: str
    first_s: float  # optimization with an empty measurement cache
    first_measure_s: float  # ... of which measuring
    first_measured: int  # ops and functions timed
    second_s: float  # the same again, the cache filled (median)
    second_measured: int
    second_reused: int  # functions whose stored result was taken
    recompute_s: float  # the cache filled, stored results not taken (`reuse=0`; median)
    off_s: float  # with measure=off (median)
    compile_s: float  # XLA CPU's compilation of the input (median)


def cache_check(name: str, repeats: int) -> CacheRow:
    """Optimize the model with an empty measurement cache, then `repeats` times more with the cache
    filled (taking the stored results, and again not taking them) and as many times with
    `measure=off`, alternating; optimization times are medians. Checks that every run with the cache
    filled gives the first run's program."""
    text = lower_model(name)
    optimize(text, "measure=off")  # the rule library is built once per process: not in the times
    with tempfile.TemporaryDirectory() as tmp:
        cache = f"measure-cache={Path(tmp) / 'cache.json'}"
        first = optimize(text, cache)
        second, recompute, off, second_n, reused_n = [], [], [], 0, 0
        for _ in range(repeats):
            filled = optimize(text, cache)
            second.append(filled.seconds)
            second_n, reused_n = max(second_n, timed(filled)), reused_n + reused(filled)
            again = optimize(text, cache + " reuse=0")
            recompute.append(again.seconds)
            second_n = max(second_n, timed(again))
            if filled.text != first.text or again.text != first.text:
                raise RuntimeError(f"{name}: an optimization with the cache filled gave another program")
            off.append(optimize(text, "measure=off").seconds)
    compiles = []
    for _ in range(repeats):
        start = time.perf_counter()
        xla.compile_module(text)
        compiles.append(time.perf_counter() - start)
    return CacheRow(
        name,
        first.seconds,
        measure_seconds(first),
        timed(first),
        statistics.median(second),
        second_n,
        reused_n // repeats,
        statistics.median(recompute),
        statistics.median(off),
        statistics.median(compiles),
    )


def cache_table(rows: Sequence[CacheRow]) -> str:
    columns = (
        "model", "first optimization (s)", "of which measuring (s)", "ops + functions timed",
        "second optimization (s)", "timed", "results reused", "second, reuse=0 (s)", "with measure=off (s)",
        "second / off", "second reuse=0 / off", "XLA compile (s)", "first / compile",
        "second reuse=0 / compile",
    )  # fmt: skip
    cells = [
        [r.model, f"{r.first_s:.2f}", f"{r.first_measure_s:.2f}", f"{r.first_measured}", f"{r.second_s:.2f}",
         f"{r.second_measured}", f"{r.second_reused}", f"{r.recompute_s:.2f}", f"{r.off_s:.2f}",
         f"{r.second_s / r.off_s:.2f}", f"{r.recompute_s / r.off_s:.2f}", f"{r.compile_s:.2f}",
         f"{r.first_s / r.compile_s:.2f}", f"{r.recompute_s / r.compile_s:.2f}"]
        for r in rows
    ]  # fmt: skip
    return "\n".join(markdown_table(columns, cells, "l" + "r" * 13))


def table(rows: Sequence[Row], rate: float) -> str:
    columns = (
        "model", "XLA alone (ms)", "after stablehlo-eqsat (ms)", "speedup", "compute bound (ms)",
        "bound / eqsat", "optimize (s)", "of which measuring (s)", "max rel. diff",
    )  # fmt: skip
    cells = [
        [r.model, f"{r.xla_ms:.3f}", f"{r.eqsat_ms:.3f}", f"{r.speedup:.2f}x", f"{r.bound_ms:.3f}",
         f"{r.bound_ms / r.eqsat_ms:.0%}", f"{r.optimize_s:.1f}", f"{r.measure_s:.1f}",
         f"{r.max_rel_diff:.1e}"]
        for r in rows
    ]  # fmt: skip
    rate_line = f"Matrix-multiply rate (f32 1024^3): {rate / 1e9:.0f} GFLOP/s."
    header = [f"{rate_line} Times: medians of interleaved runs.", ""]
    return "\n".join([*header, *markdown_table(columns, cells, "l" + "r" * 8)])


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="stablehlo-eqsat-bench-conv", description=__doc__.splitlines()[0])
    p.add_argument(
        "--only", action="append", default=None, metavar="NAME", help="just this model (repeatable)"
    )
    p.add_argument("--rounds", type=int, default=5, help="interleaved rounds per model")
    p.add_argument("--per-round", type=int, default=5, help="runs of each executable per round")
    p.add_argument("--options", default="", help="stablehlo-eqsat options, e.g. 'measure=off refine=0'")
    p.add_argument(
        "--cache-check",
        type=int,
        default=0,
        metavar="N",
        help="instead: optimization time with an empty measurement cache, then N times with it filled "
        "(stored results taken, and not: reuse=0) and N times with measure=off",
    )
    args = p.parse_args(argv)
    names = args.only or list(CNN_NAMES)
    unknown = [n for n in names if n not in CNN_NAMES]
    if unknown:
        print(f"stablehlo-eqsat-bench-conv: error: unknown model(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    if args.cache_check:
        cache_rows = []
        for name in names:
            cache_rows.append(cache_check(name, args.cache_check))
            print(f"{name}: done", file=sys.stderr)
        print(cache_table(cache_rows))
        return 0
    rate = matmul_rate()
    rows = []
    for name in names:
        rows.append(bench_model(name, rate, args.rounds, args.per_round, args.options))
        print(f"{name}: done", file=sys.stderr)
    print(table(rows, rate))
    return 0


if __name__ == "__main__":
    sys.exit(main())
