"""XLA in a worker process (`xla/worker.py`), and when the pass starts one (`MeasuredCostModel.
will_measure`): ahead of the first measurement, in a process that has not imported jax."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from stablehlo_eqsat.dialect_glue.graph import TensorTy, TermGraph
from stablehlo_eqsat.passes.measure import MeasuredCostModel, Measurer, measured_params
from stablehlo_eqsat.passes.profile import load_profile
from test_measure import DEPTHWISE

from stablehlo_eqsat.xla import XlaError
from stablehlo_eqsat.xla.worker import Worker, WorkerDied

MATMUL = (
    "func.func @main(%a: tensor<16x32xf32>, %b: tensor<32x8xf32>) -> tensor<16x8xf32> {\n"
    "  %0 = stablehlo.dot_general %a, %b, contracting_dims = [1] x [0] : "
    "(tensor<16x32xf32>, tensor<32x8xf32>) -> tensor<16x8xf32>\n"
    "  return %0 : tensor<16x8xf32>\n}\n"
)


def test_worker_answers_calls_reports_errors_and_dies_alone() -> None:
    worker = Worker.start()
    try:
        assert worker.call(pow, 2, 10) == 1024
        with pytest.raises(XlaError, match="ValueError: invalid literal"):
            worker.call(int, "x")
        assert worker.call(max, 3, 4) == 4  # an error in a call leaves the worker working
        with pytest.raises(WorkerDied, match="code 3"):
            worker.call(os._exit, 3)
        assert not worker.alive
    finally:
        worker.close()


def test_a_measurement_runs_in_the_worker_where_jax_is_not_imported(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import jax  # noqa: F401

    m = Measurer(tmp_path / "m.json", budget_seconds=60)
    m.start_worker()
    assert m._worker is None  # jax is loaded here: nothing to gain
    monkeypatch.delitem(sys.modules, "jax")
    m.start_worker()
    monkeypatch.undo()
    try:
        kids = [TensorTy((16, 32), "f32"), TensorTy((32, 8), "f32")]
        t = m.seconds("Dot", TensorTy((16, 8), "f32"), kids, ((), (), (1,), (0,)))
        assert t is not None and 0 <= t < 0.1
        assert m.worker_calls == 1  # the dot, timed in a loop (no call overhead to subtract)
    finally:
        m.close()
    assert m._worker is None


def _functions(text: str) -> list[list[TermGraph]]:
    from jaxlib.mlir import ir
    from stablehlo_eqsat.dialect_glue.context import make_context
    from stablehlo_eqsat.dialect_glue.importer import import_function, pure_functions

    with make_context():
        module = ir.Module.parse(text)
        fn = import_function(module.body.operations[0].operation, pure_functions(module))
        return [[g.graph for g in fn.graphs.values()]]  # type: ignore[union-attr]


def _time_measured_ops(functions: list[list[TermGraph]], path: Path, ctor: str) -> None:
    """Time every `ctor` op of these functions into the cache at `path`."""
    m = Measurer(path, budget_seconds=60)
    for graph in (g for graphs in functions for g in graphs):
        for term in graph.terms:
            if term.ctor == ctor:
                kids = [graph.terms[c].ty for c in term.children()]
                assert m.seconds(ctor, term.ty, kids, measured_params(ctor, term.args))


def test_the_pass_expects_to_measure_on_a_new_cache_or_an_untimed_convolution(tmp_path: Path) -> None:
    path = tmp_path / "m.json"

    def will_measure(functions: list[list[TermGraph]], mode: str = "auto") -> bool:
        return MeasuredCostModel(load_profile("cpu"), measurer=Measurer(path), mode=mode).will_measure(
            functions
        )

    conv, dot = _functions(DEPTHWISE), _functions(MATMUL)
    # A cache never used: the first optimization on a machine times the ops it changes.
    assert will_measure(conv) and will_measure(dot)
    assert not will_measure(conv, "off")
    # Once the cache holds timings, a dot does not say that anything will be timed (in `auto`,
    # only the dots a change touches are), except in `on` where the cache lacks it.
    _time_measured_ops(dot, path, "Dot")
    assert not will_measure(dot)
    assert not will_measure(dot, "on")
    assert will_measure(_functions(MATMUL.replace("16x", "24x")), "on")
    # A convolution the cache lacks is sure to be timed; one it has is not.
    assert will_measure(conv)
    _time_measured_ops(conv, path, "Conv")
    assert not will_measure(conv)


def test_the_driver_measures_in_a_worker_process(tmp_path: Path) -> None:
    source = tmp_path / "depthwise.mlir"
    source.write_text(DEPTHWISE)
    cache = tmp_path / "m.json"
    proc = subprocess.run(
        [sys.executable, "-m", "stablehlo_eqsat.tools.opt", str(source), "--explain",
         "-o", str(tmp_path / "out.mlir"),
         f"--pass-pipeline=builtin.module(stablehlo-eqsat{{measure-cache={cache} measure-decisive=0}})"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "(XLA in a worker process)" in proc.stderr
    assert "stablehlo.convolution" not in (tmp_path / "out.mlir").read_text()  # rewritten, as in-process
    assert "pjrt" not in proc.stderr.lower()  # XLA's log stays in the worker


def test_a_worker_that_never_answers_leaves_the_measurement_to_this_process(tmp_path: Path) -> None:
    m = Measurer(tmp_path / "m.json", budget_seconds=60)
    gone = subprocess.Popen([sys.executable, "-c", "pass"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    gone.wait()  # the request then meets a closed pipe (it did in CI, by chance, and was not handled)
    m._worker = Worker(gone)
    kids = [TensorTy((16, 32), "f32"), TensorTy((32, 8), "f32")]
    t = m.seconds("Dot", TensorTy((16, 8), "f32"), kids, ((), (), (1,), (0,)))
    assert t is not None and m._worker is None and m.worker_calls == 0


def test_a_worker_that_dies_on_a_measurement_fails_that_measurement_alone(tmp_path: Path) -> None:
    """XLA aborting on a module kills the worker, not the process that asked: that measurement
    fails (None: the analytical model answers) and the next ones run in this process."""
    m = Measurer(tmp_path / "m.json", budget_seconds=60)
    m._worker = Worker.start()
    with pytest.raises(WorkerDied):
        m._run(os._exit, 134)  # what an abort in XLA looks like from here
    assert m._worker is None
    kids = [TensorTy((16, 32), "f32"), TensorTy((32, 8), "f32")]
    assert m.seconds("Dot", TensorTy((16, 8), "f32"), kids, ((), (), (1,), (0,))) is not None  # in-process
