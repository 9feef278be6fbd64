"""`stablehlo-eqsat-calibrate`: measure this machine with XLA and write a device profile.

    stablehlo-eqsat-calibrate -o my-cpu.json          # then: --stablehlo-eqsat=device=my-cpu.json

Each figure is the median of repeated runs of a small program on JAX's default backend (CPU, or
GPU where there is one), written in JAX, lowered to StableHLO, compiled and timed by the one
timer (`xla.time_interleaved`): memory bandwidth from a large elementwise add, elementwise
and transcendental throughput from long fused chains on cache-sized data, matrix-multiply
throughput from a square f32 dot, and launch overhead from a program that does almost nothing.
On CPU, the hand-off of a loop fusion that XLA splits across its thread pool: two programs of
four dot + elementwise-chain pairs, one with chains just long enough to be split and one with
chains too short (checked in XLA's optimized HLO), timed against each other; the limits of
its fusion (`fusion_limits`), read from its optimized HLO of probe programs; and the share of
the GEMM's rate each of its other dot kernels reaches (`dot_efficiencies`: the rhs contracting its
minor dimension, XLA's generic emitter with and without vectorized loops).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def _median_seconds(f: Callable[..., Any], *arrays: np.ndarray, repeats: int = 30) -> float:
    """Median seconds of one execution of `f` on `arrays`: `f` is lowered to StableHLO, compiled
    for the default backend and timed by the one timer, a sample being one execution waited for."""
    import jax

    import stablehlo_eqsat.xla as xla

    text = jax.jit(f, keep_unused=True).lower(*arrays).as_text()
    exe = xla.compile_module(text, xla.backend_name())
    args = xla.device_arrays(exe, arrays)
    samples, _ = xla.time_interleaved([exe], args, rounds=repeats, warmup=2, max_batch=1, wait_each=True)
    return samples[0].median


def measure(quick: bool = False) -> dict[str, Any]:
    """Measure the default backend; `quick` uses smaller problems (for tests)."""
    import jax
    import jax.numpy as jnp

    scale = 1 if not quick else 8
    repeats = 30 if not quick else 5
    rng = np.random.default_rng(0)

    def arr(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape, dtype=np.float32)

    launch = _median_seconds(lambda x: x + 1.0, arr(1), repeats=repeats * 3)

    n = (1 << 24) // scale  # 64 MiB per f32 operand
    a, b = arr(n), arr(n)
    t = _median_seconds(lambda x, y: x + y, a, b, repeats=repeats)
    bandwidth = 3 * n * 4 / max(t - launch, 1e-9)

    m = (1 << 16) // scale  # fits in cache: compute-bound
    x = arr(m)
    steps = 64

    def chain(v: Any) -> Any:
        for i in range(steps):
            v = v * 1.0001 + float(i % 7)
        return v

    t = _median_seconds(chain, x, repeats=repeats)
    elementwise = 2 * steps * m / max(t - launch, 1e-9)

    def trans(v: Any) -> Any:
        for _ in range(8):
            v = jnp.tanh(v)
        return v

    t = _median_seconds(trans, x, repeats=repeats)
    transcendental = 8 * m / max(t - launch, 1e-9)

    k = 1024 // (2 if quick else 1)
    p, q = arr(k, k), arr(k, k)
    t = _median_seconds(lambda u, v: u @ v, p, q, repeats=repeats)
    matmul = 2 * k**3 / max(t - launch, 1e-9)

    g = arr(n // 4)
    idx = rng.integers(0, n // 4, size=n // 4, dtype=np.int32)
    t = _median_seconds(lambda v, i: v[i], g, idx, repeats=repeats)
    opaque = 3 * (n // 4) * 4 / max(t - launch, 1e-9)

    tasks, handoff = parallel_handoff(elementwise, repeats) if jax.default_backend() == "cpu" else (1, 0.0)
    limits = fusion_limits() if jax.default_backend() == "cpu" else {}
    dots = dot_efficiencies(repeats, quick) if jax.default_backend() == "cpu" else {}

    backend = jax.default_backend()
    return {
        "name": f"{backend}-calibrated",
        "description": f"measured by stablehlo-eqsat-calibrate on {jax.devices()[0].device_kind} ({backend})",
        "bandwidth_bytes_per_s": bandwidth,
        "elementwise_flops_per_s": elementwise,
        "transcendental_per_s": transcendental,
        "matmul_flops_per_s": matmul,
        "launch_overhead_s": launch,
        "opaque_bytes_per_s": opaque,
        "parallel_tasks": tasks,
        "parallel_overhead_s": handoff,
        **limits,
        **dots,
    }


# The dot forms `passes/dot_cost.py` prices apart, as (lhs, rhs contracting dimension, the lhs
# stored [K, M], the rhs stored [N, K]); each is timed against the GEMM of the same arithmetic,
# A[M, K] @ B[K, N], and its efficiency is the GEMM's time over its own.
_DOT_FORMS = {
    "dot_rhs_minor_efficiency": (1, 1, False, True),  # A[M,K] . B[N,K]: the library, rhs repacked
    "dot_generic_vector_efficiency": (0, 0, True, False),  # A[K,M] . B[K,N]: generic, vectorizing
    "dot_generic_efficiency": (0, 1, True, True),  # A[K,M] . B[N,K]: generic, strided
}
_DOT_SHAPES = [(256, 256, 256), (128, 1024, 256), (256, 256, 1024)]  # M, K, N (all 64 or more)


def dot_efficiencies(repeats: int, quick: bool = False) -> dict[str, float]:
    """The share of the GEMM's rate XLA CPU's other dot kernels reach (`DeviceProfile.dot_*`):
    medians over a few transformer-sized products (`_DOT_SHAPES`), at most 1."""
    from jax import lax

    rng = np.random.default_rng(1)
    shapes = _DOT_SHAPES if not quick else [(64, 128, 64)]

    def arr(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape, dtype=np.float32)

    def timed(shape: tuple[int, int, int], form: tuple[int, int, bool, bool]) -> float:
        (m, k, n), (lc, rc, lhs_t, rhs_t) = shape, form
        a, b = arr(k, m) if lhs_t else arr(m, k), arr(n, k) if rhs_t else arr(k, n)
        dims = (((lc,), (rc,)), ((), ()))
        return _median_seconds(lambda u, v: lax.dot_general(u, v, dims), a, b, repeats=repeats)

    gemm = {shape: timed(shape, (1, 0, False, False)) for shape in shapes}
    out: dict[str, float] = {}
    for name, form in _DOT_FORMS.items():
        ratios = [gemm[shape] / timed(shape, form) for shape in shapes]
        out[name] = float(min(1.0, np.median(ratios)))
    out["dot_generic_narrow"] = 64  # (not timed: the rows below which strided loops slow down)
    return out


def _entry(f: Callable[..., Any], *shapes: tuple[int, ...]) -> str:
    """The entry computation of XLA's optimized HLO for `f` on f32 arguments of `shapes`."""
    import jax
    import jax.numpy as jnp

    text = jax.jit(f).lower(*(jnp.zeros(s, jnp.float32) for s in shapes)).compile().as_text() or ""
    return text[text.find("ENTRY") :]


def _first(lo: int, hi: int, holds: Callable[[int], bool]) -> int:
    """The least n in [lo, hi] for which `holds(n)` (monotone), or hi + 1."""
    while lo <= hi:
        mid = (lo + hi) // 2
        if holds(mid):
            hi = mid - 1
        else:
            lo = mid + 1
    return lo


def fusion_limits() -> dict[str, int]:
    """Limits of XLA CPU's fusion, read from its optimized HLO of probe programs (not timed):
    the most operands of a concatenate it still fuses (and the shortest minor dimension along which
    it no longer fuses one), the longest reduced dimension it reduces
    in one fusion, and the operand size from which its library reduction takes over (below it,
    longer reductions become a tree of reduce-windows that fuse no producer). 0: not seen."""
    import jax.numpy as jnp

    def unfused_concat(n: int, width: int = 4, axis: int = 0) -> bool:
        parts = lambda x: [x * (i + 2.0) for i in range(n)]  # noqa: E731
        return " concatenate(" in _entry(lambda x: jnp.concatenate(parts(x), axis=axis), (4, width))

    def tree(rows: int, length: int) -> bool:
        return "reduce-window" in _entry(lambda x: jnp.sum(jnp.exp(x), axis=-1), (rows, length))

    concat = _first(2, 64, unfused_concat) - 1
    # two operands joined along the minor dimension: the shortest result that is not fused
    minor = 2 * _first(1, 1024, lambda w: unfused_concat(2, w, axis=1))
    window = _first(2, 1024, lambda n: tree(2, n)) - 1
    library = 0
    if window < 1024:  # the smallest operand, in rows of 2 * window, no longer split into a tree
        rows = _first(1, 4096, lambda r: not tree(r, 2 * window))
        library = rows * 2 * window if rows <= 4096 else 0
    return {
        "concat_fusion_max_operands": concat if concat < 64 else 0,
        "concat_minor_dim_limit": minor if minor <= 2048 else 0,
        "tree_reduction_window": window if window < 1024 else 0,
        "library_reduce_min_elements": library,
    }


def _chain_program(flops: int, n: int = 64, pairs: int = 4) -> str:
    """`pairs` times: a dot, then `flops` elementwise ops on its n x n result (one loop fusion)."""
    t = f"tensor<{n}x{n}xf32>"
    lines = [
        f"func.func @main(%x: {t}, %w: {t}) -> {t} {{",
        f"  %h = stablehlo.constant dense<1.000100e+00> : {t}",
    ]
    cur = "%x"
    for r in range(pairs):
        lines.append(
            f"  %d{r} = stablehlo.dot_general {cur}, %w, contracting_dims = [1] x [0] : ({t}, {t}) -> {t}"
        )
        cur = f"%d{r}"
        for i in range(flops):
            lines.append(f"  %e{r}_{i} = stablehlo.{'multiply' if i % 2 == 0 else 'add'} {cur}, %h : {t}")
            cur = f"%e{r}_{i}"
    lines.append(f"  return {cur} : {t}\n}}")
    return "\n".join(lines)


def parallel_handoff(elementwise_rate: float, repeats: int) -> tuple[int, float]:
    """XLA CPU's parallelism for loop fusions, and the extra time of one split fusion: the
    `parallel_tasks` and `parallel_overhead_s` of a profile. With n = 64, a 6-op chain does
    fewer flops than it moves bytes (never split) and a 12-op chain more (split by its cost)."""
    import os

    import stablehlo_eqsat.xla as xla

    exes = [xla.compile_module(_chain_program(k)) for k in (6, 12)]
    split = [
        'outer_dimension_partitions":["' in "".join(m.to_string() for m in e.hlo_modules()) for e in exes
    ]
    if split != [False, True]:
        return 1, 0.0  # this XLA does not split loop fusions as its ParallelTaskAssigner did
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal((64, 64), dtype=np.float32) * 0.01 for _ in range(2)]
    # interleaved; a sample is a batch of 20 executions dispatched back to back
    samples, _ = xla.time_interleaved(
        exes, xla.device_arrays(exes[0], inputs), rounds=repeats, min_batch=20, max_batch=20, warmup=20
    )
    short, long = (s.median for s in samples)
    extra_flops = 4 * 6 * 64 * 64
    return os.cpu_count() or 1, max(0.0, (long - short - extra_flops / elementwise_rate) / 4)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stablehlo-eqsat-calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("-o", dest="output", default="-", help="profile JSON to write ('-': stdout)")
    parser.add_argument("--quick", action="store_true", help="smaller problems, fewer repeats")
    args = parser.parse_args(argv)
    profile = measure(quick=args.quick)
    text = json.dumps(profile, indent=2) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w") as f:
            f.write(text)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
