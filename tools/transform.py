"""A module through a pass pipeline, timed: what the benchmarks compare XLA alone against.

    t = transform(text, "builtin.module(stablehlo-eqsat{fp-mode=xla})")
    t.text, t.seconds, t.reports          # the result, the passes' time, stablehlo-eqsat's reports

It goes through the one pipeline entry (`passes.pipeline.run_pipeline`), as the driver does. The
module and the pipeline are parsed first, so that the time is the passes' (and the verification's).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stablehlo_eqsat.passes.registry import Pass
    from stablehlo_eqsat.passes.reports import FunctionReport

EQSAT = "stablehlo-eqsat"


@dataclass
class Transformed:
    """A module after a pipeline: its text (None when there is none: `note` says why), the time the
    passes took and the function reports of `stablehlo-eqsat`."""

    text: str | None
    seconds: float = 0.0
    note: str = ""
    reports: list[FunctionReport] = field(default_factory=list)


def eqsat_pipeline(options: str = "") -> str:
    """The pipeline that runs `stablehlo-eqsat` with `options` (`key=value ...`)."""
    return f"builtin.module({EQSAT}{{{options}}})" if options.strip() else f"builtin.module({EQSAT})"


def transform(text: str, pipeline: str | list[Pass]) -> Transformed:
    """`text` after `pipeline`. A module that does not parse, a pass that fails and a result that
    does not verify give no text; `PipelineError` for a pipeline that does not parse."""
    from stablehlo_eqsat.dialect_glue.context import make_context
    from stablehlo_eqsat.passes.pipeline import parse_module, run_pipeline
    from stablehlo_eqsat.passes.registry import parse_pipeline

    context = make_context()
    passes = parse_pipeline(pipeline, context) if isinstance(pipeline, str) else pipeline
    module, errors = parse_module(text, context)
    if module is None:
        return Transformed(None, note=f"failed: {errors[0].message}")
    start = time.perf_counter()
    result = run_pipeline(module, passes)
    seconds = time.perf_counter() - start
    reports = result.pass_reports(EQSAT)
    if result.module is None:
        problem = (result.errors or result.diagnostics)[0].message
        return Transformed(None, seconds, f"failed: {problem.splitlines()[0]}", reports)
    return Transformed(str(result.output()), seconds, reports=reports)
