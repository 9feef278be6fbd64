"""MLIR contexts with every dialect jaxlib ships (stablehlo, chlo, func, mhlo, sdy, ...)."""

from __future__ import annotations

import functools

from jaxlib.mlir import ir

from stablehlo_eqsat.compat import new_mlir_context, stablehlo_extension


def make_context(*, allow_unregistered: bool = False) -> ir.Context:
    """A fresh context for parsing and rewriting StableHLO (jax is not imported)."""
    ctx = new_mlir_context()
    ctx.allow_unregistered_dialects = allow_unregistered
    _register_passes()
    return ctx


@functools.cache
def _register_passes() -> None:
    stablehlo_extension().register_stablehlo_passes()
