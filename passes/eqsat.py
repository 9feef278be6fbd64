"""The equality-saturation passes: import -> saturate -> extract -> export, per function.

`stablehlo-eqsat-roundtrip` runs the stages with no rules (the module must come back
unchanged in meaning); `stablehlo-eqsat` runs them with the rule library under a
floating-point mode. A function on which any stage fails is left exactly as it was, with a
warning that names it and the reason.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import ClassVar

from jaxlib.mlir import ir

from stablehlo_eqsat.dialect_glue.exporter import ExtractedGraph, identity_extraction, replace_function
from stablehlo_eqsat.dialect_glue.graph import TermGraph
from stablehlo_eqsat.dialect_glue.importer import Tables, UnsupportedFunction, import_function, pure_functions
from stablehlo_eqsat.passes.constants import canonicalize_splats, materialize_splats
from stablehlo_eqsat.passes.cost import node_cost
from stablehlo_eqsat.passes.diagnostics import Diagnostics
from stablehlo_eqsat.passes.egraph import EGraphData, EGraphSession, ENode, Limits, SaturationReport
from stablehlo_eqsat.passes.extract import EXTRACTORS, CostFn, build_graph, check_extraction, dag_cost
from stablehlo_eqsat.rules.constant_fold import fold_constants
from stablehlo_eqsat.rules.registry import RuleSchedule

log = logging.getLogger(__name__)


@dataclass
class GraphReport:
    terms_in: int = 0
    terms_out: int = 0
    cost_in: float = 0.0
    cost_out: float = 0.0
    saturation: SaturationReport = field(default_factory=SaturationReport)
    kept_input: bool = False


@dataclass
class FunctionReport:
    name: str
    status: str = "optimized"  # optimized | unchanged | unsupported | failed
    reason: str = ""
    graphs: list[GraphReport] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class EqsatConfig:
    """What one run of the e-graph stages does to each graph."""

    schedule: RuleSchedule | None = None
    fold_limit: int = 0  # fold constant expressions with at most this many elements (0: off)
    only_folds: frozenset[str] | None = None  # restrict folding to these folds
    limits: Limits = field(default_factory=Limits)
    extractor: str = "greedy-dag"


def optimize_graph(
    graph: TermGraph, tables: Tables, config: EqsatConfig
) -> tuple[ExtractedGraph, GraphReport]:
    """One block through egglog and back. Never returns a program costlier than the input."""
    report = GraphReport(terms_in=len(graph))
    session = EGraphSession(config.schedule)
    folded, fired = fold_constants(graph, tables, config.fold_limit, config.only_folds)
    graph = canonicalize_splats(folded, tables)
    session.insert(graph, tables.dtypes)
    report.saturation = session.saturate(config.limits)
    for name, n in fired.items():
        report.saturation.matches[name] = report.saturation.matches.get(name, 0) + n
    data = session.serialize()
    roots = [data.term_class[r] for r in graph.roots]
    choice = EXTRACTORS[config.extractor].extract(data, roots, node_cost)
    check_extraction(data, roots, choice)
    extracted = build_graph(data, choice, roots)
    report.cost_out = dag_cost(data, choice, node_cost)
    # The input program is always a candidate: find its cost in the same e-graph.
    report.cost_in = _input_cost(graph, data, node_cost)
    if report.cost_out > report.cost_in:
        report.kept_input = True
        extracted = identity_extraction(graph)
    report.terms_out = len(extracted.graph)
    return materialize_splats(extracted, tables), report


def _input_cost(graph: TermGraph, data: EGraphData, cost: CostFn) -> float:
    """DAG cost of the input program, priced node by node with the same cost function."""
    total = 0.0
    for tid in graph.live():
        term = graph.terms[tid]
        total += cost(ENode(term.ctor, term.ty, term.args, data.term_class.get(tid, "")))
    return total


def run_on_module(
    module: ir.Module, config: EqsatConfig, diagnostics: Diagnostics, pass_name: str
) -> list[FunctionReport]:
    """Optimize every function of `module` in place; failures leave a function untouched."""
    reports: list[FunctionReport] = []
    pure = pure_functions(module)
    funcs = [op.operation for op in module.body.operations if op.operation.name == "func.func"]
    for func in funcs:
        name = ir.StringAttr(func.attributes["sym_name"]).value
        report = FunctionReport(name)
        reports.append(report)
        start = time.perf_counter()
        if not len(func.regions[0].blocks):
            report.status = "unchanged"
            report.reason = "declaration"
            continue
        try:
            fn = import_function(func, pure)
        except UnsupportedFunction as e:
            report.status, report.reason = "unsupported", str(e)
            log.info("%s: @%s left as is: %s", pass_name, name, e)
            continue
        try:
            extracted: dict[int, ExtractedGraph] = {}
            for gid, info in fn.graphs.items():
                extracted[gid], graph_report = optimize_graph(info.graph, fn.tables, config)
                report.graphs.append(graph_report)
            replace_function(fn, extracted)
        except Exception as e:  # noqa: BLE001 - any failure falls back to the input function
            report.status = "failed"
            report.reason = f"{type(e).__name__}: {e}".splitlines()[0]
            diagnostics.warning(f"{pass_name}: function @{name} left unchanged: {report.reason}", func.location)
            log.debug("fallback for @%s", name, exc_info=True)
        report.seconds = time.perf_counter() - start
    return reports


# -- the passes -----------------------------------------------------------------------------------
def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


@dataclass(frozen=True)
class RoundtripPass:
    """Import every function into an e-graph and extract it again with no rules."""

    name: ClassVar[str] = "stablehlo-eqsat-roundtrip"
    summary: ClassVar[str] = "StableHLO -> e-graph -> StableHLO with no rewrites (checks the translation)"

    extractor: str = field(default="greedy-dag", metadata=_doc("extractor: greedy | greedy-dag"))

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
    extractor: str = field(default="greedy-dag", metadata=_doc("extractor: greedy | greedy-dag"))
    max_iterations: int = field(default=8, metadata=_doc("saturation iterations per graph"))
    max_nodes: int = field(default=200_000, metadata=_doc("stop saturating above this many e-nodes"))
    timeout: float = field(default=10.0, metadata=_doc("seconds of saturation per graph"))
    only_rules: str = field(default="", metadata=_doc("run only these rules ('|'-separated names; for tests)"))
    fold_limit: int = field(default=65536, metadata=_doc("fold constant expressions up to this many elements"))

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

    def apply(self, module: ir.Module, diagnostics: Diagnostics) -> list[FunctionReport]:
        from stablehlo_eqsat.rules import rulesets_for

        only = tuple(sorted(n for n in self.only_rules.split("|") if n)) or None
        config = EqsatConfig(
            schedule=rulesets_for(self.fp_mode, only),
            limits=Limits(self.max_iterations, self.max_nodes, self.timeout),
            extractor=self.extractor,
            fold_limit=self.fold_limit,
            only_folds=frozenset(only) if only else None,
        )
        return run_on_module(module, config, diagnostics, self.name)
