"""Measured costs (`passes/measure.py`): cache on disk, budget, and the pass options."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import pytest
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


# The model predicts DEPTHWISE's rewrite decisively faster: tests of timing functions whole turn
# the untimed choice off.
TIMED = {"measure_decisive": 0.0}


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
    out, first = _run(DEPTHWISE, measure_cache=cache, **TIMED)
    assert first.measured_ops > 0 and first.measure_seconds > 0  # type: ignore[attr-defined]
    # XLA's depthwise kernel is far slower than nine fused multiply-adds: the rewrite is taken.
    assert "stablehlo.convolution" not in out
    # ... and the whole function, timed before and after, confirms it.
    assert first.measured_programs == 1 and first.measured_ratio < 1  # type: ignore[attr-defined]
    assert not first.measured_kept_input and first.measured_choice  # type: ignore[attr-defined]
    # The second run takes the stored result: nothing measured, nothing saturated.
    out2, second = _run(DEPTHWISE, measure_cache=cache, **TIMED)
    assert second.reused and second.graphs  # type: ignore[attr-defined]
    assert second.measured_ops == 0 and second.measured_programs == 0  # type: ignore[attr-defined]
    assert second.measured_ratio == first.measured_ratio  # type: ignore[attr-defined]
    assert out2 == out
    # Not taking it, the pass runs again and every timing comes from the cache.
    out3, third = _run(DEPTHWISE, measure_cache=cache, reuse=False, **TIMED)
    assert not third.reused and third.measure_cache_hits > 0  # type: ignore[attr-defined]
    assert third.measured_ops == 0 and third.measured_programs == 0  # type: ignore[attr-defined]
    assert out3 == out


def test_stored_result_is_taken_only_when_nothing_changed(tmp_path: Path, caplog, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import json
    import logging

    # Other tests in this process may have silenced the package's warnings (the fuzzer, the
    # conformance workers): hear them here.
    monkeypatch.setattr(logging.root.manager, "disable", logging.NOTSET)
    caplog.set_level(logging.WARNING, logger="stablehlo_eqsat")
    cache = tmp_path / "m.json"
    out, _ = _run(DEPTHWISE, measure_cache=str(cache), **TIMED)
    # Other options shape the result: not the same key.
    _, other = _run(DEPTHWISE, measure_cache=str(cache), refine=0.25, **TIMED)
    assert not other.reused  # type: ignore[attr-defined]
    # Another function beside it: not the same key either.
    _, beside = _run(
        DEPTHWISE.replace("}\n", "}\nfunc.func private @g() {\n  return\n}\n", 1),
        measure_cache=str(cache),
        **TIMED,
    )
    assert not beside.reused  # type: ignore[attr-defined]
    # A damaged or foreign entry is not used: the function is optimized as if there were none.
    stored = sorted((tmp_path / "m.results").glob("*.json"))  # one file per result
    assert len(stored) == 3 and "results" not in json.loads(cache.read_text())

    def rewrite(func: Callable[[str], str]) -> None:
        for f in stored:
            entry = json.loads(f.read_text())
            entry["value"]["func"] = func(entry["value"]["func"])
            f.write_text(json.dumps(entry))

    rewrite(lambda f: f.replace("func.func", "func.fnuc", 1))
    again, damaged = _run(DEPTHWISE, measure_cache=str(cache), **TIMED)
    assert not damaged.reused and again == out  # type: ignore[attr-defined]
    assert "stored result for @main not used" in caplog.text
    rewrite(lambda f: "func.func @main(%a: tensor<1xf32>) -> tensor<1xf32> {\n  return %a : tensor<1xf32>\n}")
    again, foreign = _run(DEPTHWISE, measure_cache=str(cache), **TIMED)
    assert not foreign.reused and again == out  # type: ignore[attr-defined]
    assert "another signature" in caplog.text


def test_results_kept_in_the_cache_file_by_an_earlier_version_move_to_their_own_files(tmp_path: Path) -> None:
    cache = tmp_path / "m.json"
    out, _ = _run(DEPTHWISE, measure_cache=str(cache), **TIMED)
    (stored,) = (tmp_path / "m.results").glob("*.json")
    entry = json.loads(stored.read_text())
    stored.unlink()
    data = json.loads(cache.read_text())
    data["results"] = {entry["key"]: entry["value"]}
    cache.write_text(json.dumps(data))
    again, report = _run(DEPTHWISE, measure_cache=str(cache), **TIMED)
    assert report.reused and again == out  # type: ignore[attr-defined]
    assert "results" not in json.loads(cache.read_text())
    assert json.loads(stored.read_text()) == entry


def test_measure_off_keeps_convolutions_by_the_analytical_model(tmp_path: Path) -> None:
    out, report = _run(DEPTHWISE, measure="off", measure_cache=str(tmp_path / "m.json"))
    assert report.measured_ops == 0 and report.measure_cache_hits == 0  # type: ignore[attr-defined]
    assert not (tmp_path / "m.json").exists()
    assert out.count("stablehlo.convolution") + out.count("stablehlo.multiply") >= 1


def test_a_decisive_prediction_puts_the_function_in_place_untimed(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The model, its convolution measured, predicts the depthwise rewrite several times faster:
    with the default decisive ratio the function goes out as extracted, not timed whole, and is
    stored for the next run to reuse; with a decisive ratio below the prediction it is timed."""
    from stablehlo_eqsat.passes.reports import describe

    timed: list[str] = []
    real = Measurer.program_ratios

    def recording(self: Measurer, key: str, programs) -> list[float] | None:  # type: ignore[no-untyped-def]
        timed.append(key)
        return real(self, key, programs)

    monkeypatch.setattr(Measurer, "program_ratios", recording)
    cache = tmp_path / "m.json"
    out, report = _run(DEPTHWISE, measure_cache=str(cache))
    before, after = report.costs()  # type: ignore[attr-defined]
    assert after < 0.5 * before and report.decided_untimed  # type: ignore[attr-defined]
    assert "stablehlo.convolution" not in out and timed == []
    assert report.measured_ratio is None and len(list((tmp_path / "m.results").glob("*.json"))) == 1  # type: ignore[attr-defined]
    assert "put in place without timing it whole" in describe("p", report)  # type: ignore[arg-type]
    again, reused = _run(DEPTHWISE, measure_cache=str(cache))
    assert again == out and reused.reused and reused.decided_untimed  # type: ignore[attr-defined]
    below = 0.5 * after / before
    _, timed_report = _run(DEPTHWISE, measure_cache=str(cache), measure_decisive=below)
    assert len(timed) == 1 and timed_report.measured_programs == 1  # type: ignore[attr-defined]
    assert not timed_report.decided_untimed and timed_report.measured_ratio < 1  # type: ignore[attr-defined]


def test_a_rewrite_measured_slower_as_a_whole_is_not_kept(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Per-op measurements chose the rewrite; if the whole function then measures slower, the
    convolution stays (here the timing is faked: 'after' always 1.5x 'before')."""
    seen: list[list[str]] = []

    def slower(self: Measurer, key: str, programs) -> list[float]:  # type: ignore[no-untyped-def]
        seen.append(programs())
        return [1.5] * (len(seen[0]) - 1)

    monkeypatch.setattr(Measurer, "program_ratios", slower)
    out, report = _run(DEPTHWISE, measure_cache=str(tmp_path / "m.json"), **TIMED)
    assert out.count("stablehlo.convolution") == 1
    assert report.measured_ratio == 1.5 and report.measured_kept_input  # type: ignore[attr-defined]
    ((before, after, *_),) = seen
    assert "stablehlo.convolution" in before and "stablehlo.convolution" not in after
    assert "func.func @main(" in before and "func.func @main(" in after


# A depthwise convolution (its rewrites predicted many times faster) feeding an ordinary one
# (predicted barely faster rewritten): the candidates differ in which convolutions they rewrite.
TWO_CONVS = (
    "func.func @main(%x: tensor<2x56x56x64xf32>, %w: tensor<3x3x1x64xf32>, %v: tensor<3x3x64x64xf32>)"
    " -> tensor<2x56x56x64xf32> {\n"
    "  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], "
    "window = {pad = [[1, 1], [1, 1]]} {batch_group_count = 1 : i64, feature_group_count = 64 : i64} : "
    "(tensor<2x56x56x64xf32>, tensor<3x3x1x64xf32>) -> tensor<2x56x56x64xf32>\n"
    "  %1 = stablehlo.convolution(%0, %v) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], "
    "window = {pad = [[1, 1], [1, 1]]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : "
    "(tensor<2x56x56x64xf32>, tensor<3x3x64x64xf32>) -> tensor<2x56x56x64xf32>\n"
    "  return %1 : tensor<2x56x56x64xf32>\n}\n"
)


@pytest.mark.parametrize("extracted_ratio", [0.8, 0.9])
def test_the_other_candidates_are_timed_only_if_the_extracted_program_is_not_clearly_faster(
    tmp_path: Path, monkeypatch, extracted_ratio: float
) -> None:  # type: ignore[no-untyped-def]
    """The extracted program is timed whole first (faked); at or below `EXTRACTED_DECISIVE` of the
    input's time it goes out, above it the other candidates are timed too and the fastest goes out."""
    from stablehlo_eqsat.passes.measured_choice import EXTRACTED_DECISIVE

    seen: list[int] = []

    def timed(self: Measurer, key: str, programs) -> list[float]:  # type: ignore[no-untyped-def]
        seen.append(len(programs()) - 1)
        return [extracted_ratio] if len(seen) == 1 else [0.7] * seen[-1]

    monkeypatch.setattr(Measurer, "program_ratios", timed)
    _, report = _run(TWO_CONVS, measure_cache=str(tmp_path / "m.json"), **TIMED)
    candidates = report.measured_candidates  # type: ignore[attr-defined]
    assert seen[0] == 1 and candidates["as extracted"] == extracted_ratio
    if extracted_ratio <= EXTRACTED_DECISIVE:
        assert seen == [1] and report.measured_choice == "as extracted"  # type: ignore[attr-defined]
    else:
        assert len(seen) == 2 and seen[1] >= 1 and len(candidates) == 1 + seen[1]
        assert report.measured_choice != "as extracted" and report.measured_ratio == 0.7  # type: ignore[attr-defined]


# DEPTHWISE with a rewrite that is not a convolution's: `* 1.0` goes away.
DEPTHWISE_TIMES_ONE = DEPTHWISE.replace(
    "  return %0 : tensor<2x56x56x64xf32>\n",
    "  %one = stablehlo.constant dense<1.0> : tensor<2x56x56x64xf32>\n"
    "  %1 = stablehlo.multiply %0, %one : tensor<2x56x56x64xf32>\n"
    "  return %1 : tensor<2x56x56x64xf32>\n",
)


@pytest.mark.parametrize("kept_ratio", [0.9, 1.5])
def test_with_every_convolution_rewrite_slower_the_other_rewrites_are_timed_too(
    tmp_path: Path, monkeypatch, kept_ratio: float
) -> None:  # type: ignore[no-untyped-def]
    """The convolution's rewrites measure slower as a whole (faked: 1.5x); the program with the
    convolution kept and the other rewrites taken is then timed against the input, and goes out
    only if it is no slower."""
    seen: list[list[str]] = []

    def timed(self: Measurer, key: str, programs) -> list[float]:  # type: ignore[no-untyped-def]
        seen.append(programs())
        return [1.5 if len(seen) == 1 else kept_ratio] * (len(seen[-1]) - 1)

    monkeypatch.setattr(Measurer, "program_ratios", timed)
    out, report = _run(DEPTHWISE_TIMES_ONE, measure_cache=str(tmp_path / "m.json"), **TIMED)
    assert len(seen) == 2 and len(seen[1]) == 2  # the input, the convolution kept
    before, kept = seen[1]
    assert "stablehlo.multiply" in before and "stablehlo.multiply" not in kept
    assert kept.count("stablehlo.convolution") == 1
    assert report.measured_candidates["convolutions kept"] == kept_ratio  # type: ignore[attr-defined]
    assert out.count("stablehlo.convolution") == 1 and report.measured_kept_input  # type: ignore[attr-defined]
    if kept_ratio < 1:
        assert report.measured_choice == "convolutions kept" and "stablehlo.multiply" not in out  # type: ignore[attr-defined]
    else:
        assert report.measured_choice == "" and "stablehlo.multiply" in out  # type: ignore[attr-defined]


def test_a_change_the_model_cannot_tell_from_the_input_leaves_the_input_untimed(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Predicted less than 1% faster (faked), the extracted program is not timed whole: the
    input goes out as it was."""
    from stablehlo_eqsat.passes.reports import FunctionReport, describe

    timed: list[str] = []

    def recording(self: Measurer, key: str, programs) -> list[float]:  # type: ignore[no-untyped-def]
        timed.append(key)
        return [0.5] * (len(programs()) - 1)

    monkeypatch.setattr(Measurer, "program_ratios", recording)
    monkeypatch.setattr(FunctionReport, "costs", lambda self: (1.0, 0.995))
    out, report = _run(DEPTHWISE_TIMES_ONE, measure_cache=str(tmp_path / "m.json"), **TIMED)
    assert timed == [] and report.decided_untimed and report.measured_kept_input  # type: ignore[attr-defined]
    assert "stablehlo.multiply" in out and out.count("stablehlo.convolution") == 1
    assert "input kept without timing" in describe("p", report)  # type: ignore[arg-type]
    monkeypatch.setattr(FunctionReport, "costs", lambda self: (1.0, 0.98))
    out, report = _run(DEPTHWISE_TIMES_ONE, measure_cache=str(tmp_path / "n.json"), **TIMED)
    assert len(timed) == 1 and report.measured_ratio == 0.5  # type: ignore[attr-defined]


def test_standalone_module_makes_any_function_the_entry() -> None:
    from jaxlib.mlir import ir
    from stablehlo_eqsat.dialect_glue.context import make_context
    from stablehlo_eqsat.passes.measured_choice import standalone_module

    import stablehlo_eqsat.xla as xla

    text = """
    func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
      %0 = call @helper(%x, %x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
      return %0 : tensor<4xf32>
    }
    func.func private @helper(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
      %0 = stablehlo.multiply %a, %b : tensor<4xf32>
      return %0 : tensor<4xf32>
    }
    """
    with make_context():
        module = ir.Module.parse(text)
        helper = [op.operation for op in module.body.operations][1]
        out = standalone_module(helper, helper)
    assert "func.func @main(%arg0: tensor<4xf32>, %arg1: tensor<4xf32>)" in out
    assert "call @main_0" not in out and "func.func @main_0" in out  # the former main, renamed
    assert [t.shape for t in xla.arg_types_of(out)] == [(4,), (4,)]
    import numpy as np

    (y,) = xla.compile_and_run(out, [np.arange(4, dtype=np.float32), np.full(4, 2, np.float32)])
    assert y.tolist() == [0.0, 2.0, 4.0, 6.0]


def test_cache_check_second_optimization_measures_nothing(capsys) -> None:  # type: ignore[no-untyped-def]
    from stablehlo_eqsat.tools import bench_conv

    row = bench_conv.cache_check("resnext_block", repeats=1)
    assert row.first_measured > 0 and row.first_measure_s > 0
    assert row.second_measured == 0 and row.second_s > 0 and row.off_s > 0
    assert row.second_reused == 1 and row.recompute_s > row.second_s
    assert row.compile_s > 0
    assert "| resnext_block |" in bench_conv.cache_table([row])


def test_whole_program_timing_stops_once_the_choice_is_settled() -> None:
    from stablehlo_eqsat.passes.measure import ratios_settled

    from stablehlo_eqsat.xla import Samples

    def samples(*ratios: list[float]) -> list[Samples]:
        base = [1.0 + 0.01 * (i % 3) for i in range(9)]
        return [Samples(base), *(Samples([b * r for b, r in zip(base, rs, strict=True)]) for rs in ratios)]

    clear, slower, near = [0.6] * 9, [0.9] * 9, [0.99, 1.02] * 4 + [1.0]
    assert ratios_settled(samples(clear, slower))  # the fastest well ahead of the input and the rest
    assert ratios_settled(samples([1.2] * 9, [1.3] * 9))  # every candidate well behind the input
    assert not ratios_settled(samples(near))  # within the margin of the input: keep timing
    # Two candidates well ahead of the input and within the margin of each other: either will do.
    assert ratios_settled(samples(clear, [0.58, 0.62] * 4 + [0.6]))
    # ... but one that may be 20% slower than the fastest, or as fast: keep timing.
    assert not ratios_settled(samples(clear, [0.58, 0.72] * 4 + [0.6]))
    assert not ratios_settled(samples([1.2] * 9, near))
    # In five rounds only beyond a wider margin: 0.6 of the input is settled, 0.9 is not yet.
    five = [Samples(s.wall[:5]) for s in samples(clear, slower)]
    assert ratios_settled(five) and ratios_settled(five[:2])
    assert not ratios_settled([five[0], five[2]])
    assert ratios_settled([Samples(s.wall[:5]) for s in samples([1.2] * 9)])
    assert not ratios_settled([Samples(s.wall[:5]) for s in samples([1.1] * 9)])


def test_in_strict_mode_a_candidate_with_other_roundings_is_not_taken() -> None:
    """XLA may compute two exactly equal programs with other roundings (a convolution whose
    producer it fuses differently runs another kernel). Timed for `fp-mode=strict`, a candidate
    whose results differ in any bit from the input's on the timing's inputs counts as infinitely
    slow; one with the same bits is timed."""
    from stablehlo_eqsat.passes.measure import time_programs

    t = "tensor<64xf32>"

    def program(body: str) -> str:
        return f"func.func public @main(%a: {t}, %b: {t}, %c: {t}) -> {t} {{\n{body}\n}}\n"

    left = program(f"  %0 = stablehlo.add %a, %b : {t}\n  %1 = stablehlo.add %0, %c : {t}\n  return %1 : {t}")
    right = program(
        f"  %0 = stablehlo.add %b, %c : {t}\n  %1 = stablehlo.add %a, %0 : {t}\n  return %1 : {t}"
    )
    commuted = program(
        f"  %0 = stablehlo.add %b, %a : {t}\n  %1 = stablehlo.add %c, %0 : {t}\n  return %1 : {t}"
    )
    reassociated, same = time_programs([left, right, commuted], same_bits=True)
    assert reassociated == math.inf and 0 < same < math.inf
    assert all(0 < r < math.inf for r in time_programs([left, right], same_bits=False))


def test_one_measurer_compiles_the_input_of_its_whole_program_timings_once(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A function's input is timed against its extracted program, then against the other
    candidates: within one measurer's session it is compiled once; another session compiles it
    afresh (a process measuring for many never makes a first optimization look cheaper)."""
    from stablehlo_eqsat.passes.measure import time_programs

    import stablehlo_eqsat.xla as xla

    t = "tensor<64xf32>"
    base, other, third = (
        f"func.func public @main(%a: {t}) -> {t} {{\n  %0 = stablehlo.{op} %a : {t}\n  return %0 : {t}\n}}\n"
        for op in ("negate", "abs", "exponential")
    )
    compiled: list[str] = []
    real = xla.compile_module

    def counting(text: str) -> object:
        compiled.append(text)
        return real(text)

    monkeypatch.setattr(xla, "compile_module", counting)
    time_programs([base, other], session="s1")
    time_programs([base, third], session="s1")
    assert compiled == [base, other, third]
    time_programs([base, third], session="s2")
    assert compiled[3:] == [base, third]
