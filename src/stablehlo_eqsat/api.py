"""The Python API: optimize a StableHLO module given as `ir.Module`, text or bytecode."""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:
    from jaxlib.mlir import ir

log = logging.getLogger(__name__)

DEFAULT_PIPELINE = "builtin.module(stablehlo-eqsat)"


class OptimizeError(Exception):
    """The input does not parse or verify, or the pipeline is invalid."""


@overload
def optimize_module(module: str, *, pipeline: str | None = ..., fp_mode: str = ...) -> str: ...
@overload
def optimize_module(module: bytes, *, pipeline: str | None = ..., fp_mode: str = ...) -> bytes: ...
@overload
def optimize_module(module: ir.Module, *, pipeline: str | None = ..., fp_mode: str = ...) -> ir.Module: ...


def optimize_module(
    module: str | bytes | ir.Module, *, pipeline: str | None = None, fp_mode: str = "xla"
) -> str | bytes | ir.Module:
    """Run `pipeline` (default: `stablehlo-eqsat` with `fp_mode`) and return the same kind of module.

    An `ir.Module` is optimized in place and returned; text and bytecode are parsed in a fresh
    context and the result is printed back in the same form. Warnings (functions left unchanged
    because a stage failed) go to the `stablehlo_eqsat` logger.
    """
    from jaxlib.mlir import ir

    from stablehlo_eqsat.dialect_glue.context import make_context
    from stablehlo_eqsat.passes.diagnostics import Diagnostics
    from stablehlo_eqsat.passes.registry import PipelineError, parse_pipeline

    text_pipeline = pipeline or f"builtin.module(stablehlo-eqsat{{fp-mode={fp_mode}}})"
    if isinstance(module, ir.Module):
        target, ctx = module, module.context
    else:
        ctx = make_context()
        with ctx:
            try:
                target = ir.Module.parse(module)
            except ir.MLIRError as e:
                first = e.error_diagnostics[0] if e.error_diagnostics else None
                where = f"{first.location}: " if first else ""
                raise OptimizeError(f"{where}{first.message if first else e}") from None
    try:
        passes = parse_pipeline(text_pipeline, ctx)
    except PipelineError as e:
        raise OptimizeError(str(e)) from None
    diagnostics = Diagnostics()
    with ctx:
        for p in passes:
            p.apply(target, diagnostics)
        target.operation.verify()
    for d in diagnostics.items:
        log.warning("%s:%s:%s: %s", d.file, d.line, d.col, d.message)
    if isinstance(module, ir.Module):
        return target
    if isinstance(module, bytes):
        buf = io.BytesIO()
        target.operation.write_bytecode(buf)
        return buf.getvalue()
    return str(target)
