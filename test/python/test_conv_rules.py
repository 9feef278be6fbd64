"""Convolution rules (`rules/conv.py`): each alternative computes the convolution, under XLA CPU.

Each rule's expansion is applied to the convolution of a one-op module and the alternative it
adds is exported on its own (whatever the cost model would choose), compiled and compared
with the original on random inputs: float32 within a tolerance scaled by the reduction size,
bfloat16 looser. Shapes cover NHWC and NCHW, strides, dilations, padding, transposed
(lhs-dilated) and depthwise convolutions, and small inputs where some taps see only padding;
48 random convolutions (any layout of the three operands, groups, strides, padding, dilations)
add what hand-picked cases miss: the space-to-batch rule's phase order in a layout with its
spatial dimensions reversed was wrong for a stop before the fuzzer found it (4 of the 48 fail
without the fix).
"""

from __future__ import annotations

import math

import expansions
import numpy as np
import pytest
from stablehlo_eqsat.dialect_glue.context import make_context
from stablehlo_eqsat.dialect_glue.importer import import_function, pure_functions
from stablehlo_eqsat.passes.constants import canonicalize_splats
from stablehlo_eqsat.rules.registry import all_rules

import stablehlo_eqsat.xla as xla

RULES = {r.name: r for r in all_rules() if r.family == "conv"}

NHWC = "[b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f]"
NCHW = "[b, f, 0, 1]x[o, i, 0, 1]->[b, f, 0, 1]"


def conv_module(x: str, w: str, out: str, dims: str, window: str, groups: int = 1, dtype: str = "f32") -> str:
    t = lambda s: f"tensor<{s}x{dtype}>"  # noqa: E731
    return (
        f"func.func @main(%x: {t(x)}, %w: {t(w)}) -> {t(out)} {{\n"
        f"  %0 = stablehlo.convolution(%x, %w) dim_numbers = {dims}, window = {{{window}}} "
        f"{{batch_group_count = 1 : i64, feature_group_count = {groups} : i64}} : "
        f"({t(x)}, {t(w)}) -> {t(out)}\n"
        f"  return %0 : {t(out)}\n}}\n"
    )


def mul_scale_module(dtype: str = "f32") -> str:
    t = lambda s: f"tensor<{s}x{dtype}>"  # noqa: E731
    return (
        f"func.func @main(%x: {t('2x6x6x8')}, %w: {t('3x3x8x16')}, %s: {t('16')}) -> {t('2x6x6x16')} {{\n"
        f"  %0 = stablehlo.convolution(%x, %w) dim_numbers = {NHWC}, window = {{pad = [[1, 1], [1, 1]]}} "
        f"{{batch_group_count = 1 : i64, feature_group_count = 1 : i64}} : "
        f"({t('2x6x6x8')}, {t('3x3x8x16')}) -> {t('2x6x6x16')}\n"
        f"  %1 = stablehlo.broadcast_in_dim %s, dims = [3] : ({t('16')}) -> {t('2x6x6x16')}\n"
        f"  %2 = stablehlo.multiply %0, %1 : {t('2x6x6x16')}\n"
        f"  return %2 : {t('2x6x6x16')}\n}}\n"
    )


# (case id, module builder args, rules expected to fire)
CASES = [
    ("nhwc_1x1", ("2x5x5x8", "1x1x8x16", "2x5x5x16", NHWC, ""), {"conv-1x1-to-dot"}),
    ("nhwc_1x1_strided", ("2x7x7x8", "1x1x8x16", "2x4x4x16", NHWC, "stride = [2, 2]"), {"conv-1x1-to-dot"}),
    ("nchw_1x1", ("2x8x5x5", "16x8x1x1", "2x16x5x5", NCHW, ""), {"conv-1x1-to-dot"}),
    (
        "nhwc_3x3_same",
        ("2x6x6x8", "3x3x8x16", "2x6x6x16", NHWC, "pad = [[1, 1], [1, 1]]"),
        {"conv-to-im2col", "conv-to-tap-sum"},
    ),
    (
        "nhwc_3x3_on_1x1",
        ("2x1x1x8", "3x3x8x16", "2x1x1x16", NHWC, "pad = [[1, 1], [1, 1]]"),
        {"conv-to-im2col", "conv-drop-padding-taps"},
    ),
    (
        "nhwc_3x3_on_2x2_s2",
        ("1x2x2x8", "3x3x8x4", "1x1x1x4", NHWC, "stride = [2, 2], pad = [[1, 1], [1, 1]]"),
        {"conv-to-im2col", "conv-to-tap-sum", "conv-drop-padding-taps"},
    ),
    (
        "nhwc_strided_dilated",
        ("1x11x11x4", "3x3x4x8", "1x4x4x8", NHWC, "stride = [2, 2], rhs_dilate = [2, 2]"),
        {"conv-to-im2col", "conv-to-tap-sum"},
    ),
    ("nchw_4x3_valid", ("2x3x9x10", "5x3x4x3", "2x5x6x8", NCHW, ""), {"conv-to-im2col", "conv-to-tap-sum"}),
    (
        "nhwc_transposed",
        ("1x4x4x8", "3x3x8x4", "1x8x8x4", NHWC, "pad = [[1, 2], [1, 2]], lhs_dilate = [2, 2]"),
        {"conv-to-im2col", "conv-to-tap-sum", "conv-transpose-to-phases"},
    ),
    (  # jax.lax.conv_transpose(..., (2, 2), "SAME") with a 4x4 kernel (DCGAN)
        "nhwc_transposed_4x4",
        ("2x4x4x8", "4x4x8x4", "2x8x8x4", NHWC, "pad = [[2, 2], [2, 2]], lhs_dilate = [2, 2]"),
        {"conv-to-im2col", "conv-to-tap-sum", "conv-transpose-to-phases"},
    ),
    (  # stride 3 by 2, a kernel wider than the stride in one dimension only
        "nchw_transposed_3x2",
        ("2x8x5x4", "4x8x3x3", "2x4x13x9", NCHW, "pad = [[1, 1], [2, 2]], lhs_dilate = [3, 2]"),
        {"conv-to-im2col", "conv-to-tap-sum", "conv-transpose-to-phases"},
    ),
    (  # dilated kernel: each phase a dilated convolution of its own
        "nhwc_transposed_rhs_dilated",
        (
            "1x5x5x4",
            "3x3x4x4",
            "1x11x11x4",
            NHWC,
            "pad = [[3, 3], [3, 3]], lhs_dilate = [2, 2], rhs_dilate = [2, 2]",
        ),
        {"conv-to-im2col", "conv-to-tap-sum", "conv-transpose-to-phases"},
    ),
    (  # 1x1 kernel: the odd phases meet inserted zeros only (zeros), one output short
        "nhwc_transposed_1x1",
        ("1x4x4x8", "1x1x8x4", "1x7x7x4", NHWC, "lhs_dilate = [2, 2]"),
        {"conv-to-im2col", "conv-transpose-to-phases"},
    ),
    (  # no padding: phases read past the input on both sides (cut, not padded negatively)
        "nhwc_transposed_valid",
        ("1x6x6x4", "3x3x4x4", "1x9x9x4", NHWC, "lhs_dilate = [2, 2]"),
        {"conv-to-im2col", "conv-to-tap-sum", "conv-transpose-to-phases"},
    ),
    (
        "nhwc_transposed_grouped",
        ("1x4x4x8", "4x4x2x8", "1x8x8x8", NHWC, "pad = [[2, 2], [2, 2]], lhs_dilate = [2, 2]", 4),
        {"grouped-conv-to-batched-dot", "grouped-conv-to-taps", "conv-transpose-to-phases"},
    ),
    (  # dilated in one spatial dimension only
        "nhwc_transposed_rows",
        ("1x4x4x8", "3x3x8x4", "1x7x4x4", NHWC, "pad = [[1, 1], [1, 1]], lhs_dilate = [2, 1]"),
        {"conv-to-im2col", "conv-to-tap-sum", "conv-transpose-to-phases"},
    ),
    (
        "conv1d_transposed",
        ("2x9x3", "5x3x6", "2x18x6", "[b, 0, f]x[0, i, o]->[b, 0, f]", "pad = [[3, 2]], lhs_dilate = [2]"),
        {"conv-to-im2col", "conv-to-tap-sum", "conv-transpose-to-phases"},
    ),
    (  # rhs dilation: the input's phases moved into the batch
        "nhwc_dilated",
        ("2x7x9x4", "3x3x4x6", "2x7x9x6", NHWC, "pad = [[2, 2], [2, 2]], rhs_dilate = [2, 2]"),
        {"conv-to-im2col", "conv-to-tap-sum", "dilated-conv-to-space-to-batch"},
    ),
    (
        "nchw_dilated_3x2",
        ("2x4x10x9", "5x4x3x3", "2x5x8x8", NCHW, "pad = [[2, 2], [1, 2]], rhs_dilate = [3, 2]"),
        {"conv-to-im2col", "conv-to-tap-sum", "dilated-conv-to-space-to-batch"},
    ),
    (  # dilated in one dimension, no padding
        "nhwc_dilated_rows_valid",
        ("1x9x8x4", "3x3x4x4", "1x5x6x4", NHWC, "rhs_dilate = [2, 1]"),
        {"conv-to-im2col", "conv-to-tap-sum", "dilated-conv-to-space-to-batch"},
    ),
    (  # batch last, features first
        "fhwb_dilated",
        (
            "4x8x8x2",
            "4x3x3x4",
            "4x8x8x2",
            "[f, 0, 1, b]x[i, 0, 1, o]->[f, 0, 1, b]",
            "pad = [[2, 2], [2, 2]], rhs_dilate = [2, 2]",
        ),
        {"conv-to-im2col", "conv-to-tap-sum", "dilated-conv-to-space-to-batch"},
    ),
    (  # spatial dimensions in reverse order in the input ([f, 1, b, 0]): found by the fuzzer
        "f1b0_dilated",
        (
            "3x9x2x8",
            "4x3x3x3",
            "4x8x9x2",
            "[f, 1, b, 0]x[o, 0, i, 1]->[f, 0, 1, b]",
            "pad = [[2, 2], [3, 3]], rhs_dilate = [2, 3]",
        ),
        {"conv-to-im2col", "conv-to-tap-sum", "dilated-conv-to-space-to-batch"},
    ),
    (
        "f1b0_transposed",
        (
            "3x4x2x5",
            "4x3x3x3",
            "4x11x9x2",
            "[f, 1, b, 0]x[o, 0, i, 1]->[f, 0, 1, b]",
            "pad = [[2, 2], [2, 2]], lhs_dilate = [2, 2]",
        ),
        {"conv-to-im2col", "conv-to-tap-sum", "conv-transpose-to-phases"},
    ),
    (
        "nhwc_dilated_depthwise",
        ("1x8x8x8", "3x3x1x8", "1x8x8x8", NHWC, "pad = [[2, 2], [2, 2]], rhs_dilate = [2, 2]", 8),
        {"depthwise-conv-to-taps", "dilated-conv-to-space-to-batch"},
    ),
    (
        "conv1d_dilated",
        ("2x20x3", "3x3x5", "2x18x5", "[b, 0, f]x[0, i, o]->[b, 0, f]", "pad = [[2, 2]], rhs_dilate = [3]"),
        {"conv-to-im2col", "conv-to-tap-sum", "dilated-conv-to-space-to-batch"},
    ),
    (  # lhs dilation with a stride in the same dimension: not a phase split
        "nhwc_lhs_dilated_strided",
        ("1x6x6x4", "3x3x4x4", "1x5x5x4", NHWC, "stride = [2, 2], lhs_dilate = [2, 2]"),
        {"conv-to-im2col", "conv-to-tap-sum"},
    ),
    (
        "nhwc_depthwise",
        ("2x7x7x16", "3x3x1x16", "2x7x7x16", NHWC, "pad = [[1, 1], [1, 1]]", 16),
        {"depthwise-conv-to-taps"},
    ),
    (
        "nhwc_depthwise_s2",
        ("2x8x8x16", "3x3x1x16", "2x4x4x16", NHWC, "stride = [2, 2], pad = [[0, 1], [0, 1]]", 16),
        {"depthwise-conv-to-taps"},
    ),
    (
        "nchw_depthwise",
        ("2x6x7x7", "6x1x3x3", "2x6x7x7", NCHW, "pad = [[1, 1], [1, 1]]", 6),
        {"depthwise-conv-to-taps"},
    ),
    (
        "nhwc_depthwise_on_1x1",
        ("2x1x1x16", "3x3x1x16", "2x1x1x16", NHWC, "pad = [[1, 1], [1, 1]]", 16),
        {"depthwise-conv-to-taps", "conv-drop-padding-taps"},
    ),
    (
        "conv1d",
        ("1x28x2", "3x2x16", "1x28x16", "[b, 0, f]x[0, i, o]->[b, 0, f]", "pad = [[1, 1]]"),
        {"conv-to-im2col", "conv-to-tap-sum"},
    ),
    (
        "nhwc_grouped",
        ("1x6x6x8", "3x3x2x8", "1x6x6x8", NHWC, "pad = [[1, 1], [1, 1]]", 4),
        {"grouped-conv-to-batched-dot", "grouped-conv-to-taps"},
    ),
    (
        "nhwc_grouped_1x1_s2",
        ("2x7x7x12", "1x1x4x6", "2x4x4x6", NHWC, "stride = [2, 2]", 3),
        {"grouped-conv-to-batched-dot", "grouped-conv-to-taps"},
    ),
    (
        "nchw_grouped_on_1x1",
        ("2x8x1x1", "12x2x3x3", "2x12x1x1", NCHW, "pad = [[1, 1], [1, 1]]", 4),
        {"grouped-conv-to-batched-dot", "grouped-conv-to-taps", "conv-drop-padding-taps"},
    ),
    (  # ResNeXt's shape, small: groups of 4 in and 4 out
        "nhwc_grouped_resnext",
        ("2x6x6x16", "3x3x4x16", "2x6x6x16", NHWC, "pad = [[1, 1], [1, 1]]", 4),
        {"grouped-conv-to-batched-dot", "grouped-conv-to-taps"},
    ),
    (  # NCHW, strided and dilated, kernel [o, i, 0, 1], 3 in and 2 out per group
        "nchw_grouped_strided_dilated",
        (
            "2x6x9x9",
            "4x3x3x3",
            "2x4x4x4",
            NCHW,
            "stride = [2, 2], pad = [[1, 1], [1, 1]], rhs_dilate = [2, 2]",
            2,
        ),
        {"grouped-conv-to-batched-dot", "grouped-conv-to-taps"},
    ),
    (
        "nhwc_depthwise_multiplier",
        ("1x5x5x4", "3x3x1x8", "1x3x3x8", NHWC, "", 4),
        {"grouped-conv-to-batched-dot", "grouped-conv-to-taps"},
    ),
]
# Windows that tile the input (stride = kernel size, no padding): patches, not a slice per tap.
PATCH_CASES = [
    (
        "nhwc_patches_4x4",
        ("2x16x16x3", "4x4x3x8", "2x4x4x8", NHWC, "stride = [4, 4]"),
        {"conv-patches-to-dot"},
    ),
    (  # 10 = 3 * 3 + 1: the last row and column of the input are in no window
        "nchw_patches_3x3_leftover",
        ("2x3x10x10", "8x3x3x3", "2x8x3x3", NCHW, "stride = [3, 3]"),
        {"conv-patches-to-dot"},
    ),
    (  # 2x2 stride-2 downsampling, and a 2x1 kernel tiling one dimension only
        "nhwc_patches_2x2",
        ("1x8x6x16", "2x2x16x32", "1x4x3x32", NHWC, "stride = [2, 2]"),
        {"conv-patches-to-dot"},
    ),
    ("nhwc_patches_2x1", ("1x8x6x4", "2x1x4x8", "1x4x6x8", NHWC, "stride = [2, 1]"), {"conv-patches-to-dot"}),
    (
        "conv1d_patches",
        ("2x12x5", "4x5x6", "2x3x6", "[b, 0, f]x[0, i, o]->[b, 0, f]", "stride = [4]"),
        {"conv-patches-to-dot"},
    ),
    (  # spatial dimensions in reverse order in the input
        "f1b0_patches",
        ("3x8x2x6", "4x2x3x2", "4x3x4x2", "[f, 1, b, 0]x[o, 0, i, 1]->[f, 0, 1, b]", "stride = [2, 2]"),
        {"conv-patches-to-dot"},
    ),
    (  # batch last, features first, the kernel [o, 0, 1, i]: its taps concatenated, not reshaped
        "fhwb_patches",
        ("4x8x8x2", "6x2x2x4", "6x4x4x2", "[f, 0, 1, b]x[o, 0, 1, i]->[f, 0, 1, b]", "stride = [2, 2]"),
        {"conv-patches-to-dot"},
    ),
]
CASES += PATCH_CASES
LEFT_ALONE = [
    # window reversal: left alone
    ("nhwc_reversed", ("1x6x6x8", "3x3x8x8", "1x4x4x8", NHWC, "reverse = [true, false]")),
]


def alternatives(text: str) -> dict[str, list[str]]:
    """rule -> the modules its expansion produces for the function's first matching term."""
    return expansions.alternatives(text, RULES)


def _inputs(text: str, dtype: str, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for t in xla.arg_types_of(text):
        a = rng.uniform(-1.0, 1.0, size=t.shape).astype(np.float32)
        out.append(a.astype(xla.numpy_dtype(dtype)))
    return out


def _check(text: str, alt: str, dtype: str, reduction: int) -> None:
    args = _inputs(text, dtype, 0)
    (want,) = xla.compile_and_run(text, args)
    (got,) = xla.compile_and_run(alt, args)
    want64, got64 = want.astype(np.float64), got.astype(np.float64)
    # f32: a few ulps per term of the reduction; bf16: 8 bits of mantissa, and XLA rounds
    # intermediate sums differently.
    rtol = 1e-6 * max(1, reduction) if dtype == "f32" else 2e-2 * max(1.0, np.sqrt(reduction))
    scale = max(1.0, float(np.max(np.abs(want64))))
    err = float(np.max(np.abs(want64 - got64))) if want.size else 0.0
    assert err <= rtol * scale, f"max error {err} > {rtol * scale}"


@pytest.mark.parametrize("dtype", ["f32", "bf16"])
@pytest.mark.parametrize(("case", "spec", "rules"), CASES, ids=[c[0] for c in CASES])
def test_conv_alternatives_compute_the_convolution(
    case: str, spec: tuple, rules: set[str], dtype: str
) -> None:  # type: ignore[type-arg]
    text = conv_module(*spec[:5], *(spec[5:] or (1,)), dtype=dtype)
    alts = alternatives(text)
    assert set(alts) == rules, f"{case}: fired {sorted(alts)}, expected {sorted(rules)}"
    w_shape = [int(s) for s in spec[1].split("x")]
    reduction = int(np.prod(w_shape))
    for rule, texts in alts.items():
        for alt in texts:
            keeps_convolutions = rule in (
                "conv-drop-padding-taps", "conv-transpose-to-phases", "dilated-conv-to-space-to-batch"
            )  # fmt: skip
            assert "stablehlo.convolution" not in alt or keeps_convolutions, rule
            if rule == "conv-transpose-to-phases":
                assert "lhs_dilate = [2" not in alt and "lhs_dilate = [3" not in alt, alt
            if rule == "dilated-conv-to-space-to-batch":
                assert "rhs_dilate = [2" not in alt and "rhs_dilate = [3" not in alt, alt
            _check(text, alt, dtype, reduction)


@pytest.mark.parametrize("dtype", ["f32", "bf16"])
def test_conv_fold_scale(dtype: str) -> None:
    text = mul_scale_module(dtype)
    alts = alternatives(text)
    assert "conv-fold-scale" in alts
    for alt in alts["conv-fold-scale"]:
        assert "stablehlo.multiply" in alt
        _check(text, alt, dtype, 72)


@pytest.mark.parametrize(("case", "spec"), LEFT_ALONE, ids=[c[0] for c in LEFT_ALONE])
def test_conv_left_alone(case: str, spec: tuple) -> None:  # type: ignore[type-arg]
    text = conv_module(*spec[:5], *(spec[5:] or (1,)))
    assert alternatives(text) == {}


def _optimize(text: str, fp_mode: str, only: str = "") -> str:
    from jaxlib.mlir import ir
    from stablehlo_eqsat.passes.diagnostics import Diagnostics
    from stablehlo_eqsat.passes.eqsat import EqsatPass

    with make_context():
        module = ir.Module.parse(text)
        EqsatPass(fp_mode=fp_mode, only_rules=only, measure="off").apply(module, Diagnostics())
        return str(module)


def test_strict_leaves_convolutions_alone() -> None:
    for _, spec, _ in CASES:
        text = conv_module(*spec[:5], *(spec[5:] or (1,)))
        out = _optimize(text, "strict")
        assert out.count("stablehlo.convolution") == 1, out
        assert "dot_general" not in out
    assert all(not r.enabled("strict") and r.enabled("xla") for r in RULES.values())


def test_schema_has_conv_constructor() -> None:
    """`Tensor.convolution` (egg name `Conv`) takes the op table's arguments in its order."""
    import re
    from pathlib import Path

    from stablehlo_eqsat.dialect_glue import ops as O

    spec = O.BY_CTOR["Conv"]
    text = (Path(O.__file__).parent / "schema.py").read_text()
    m = re.search(r'@method\(egg_fn="Conv"\)\s+@classmethod\s+def convolution\(\s*cls,\s*([^)]*)\)', text)
    assert m, "schema.py has no Tensor.convolution with egg_fn 'Conv'"
    params = [p.split(":")[0].strip() for p in m.group(1).split(",") if p.strip()]
    assert params[0] == "ty" and len(params) - 1 == len(spec.kinds)
    assert [n for n, _ in spec.params] == params[3:-1]


def test_phases_of_a_transposed_convolution_get_alternatives_of_their_own() -> None:
    """The Python-side rules run again on the terms an alternative is built from (a transposed
    convolution's phases are convolutions, each with its im2col), not on the alternatives
    themselves (a convolution with its padding-only taps dropped is not expanded again)."""
    from jaxlib.mlir import ir
    from stablehlo_eqsat.passes.prepare import expand_terms
    from stablehlo_eqsat.rules.registry import rulesets_for

    def fired(spec: tuple, rules: tuple[str, ...]) -> dict[str, int]:  # type: ignore[type-arg]
        with make_context():
            module = ir.Module.parse(conv_module(*spec))
            fn = import_function(next(op.operation for op in module.body.operations), pure_functions(module))
            graph = canonicalize_splats(fn.body.graph, fn.tables)
            return expand_terms(graph, rulesets_for("xla", rules))[2]

    # 2x2 phases of a 4x4 kernel: the original and the four phase convolutions, each im2col'd.
    transposed = ("1x4x4x8", "4x4x8x4", "1x8x8x4", NHWC, "pad = [[2, 2], [2, 2]], lhs_dilate = [2, 2]")
    got = fired(transposed, ("conv-transpose-to-phases", "conv-to-im2col"))
    assert got == {"conv-transpose-to-phases": 1, "conv-to-im2col": 5}, got
    # A 3x3 kernel over a 1x1 input: the trimmed 1x1 convolution is an alternative, left alone.
    on_1x1 = ("2x1x1x8", "3x3x8x16", "2x1x1x16", NHWC, "pad = [[1, 1], [1, 1]]")
    got = fired(on_1x1, ("conv-drop-padding-taps", "conv-1x1-to-dot"))
    assert got == {"conv-drop-padding-taps": 1}, got


def random_convolution(seed: int) -> tuple[str, int]:
    """A random convolution module (1-2 spatial dimensions, every layout of input, kernel and
    output, strides, padding, lhs and rhs dilation, feature groups) and its reduction size: the
    rules' alternatives are checked on such convolutions whether or not the cost model would
    pick them (a wrong alternative is otherwise only seen where a measurement takes it)."""
    rng = np.random.default_rng(seed)
    # Every fourth seed in general; the others aim at one rule's preconditions: dilated (stride 1,
    # rhs dilation), transposed (lhs dilation, stride 1), windows that tile the input.
    aim = ("any", "dilated", "transposed", "tiled")[seed % 4]
    n = int(rng.choice([1, 2, 2]))
    groups = int(rng.choice([1, 1, 2, 3]))
    cg, per_group = int(rng.integers(1, 4)), int(rng.integers(1, 3))
    if groups > 1 and rng.random() < 0.3:
        cg, per_group = 1, 1  # depthwise
    sizes, kernel, outs, strides, pads, lhs, rhs = [], [], [], [], [], [], []
    for _ in range(n):
        size, k = int(rng.integers(1, 9)), int(rng.integers(1, 4))
        stride, ld, rd = (int(rng.choice([1, 1, 2, 3])) for _ in range(3))
        lo, hi = int(rng.integers(0, 3)), int(rng.integers(0, 3))
        if aim == "dilated":
            stride, ld, rd = 1, 1, int(rng.choice([1, 2, 3]))
        elif aim == "transposed":
            stride, ld = 1, int(rng.choice([1, 2, 3]))
        elif aim == "tiled":
            stride, ld, rd, lo, hi = k, 1, 1, 0, 0
            size = k * int(rng.integers(1, 4)) + int(rng.integers(0, 2))
        extent = (size - 1) * ld + 1 + lo + hi - ((k - 1) * rd + 1)
        if extent < 0:
            hi -= extent
            extent = 0
        sizes.append(size), kernel.append(k), outs.append(extent // stride + 1)
        strides.append(stride), pads.append([lo, hi]), lhs.append(ld), rhs.append(rd)
    labels = ["b", "f", *map(str, range(n))], ["i", "o", *map(str, range(n))], ["b", "f", *map(str, range(n))]
    size_of = (
        {"b": 2, "f": groups * cg, **{str(i): sizes[i] for i in range(n)}},
        {"i": cg, "o": groups * per_group, **{str(i): kernel[i] for i in range(n)}},
        {"b": 2, "f": groups * per_group, **{str(i): outs[i] for i in range(n)}},
    )
    orders = [[int(j) for j in rng.permutation(n + 2)] for _ in range(3)]
    shapes = ["x".join(str(s[lab[j]]) for j in o) for lab, s, o in zip(labels, size_of, orders, strict=True)]
    dims = "x".join(
        f"[{', '.join(lab[j] for j in o)}]" for lab, o in zip(labels[:2], orders[:2], strict=True)
    )
    dims += f"->[{', '.join(labels[2][j] for j in orders[2])}]"
    window = f"stride = {strides}, pad = {pads}, lhs_dilate = {lhs}, rhs_dilate = {rhs}"
    return conv_module(*shapes, dims, window, groups), cg * math.prod(kernel)


@pytest.mark.parametrize("seed", range(48))
def test_random_convolutions_alternatives_compute_the_convolution(seed: int) -> None:
    text, reduction = random_convolution(seed)
    for rule, texts in alternatives(text).items():
        for alt in texts:
            try:
                _check(text, alt, "f32", reduction)
            except AssertionError as e:
                raise AssertionError(f"{rule} on\n{text}\n{e}") from None
