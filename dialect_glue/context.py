"""MLIR contexts with every dialect jaxlib ships (stablehlo, chlo, func, mhlo, sdy, ...)."""

from __future__ import annotations

from jaxlib.mlir import ir


def make_context(*, allow_unregistered: bool = False) -> ir.Context:
    """A fresh context for parsing and rewriting StableHLO."""
    from jax._src.interpreters import mlir as jax_mlir

    ctx = jax_mlir.make_ir_context()
    ctx.allow_unregistered_dialects = allow_unregistered
    _register_passes()
    return ctx


_passes_registered = False


def _register_passes() -> None:
    global _passes_registered
    if not _passes_registered:
        from jaxlib.mlir.dialects import stablehlo

        stablehlo.register_stablehlo_passes()
        _passes_registered = True
