"""`stablehlo-eqsat-bench-conv`: the zoo's CNNs under XLA alone and after `stablehlo-eqsat`.

    stablehlo-eqsat-bench-conv                      # every CNN of the zoo, Markdown table on stdout
    stablehlo-eqsat-bench-conv --only resnet18_64px --rounds 7
    stablehlo-eqsat-bench-conv --cache-check 3      # optimization time: cache empty, filled, measure=off

Per model: the run time of XLA's executable for the module as written and for the module after
`stablehlo-eqsat` (default mode, measured costs), timed interleaved (one batch of runs of each
per round, rounds alternating) and reported as medians; the compute bound, XLA's own FLOP count
(`cost_analysis()`) at the machine's measured matrix-multiply rate; the optimization's own time;
and the largest difference between the two programs' results (relative to the largest output).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


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
    import jax
    from stablehlo_eqsat.tools import xla

    text = (
        f"func.func public @main(%a: tensor<{n}x{n}xf32>, %b: tensor<{n}x{n}xf32>) "
        f"-> tensor<{n}x{n}xf32> {{\n"
        f"  %0 = stablehlo.dot_general %a, %b, contracting_dims = [1] x [0] : "
        f"(tensor<{n}x{n}xf32>, tensor<{n}x{n}xf32>) -> tensor<{n}x{n}xf32>\n"
        f"  return %0 : tensor<{n}x{n}xf32>\n}}\n"
    )
    exe = xla.compile_module(text)
    dev = exe.local_devices()[0]
    rng = np.random.default_rng(0)
    args = [jax.device_put(rng.standard_normal((n, n)).astype(np.float32), dev) for _ in range(2)]
    jax.block_until_ready(exe.execute(args))
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        jax.block_until_ready(exe.execute(args))
        times.append(time.perf_counter() - t0)
    return 2.0 * n**3 / statistics.median(times)


def optimize(text: str, options: str = "", counted: list[int] | None = None) -> tuple[str, float, float]:
    """`text` after `stablehlo-eqsat` (pass options as `key=value ...`); returns the module, the
    optimization's time and the time it spent measuring (and appends to `counted` how many ops and
    functions were timed)."""
    from jaxlib.mlir import ir
    from stablehlo_eqsat.dialect_glue.context import make_context
    from stablehlo_eqsat.passes.diagnostics import Diagnostics
    from stablehlo_eqsat.passes.registry import make_pass, parse_options

    eqsat = make_pass("stablehlo-eqsat", parse_options(options))
    with make_context():
        module = ir.Module.parse(text)
        start = time.perf_counter()
        reports = eqsat.apply(module, Diagnostics())
        seconds = time.perf_counter() - start
        if counted is not None:
            counted.append(sum(r.measured_ops + r.measured_programs for r in reports))
            counted.append(sum(r.reused for r in reports))
        return str(module), seconds, sum(r.measure_seconds for r in reports)


def time_interleaved(exes: Sequence[Any], args: Sequence[Any], rounds: int, per_round: int) -> list[float]:
    """Median seconds of each executable, timed in alternating rounds."""
    import jax

    for exe in exes:
        for _ in range(2):
            jax.block_until_ready(exe.execute(args))
    samples: list[list[float]] = [[] for _ in exes]
    for r in range(rounds):
        order = range(len(exes)) if r % 2 == 0 else reversed(range(len(exes)))
        for i in order:
            for _ in range(per_round):
                t0 = time.perf_counter()
                jax.block_until_ready(exes[i].execute(args))
                samples[i].append(time.perf_counter() - t0)
    return [statistics.median(s) for s in samples]


def bench_model(name: str, rate: float, rounds: int, per_round: int, options: str) -> Row:
    import jax
    from stablehlo_eqsat.tools import xla
    from stablehlo_eqsat.tools.zoo import lower_model

    text = lower_model(name)
    optimized, opt_s, measure_s = optimize(text, options)
    exe_a, exe_b = xla.compile_module(text), xla.compile_module(optimized)
    rng = np.random.default_rng(0)
    inputs = [rng.uniform(-1, 1, size=t.shape).astype(t.dtype) for t in xla.arg_types_of(text)]
    dev = exe_a.local_devices()[0]
    args = [jax.device_put(a, dev) for a in inputs]
    out_a = [np.asarray(o) for o in exe_a.execute(args)]
    out_b = [np.asarray(o) for o in exe_b.execute(args)]
    diff = 0.0
    for a, b in zip(out_a, out_b, strict=True):
        scale = max(1e-30, float(np.max(np.abs(a))))
        diff = max(diff, float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) / scale)
    ta, tb = time_interleaved([exe_a, exe_b], args, rounds, per_round)
    analysis = exe_a.cost_analysis()
    if isinstance(analysis, list):
        analysis = analysis[0]
    flops = float(analysis.get("flops", 0.0))
    return Row(name, ta * 1e3, tb * 1e3, flops / rate * 1e3, opt_s, measure_s, diff)


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


def cache_check(name: str, repeats: int) -> CacheRow:
    """Optimize the model with an empty measurement cache, then `repeats` times more with the cache
    filled (taking the stored results, and again not taking them) and as many times with
    `measure=off`, alternating; optimization times are medians. Checks that every run with the cache
    filled gives the first run's program."""
    from stablehlo_eqsat.tools.zoo import lower_model

    text = lower_model(name)
    optimize(text, "measure=off")  # the rule library is built once per process: not in the times
    with tempfile.TemporaryDirectory() as tmp:
        cache = f"measure-cache={Path(tmp) / 'cache.json'}"
        first, first_s, first_measure_s, first_n, _ = optimize_counted(text, cache)
        second, recompute, off, second_n, reused = [], [], [], 0, 0
        for _ in range(repeats):
            out, t, _, n, r = optimize_counted(text, cache)
            second.append(t)
            second_n, reused = max(second_n, n), reused + r
            again, t, _, n, _ = optimize_counted(text, cache + " reuse=0")
            recompute.append(t)
            second_n = max(second_n, n)
            if out != first or again != first:
                raise RuntimeError(f"{name}: an optimization with the cache filled gave another program")
            off.append(optimize(text, "measure=off")[1])
    return CacheRow(
        name,
        first_s,
        first_measure_s,
        first_n,
        statistics.median(second),
        second_n,
        reused // repeats,
        statistics.median(recompute),
        statistics.median(off),
    )


def optimize_counted(text: str, options: str) -> tuple[str, float, float, int, int]:
    """`optimize`, plus how many ops and functions it timed (cache misses) and how many functions
    it took from the stored results."""
    counted: list[int] = []
    out, seconds, measure_s = optimize(text, options, counted)
    return out, seconds, measure_s, counted[0], counted[1]


def cache_table(rows: Sequence[CacheRow]) -> str:
    lines = [
        "| model | first optimization (s) | of which measuring (s) | ops + functions timed "
        "| second optimization (s) | timed | results reused | second, reuse=0 (s) "
        "| with measure=off (s) | second / off | second reuse=0 / off |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.model} | {r.first_s:.2f} | {r.first_measure_s:.2f} | {r.first_measured} "
            f"| {r.second_s:.2f} | {r.second_measured} | {r.second_reused} | {r.recompute_s:.2f} "
            f"| {r.off_s:.2f} | {r.second_s / r.off_s:.2f} | {r.recompute_s / r.off_s:.2f} |"
        )
    return "\n".join(lines)


def table(rows: Sequence[Row], rate: float) -> str:
    lines = [
        f"Matrix-multiply rate (f32 1024^3): {rate / 1e9:.0f} GFLOP/s. Times: medians of interleaved runs.",
        "",
        "| model | XLA alone (ms) | after stablehlo-eqsat (ms) | speedup | compute bound (ms) "
        "| bound / eqsat | optimize (s) | of which measuring (s) | max rel. diff |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.model} | {r.xla_ms:.3f} | {r.eqsat_ms:.3f} | {r.speedup:.2f}x | {r.bound_ms:.3f} "
            f"| {r.bound_ms / r.eqsat_ms:.0%} | {r.optimize_s:.1f} | {r.measure_s:.1f} "
            f"| {r.max_rel_diff:.1e} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    from stablehlo_eqsat.tools.zoo import CNN_NAMES

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
