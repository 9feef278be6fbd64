"""Pooling as slices (`rules/pool.py`: `reduce-window-to-slices[-exact]`), under XLA CPU.

Each case is a one-function module, a convolution (the rules propose pooling rewrites only next
to one) then a `reduce_window`; the alternative the expansion adds is exported in its place and
compiled, and its results are compared with the original's on random inputs: bit for bit for
maximum and minimum (signed zeros and NaN in the input; any NaN equals any NaN), within a
reduction's rounding for sums. NHWC and NCHW, strides, padding, window dilation, float32 and
bfloat16.
"""

from __future__ import annotations

import expansions
import numpy as np
import pytest
from stablehlo_eqsat.rules.registry import all_rules

import stablehlo_eqsat.xla as xla

RULES = {r.name: r for r in all_rules() if r.name.startswith("reduce-window-to-slices")}
BODY = {"max": "maximum", "min": "minimum", "add": "add"}
INIT = {"max": "0xFF800000", "min": "0x7F800000", "add": "0.0"}


def pool_module(
    x: str, out: str, kind: str, window: str, strides: str = "", padding: str = "", dilation: str = "",
    nchw: bool = False, dtype: str = "f32", conv: bool = True,
) -> str:  # fmt: skip
    """A 1x1 convolution of `x` (to itself) then a `reduce_window` of it."""
    t = lambda s: f"tensor<{s}x{dtype}>"  # noqa: E731
    feature = int(x.split("x")[1 if nchw else 3])
    dims = "[b, f, 0, 1]x[o, i, 0, 1]->[b, f, 0, 1]" if nchw else "[b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f]"
    w = f"{feature}x{feature}x1x1" if nchw else f"1x1x{feature}x{feature}"
    attrs = [f"window_dimensions = array<i64: {window}>"]
    if strides:
        attrs.append(f"window_strides = array<i64: {strides}>")
    if dilation:
        attrs.append(f"window_dilations = array<i64: {dilation}>")
    if padding:
        attrs.append(f"padding = dense<{padding}> : tensor<4x2xi64>")
    init = INIT[kind] if dtype == "f32" or kind == "add" else {"max": "0xFF80", "min": "0x7F80"}[kind]
    source = "%c" if conv else "%x"
    return (
        f"func.func @main(%x: {t(x)}, %w: {t(w)}) -> {t(out)} {{\n"
        f"  %c = stablehlo.convolution(%x, %w) dim_numbers = {dims}, window = {{}} "
        f"{{batch_group_count = 1 : i64, feature_group_count = 1 : i64}} : ({t(x)}, {t(w)}) -> {t(x)}\n"
        f"  %init = stablehlo.constant dense<{init}> : tensor<{dtype}>\n"
        f'  %p = "stablehlo.reduce_window"({source}, %init) <{{{", ".join(attrs)}}}> ({{\n'
        f"  ^bb0(%a: tensor<{dtype}>, %b: tensor<{dtype}>):\n"
        f"    %m = stablehlo.{BODY[kind]} %a, %b : tensor<{dtype}>\n"
        f"    stablehlo.return %m : tensor<{dtype}>\n"
        f"  }}) : ({t(x)}, tensor<{dtype}>) -> {t(out)}\n"
        f"  return %p : {t(out)}\n}}\n"
    )


def alternatives(text: str) -> dict[str, list[str]]:
    """rule -> the modules its expansion produces, the alternative in place of the pooling."""
    return expansions.alternatives(text, RULES)


def _inputs(text: str, dtype: str) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    x_type, w_type = xla.arg_types_of(text)
    x = rng.uniform(-1.0, 1.0, size=x_type.shape).astype(np.float32)
    # signed zeros, NaN and infinities among the values the windows compare
    flat = x.reshape(-1)
    flat[::7], flat[3::11], flat[5::13] = 0.0, -0.0, np.float32(np.nan)
    flat[1::17] = np.inf
    c = x_type.shape[1] if w_type.shape[0] != 1 else x_type.shape[3]
    w = np.eye(c, dtype=np.float32).reshape(w_type.shape)  # the identity: pooling sees x itself
    return [x.astype(xla.numpy_dtype(dtype)), w.astype(xla.numpy_dtype(dtype))]


SAME_3X3 = "[[0, 0], [1, 1], [1, 1], [0, 0]]"
# (id, kind, x, out, window, strides, padding, window dilation, NCHW)
CASES = [
    ("nhwc_max_3x3_s2_same", "max", "2x9x9x4", "2x5x5x4", "1, 3, 3, 1", "1, 2, 2, 1", SAME_3X3, "", False),
    ("nchw_max_2x2_s2_valid", "max", "2x4x8x8", "2x4x4x4", "1, 1, 2, 2", "1, 1, 2, 2", "", "", True),
    ("nhwc_min_3x3_dilated", "min", "1x9x9x3", "1x5x5x3", "1, 3, 3, 1", "", "", "1, 2, 2, 1", False),
    ("nhwc_max_3x1_uneven_pad", "max", "1x7x6x2", "1x3x6x2", "1, 3, 1, 1", "1, 2, 1, 1",
     "[[0, 0], [1, 0], [0, 0], [0, 0]]", "", False),
    ("nhwc_sum_3x3_s1_same", "add", "2x6x6x4", "2x6x6x4", "1, 3, 3, 1", "", SAME_3X3, "", False),
    ("nchw_sum_2x2_s2", "add", "1x3x6x6", "1x3x3x3", "1, 1, 2, 2", "1, 1, 2, 2", "", "", True),
]  # fmt: skip


@pytest.mark.parametrize("dtype", ["f32", "bf16"])
@pytest.mark.parametrize(("case", "spec"), [(c[0], c[1:]) for c in CASES], ids=[c[0] for c in CASES])
def test_pooling_as_slices_computes_the_pooling(dtype: str, case: str, spec: tuple) -> None:  # type: ignore[type-arg]
    kind, x, out, window, strides, padding, dilation, nchw = spec
    text = pool_module(x, out, kind, window, strides, padding, dilation, nchw, dtype)
    rule = "reduce-window-to-slices" if kind == "add" else "reduce-window-to-slices-exact"
    alts = alternatives(text)
    assert list(alts) == [rule] and len(alts[rule]) == 1
    args = _inputs(text, dtype)
    (want,) = xla.compile_and_run(text, args)
    (got,) = xla.compile_and_run(alts[rule][0], args)
    if kind == "add":
        finite = np.isfinite(want.astype(np.float64))
        assert np.array_equal(finite, np.isfinite(got.astype(np.float64)))
        rtol = 1e-6 if dtype == "f32" else 3e-2
        w64, g64 = want.astype(np.float64)[finite], got.astype(np.float64)[finite]
        assert np.max(np.abs(w64 - g64), initial=0.0) <= rtol * max(
            1.0, float(np.max(np.abs(w64), initial=0.0))
        )
    else:  # bit for bit (the same maxima, the same signed zeros), and NaN where there was one (any NaN:
        # the sign XLA gives a NaN differs between its kernels)
        w, g = want.astype(np.float32), got.astype(np.float32)
        assert np.array_equal(np.isnan(w), np.isnan(g))
        assert np.array_equal(w[~np.isnan(w)].view(np.uint32), g[~np.isnan(g)].view(np.uint32))


def test_pooling_is_left_alone_without_a_convolution_or_with_base_dilation() -> None:
    no_conv = pool_module("2x9x9x4", "2x5x5x4", "max", "1, 3, 3, 1", "1, 2, 2, 1",
                          "[[0, 0], [1, 1], [1, 1], [0, 0]]", conv=False)  # fmt: skip
    assert not alternatives(no_conv)
    dilated = pool_module("1x4x4x2", "1x7x7x2", "max", "1, 1, 1, 1").replace(
        "window_dimensions", "base_dilations = array<i64: 1, 2, 2, 1>, window_dimensions"
    )
    assert not alternatives(dilated)


def test_pooling_is_timed_alone_like_a_convolution(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from stablehlo_eqsat.dialect_glue.graph import TensorTy
    from stablehlo_eqsat.passes.measure import Measurer

    m = Measurer(tmp_path / "m.json", budget_seconds=60)
    params = ((1, 3, 3, 1), (1, 2, 2, 1), (), (), (0, 0, 1, 1, 1, 1, 0, 0), "max")
    kids = [TensorTy((2, 16, 16, 8), "f32"), TensorTy((), "f32")]
    t = m.seconds("ReduceWindow", TensorTy((2, 8, 8, 8), "f32"), kids, params)
    assert t is not None and 0 <= t < 0.1 and m.measured == 1
