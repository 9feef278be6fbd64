"""The equality-saturation passes: import -> prepare -> saturate -> choose -> export, per function.

`stablehlo-eqsat-roundtrip` runs the stages with no rules (the module must come back
unchanged in meaning); `stablehlo-eqsat` runs them with the rule library under a
floating-point mode. A function on which any stage fails is left exactly as it was, with a
warning that names it and the reason.

The stages live in modules of their own: `dialect_glue.importer` (import), `prepare.py`,
`optimize.py` (saturate, with windows and batches), `choose.py` (extract and choose),
`measured_choice.py` (choose by measuring), `reuse.py` (stored results) and
`dialect_glue.exporter` (export, verified before it replaces anything). This module holds the
passes and the loop over a module's functions.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from dataclasses import dataclass, field
from typing import ClassVar

from jaxlib.mlir import ir
from stablehlo_eqsat.dialect_glue.exporter import ExtractedGraph, replace_function
from stablehlo_eqsat.dialect_glue.functions import symbol_name
from stablehlo_eqsat.dialect_glue.importer import (
    ImportedFunction,
    UnsupportedFunction,
    import_function,
    pure_functions,
)
from stablehlo_eqsat.passes import reuse
from stablehlo_eqsat.passes.config import EqsatConfig
from stablehlo_eqsat.passes.diagnostics import Diagnostics
from stablehlo_eqsat.passes.egraph import EGraphSession, Limits, shared_session
from stablehlo_eqsat.passes.extract import EXTRACTORS
from stablehlo_eqsat.passes.measured_choice import DECISIVE_RATIO, replace_measured, worth_measuring
from stablehlo_eqsat.passes.optimize import optimize_graph, optimize_small_functions
from stablehlo_eqsat.passes.prepare import has_convolution
from stablehlo_eqsat.passes.profile import load_profile
from stablehlo_eqsat.passes.reports import FunctionReport, GraphReport

log = logging.getLogger(__name__)


def run_on_module(
    module: ir.Module, config: EqsatConfig, diagnostics: Diagnostics, pass_name: str
) -> list[FunctionReport]:
    """Optimize every function of `module` in place; failures leave a function untouched."""
    reports: list[FunctionReport] = []
    pure = pure_functions(module)
    funcs = [op.operation for op in module.body.operations if op.operation.name == "func.func"]
    imported: dict[int, ImportedFunction | UnsupportedFunction] = {}
    import_seconds: dict[int, float] = {}
    for i, func in enumerate(funcs):
        if len(func.regions[0].blocks):
            start = time.perf_counter()
            try:
                imported[i] = import_function(func, pure)
            except UnsupportedFunction as e:
                imported[i] = e
            import_seconds[i] = time.perf_counter() - start
    # (before the rule library is loaded: XLA's runtime, if it is needed, loads meanwhile)
    config.model.anticipate(
        [
            [g.graph for g in fn.graphs.values()]
            for fn in imported.values()
            if isinstance(fn, ImportedFunction)
        ]
    )
    session = shared_session(config.schedule)  # declarations and rules compiled once per process
    done_early, batch_seconds = optimize_small_functions(imported, config, session)
    for i, func in enumerate(funcs):
        name = symbol_name(func)
        report = FunctionReport(name)
        reports.append(report)
        if i in import_seconds:
            report.stage_seconds["import"] = import_seconds[i]
        start = time.perf_counter() - import_seconds.get(i, 0.0)
        if not len(func.regions[0].blocks):
            report.status = "unchanged"
            report.reason = "declaration"
            continue
        fn = imported[i]
        # Only a function with a convolution has its result decided by measuring (and stored).
        key = None
        if (
            config.results is not None
            and not isinstance(fn, UnsupportedFunction)
            and has_convolution([g.graph for g in fn.graphs.values()])
        ):
            key = reuse.result_key(func, config)
        if key is not None and reuse.reuse(func, key, config.results, report):  # type: ignore[arg-type]
            report.seconds = time.perf_counter() - start
            continue
        if isinstance(fn, UnsupportedFunction):
            report.status, report.reason = "unsupported", str(fn)
            log.info("%s: @%s left as is: %s", pass_name, name, fn)
            continue
        start -= batch_seconds.get(i, 0.0)  # its share of the batches it was saturated in
        try:
            _optimize_function(fn, config, session, done_early, i, key, report)
        except Exception as e:
            report.status = "failed"
            report.reason = f"{type(e).__name__}: {e}".splitlines()[0]
            diagnostics.warning(
                f"{pass_name}: function @{name} left unchanged: {report.reason}", func.location
            )
            log.debug("fallback for @%s", name, exc_info=True)
        report.seconds = time.perf_counter() - start
    return reports


def _optimize_function(
    fn: ImportedFunction,
    config: EqsatConfig,
    session: EGraphSession,
    done_early: dict[tuple[int, int], tuple[ExtractedGraph, GraphReport]],
    index: int,
    key: str | None,
    report: FunctionReport,
) -> None:
    """Optimize the graphs of one function (those not done in a batch already) and put the
    result in place, chosen by measuring where that applies."""
    config = dataclasses.replace(
        config, model=config.model.for_function([g.graph for g in fn.graphs.values()])
    )
    extracted: dict[int, ExtractedGraph] = {}
    name = symbol_name(fn.func)
    for gid, info in fn.graphs.items():
        early = done_early.get((index, gid))
        if early is not None:
            extracted[gid], graph_report = early
        else:
            extracted[gid], graph_report = optimize_graph(
                info.graph, fn.tables, config, f"{name}.{gid}", session
            )
        report.graphs.append(graph_report)
    start = time.perf_counter()
    if config.program_ratios is not None and worth_measuring(fn, extracted):
        done = replace_measured(fn, extracted, config.program_ratios, report, config.decisive_ratio)
        report.stage_seconds["measure"] = time.perf_counter() - start  # (its export included)
        if key is not None and (report.measured_ratio is not None or report.decided_untimed):
            reuse.store(done, key, config.results, report)  # type: ignore[arg-type]
    else:
        replace_function(fn, extracted)
        report.stage_seconds["export"] = time.perf_counter() - start


# -- the passes -----------------------------------------------------------------------------------
def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


@dataclass(frozen=True)
class RoundtripPass:
    """Import every function into an e-graph and extract it again with no rules."""

    name: ClassVar[str] = "stablehlo-eqsat-roundtrip"
    summary: ClassVar[str] = "StableHLO -> e-graph -> StableHLO with no rewrites (checks the translation)"

    extractor: str = field(default="greedy-dag", metadata=_doc("extractor: greedy | greedy-dag | ilp"))

    def apply(self, module: ir.Module, diagnostics: Diagnostics) -> list[FunctionReport]:
        config = EqsatConfig(schedule=None, limits=Limits(iterations=0), extractor=self.extractor)
        return run_on_module(module, config, diagnostics, self.name)


FP_MODES = ("strict", "xla", "fast")


@dataclass(frozen=True)
class EqsatPass:
    """Saturate every function with the rule library and extract the cheapest program."""

    name: ClassVar[str] = "stablehlo-eqsat"
    summary: ClassVar[str] = "equality saturation with the StableHLO rule library"

    fp_mode: str = field(default="xla", metadata=_doc("floating-point rules allowed: strict | xla | fast"))
    extractor: str = field(default="greedy-dag", metadata=_doc("extractor: greedy | greedy-dag | ilp"))
    refine: float = field(
        default=0.5, metadata=_doc("seconds of fusion-aware local search per graph (0: off)")
    )
    device: str = field(
        default="cpu", metadata=_doc("device profile: cpu | gpu | path to a calibrated .json")
    )
    dump_egraph: str = field(default="", metadata=_doc("directory to write each e-graph (JSON and graphviz)"))
    max_iterations: int = field(default=8, metadata=_doc("saturation iterations per graph"))
    max_nodes: int = field(
        default=200_000, metadata=_doc("report saturation that ends above this many e-nodes")
    )
    window: int = field(
        default=800, metadata=_doc("optimize larger blocks in windows of this many ops (0: off)")
    )
    timeout: float = field(
        default=10.0, metadata=_doc("report saturation that takes longer (seconds per graph)")
    )
    only_rules: str = field(
        default="", metadata=_doc("run only these rules ('|'-separated names; for tests)")
    )
    fold_limit: int = field(
        default=65536, metadata=_doc("fold constant expressions up to this many elements")
    )
    measure: str = field(
        default="auto",
        metadata=_doc("time heavy ops (conv, dot) on the backend: auto (graphs with convs) | on | off"),
    )
    measure_budget: float = field(default=30.0, metadata=_doc("seconds of measuring per optimization"))
    measure_decisive: float = field(
        default=DECISIVE_RATIO,
        metadata=_doc(
            "put a function with convolutions in place untimed when the model, its ops measured, "
            "predicts at most this time ratio after/before (0: always time it whole)"
        ),
    )
    measure_cache: str = field(default="", metadata=_doc("measurement cache file (default: under ~/.cache)"))
    reuse: bool = field(
        default=True,
        metadata=_doc("take a function's result decided by measuring from the cache when nothing changed"),
    )

    def __post_init__(self) -> None:
        if self.fp_mode not in FP_MODES:
            raise ValueError(f"fp-mode must be one of {', '.join(FP_MODES)}, not '{self.fp_mode}'")
        if self.only_rules:
            from stablehlo_eqsat.rules.registry import all_rules

            known = {r.name for r in all_rules()}
            unknown = [n for n in self.only_rules.split("|") if n and n not in known]
            if unknown:
                raise ValueError(f"unknown rule(s) in only-rules: {', '.join(unknown)}")
        if self.extractor not in EXTRACTORS:
            raise ValueError(f"extractor must be one of {', '.join(EXTRACTORS)}, not '{self.extractor}'")
        load_profile(self.device)
        from stablehlo_eqsat.passes.measure import MEASURE_MODES

        if self.measure not in MEASURE_MODES:
            raise ValueError(f"measure must be one of {', '.join(MEASURE_MODES)}, not '{self.measure}'")

    def apply(self, module: ir.Module, diagnostics: Diagnostics) -> list[FunctionReport]:
        from pathlib import Path

        from stablehlo_eqsat.passes.measure import MeasuredCostModel, Measurer
        from stablehlo_eqsat.rules import rulesets_for

        only = tuple(sorted(n for n in self.only_rules.split("|") if n)) or None
        measurer = Measurer(Path(self.measure_cache) if self.measure_cache else None, self.measure_budget)
        model = MeasuredCostModel(
            load_profile(self.device), measurer=measurer, mode=self.measure, active=self.measure == "on"
        )
        config = EqsatConfig(
            schedule=rulesets_for(self.fp_mode, only),
            limits=Limits(self.max_iterations, self.max_nodes, self.timeout),
            extractor=self.extractor,
            fold_limit=self.fold_limit,
            only_folds=frozenset(only) if only else None,
            refine_seconds=self.refine,
            model=model,
            dump_dir=self.dump_egraph,
            window=self.window,
            decisive_ratio=self.measure_decisive,
        )
        if self.measure != "off":
            ratios = measurer.program_ratios
            if self.fp_mode == "strict":  # a candidate XLA computes with other roundings stays out
                ratios = functools.partial(ratios, same_bits=True)
            config = dataclasses.replace(config, program_ratios=ratios)
            if self.reuse:
                shaping = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
                for f in ("dump_egraph", "measure_cache", "reuse"):  # where things go, not what
                    del shaping[f]
                config = dataclasses.replace(config, results=measurer, options=repr(sorted(shaping.items())))
        try:
            reports = run_on_module(module, config, diagnostics, self.name)
        finally:
            measurer.close()
        if reports:
            reports[0].measure_seconds = measurer.spent_seconds
            reports[0].measured_ops = measurer.measured
            reports[0].measured_programs = measurer.programs_measured
            reports[0].measure_cache_hits = measurer.cache_hits
            reports[0].measured_in_worker = measurer.worker_calls > 0
        return reports
