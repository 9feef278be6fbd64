"""Timing inside a loop (`xla/loop.py`): the looped module computes what the program does, and its
slope between two trip counts is the time of the program's kernels."""

from __future__ import annotations

import numpy as np
import pytest

import stablehlo_eqsat.xla as xla
from stablehlo_eqsat.xla import XlaError
from stablehlo_eqsat.xla.loop import loop_module, loop_seconds

# Two results, a scalar parameter and an integer one: every kind of parameter the loop rewrites.
PROGRAM = """
func.func public @main(%a: tensor<4x8xf32>, %b: tensor<8x3xf32>, %s: tensor<f32>, %k: tensor<3xi32>)
    -> (tensor<4x3xf32>, tensor<3xi32>) {
  %0 = stablehlo.dot_general %a, %b, contracting_dims = [1] x [0]
      : (tensor<4x8xf32>, tensor<8x3xf32>) -> tensor<4x3xf32>
  %1 = stablehlo.broadcast_in_dim %s, dims = [] : (tensor<f32>) -> tensor<4x3xf32>
  %2 = stablehlo.add %0, %1 : tensor<4x3xf32>
  %3 = stablehlo.add %k, %k : tensor<3xi32>
  return %2, %3 : tensor<4x3xf32>, tensor<3xi32>
}
"""


def _run_looped(n: int, inputs: list[np.ndarray]) -> list[np.ndarray]:
    exe = xla.compile_module(loop_module(PROGRAM))
    return xla.run(exe, [np.array(n, np.int32), *inputs])


def test_the_looped_program_computes_what_the_program_does() -> None:
    """Once, and zero times (the run before the loop): the program's results. More: the program
    on parameters whose first element the loop overwrote with zero (each iteration depends on the
    one before; a scalar has zero added)."""
    inputs = xla.random_inputs(xla.arg_types_of(PROGRAM), seed=3)
    direct = xla.run(xla.compile_module(PROGRAM), inputs)
    for got, want in zip(_run_looped(1, inputs), direct, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    for got, want in zip(_run_looped(0, inputs), direct, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    zeroed = [x.copy() for x in inputs]
    for x in zeroed:
        if x.ndim:
            x.reshape(-1)[0] = 0
    expected = xla.run(xla.compile_module(PROGRAM), zeroed)
    for got, want in zip(_run_looped(3, inputs), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_a_program_the_loop_cannot_carry_is_refused() -> None:
    dynamic = PROGRAM.replace("tensor<3xi32>", "tensor<?xi32>")
    with pytest.raises(XlaError, match="static"):
        loop_module(dynamic)


def _dot_chain(k: int) -> str:
    t = "tensor<16x16xf32>"
    lines = [f"func.func public @main(%x: {t}, %w: {t}) -> {t} {{"]
    prev = "%x"
    for i in range(k):
        lines.append(
            f"  %{i} = stablehlo.dot_general {prev}, %w, contracting_dims = [1] x [0] : ({t}, {t}) -> {t}"
        )
        prev = f"%{i}"
    return "\n".join([*lines, f"  return {prev} : {t}", "}"])


def test_the_slope_counts_the_kernels_not_the_call() -> None:
    """Sixteen products in a chain take many times one product's time per iteration (a call of
    either costs about the same ~10 us here, which the slope leaves out)."""
    texts = [_dot_chain(1), _dot_chain(16)]
    exes = [xla.compile_module(loop_module(t)) for t in texts]
    one, sixteen = loop_seconds(exes, [xla.random_inputs(xla.arg_types_of(t)) for t in texts])
    assert one > 0 and sixteen > 4 * one
