"""A generated 300-op module survives the round trip: XLA CPU gives bit-identical results."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pytest
from jaxlib.mlir import ir
from stablehlo_eqsat.dialect_glue.context import make_context
from stablehlo_eqsat.tools.gen_module import generate_module

import stablehlo_eqsat.xla as xla
from stablehlo_eqsat import optimize_module

ROUNDTRIP = "builtin.module(stablehlo-eqsat-roundtrip)"


def _random_args(text: str, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    with make_context():
        module = ir.Module.parse(text)
        main: Any = next(
            op for op in module.body.operations if ir.StringAttr(op.attributes["sym_name"]).value == "main"
        )
        types = [ir.RankedTensorType(t) for t in main.type.inputs]
    assert all(str(t.element_type) == "f32" for t in types)
    return [rng.uniform(-2.0, 2.0, size=t.shape).astype(np.float32) for t in types]


@pytest.mark.parametrize("seed", [0, 1])
def test_generated_module_roundtrip_is_bit_identical_on_xla(
    seed: int, caplog: pytest.LogCaptureFixture
) -> None:
    text = generate_module(300, seed)
    with caplog.at_level(logging.WARNING, logger="stablehlo_eqsat"):
        out = optimize_module(text, pipeline=ROUNDTRIP)
    assert not [r.getMessage() for r in caplog.records], "the round trip fell back to the input"
    assert isinstance(out, str)

    args = _random_args(text, seed)
    before = xla.compile_and_run(text, args)
    after = xla.compile_and_run(out, args)
    assert len(before) == len(after)
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        assert b.dtype == a.dtype and b.shape == a.shape, i
        assert np.all(np.isfinite(b.astype(np.float64))), f"result {i} is not finite"
        assert b.tobytes() == a.tobytes(), f"result {i} differs after the round trip"


def test_generator_is_deterministic_and_sized() -> None:
    a = generate_module(200, 7)
    assert a == generate_module(200, 7)
    assert a != generate_module(200, 8)
    with make_context():
        module = ir.Module.parse(a)
        main = module.body.operations[0]
        ops = list(main.regions[0].blocks[0].operations)
    assert len(ops) == 200 + 1  # the ops, then func.return
