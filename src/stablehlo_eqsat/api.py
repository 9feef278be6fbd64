"""The Python API: optimize a StableHLO module given as `ir.Module`, text or bytecode."""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:
    from jaxlib.mlir import ir

log = logging.getLogger(__name__)

DEFAULT_PIPELINE = "builtin.module(stablehlo-eqsat)"


BYTECODE_MAGIC = b"ML\xefR"


class OptimizeError(Exception):
    """The input does not parse or verify, or the pipeline is invalid.

    `line` and `col` locate the first error in the input text when it has a location.
    """

    def __init__(self, message: str, *, line: int | None = None, col: int | None = None):
        super().__init__(message)
        self.line, self.col = line, col


def _error_from_mlir(e: Exception, what: str) -> OptimizeError:
    """`<input>:line:col: error: message` from the first diagnostic of an `ir.MLIRError`."""
    import re

    diags = list(getattr(e, "error_diagnostics", None) or [])
    if not diags:
        return OptimizeError(f"<input>: error: {what}: {str(e).splitlines()[0] if str(e) else e!r}")
    first = diags[0]
    m = re.search(r'"[^"]*":(\d+):(\d+)', str(first.location))
    if m:
        line, col = int(m.group(1)), int(m.group(2))
        return OptimizeError(f"<input>:{line}:{col}: error: {first.message}", line=line, col=col)
    return OptimizeError(f"<input>: error: {first.message}")


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
    context and the result is printed back in the same form: `str` gives `str`, MLIR bytecode
    gives bytecode, and text given as `bytes` gives text as (UTF-8) `bytes`. Warnings (functions
    left unchanged because a stage failed) go to the `stablehlo_eqsat` logger. Raises
    `OptimizeError` for input that does not parse or verify and for an invalid pipeline.
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
                target.operation.verify()
            except ir.MLIRError as e:
                raise _error_from_mlir(e, "could not parse the input") from None
    try:
        passes = parse_pipeline(text_pipeline, ctx)
    except PipelineError as e:
        raise OptimizeError(str(e)) from None
    diagnostics = Diagnostics()
    with ctx:
        try:
            for p in passes:
                p.apply(target, diagnostics)
            target.operation.verify()
        except ir.MLIRError as e:
            raise _error_from_mlir(e, "the pipeline failed") from None
    for d in diagnostics.items:
        log.warning("%s:%s:%s: %s", d.file, d.line, d.col, d.message)
    if isinstance(module, ir.Module):
        return target
    if isinstance(module, bytes):
        if not module.startswith(BYTECODE_MAGIC):
            return str(target).encode()
        buf = io.BytesIO()
        target.operation.write_bytecode(buf)
        return buf.getvalue()
    return str(target)
