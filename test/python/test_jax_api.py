"""`optimize_exported` and `stablehlo_eqsat.jit` inside JAX flows."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import export
from jaxlib.mlir import ir
from stablehlo_eqsat.tools import zoo

import stablehlo_eqsat
from stablehlo_eqsat import api, optimize_exported
from stablehlo_eqsat.xla import ArgType, random_array

# Tolerance of fp-mode=xla against the unoptimized program (reassociation XLA itself allows).
XLA_RTOL = 1e-5


def redundant(p: dict[str, Any], x: Any) -> dict[str, Any]:
    """Work for the rules: a transpose pair, identity arithmetic, a subexpression computed twice."""
    y = x.T.T * 1.0 + 0.0
    a = jnp.tanh(y @ p["w"] + p["b"])
    c = jnp.tanh(y @ p["w"] + p["b"])
    return {"out": (a + c) / 2.0, "sum": jnp.sum(a, axis=0)}


def params(rng: np.random.Generator, n: int = 16) -> dict[str, Any]:
    return {
        "w": jnp.asarray(rng.standard_normal((32, n)), jnp.float32),
        "b": jnp.asarray(rng.standard_normal(n), jnp.float32),
    }


@pytest.fixture
def args() -> tuple[dict[str, Any], Any]:
    rng = np.random.default_rng(0)
    return params(rng), jnp.asarray(rng.standard_normal((8, 32)), jnp.float32)


def assert_trees(expected: Any, actual: Any, rtol: float | None) -> None:
    assert jax.tree.structure(expected) == jax.tree.structure(actual)
    for e, a in zip(jax.tree.leaves(expected), jax.tree.leaves(actual), strict=True):
        e, a = np.asarray(e), np.asarray(a)
        assert e.shape == a.shape and e.dtype == a.dtype
        if rtol is None:
            np.testing.assert_array_equal(a, e)
        else:
            np.testing.assert_allclose(a, e, rtol=rtol, atol=rtol)


# -- optimize_exported -------------------------------------------------------------------------------
@pytest.mark.parametrize("fp_mode", ["strict", "xla"])
def test_optimize_exported_round_trips(fp_mode: str, args: tuple[Any, Any]) -> None:
    exp = export.export(jax.jit(redundant))(*args)
    opt = optimize_exported(exp, fp_mode=fp_mode)
    assert opt.in_tree == exp.in_tree and opt.out_tree == exp.out_tree
    assert opt.mlir_module_serialized != exp.mlir_module_serialized
    assert opt.mlir_module().count("stablehlo.transpose") < exp.mlir_module().count("stablehlo.transpose")

    again = export.deserialize(opt.serialize())
    expected = jax.jit(redundant)(*args)
    rtol = None if fp_mode == "strict" else XLA_RTOL
    assert_trees(expected, again.call(*args), rtol)
    assert_trees(expected, jax.jit(again.call)(*args), rtol)


def test_optimize_exported_leaves_the_original(args: tuple[Any, Any]) -> None:
    exp = export.export(jax.jit(redundant))(*args)
    before = exp.mlir_module_serialized
    optimize_exported(exp)
    assert exp.mlir_module_serialized == before


# -- jit ---------------------------------------------------------------------------------------------
def zoo_cases() -> list[tuple[str, Any, tuple[Any, ...]]]:
    models = zoo._models()
    rng = np.random.default_rng(1)
    cases = []
    for name in ("mlp", "gpt2_block", "llama_block", "resnet_block", "rnn_scan", "redundant_layers"):
        fn, shapes = models[name]
        concrete = jax.tree.map(
            lambda s: jnp.asarray(random_array(ArgType(tuple(s.shape), np.dtype(s.dtype)), rng)), shapes
        )
        cases.append((name, fn, concrete))
    return cases


@pytest.mark.parametrize("case", zoo_cases(), ids=lambda c: c[0])
def test_jit_matches_jax_jit_on_zoo(case: tuple[str, Any, tuple[Any, ...]]) -> None:
    _, fn, concrete = case
    assert_trees(jax.jit(fn)(*concrete), stablehlo_eqsat.jit(fn)(*concrete), XLA_RTOL)


def test_jit_strict_is_bit_identical(args: tuple[Any, Any]) -> None:
    assert_trees(jax.jit(redundant)(*args), stablehlo_eqsat.jit(redundant, fp_mode="strict")(*args), None)


@pytest.fixture
def optimizations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the modules `jit` optimizes (one per compilation)."""
    calls: list[int] = []
    real = api.optimize_module

    def counting(module: Any, **kw: Any) -> Any:
        calls.append(1)
        return real(module, **kw)

    monkeypatch.setattr(api, "optimize_module", counting)
    return calls


def test_jit_caches_per_shape_and_dtype(optimizations: list[int]) -> None:
    f = stablehlo_eqsat.jit(lambda x: jnp.tanh(x.T.T) * 2.0)
    x = jnp.ones((4, 8), jnp.float32)
    f(x)
    f(x + 1.0)
    assert len(optimizations) == 1 and f._cache_size() == 1
    f(jnp.ones((4, 9), jnp.float32))  # new shape
    assert len(optimizations) == 2
    f(jnp.ones((4, 8), jnp.float16))  # new dtype
    assert len(optimizations) == 3
    f(x)
    assert len(optimizations) == 3 and f._cache_size() == 3


def test_jit_pytrees_in_and_out(args: tuple[Any, Any]) -> None:
    f = stablehlo_eqsat.jit(redundant)
    out = f(*args)
    assert set(out) == {"out", "sum"}
    assert_trees(jax.jit(redundant)(*args), out, XLA_RTOL)


def test_jit_static_argnums_and_kwargs(optimizations: list[int]) -> None:
    def scaled(x: Any, n: int, *, bias: Any) -> Any:
        return jnp.tanh(x.T.T) * n + bias

    x, bias = jnp.ones((4, 8), jnp.float32), jnp.full((8,), 0.5, jnp.float32)
    for kw in ({"static_argnums": 1}, {"static_argnames": "n"}, {"static_argnums": (-1,)}):
        f = stablehlo_eqsat.jit(scaled, **kw)
        g = jax.jit(scaled, **kw)
        assert_trees(g(x, 3, bias=bias), f(x, 3, bias=bias), XLA_RTOL)
        assert_trees(g(x, 4, bias=bias), f(x, 4, bias=bias), XLA_RTOL)  # a new static value recompiles
        assert f._cache_size() == 2
    f = stablehlo_eqsat.jit(scaled, static_argnames="n")
    assert_trees(jax.jit(scaled, static_argnames="n")(x, n=2, bias=bias), f(x, n=2, bias=bias), XLA_RTOL)


def test_jit_as_decorator_with_options() -> None:
    @stablehlo_eqsat.jit(fp_mode="strict")
    def f(x: Any) -> Any:
        return x.T.T + 0.0

    x = jnp.arange(6.0, dtype=jnp.float32).reshape(2, 3)
    np.testing.assert_array_equal(np.asarray(f(x)), np.asarray(x))
    assert f.__name__ == "f"


def _tanh_to_negate(module: ir.Module, **_: Any) -> ir.Module:
    """A deliberately wrong 'optimization' (tanh -> negate), so that its effect is visible."""
    from jaxlib.mlir.dialects import stablehlo

    def walk(op: ir.Operation) -> None:
        for region in op.regions:
            for block in region.blocks:
                for child in list(block.operations):
                    child = child.operation
                    walk(child)
                    if child.name == "stablehlo.tanh":
                        with ir.InsertionPoint(child), child.location:
                            neg = stablehlo.NegOp(child.operands[0])
                        child.results[0].replace_all_uses_with(neg.result)
                        child.erase()

    with module.context:
        walk(module.operation)
    return module


@pytest.mark.parametrize("plain_first", [True, False])
def test_plain_jax_jit_is_not_poisoned(monkeypatch: pytest.MonkeyPatch, plain_first: bool) -> None:
    monkeypatch.setattr(api, "optimize_module", _tanh_to_negate)

    def f(x: Any) -> Any:
        return jnp.tanh(x) * 2.0

    x = jnp.linspace(-1.0, 1.0, 8, dtype=jnp.float32)
    expected = np.tanh(np.asarray(x)) * 2.0
    if plain_first:
        np.testing.assert_allclose(np.asarray(jax.jit(f)(x)), expected, rtol=1e-6)
    text_before = jax.jit(f).lower(x).as_text()
    # The mutation reached XLA through our wrapper ...
    np.testing.assert_allclose(np.asarray(stablehlo_eqsat.jit(f)(x)), -np.asarray(x) * 2.0, rtol=1e-6)
    # ... and plain jax.jit still lowers and runs the original program.
    np.testing.assert_allclose(np.asarray(jax.jit(f)(x)), expected, rtol=1e-6)
    assert jax.jit(f).lower(x).as_text() == text_before
    assert "stablehlo.tanh" in jax.jit(f).lower(x).as_text()


def test_jit_export_route_when_jax_internals_move(
    monkeypatch: pytest.MonkeyPatch, optimizations: list[int], args: tuple[Any, Any]
) -> None:
    """If jax's private lowering fields are gone, `jit` falls back to the public export route."""
    from stablehlo_eqsat import jax_api

    def moved(self: Any, *a: Any, **k: Any) -> Any:
        raise jax_api._InternalsMoved

    monkeypatch.setattr(jax_api._OptimizedJit, "lower_optimized", moved)
    f = stablehlo_eqsat.jit(redundant)
    assert_trees(jax.jit(redundant)(*args), f(*args), XLA_RTOL)
    f(*args)
    assert len(optimizations) == 1
