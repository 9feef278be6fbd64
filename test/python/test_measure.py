"""Measured costs (`passes/measure.py`): cache on disk, budget, and the pass options."""

from __future__ import annotations

import json
from pathlib import Path

from stablehlo_eqsat.dialect_glue.graph import TensorTy
from stablehlo_eqsat.passes.measure import Measurer, default_cache_path, machine_id

NHWC = (0, 3, 1, 2, 2, 3, 0, 1, 0, 3, 1, 2)
DEPTHWISE = (
    "func.func @main(%x: tensor<2x56x56x64xf32>, %w: tensor<3x3x1x64xf32>) -> tensor<2x56x56x64xf32> {\n"
    "  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], "
    "window = {pad = [[1, 1], [1, 1]]} {batch_group_count = 1 : i64, feature_group_count = 64 : i64} : "
    "(tensor<2x56x56x64xf32>, tensor<3x3x1x64xf32>) -> tensor<2x56x56x64xf32>\n"
    "  return %0 : tensor<2x56x56x64xf32>\n}\n"
)


def _conv_params() -> tuple[object, ...]:
    return ((), (1, 1, 1, 1), (), (), (), NHWC, 1, 1, ())


def test_measures_once_then_the_cache_answers(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    ty, kids = TensorTy((1, 4, 4, 8), "f32"), [TensorTy((1, 4, 4, 8), "f32"), TensorTy((3, 3, 8, 8), "f32")]
    m = Measurer(path, budget_seconds=60)
    t = m.seconds("Conv", ty, kids, _conv_params())
    assert t is not None and 0 <= t < 1
    assert m.measured == 1 and m.spent_seconds > 0
    data = json.loads(path.read_text())
    assert data["machine"] == machine_id() and any("Conv" in k for k in data["seconds"])
    again = Measurer(path, budget_seconds=0)  # a fresh optimization: no budget needed
    assert again.seconds("Conv", ty, kids, _conv_params()) == t
    assert again.measured == 0 and again.cache_hits == 1 and again.spent_seconds == 0


def test_over_budget_falls_back_to_the_model(tmp_path: Path) -> None:
    m = Measurer(tmp_path / "m.json", budget_seconds=0)
    dot = m.seconds("Dot", TensorTy((4, 4), "f32"), [TensorTy((4, 8), "f32"), TensorTy((8, 4), "f32")],
                    ((), (), (1,), (0,)))  # fmt: skip
    assert dot is None and m.over_budget == 1 and m.measured == 0
    assert m.seconds("Add", TensorTy((4,), "f32"), [], ()) is None  # not a measured op


def test_default_cache_path_names_backend_and_machine() -> None:
    p = default_cache_path("cpu")
    assert p.name == f"measure-cpu-{machine_id()}.json" and p.parent.name == "stablehlo-eqsat"


def _run(text: str, **options: object) -> tuple[str, object]:
    from jaxlib.mlir import ir
    from stablehlo_eqsat.dialect_glue.context import make_context
    from stablehlo_eqsat.passes.diagnostics import Diagnostics
    from stablehlo_eqsat.passes.eqsat import EqsatPass

    with make_context():
        module = ir.Module.parse(text)
        reports = EqsatPass(**options).apply(module, Diagnostics())  # type: ignore[arg-type]
        return str(module), reports[0]


def test_measured_depthwise_is_rewritten_and_second_run_measures_nothing(tmp_path: Path) -> None:
    cache = str(tmp_path / "m.json")
    out, first = _run(DEPTHWISE, measure_cache=cache)
    assert first.measured_ops > 0 and first.measure_seconds > 0  # type: ignore[attr-defined]
    # XLA's depthwise kernel is far slower than nine fused multiply-adds: the rewrite is taken.
    assert "stablehlo.convolution" not in out
    out2, second = _run(DEPTHWISE, measure_cache=cache)
    assert second.measured_ops == 0 and second.measure_cache_hits > 0  # type: ignore[attr-defined]
    assert out2 == out


def test_measure_off_keeps_convolutions_by_the_analytical_model(tmp_path: Path) -> None:
    out, report = _run(DEPTHWISE, measure="off", measure_cache=str(tmp_path / "m.json"))
    assert report.measured_ops == 0 and report.measure_cache_hits == 0  # type: ignore[attr-defined]
    assert not (tmp_path / "m.json").exists()
    assert out.count("stablehlo.convolution") + out.count("stablehlo.multiply") >= 1
