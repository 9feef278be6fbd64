"""The Python API: `optimize_module` on text, bytes and `ir.Module`, and its errors."""

from __future__ import annotations

import io
import logging

import pytest
from jaxlib.mlir import ir
from stablehlo_eqsat.dialect_glue.context import make_context

from stablehlo_eqsat import OptimizeError, optimize_module

ROUNDTRIP = "builtin.module(stablehlo-eqsat-roundtrip)"
BYTECODE_MAGIC = b"ML\xefR"

# No two ops compute the same thing, so the round trip has nothing to share: it must print the
# module back exactly as the MLIR printer prints the input (line breaks here only keep lines short).
DISTINCT = """\
module {
  func.func public @main(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>)
      -> (tensor<4x16xf32>, tensor<4xf32>) {
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %0 = stablehlo.dot_general %x, %w, contracting_dims = [1] x [0]
        : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
    %1 = stablehlo.broadcast_in_dim %b, dims = [1] : (tensor<16xf32>) -> tensor<4x16xf32>
    %2 = stablehlo.add %0, %1 : tensor<4x16xf32>
    %3 = stablehlo.tanh %2 : tensor<4x16xf32>
    %4 = stablehlo.reduce(%3 init: %cst) applies stablehlo.add across dimensions = [1]
        : (tensor<4x16xf32>, tensor<f32>) -> tensor<4xf32>
    return %3, %4 : tensor<4x16xf32>, tensor<4xf32>
  }
}
"""

# `x + 0` for the rules to simplify.
ADD_ZERO = """\
func.func public @main(%x: tensor<8xf32>) -> tensor<8xf32> {
  %z = stablehlo.constant dense<0.000000e+00> : tensor<8xf32>
  %0 = stablehlo.add %x, %z : tensor<8xf32>
  return %0 : tensor<8xf32>
}
"""


def _printed(text: str) -> str:
    with make_context():
        return str(ir.Module.parse(text))


def _bytecode(text: str) -> bytes:
    with make_context():
        buf = io.BytesIO()
        ir.Module.parse(text).operation.write_bytecode(buf)
        return buf.getvalue()


@pytest.fixture
def no_fallback(caplog: pytest.LogCaptureFixture):  # type: ignore[no-untyped-def]
    """Fail the test if a function was left unchanged because a stage failed (a logged warning)."""
    with caplog.at_level(logging.WARNING, logger="stablehlo_eqsat"):
        yield
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not warnings, f"a stage fell back to the input: {warnings}"


def test_text_in_text_out(no_fallback: None) -> None:
    out = optimize_module(ADD_ZERO)
    assert isinstance(out, str)
    assert "stablehlo.add" not in out
    _printed(out)  # parses and verifies


def test_bytecode_in_bytecode_out(no_fallback: None) -> None:
    out = optimize_module(_bytecode(ADD_ZERO))
    assert isinstance(out, bytes)
    assert out.startswith(BYTECODE_MAGIC)
    with make_context():
        module = ir.Module.parse(out)
        module.operation.verify()
        assert "stablehlo.add" not in str(module)


def test_text_bytes_in_text_bytes_out(no_fallback: None) -> None:
    out = optimize_module(ADD_ZERO.encode())
    assert isinstance(out, bytes)
    assert not out.startswith(BYTECODE_MAGIC)
    text = out.decode("utf-8")
    assert "func.func public @main" in text
    assert "stablehlo.add" not in text


def test_ir_module_is_optimized_in_place(no_fallback: None) -> None:
    with make_context():
        module = ir.Module.parse(ADD_ZERO)
        out = optimize_module(module)
        assert out is module
        assert "stablehlo.add" not in str(module)
        module.operation.verify()


def test_every_fp_mode_gives_a_verified_module(no_fallback: None) -> None:
    for mode in ("strict", "xla", "fast"):
        _printed(optimize_module(ADD_ZERO, fp_mode=mode))


def test_roundtrip_leaves_printed_form_unchanged(no_fallback: None) -> None:
    expected = _printed(DISTINCT)
    assert optimize_module(DISTINCT, pipeline=ROUNDTRIP) == expected


def test_roundtrip_of_bytecode_is_unchanged(no_fallback: None) -> None:
    out = optimize_module(_bytecode(DISTINCT), pipeline=ROUNDTRIP)
    with make_context():
        assert str(ir.Module.parse(out)) == _printed(DISTINCT)


def test_bad_text_raises_with_location() -> None:
    bad = "func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {\n  %0 = stablehlo.bogus %x\n  return %0\n}\n"
    with pytest.raises(OptimizeError) as info:
        optimize_module(bad)
    assert info.value.line == 2
    assert info.value.col is not None
    assert str(info.value).startswith("<input>:2:")
    assert "error:" in str(info.value)


def test_ill_typed_text_raises() -> None:
    bad = ADD_ZERO.replace(
        "%0 = stablehlo.add %x, %z : tensor<8xf32>", "%0 = stablehlo.add %x, %z : tensor<4xf32>"
    )
    with pytest.raises(OptimizeError) as info:
        optimize_module(bad)
    assert info.value.line is not None


def test_garbage_bytes_raise() -> None:
    with pytest.raises(OptimizeError):
        optimize_module(b"\xff\xfe\x00 not mlir")


@pytest.mark.parametrize(
    "pipeline",
    [
        "builtin.module(no-such-pass)",
        "builtin.module(stablehlo-eqsat{fp-mode=bogus})",
        "builtin.module(stablehlo-eqsat{no-such-option=1})",
        "builtin.module(stablehlo-eqsat",
    ],
)
def test_bad_pipeline_raises(pipeline: str) -> None:
    with pytest.raises(OptimizeError):
        optimize_module(ADD_ZERO, pipeline=pipeline)


def test_bad_fp_mode_raises() -> None:
    with pytest.raises(OptimizeError, match="fp-mode"):
        optimize_module(ADD_ZERO, fp_mode="bogus")


_HELPERS = """\
func.func private @relu(%x: tensor<8xf32>) -> tensor<8xf32> {
  %z = stablehlo.constant dense<0.000000e+00> : tensor<8xf32>
  %0 = stablehlo.maximum %x, %z : tensor<8xf32>
  %1 = stablehlo.add %0, %z : tensor<8xf32>
  return %1 : tensor<8xf32>
}
func.func private @scale(%x: tensor<8xf32>) -> tensor<8xf32> {
  %one = stablehlo.constant dense<1.000000e+00> : tensor<8xf32>
  %0 = stablehlo.multiply %x, %one : tensor<8xf32>
  %1 = stablehlo.negate %0 : tensor<8xf32>
  %2 = stablehlo.negate %1 : tensor<8xf32>
  return %2 : tensor<8xf32>
}
func.func private @same(%x: tensor<8xf32>) -> tensor<8xf32> {
  %z = stablehlo.constant dense<0.000000e+00> : tensor<8xf32>
  %0 = stablehlo.maximum %x, %z : tensor<8xf32>
  return %0 : tensor<8xf32>
}
"""
_CALLER = """\
func.func public @main(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = func.call @relu(%x) : (tensor<8xf32>) -> tensor<8xf32>
  %1 = func.call @scale(%0) : (tensor<8xf32>) -> tensor<8xf32>
  %2 = func.call @same(%1) : (tensor<8xf32>) -> tensor<8xf32>
  return %2 : tensor<8xf32>
}
"""


def test_small_functions_are_saturated_together_with_the_same_result(no_fallback: None) -> None:
    """Helper functions go through one e-graph together; each comes out as it would alone."""
    from stablehlo_eqsat.passes.diagnostics import Diagnostics
    from stablehlo_eqsat.passes.eqsat import EqsatPass

    def optimized(text: str) -> tuple[dict[str, str], list]:  # type: ignore[type-arg]
        with make_context():
            module = ir.Module.parse(text)
            reports = EqsatPass(measure="off").apply(module, Diagnostics())
            funcs = {
                ir.StringAttr(op.operation.attributes["sym_name"]).value: str(op.operation)
                for op in module.body.operations
            }
            return funcs, reports

    together, reports = optimized(_HELPERS + _CALLER)
    assert {r.name: r.graphs[0].batched for r in reports} == {"relu": 4, "scale": 4, "same": 4, "main": 4}
    assert "stablehlo.add" not in together["relu"] and "negate" not in together["scale"]
    for name in ("relu", "scale", "same"):
        text = "func.func" + next(f for f in _HELPERS.split("func.func")[1:] if f" @{name}(" in f)
        alone, (report,) = optimized(text)
        assert report.graphs[0].batched == 1
        assert alone[name] == together[name]


_QUANTIZED = """
func.func @main(%x: tensor<4x!quant.uniform<i8:f32, 0.5:3>>) -> tensor<4x!quant.uniform<i8:f32, 0.5:3>> {
  %0 = stablehlo.negate %x : tensor<4x!quant.uniform<i8:f32, 0.5:3>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.5:3>>
}
"""


def test_quantized_module_passes_through_byte_for_byte(caplog: pytest.LogCaptureFixture) -> None:
    """jaxlib's bindings have no quant dialect: the module comes back as given, with a warning."""
    with caplog.at_level(logging.WARNING, logger="stablehlo_eqsat"):
        assert optimize_module(_QUANTIZED) == _QUANTIZED
        assert optimize_module(_QUANTIZED.encode()) == _QUANTIZED.encode()
    assert any("quant dialect" in r.getMessage() for r in caplog.records)
