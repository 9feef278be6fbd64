"""Everything that differs between the versions of jax, jaxlib and egglog we support, in one place.

Supported: jax/jaxlib 0.10.2 through 0.12.x, egglog 13.2 through 14.x, Python 3.11 through 3.13
(README, "Supported versions"). Code elsewhere calls these functions and never checks a version.
"""

from __future__ import annotations

import logging

from jaxlib.mlir import ir

log = logging.getLogger(__name__)


def new_mlir_context() -> ir.Context:
    """A fresh MLIR context with the dialects jaxlib ships registered (builtin and upstream
    dialects, func, stablehlo, chlo, mhlo, sdy, ...), as `jax`'s own `make_ir_context` makes it
    but without importing jax (seconds), and always fresh (jax 0.12 reuses one per thread).
    Falls back to jax's where jaxlib's extension modules are laid out differently."""
    try:
        from jaxlib.mlir._mlir_libs import _jax_mlir_ext
        from jaxlib.mlir.dialects import chlo, mhlo, sdy
        from jaxlib.mlir.dialects import stablehlo as hlo
    except ImportError as e:  # pragma: no cover - a jaxlib with another layout
        log.debug("building the MLIR context through jax: %s", e)
        from jax._src.interpreters import mlir as jax_mlir

        return (
            jax_mlir._create_ir_context()
            if hasattr(jax_mlir, "_create_ir_context")
            else jax_mlir.make_ir_context()
        )
    context = ir.Context()
    registry = ir.DialectRegistry()
    _jax_mlir_ext.register_dialects(registry)
    context.append_dialect_registry(registry)
    context.load_all_available_dialects()
    sdy.register_dialect(context)
    mhlo.register_mhlo_dialect(context)
    chlo.register_dialect(context)
    hlo.register_dialect(context)
    return context
