"""Conformance on a small, diverse slice of the corpus and on the model zoo.

Each module is optimized with the round-trip pipeline; the result must verify and re-parse, and
static modules must compute bit-identical results under XLA CPU (see `tools/conformance.py`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from stablehlo_eqsat.tools import harness
from stablehlo_eqsat.tools.conformance import CaseResult, Options, collect_cases, run_cases
from stablehlo_eqsat.tools.zoo import generate_zoo, model_names

import stablehlo_eqsat.xla as xla

# One or two files per op family: control flow (while via igamma, case), sort, scatter, reduce,
# reduce_window (cumsum), dot_general, conv, gather, complex, bf16/f16/f64, unsigned and 64-bit ints,
# bit casts, fft, rng, chlo-expanded math, then dynamic shapes and quantized (parse-only) files.
SUBSET = [
    "abs_complex128_20_20.mlir",
    "acos_bfloat16_20_20.mlir",
    "add_float16_20_20_float16_20_20.mlir",
    "argmin_int64_15.mlir",
    "argmax_float32_15.mlir",
    "bitcast_convert_type_complex128_2_3.mlir",
    "bitcast_convert_type_uint64_2_3.mlir",
    "broadcast_in_dim_complex128_2.mlir",
    "concatenate_complex64_2_3_complex64_2_3.mlir",
    "conv_general_dilated_float32_2_3_9_10_float32_3_3_4_5.mlir",
    "convert_element_type_int64_100_100.mlir",
    "cummax_bfloat16_8_9.mlir",
    "cumprod_complex128_8_9.mlir",
    "cumsum_float64_8_9.mlir",
    "dot_general_bfloat16_4_3_complex64_3_6.mlir",
    "dot_general_int16_4_3_int64_3_6.mlir",
    "dynamic_slice_float32_3_uint32_1.mlir",
    "dynamic_update_slice_bfloat16_3_bfloat16_1_int64_1.mlir",
    "erf_inv_float16_20_20_chlo.mlir",
    "fft_complex128_14_15_16_17.mlir",
    "gather_float32_10_10_10_int32_2_2.mlir",
    "igamma_float32_1_20_float32_20_20_chlo.mlir",
    "integer_pow_int64_20_30.mlir",
    "iota_.mlir",
    "nextafter_float32_20_20_float32_1_20_chlo.mlir",
    "pad_uint64_2_3_uint64.mlir",
    "population_count_uint16_3.mlir",
    "random_categorical_float16_5_4.mlir",
    "random_split_.mlir",
    "scatter_add_bfloat16_1_2_3_bfloat16_1_3.mlir",
    "sort_complex128_5_7.mlir",
    "sort_bool_5_7.mlir",
    "dynamic/add_dynamic.mlir",
    "dynamic/argmax_0_dynamic.mlir",
    "dynamic/broadcast_in_dim_poly2_dynamic.mlir",
    "dynamic/conv_general_dilated_1d_3_dynamic.mlir",
    "quantized/ceil_qi8.mlir",
    "quantized/negate_qi8.mlir",
]


def _failures(results: list[CaseResult]) -> list[str]:
    return [f"{r.name}: {r.reason}" for r in results if r.status == "failed"]


@pytest.fixture(scope="module")
def subset_cases(corpus_dir: Path) -> list:
    paths = [corpus_dir / name for name in SUBSET if (corpus_dir / name).is_file()]
    if len(paths) < len(SUBSET) // 2:
        pytest.skip(f"corpus at {corpus_dir} lacks most of the conformance subset")
    return collect_cases(paths)


def test_corpus_subset_conforms(subset_cases: list) -> None:
    results = run_cases(subset_cases, Options(), jobs=2)
    assert len(results) == len(subset_cases)
    assert _failures(results) == []
    # The static files really ran under XLA (not just verified), and the dynamic ones were checked.
    by_name = {r.name: r for r in results}
    assert by_name[next(n for n in by_name if n.endswith("sort_complex128_5_7.mlir"))].checked == "xla"
    assert by_name[next(n for n in by_name if n.endswith("dynamic/add_dynamic.mlir"))].checked == "parse"
    # Chunks with quantized types cannot be parsed by jaxlib's bindings: they are passed through.
    assert any(r.status == "passed-through" for r in results)


def test_zoo_conforms(tmp_path: Path) -> None:
    paths = generate_zoo(tmp_path)
    assert sorted(p.stem for p in paths) == sorted(model_names())
    results = run_cases(collect_cases(paths), Options(), jobs=2)
    assert _failures(results) == []
    assert all(r.checked == "xla" for r in results)


def test_zoo_is_deterministic(tmp_path: Path) -> None:
    a = generate_zoo(tmp_path / "a", ["mlp", "rnn_scan"])
    b = generate_zoo(tmp_path / "b", ["mlp", "rnn_scan"])
    assert [p.read_text() for p in a] == [p.read_text() for p in b]


def test_harness_turns_inputs_into_parameters() -> None:
    text = """
    module {
      func.func public @main() -> tensor<3xf32> {
        %0 = call @inputs() : () -> tensor<3xf32>
        %1 = call @expected() : () -> tensor<3xf32>
        %2 = stablehlo.negate %0 : tensor<3xf32>
        stablehlo.custom_call @check.expect_close(%2, %1) {has_side_effect = true}
            : (tensor<3xf32>, tensor<3xf32>) -> ()
        return %2 : tensor<3xf32>
      }
      func.func private @inputs() -> tensor<3xf32> {
        %c = stablehlo.constant dense<[1.0, -2.0, 0x7FC00000]> : tensor<3xf32>
        return %c : tensor<3xf32>
      }
      func.func private @expected() -> tensor<3xf32> {
        %c = stablehlo.constant dense<[-1.0, 2.0, 0x7FC00000]> : tensor<3xf32>
        return %c : tensor<3xf32>
      }
    }
    """
    h = harness.make_harness(text)
    assert "check." not in h.text and "@expected" not in h.text.split("func.func private")[0]
    assert "%arg0: tensor<3xf32>" in h.text
    assert len(h.inputs) == 1 and h.inputs[0].tolist()[:2] == [1.0, -2.0]
    (out,) = xla.compile_and_run(h.text, h.inputs)
    assert xla.compare_outputs([out], [out]) is None
    assert out.tolist()[:2] == [-1.0, 2.0]


def test_compare_outputs_is_bitwise_with_nan_equal_nan() -> None:
    import numpy as np

    a = np.array([0.0, np.nan, 1.0], np.float32)
    assert xla.compare_outputs([a], [np.array([0.0, -np.nan, 1.0], np.float32)]) is None
    assert xla.compare_outputs([a], [np.array([-0.0, np.nan, 1.0], np.float32)]) is not None
    assert xla.compare_outputs([a], [np.array([0.0, np.nan, 1.0 + 1e-7], np.float32)]) is not None
    assert xla.compare_outputs([a], [np.array([0.0, np.nan, 1.0 + 1e-7], np.float32)], rtol=1e-6) is None


def test_tolerance_is_relative_to_the_result_scale() -> None:
    """A reordered sum that cancels at one element is judged against the result's largest value;
    an error of that size at the large elements, or a wrong infinity, still fails."""
    import numpy as np

    expected = np.array([1e4, -1e4, 1e-3, np.inf], np.float32)
    cancelled = np.array([1e4, -1e4, 1e-3 + 5e-2, np.inf], np.float32)  # 5e-6 of the scale
    assert xla.compare_outputs([expected], [cancelled], rtol=1e-5) is None
    assert xla.compare_outputs([expected], [cancelled], rtol=1e-6) is not None
    off_at_large = np.array([1e4 * (1 + 3e-5), -1e4, 1e-3, np.inf], np.float32)
    assert "flat index 0" in (xla.compare_outputs([expected], [off_at_large], rtol=1e-5) or "")
    wrong_inf = np.array([1e4, -1e4, 1e-3, -np.inf], np.float32)
    assert xla.compare_outputs([expected], [wrong_inf], rtol=1e-5) is not None


_SQUARE = """
func.func public @main(%a: tensor<64xf32>, %i: tensor<2x0x3xi32>) -> tensor<64xf32> {
  %0 = stablehlo.multiply %a, %a : tensor<64xf32>
  %c = stablehlo.constant dense<1.000000e-01> : tensor<f32>
  %1 = stablehlo.broadcast_in_dim %c, dims = [] : (tensor<f32>) -> tensor<64xf32>
  %2 = stablehlo.add %0, %1 : tensor<64xf32>
  return %2 : tensor<64xf32>
}
"""


def test_widen_f32_keeps_the_program_and_refuses_bit_level_ops() -> None:
    wide = xla.widen_f32(_SQUARE)
    assert wide is not None and "f32" not in wide and "tensor<2x0x3xi32>" in wide
    assert "tensor<64xf64>" in wide and "@main" in wide
    assert xla.widen_f32(_SQUARE.replace("1.000000e-01", "0x3DCCCCCD")) is None  # a bit pattern
    bitcast = _SQUARE.replace(
        "return %2 : tensor<64xf32>",
        "%3 = stablehlo.bitcast_convert %2 : (tensor<64xf32>) -> tensor<64xi32>\n"
        "  %4 = stablehlo.bitcast_convert %3 : (tensor<64xi32>) -> tensor<64xf32>\n"
        "  return %4 : tensor<64xf32>",
    )
    assert xla.widen_f32(bitcast) is None


def test_referee_passes_a_more_accurate_result_and_fails_a_less_accurate_one() -> None:
    """Past the tolerance, a float32 result passes only when it is as accurate as the input
    program's against the float64 run of the same program."""
    import numpy as np
    from stablehlo_eqsat.tools.conformance import _referee

    rng = np.random.default_rng(0)
    inputs = [rng.uniform(-3, 3, 64).astype(np.float32), np.zeros((2, 0, 3), np.int32)]
    h = harness.Harness(_SQUARE, inputs)
    wide = xla.widen_f32(_SQUARE)
    assert wide is not None
    (exact,) = xla.compile_and_run(wide, [inputs[0].astype(np.float64), inputs[1]])
    best = exact.astype(np.float32)  # the float64 value rounded once: as accurate as float32 gets
    inaccurate = (exact * (1 + 4e-5)).astype(np.float32)
    (as_input,) = xla.compile_and_run(_SQUARE, inputs)
    assert xla.compare_outputs([inaccurate], [best], rtol=1e-5) is not None
    # The input program was the inaccurate one: the optimized result is closer to float64.
    assert _referee(h, [inaccurate], [best], 1e-5) is not None
    # The optimized result is the inaccurate one: it fails, whatever the tolerance allowed.
    assert _referee(h, [as_input], [inaccurate], 1e-5) is None
    # A wrong infinity is never accurate.
    broken = best.copy()
    broken[3] = np.inf
    assert _referee(h, [inaccurate], [broken], 1e-5) is None


def test_referee_allows_what_one_ulp_of_input_moves_in_an_ill_conditioned_problem() -> None:
    """`(x - 1) * 1e4` for x just above 1: float32 computes it almost exactly, yet one ulp of x
    moves it by ~6e-4 of the result's scale. A result off by less than that passes; one off by
    more does not."""
    import numpy as np
    from stablehlo_eqsat.tools.conformance import _referee

    text = """
    func.func public @main(%x: tensor<16xf32>) -> tensor<16xf32> {
      %one = stablehlo.constant dense<1.000000e+00> : tensor<16xf32>
      %big = stablehlo.constant dense<1.000000e+04> : tensor<16xf32>
      %0 = stablehlo.subtract %x, %one : tensor<16xf32>
      %1 = stablehlo.multiply %0, %big : tensor<16xf32>
      return %1 : tensor<16xf32>
    }
    """
    x = (1.0 + np.linspace(1e-4, 2e-4, 16)).astype(np.float32)
    h = harness.Harness(text, [x])
    (exact,) = xla.compile_and_run(text, [x])
    slightly_off = (exact.astype(np.float64) * (1 + 2e-4)).astype(np.float32)
    far_off = (exact.astype(np.float64) * (1 + 1e-2)).astype(np.float32)
    assert xla.compare_outputs([exact], [slightly_off], rtol=1e-5) is not None
    assert _referee(h, [exact], [slightly_off], 1e-5) is not None
    assert _referee(h, [exact], [far_off], 1e-5) is None
