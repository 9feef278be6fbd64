"""The Python API: optimize a StableHLO module given as `ir.Module`, text or bytecode."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:
    from jaxlib.mlir import ir

    from stablehlo_eqsat.passes.diagnostics import Diagnostic

log = logging.getLogger(__name__)

DEFAULT_PIPELINE = "builtin.module(stablehlo-eqsat)"


class OptimizeError(Exception):
    """The input does not parse or verify, or the pipeline is invalid.

    `line` and `col` locate the first error in the input text when it has a location.
    """

    def __init__(self, message: str, *, line: int | None = None, col: int | None = None):
        super().__init__(message)
        self.line, self.col = line, col


def _error(d: Diagnostic) -> OptimizeError:
    """`<input>:line:col: error: message` from a located diagnostic."""
    if d.line is not None:
        return OptimizeError(f"<input>:{d.line}:{d.col}: error: {d.message}", line=d.line, col=d.col)
    return OptimizeError(f"<input>: error: {d.message}")


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

    from stablehlo_eqsat.passes.pipeline import BYTECODE_MAGIC, run_pipeline
    from stablehlo_eqsat.passes.registry import PipelineError

    text_pipeline = pipeline or f"builtin.module(stablehlo-eqsat{{fp-mode={fp_mode}}})"
    try:
        result = run_pipeline(module, text_pipeline)
    except PipelineError as e:
        raise OptimizeError(str(e)) from None
    if result.errors:
        raise _error(result.errors[0])
    for d in result.diagnostics:
        log.warning("%s:%s:%s: %s", d.file, d.line, d.col, d.message)
    if isinstance(module, ir.Module):
        if result.module is None:
            raise OptimizeError("<input>: error: the optimized module failed to verify")
        return module
    if isinstance(module, bytes):
        if not module.startswith(BYTECODE_MAGIC):
            return str(result.output()).encode() if result.module is not None else module
        return result.output(bytecode=True)
    return result.output()
