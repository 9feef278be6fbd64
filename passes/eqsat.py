"""The equality-saturation passes: import -> saturate -> extract -> export, per function.

`stablehlo-eqsat-roundtrip` runs the stages with no rules (the module must come back
unchanged in meaning); `stablehlo-eqsat` runs them with the rule library under a
floating-point mode. A function on which any stage fails is left exactly as it was, with a
warning that names it and the reason.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from jaxlib.mlir import ir
from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.exporter import ExtractedGraph, identity_extraction, replace_function
from stablehlo_eqsat.dialect_glue.graph import TensorTy, TermGraph
from stablehlo_eqsat.dialect_glue.importer import (
    ImportedFunction,
    Tables,
    UnsupportedFunction,
    import_function,
    pure_functions,
)
from stablehlo_eqsat.passes.constants import canonicalize_splats, materialize_splats
from stablehlo_eqsat.passes.cost import CostModel, load_profile
from stablehlo_eqsat.passes.diagnostics import Diagnostics
from stablehlo_eqsat.passes.egraph import EGraphData, EGraphSession, Limits, SaturationReport, shared_session
from stablehlo_eqsat.passes.extract import (
    EXTRACTORS,
    Choice,
    GreedyDag,
    build_graph,
    check_extraction,
    keep_convolutions,
    only_choice,
    refine,
    rewrite_convolutions,
)
from stablehlo_eqsat.passes.segment import split, stitch
from stablehlo_eqsat.rules.base import ExpansionContext
from stablehlo_eqsat.rules.constant_fold import fold_constants
from stablehlo_eqsat.rules.registry import RuleSchedule

log = logging.getLogger(__name__)

# (key identifying programs, a function building their module texts) -> the run time of each
# after the first over the first's, or None (`Measurer.program_ratios`).
ProgramRatio = Callable[[str, Callable[[], list[str]]], list[float] | None]


class ResultStore(Protocol):
    """Where results decided by measuring are kept (`Measurer`: beside the timings)."""

    def result(self, key: str) -> dict[str, Any] | None: ...

    def store_result(self, key: str, value: dict[str, Any]) -> None: ...


@dataclass
class GraphReport:
    terms_in: int = 0
    terms_out: int = 0
    cost_in: float = 0.0  # estimated seconds (whole-program fusion model)
    cost_out: float = 0.0
    fusions_in: int = 0
    fusions_out: int = 0
    saturation: SaturationReport = field(default_factory=SaturationReport)
    egraph_nodes: int = 0
    egraph_classes: int = 0
    extract_seconds: float = 0.0
    kept_input: bool = False
    windows: int = 1
    batched: int = 1  # graphs saturated together in one e-graph (`optimize_graphs_together`)


@dataclass
class FunctionReport:
    name: str
    status: str = "optimized"  # optimized | unchanged | unsupported | failed
    reason: str = ""
    graphs: list[GraphReport] = field(default_factory=list)
    seconds: float = 0.0
    # Measured costs (`passes/measure.py`), for the whole pass application: on its first report.
    measure_seconds: float = 0.0
    measured_ops: int = 0
    measured_programs: int = 0
    measure_cache_hits: int = 0
    # The function's run time after over before, measured (functions with convolutions, measuring
    # on); None when not measured. `kept_input` when that measurement sent the input back out.
    measured_ratio: float | None = None
    measured_kept_input: bool = False
    measured_choice: str = ""  # which candidate was put in place
    measured_candidates: dict[str, float] = field(default_factory=dict)  # candidate -> time ratio
    reused: bool = False  # the result of an earlier run, from the measurement cache (`_reuse`)


@dataclass(frozen=True)
class EqsatConfig:
    """What one run of the e-graph stages does to each graph."""

    schedule: RuleSchedule | None = None
    fold_limit: int = 0  # fold constant expressions with at most this many elements (0: off)
    only_folds: frozenset[str] | None = None  # restrict folding to these folds
    limits: Limits = field(default_factory=Limits)
    extractor: str = "greedy-dag"
    refine_seconds: float = 0.0  # local search with the whole-program model after extraction
    model: CostModel = field(default_factory=lambda: CostModel(load_profile("cpu")))
    dump_dir: str = ""  # write each e-graph as JSON and graphviz here
    window: int = 0  # optimize graphs larger than this many terms in windows of this size (0: never)
    # Times modules with the same `@main` against the first (`Measurer.program_ratios`). When set,
    # a function whose convolutions were rewritten goes out as the fastest candidate measured,
    # and only if that is no slower than the input (`_replace_measured`).
    program_ratios: ProgramRatio | None = None
    # Functions whose result was decided by measuring are stored here, keyed by their text, the
    # module's other functions, `options` (the pass options that shape the result) and this
    # package's code; a later run with all of that the same takes the stored result.
    results: ResultStore | None = None
    options: str = ""


def optimize_graph(
    graph: TermGraph,
    tables: Tables,
    config: EqsatConfig,
    label: str = "graph",
    session: EGraphSession | None = None,
) -> tuple[ExtractedGraph, GraphReport]:
    """One block through egglog and back. Never returns a program the model prices higher."""
    if session is None:
        session = EGraphSession(config.schedule)
    if config.window > 0 and len(graph) > config.window:
        return _optimize_segmented(session, graph, tables, config, label)
    with session.scope():
        return optimize_graphs_together(session, [(graph, tables)], config, label)[0]


def _optimize_segmented(
    session: EGraphSession, graph: TermGraph, tables: Tables, config: EqsatConfig, label: str
) -> tuple[ExtractedGraph, GraphReport]:
    windows = split(graph, config.window)
    # The refinement budget is for the whole graph: share it among the windows.
    config = dataclasses.replace(config, refine_seconds=config.refine_seconds / len(windows))
    results: list[ExtractedGraph] = []
    total = GraphReport(terms_in=len(graph))
    for w in windows:
        with session.scope():
            ex, r = optimize_graphs_together(session, [(w.graph, tables)], config, f"{label}.w{w.index}")[0]
        results.append(ex)
        total.cost_in += r.cost_in
        total.cost_out += r.cost_out
        total.fusions_in += r.fusions_in
        total.fusions_out += r.fusions_out
        total.egraph_nodes += r.egraph_nodes
        total.egraph_classes += r.egraph_classes
        total.extract_seconds += r.extract_seconds
        sat = total.saturation
        sat.iterations = max(sat.iterations, r.saturation.iterations)
        sat.seconds += r.saturation.seconds
        sat.nodes_before += r.saturation.nodes_before
        sat.nodes_after += r.saturation.nodes_after
        for k, v in r.saturation.matches.items():
            sat.matches[k] = sat.matches.get(k, 0) + v
        if r.saturation.stop_reason != "saturated":
            sat.stop_reason = r.saturation.stop_reason
    stitched = stitch(graph, windows, results)
    for name in {n for r in results for n in r.alternatives}:
        stitched.alternatives[name] = stitch(graph, windows, [r.alternatives.get(name, r) for r in results])
    total.terms_out = len(stitched.graph.live())
    total.windows = len(windows)
    return stitched, total


@dataclass
class _Prepared:
    """A graph ready for the e-graph: constants folded, splats canonical, Python-side rules run."""

    graph: TermGraph  # as imported
    canonical: TermGraph  # the input program, splats canonical (the "never worse" candidate)
    expanded: TermGraph  # what goes into egglog
    unions: list[tuple[int, int]]  # terms of `expanded` asserted equal
    fired: dict[str, int]  # folds and expansions done on the Python side
    rewritable: bool  # has an op some rule could apply to


def _prepare(graph: TermGraph, tables: Tables, config: EqsatConfig) -> _Prepared:
    folded, fired = fold_constants(graph, tables, config.fold_limit, config.only_folds)
    canonical = canonicalize_splats(graph, tables)
    expanded, unions, expanded_by = expand_terms(canonicalize_splats(folded, tables), config.schedule)
    for name, n in expanded_by.items():
        fired[name] = fired.get(name, 0) + n
    rewritable = any(expanded.terms[t].ctor not in _NOTHING_TO_REWRITE for t in expanded.live())
    return _Prepared(graph, canonical, expanded, unions, fired, rewritable)


def _saturation_report(base: SaturationReport, fired: dict[str, int]) -> SaturationReport:
    out = dataclasses.replace(base, matches=dict(base.matches))
    for name, n in fired.items():
        out.matches[name] = out.matches.get(name, 0) + n
    return out


def optimize_graphs_together(
    session: EGraphSession, items: list[tuple[TermGraph, Tables]], config: EqsatConfig, label: str
) -> list[tuple[ExtractedGraph, GraphReport]]:
    """Graphs in one e-graph (of the caller's `session.scope()`), saturated once, each extracted
    from it on its own; one graph is the common case.

    egglog's fixed cost per saturation (every rule matched each iteration, the scope's push and
    pop) is about 0.15 s however small the graph, and modules lowered from JAX hold dozens of
    few-op helper functions: those are optimized several at a time. Their terms are inserted
    under disjoint ids; a subterm two graphs share is one e-class, which changes nothing (equal
    terms are equal values). Each graph's report carries the shared saturation (its rule counts
    are the batch's) and `batched`.
    """
    prepared = [_prepare(g, tables, config) for g, tables in items]
    offsets, offset = [], 0
    for p, (_, tables) in zip(prepared, items, strict=True):
        offsets.append(offset)
        session.insert(p.expanded, tables.dtypes, offset)
        session.union(p.unions, offset)
        offset += len(p.expanded)
    limits = config.limits
    if not any(p.rewritable for p in prepared):
        limits = dataclasses.replace(limits, iterations=0)  # only leaves and opaque ops: no rule applies
    saturation = session.saturate(limits)
    data = session.serialize()
    if config.dump_dir:
        dump_egraph(session, data, config.dump_dir, label)
    out = []
    for p, off, (_, tables) in zip(prepared, offsets, items, strict=True):
        end = off + len(p.expanded)
        view = dataclasses.replace(
            data, term_class={t - off: c for t, c in data.term_class.items() if off <= t < end}
        )
        ex, report = _extract(view, p, tables, config, _saturation_report(saturation, p.fired))
        report.batched = len(items)
        out.append((ex, report))
    return out


def _extract(
    data: EGraphData, prepared: _Prepared, tables: Tables, config: EqsatConfig, saturation: SaturationReport
) -> tuple[ExtractedGraph, GraphReport]:
    """The cheapest program of the saturated e-graph for `prepared`'s roots (never one the model
    prices above the input), with the measured candidates' alternatives."""
    graph, canonical = prepared.graph, prepared.canonical
    report = GraphReport(terms_in=len(graph), saturation=saturation)
    report.egraph_nodes, report.egraph_classes = data.num_nodes, len(data.classes)
    start = time.perf_counter()
    roots = [data.term_class[r] for r in graph.roots]
    cost = config.model.extraction_cost(data)
    choice = only_choice(data, roots)
    if choice is None:
        choice = EXTRACTORS[config.extractor].extract(data, roots, cost)
    check_extraction(data, roots, choice)

    def score(c: Choice) -> float:
        return config.model.estimate(build_graph(data, c, roots).graph).seconds

    table: Choice | None = None
    if config.refine_seconds > 0 and report.saturation.matches:
        table = GreedyDag().table(data, cost)
        # Deterministic: a budget of scored moves (about what the machine scores in the time
        # given), the time only a safety net at four times that.
        moves = max(1, int(config.refine_seconds * _MOVES_PER_SECOND))
        choice, _ = refine(data, roots, choice, table, score, 4 * config.refine_seconds, moves)
    # Candidates for measuring the whole function (`_replace_measured`): the same program with
    # only the convolution rewrites the model is confident of, and with every convolution kept.
    alternatives: dict[str, Choice] = {}
    if config.program_ratios is not None and any(n.ctor == "Conv" for n in data.nodes):
        table = table if table is not None else GreedyDag().table(data, cost)
        for name, gain in (*CONFIDENT.items(), (CONVS_KEPT, None)):
            alternative = keep_convolutions(data, roots, choice, table, cost, gain)
            if alternative is not None and alternative not in alternatives.values():
                alternatives[name] = alternative
        rewritten = rewrite_convolutions(data, roots, choice, table, cost)
        if rewritten is not None and rewritten not in alternatives.values():
            alternatives[CONVS_REWRITTEN] = rewritten
    report.extract_seconds = time.perf_counter() - start
    extracted = build_graph(data, choice, roots)
    before = config.model.estimate(canonical)
    after = config.model.estimate(extracted.graph)
    report.cost_in, report.fusions_in = before.seconds, before.fusions
    report.cost_out, report.fusions_out = after.seconds, after.fusions
    # The input program is always a candidate: keep it unless the model prefers the new one. Never
    # hand XLA an integer division by a constant zero that the input did not have: XLA's compiler
    # crashes on it (SIGFPE while folding), although its value is defined at run time.
    introduces_zero_division = _int_division_by_zero(extracted.graph, tables) and not _int_division_by_zero(
        canonical, tables
    )
    if after.seconds > before.seconds * (1 + 1e-9) or introduces_zero_division:
        report.kept_input = True
        extracted = identity_extraction(canonical)
        report.cost_out, report.fusions_out = report.cost_in, report.fusions_in
    report.terms_out = len(extracted.graph.live())
    result = materialize_splats(extracted, tables)
    for name, alt_choice in alternatives.items():
        if report.kept_input and name != CONVS_REWRITTEN:
            continue
        alternative = build_graph(data, alt_choice, roots)
        slack = REWRITTEN_SLACK if name == CONVS_REWRITTEN else 1e-9
        if config.model.estimate(alternative.graph).seconds <= before.seconds * (1 + slack):
            result.alternatives[name] = materialize_splats(alternative, tables)
    return result, report


def _int_division_by_zero(graph: TermGraph, tables: Tables) -> bool:
    """Whether an integer divide/remainder in `graph` has a constant divisor with a zero in it."""
    import numpy as np

    for t in graph.live():
        term = graph.terms[t]
        if term.ctor not in ("Div", "Rem") or not isinstance(term.ty, TensorTy):
            continue
        if not term.ty.dtype.startswith(("i", "ui")):
            continue
        divisor = graph.terms[term.args[1]]  # type: ignore[index]
        if divisor.ctor == O.SPLAT and divisor.args[0] in ("s:0", "s:-0"):
            return True
        if divisor.ctor == O.CONST:
            try:
                if not np.all(np.asarray(tables.consts[divisor.args[0]])):  # type: ignore[index]
                    return True
            except (TypeError, ValueError, RuntimeError):
                return True  # unreadable: be safe
    return False


_MOVES_PER_SECOND = 100  # refinement moves scored per second of `refine` (whole-program estimates)
_NOTHING_TO_REWRITE = frozenset({O.INPUT, O.CONST, O.SPLAT, O.OPAQUE, O.PROJ})


def expand_terms(
    graph: TermGraph, schedule: RuleSchedule | None
) -> tuple[TermGraph, list[tuple[int, int]], dict[str, int]]:
    """Run the Python-side rules on the input terms: new terms, and which term each equals."""
    if schedule is None or not schedule.expansions:
        return graph, [], {}
    out = TermGraph(list(graph.terms), dict(graph.index), list(graph.roots))
    ctx = ExpansionContext(out)
    unions: list[tuple[int, int]] = []
    fired: dict[str, int] = {}
    for tid in graph.live():
        for rule in schedule.expansions:
            assert rule.expand is not None
            for alt in rule.expand(ctx, tid):
                if alt != tid:
                    unions.append((tid, alt))
                    fired[rule.name] = fired.get(rule.name, 0) + 1
    return out, unions, fired


def dump_egraph(session: EGraphSession, data: EGraphData, directory: str, label: str) -> None:
    """Write the e-graph as egglog's JSON and as graphviz text."""
    import os

    os.makedirs(directory, exist_ok=True)
    serialized = session.egraph._serialize(split_primitive_outputs=False)
    with open(os.path.join(directory, f"{label}.json"), "w") as f:
        f.write(serialized.to_json())
    with open(os.path.join(directory, f"{label}.dot"), "w") as f:
        f.write(serialized.to_dot())


def run_on_module(
    module: ir.Module, config: EqsatConfig, diagnostics: Diagnostics, pass_name: str
) -> list[FunctionReport]:
    """Optimize every function of `module` in place; failures leave a function untouched."""
    reports: list[FunctionReport] = []
    pure = pure_functions(module)
    session = shared_session(config.schedule)  # declarations and rules compiled once per process
    funcs = [op.operation for op in module.body.operations if op.operation.name == "func.func"]
    imported: dict[int, ImportedFunction | UnsupportedFunction] = {}
    for i, func in enumerate(funcs):
        if len(func.regions[0].blocks):
            try:
                imported[i] = import_function(func, pure)
            except UnsupportedFunction as e:
                imported[i] = e
    done_early, batch_seconds = _optimize_small_functions(imported, config, session)
    for i, func in enumerate(funcs):
        name = ir.StringAttr(func.attributes["sym_name"]).value
        report = FunctionReport(name)
        reports.append(report)
        start = time.perf_counter()
        if not len(func.regions[0].blocks):
            report.status = "unchanged"
            report.reason = "declaration"
            continue
        fn = imported[i]
        # Only a function with a convolution has its result decided by measuring (and stored).
        key = None
        if config.results is not None and not isinstance(fn, UnsupportedFunction):
            key = _result_key(func, config) if _any_conv([g.graph for g in fn.graphs.values()]) else None
        if key is not None and _reuse(func, key, config.results, report):  # type: ignore[arg-type]
            report.seconds = time.perf_counter() - start
            continue
        if isinstance(fn, UnsupportedFunction):
            report.status, report.reason = "unsupported", str(fn)
            log.info("%s: @%s left as is: %s", pass_name, name, fn)
            continue
        start -= batch_seconds.get(i, 0.0)  # its share of the batches it was saturated in
        try:
            extracted: dict[int, ExtractedGraph] = {}
            for gid, info in fn.graphs.items():
                early = done_early.get((i, gid))
                if early is not None:
                    extracted[gid], graph_report = early
                else:
                    extracted[gid], graph_report = optimize_graph(
                        info.graph, fn.tables, config, f"{name}.{gid}", session
                    )
                report.graphs.append(graph_report)
            if config.program_ratios is not None and _has_conv(fn, extracted):
                done = _replace_measured(fn, extracted, config.program_ratios, report)
                if key is not None and report.measured_ratio is not None:
                    _store(done, key, config.results, report)  # type: ignore[arg-type]
            else:
                replace_function(fn, extracted)
        except Exception as e:
            report.status = "failed"
            report.reason = f"{type(e).__name__}: {e}".splitlines()[0]
            diagnostics.warning(
                f"{pass_name}: function @{name} left unchanged: {report.reason}", func.location
            )
            log.debug("fallback for @%s", name, exc_info=True)
        report.seconds = time.perf_counter() - start
    return reports


_BATCH_GRAPH_TERMS = 200  # graphs up to this size are saturated together ...
_BATCH_TERMS = 2000  # ... in e-graphs of up to this many terms


def _optimize_small_functions(
    imported: dict[int, ImportedFunction | UnsupportedFunction], config: EqsatConfig, session: EGraphSession
) -> tuple[dict[tuple[int, int], tuple[ExtractedGraph, GraphReport]], dict[int, float]]:
    """The graphs of small functions without convolutions, optimized a batch at a time
    (`optimize_graphs_together`), by (function index, graph id); and each function's share of the
    batches' time. The graphs of a batch that fails are left out (`run_on_module` optimizes them
    one at a time), so that one bad graph fails only its own function."""
    items: list[tuple[int, int, TermGraph, Tables]] = []
    for i, fn in imported.items():
        if isinstance(fn, UnsupportedFunction):
            continue
        graphs = [info.graph for info in fn.graphs.values()]
        if any(len(g) > _BATCH_GRAPH_TERMS for g in graphs) or _any_conv(graphs):
            continue
        items += [(i, gid, info.graph, fn.tables) for gid, info in fn.graphs.items()]
    results: dict[tuple[int, int], tuple[ExtractedGraph, GraphReport]] = {}
    seconds: dict[int, float] = {}
    if len(items) < 2:
        return results, seconds
    batches: list[list[tuple[int, int, TermGraph, Tables]]] = [[]]
    for item in items:
        if batches[-1] and sum(len(b[2]) for b in batches[-1]) + len(item[2]) > _BATCH_TERMS:
            batches.append([])
        batches[-1].append(item)
    for n, batch in enumerate(batches):
        start = time.perf_counter()
        try:
            with session.scope():
                out = optimize_graphs_together(session, [(g, t) for _, _, g, t in batch], config, f"batch{n}")
        except Exception:
            log.debug("batch %d failed; its graphs are optimized one at a time", n, exc_info=True)
            continue  # `run_on_module` optimizes them on their own
        share = (time.perf_counter() - start) / len(batch)
        for (i, gid, _, _), result in zip(batch, out, strict=True):
            results[(i, gid)] = result
            seconds[i] = seconds.get(i, 0.0) + share
    return results, seconds


def _has_conv(fn: ImportedFunction, extracted: dict[int, ExtractedGraph]) -> bool:
    """Whether the function has a convolution, before or after (the op whose kernels the analytical
    model cannot predict, and the only one whose rewrites are checked by measuring), and is small
    enough to compile twice: XLA's compile time grows steeply past a few thousand ops."""
    graphs = [info.graph for info in fn.graphs.values()] + [eg.graph for eg in extracted.values()]
    if sum(len(g.terms) for g in graphs) > _MEASURE_MAX_TERMS:
        return False
    return _any_conv(graphs)


def _any_conv(graphs: list[TermGraph]) -> bool:
    return any(t.ctor == "Conv" for g in graphs for t in g.terms)


_MEASURE_MAX_TERMS = 8000  # terms before and after together


# Below this relative difference a whole-function measurement is noise: the model's choice stands.
_MEASURE_NOISE = 0.01


# Candidates with only the convolution rewrites the model is surest of: those predicted at least
# this many times faster than the convolution (the model's error on rewrites is up to ~1.5x).
CONFIDENT = {f"rewrites predicted >={g}x faster": g for g in (1.25, 1.5, 2.0, 3.0, 5.0)}
CONVS_KEPT = "convolutions kept"  # every convolution kept, the other rewrites taken
# Every convolution rewritten (the cheapest rewrite of each): measured too when the model prices it
# within REWRITTEN_SLACK of the input. Where the model sees a rewrite as a tie, its error on
# convolutions (per-op timings of a convolution alone vary by 10-30% between runs) decides the
# extraction by chance; the measurement of the whole function decides it instead.
CONVS_REWRITTEN = "convolutions rewritten"
REWRITTEN_SLACK = 0.05


def _replace_measured(
    fn: ImportedFunction, extracted: dict[int, ExtractedGraph], ratio: ProgramRatio, report: FunctionReport
) -> ir.Operation:
    """Put in place the fastest, as measured, of the extracted program and its alternatives with
    only the confident convolution rewrites, if it measures no slower than the input; otherwise
    the program with every convolution kept. Per-op measurements price each convolution and its
    rewrites one at a time; what the rewrites cost once XLA has fused (or failed to fuse) the whole
    function only a measurement of the whole function says. Without a measurement (over budget,
    not runnable alone) the model's choice stands. Returns the function now in place."""

    def variant(name: str) -> dict[int, ExtractedGraph]:
        return {gid: e.alternatives.get(name, e) for gid, e in extracted.items()}

    names = {n for e in extracted.values() for n in e.alternatives}
    candidates = [("as extracted", extracted)]
    candidates += [(name, variant(name)) for name in (*CONFIDENT, CONVS_REWRITTEN) if name in names]
    # The candidates are identified by their term graphs (cheap); only on a cache miss is each
    # built next to the function (verified), printed and dropped again, and the lot timed.
    old_text = str(fn.func)
    digest = hashlib.sha1()
    others = _other_functions(fn.func)
    for text in (old_text, *others):
        digest.update(text.encode())
        digest.update(b"\0")
    for _, candidate in candidates:
        for gid in sorted(candidate):
            digest.update(_graph_key(candidate[gid]).encode())
        digest.update(b"\1")

    def programs() -> list[str]:
        bodies: list[str] = []

        def capture(old: ir.Operation, new: ir.Operation) -> bool:
            bodies.append(str(new))
            return False

        for _, candidate in candidates:
            replace_function(fn, candidate, capture)
        return [standalone_module(fn.func, b, others) for b in (old_text, *bodies)]

    ratios = ratio(digest.hexdigest()[:32], programs)
    if ratios is None:  # not runnable on its own, or over budget: the model's choice stands
        return replace_function(fn, extracted)
    for (label, _), r in zip(candidates, ratios, strict=True):
        report.measured_candidates[label] = r
    best = min(range(len(candidates)), key=lambda i: ratios[i])
    if ratios[best] <= 1.0 + _MEASURE_NOISE:
        report.measured_ratio, report.measured_choice = ratios[best], candidates[best][0]
        return replace_function(fn, candidates[best][1])
    report.measured_ratio, report.measured_kept_input = ratios[best], True
    if CONVS_KEPT in names:  # only convolution rewrites are checked by measuring
        report.measured_choice = CONVS_KEPT
        return replace_function(fn, variant(CONVS_KEPT))
    return fn.func


# -- results decided by measuring, reused -----------------------------------------------------------
@functools.cache
def code_version() -> str:
    """A digest of this package's source and of the versions of the libraries it builds on: a
    stored result is reused only by the code that made it."""
    from importlib.metadata import version

    import stablehlo_eqsat
    from stablehlo_eqsat import dialect_glue, passes, rules, tools

    digest = hashlib.sha1("|".join(version(p) for p in ("jaxlib", "egglog")).encode())
    for package in (stablehlo_eqsat, dialect_glue, passes, rules, tools):
        for path in sorted(Path(package.__file__).parent.glob("*.py")):  # type: ignore[arg-type]
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _result_key(func: ir.Operation, config: EqsatConfig) -> str:
    """The key of `func`'s stored result: its text, the module's other functions, the options and
    the code."""
    digest = hashlib.sha1(f"result|{code_version()}|{config.options}".encode())
    for part in (str(func.get_asm(enable_debug_info=True)), *_other_functions(func)):
        digest.update(b"\0")
        digest.update(part.encode())
    return f"result|{digest.hexdigest()[:32]}"


def _store(func: ir.Operation, key: str, store: ResultStore, report: FunctionReport) -> None:
    store.store_result(
        key,
        {
            "func": str(func.get_asm(enable_debug_info=True)),
            "graphs": [dataclasses.asdict(g) for g in report.graphs],
            "measured": {
                "ratio": report.measured_ratio,
                "kept_input": report.measured_kept_input,
                "choice": report.measured_choice,
                "candidates": report.measured_candidates,
            },
        },
    )


def _reuse(func: ir.Operation, key: str, store: ResultStore, report: FunctionReport) -> bool:
    """Put the stored result for `key` in place of `func`; False (and `func` untouched) when there
    is none or it does not parse and verify beside the module's other functions."""
    hit = store.result(key)
    if hit is None:
        return False
    try:
        name = _symbol(func)
        with func.context:
            parsed = ir.Module.parse("module {\n" + "\n".join([*_other_functions(func), hit["func"]]) + "\n}")
            parsed.operation.verify()
            stored = ir.SymbolTable(parsed.operation)[name].operation
            if stored.name != "func.func" or str(
                ir.FunctionType(ir.TypeAttr(stored.attributes["function_type"]).value)
            ) != str(ir.FunctionType(ir.TypeAttr(func.attributes["function_type"]).value)):
                raise ValueError("the stored function has another signature")
            stored.clone(ip=ir.InsertionPoint(func))
        graphs = [
            GraphReport(**{**g, "saturation": SaturationReport(**g["saturation"])}) for g in hit["graphs"]
        ]
        measured = hit["measured"]
    except Exception as e:  # a damaged or foreign entry: optimize as if there were none
        log.warning("stored result for @%s not used: %s", _symbol(func), e)
        return False
    func.erase()
    report.reused, report.graphs = True, graphs
    report.measured_ratio, report.measured_kept_input = measured["ratio"], measured["kept_input"]
    report.measured_choice, report.measured_candidates = measured["choice"], dict(measured["candidates"])
    return True


def _graph_key(extracted: ExtractedGraph) -> str:
    """A stable text naming the program of an extracted graph: its live terms in order, its roots."""
    graph = extracted.graph
    live = graph.live()
    index = {t: i for i, t in enumerate(live)}
    rows = []
    for t in live:
        term = graph.terms[t]
        kids = [index[k] for k in term.children()]
        rows.append(f"{term.ctor}|{term.ty}|{term.args!r}|{kids}")
    rows.append(repr([index[r] for r in graph.roots]))
    return "\n".join(rows)


def _other_functions(func: ir.Operation) -> list[str]:
    name, parent = _symbol(func), func.parent
    assert parent is not None, "a function outside a module"
    ops = [op.operation for op in parent.regions[0].blocks[0].operations]
    return [str(op) for op in ops if op.name != "func.func" or _symbol(op) != name]


def _symbol(op: ir.Operation) -> str:
    return ir.StringAttr(op.attributes["sym_name"]).value


def standalone_module(func: ir.Operation, body: ir.Operation | str, others: list[str] | None = None) -> str:
    """Text of a module that XLA can compile and run: the functions of `func`'s module, with `body`
    (a function, or its text) standing for `func` as the public `@main` (a former `@main`
    renamed). `func` and `body` may be the same; other functions with `func`'s name are left out.
    `others`: the texts of the module's other operations, if already at hand (`_other_functions`)."""
    from stablehlo_eqsat.tools import xla

    name = ir.StringAttr(func.attributes["sym_name"]).value
    parts = [*(_other_functions(func) if others is None else others), str(body)]
    with func.context:
        module = ir.Module.parse("module {\n" + "\n".join(parts) + "\n}")
        table = ir.SymbolTable(module.operation)
        if name != "main":
            if "main" in table:
                taken = {_symbol(o.operation) for o in module.body.operations}
                spare = next(f"main_{i}" for i in range(len(taken) + 1) if f"main_{i}" not in taken)
                ir.SymbolTable.replace_all_symbol_uses("main", spare, module.operation)
                ir.SymbolTable.set_symbol_name(table["main"], spare)
            ir.SymbolTable.replace_all_symbol_uses(name, "main", module.operation)
            ir.SymbolTable.set_symbol_name(table[name], "main")
        entry = ir.SymbolTable(module.operation)["main"]
        if "sym_visibility" in entry.attributes:  # public is the default
            del entry.attributes["sym_visibility"]
        module.operation.verify()
        xla.arg_types_of(module)  # static tensors only
        return str(module)


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
    max_nodes: int = field(default=200_000, metadata=_doc("stop saturating above this many e-nodes"))
    window: int = field(
        default=800, metadata=_doc("optimize larger blocks in windows of this many ops (0: off)")
    )
    timeout: float = field(default=10.0, metadata=_doc("seconds of saturation per graph"))
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
        model = MeasuredCostModel(load_profile(self.device), measurer, self.measure)
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
        )
        if self.measure != "off":
            config = dataclasses.replace(config, program_ratios=measurer.program_ratios)
            if self.reuse:
                shaping = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
                for f in ("dump_egraph", "measure_cache", "reuse"):  # where things go, not what
                    del shaping[f]
                config = dataclasses.replace(config, results=measurer, options=repr(sorted(shaping.items())))
        reports = run_on_module(module, config, diagnostics, self.name)
        if reports:
            reports[0].measure_seconds = measurer.spent_seconds
            reports[0].measured_ops = measurer.measured
            reports[0].measured_programs = measurer.programs_measured
            reports[0].measure_cache_hits = measurer.cache_hits
        return reports
