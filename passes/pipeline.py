"""The one way a module goes through the passes: parse, run a pipeline, verify, print.

    result = run_pipeline(text, "builtin.module(stablehlo-eqsat{fp-mode=strict})")
    if result.ok:
        out = result.output()             # text (or bytecode, `output(bytecode=True)`)
    for d in result.diagnostics: ...     # located errors and warnings, nothing printed
    result.reports                       # (pass name, its per-function reports) for each pass run

The driver (`stablehlo-eqsat-opt`), the Python API (`optimize_module`) and every tool call it, so
a fix to the pipeline reaches all of them. It never hands back unverified IR: a module that does
not verify after the passes is reported with a warning and its input goes out instead.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jaxlib.mlir import ir
from stablehlo_eqsat.passes.diagnostics import Diagnostic, Diagnostics, location_parts
from stablehlo_eqsat.passes.registry import Pass, PipelineError, parse_pipeline

BYTECODE_MAGIC = b"ML\xefR"
_QUANT = re.compile(r"!quant\.")


@dataclass
class PipelineResult:
    """What a pipeline made of one module.

    `module` is the verified result, or None where the input did not parse (`diagnostics` say
    why: `ok` is False) or went out unchanged (`passed_through`: a quantized module, which jaxlib's
    bindings cannot parse, or a result that failed to verify). `reports` holds, for each pass run,
    its name and what its `apply` returned (a list of `FunctionReport`s for our passes)."""

    module: ir.Module | None
    source: str | bytes | None  # the input, for passing it through
    diagnostics: list[Diagnostic] = field(default_factory=list)
    reports: list[tuple[str, Any]] = field(default_factory=list)
    passed_through: bool = False

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    def pass_reports(self, name: str | None = None) -> list[Any]:
        """The function reports of every run of pass `name` (all of our passes' when None)."""
        return [r for n, rs in self.reports if name in (None, n) for r in (rs or [])]

    def output(self, *, bytecode: bool = False, debug_info: bool = False) -> str | bytes:
        """The result as text (locations with `debug_info`) or MLIR bytecode; the input itself when
        it was passed through."""
        if self.module is None:
            if not self.passed_through or self.source is None:
                raise ValueError("the pipeline produced no module")
            return self.source
        if bytecode:
            buf = io.BytesIO()
            self.module.operation.write_bytecode(buf)
            return buf.getvalue()
        return str(self.module.operation.get_asm(enable_debug_info=debug_info))


def _mlir_diagnostics(e: ir.MLIRError, severity: str = "error") -> list[Diagnostic]:
    out = []
    for d in e.error_diagnostics:
        out.append(Diagnostic(severity, d.message, *location_parts(d.location)))
    if not out:
        out.append(Diagnostic(severity, str(e).splitlines()[-1] if str(e) else type(e).__name__))
    return out


def parse_module(
    source: str | bytes | Path, context: ir.Context
) -> tuple[ir.Module | None, list[Diagnostic]]:
    """Parse and verify MLIR text or bytecode (a `Path` is read from the file, so that locations
    name it); the module, or None and the located errors."""
    try:
        with context:
            module = ir.Module.parseFile(str(source)) if isinstance(source, Path) else ir.Module.parse(source)
            module.operation.verify()
        return module, []
    except ir.MLIRError as e:
        return None, _mlir_diagnostics(e)


def run_pipeline(
    source: str | bytes | Path | ir.Module,
    pipeline: str | list[Pass],
    *,
    context: ir.Context | None = None,
    allow_unregistered: bool = False,
) -> PipelineResult:
    """Run `pipeline` (text in `mlir-opt`'s syntax, or passes) on `source`.

    Text, bytecode and files are parsed in `context` (default: a fresh one with every dialect
    jaxlib ships); an `ir.Module` is transformed in place. Raises `PipelineError` for a pipeline
    that does not parse; everything about the module itself comes back as diagnostics."""
    from stablehlo_eqsat.dialect_glue.context import make_context

    text: str | bytes | None = None
    if isinstance(source, ir.Module):
        module, context = source, source.context
    else:
        context = context or make_context(allow_unregistered=allow_unregistered)
        text = source.read_bytes() if isinstance(source, Path) else source
        parsed, errors = parse_module(source, context)
        if parsed is None:
            return _unparsed(text, errors)
        module = parsed
    passes = parse_pipeline(pipeline, context) if isinstance(pipeline, str) else pipeline
    result = PipelineResult(module, text)
    with context:
        for p in passes:
            collected = Diagnostics()
            try:
                reports = p.apply(module, collected)
            except ir.MLIRError as e:
                result.diagnostics += _mlir_diagnostics(e)
                if not e.error_diagnostics:
                    result.diagnostics[-1] = Diagnostic(
                        "error", f"pass '{p.name}' failed: {str(e).splitlines()[0]}"
                    )
                result.module = None
                return result
            finally:
                result.diagnostics += collected.items
            result.reports.append((p.name, reports))
        try:
            module.operation.verify()
        except ir.MLIRError as e:
            msg = e.error_diagnostics[0].message if e.error_diagnostics else str(e)
            result.diagnostics.append(
                Diagnostic(
                    "warning", f"optimized module failed to verify ({msg}); input passed through unchanged"
                )
            )
            result.module, result.passed_through = None, True
    return result


def _unparsed(text: str | bytes, errors: list[Diagnostic]) -> PipelineResult:
    """The result for input that did not parse: its errors, or, for a quantized module (jaxlib's
    bindings lack the quant dialect), the input passed through with a warning."""
    as_text = text if isinstance(text, str) else text.decode("utf-8", "replace")
    if _QUANT.search(as_text) and any("quant" in d.message for d in errors):
        warning = Diagnostic(
            "warning",
            "module uses the quant dialect, which jaxlib's MLIR bindings lack; passed through unchanged",
        )
        return PipelineResult(None, text, [warning], passed_through=True)
    return PipelineResult(None, text, errors)


__all__ = ["BYTECODE_MAGIC", "PipelineError", "PipelineResult", "parse_module", "run_pipeline"]
