"""Stage 4, extract and choose: the program that goes out for each graph of a saturated e-graph.

The extractor (`extract.py`) picks the cheapest program under the cost model, local search with
the whole-program fusion model refines it, and the input program stays whenever the model does
not prefer the new one. For graphs with convolutions it also makes the alternatives that the
whole-function measurement (`measured_choice.py`) weighs against each other.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence

import numpy as np
from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.exporter import ExtractedGraph, identity_extraction
from stablehlo_eqsat.dialect_glue.graph import TensorTy, TermGraph
from stablehlo_eqsat.dialect_glue.importer import Tables
from stablehlo_eqsat.passes.config import EqsatConfig
from stablehlo_eqsat.passes.constants import materialize_splats
from stablehlo_eqsat.passes.egraph import EGraphData, SaturationReport
from stablehlo_eqsat.passes.extract import (
    EXTRACTORS,
    Choice,
    GreedyDag,
    build_graph,
    check_extraction,
    only_choice,
    restrict,
)
from stablehlo_eqsat.passes.prepare import Prepared
from stablehlo_eqsat.passes.refine import keep_convolutions, refine, rewrite_convolutions
from stablehlo_eqsat.passes.reports import GraphReport

_MOVES_PER_SECOND = 1000  # refinement moves scored per second of `refine` (on windows, `refine.py`)
_TIME_NET_FLOOR = 0.1  # seconds: the least time net of a refinement search

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


def choose(
    data: EGraphData, prepared: Prepared, tables: Tables, config: EqsatConfig, saturation: SaturationReport
) -> tuple[ExtractedGraph, GraphReport]:
    """The cheapest program of the saturated e-graph for `prepared`'s roots (never one the model
    prices above the input), with the measured candidates' alternatives."""
    graph, canonical = prepared.graph, prepared.canonical
    report = GraphReport(terms_in=len(graph), saturation=saturation)
    report.egraph_nodes, report.egraph_classes = data.num_nodes, len(data.classes)
    start = time.perf_counter()
    roots = [data.term_class[r] for r in graph.roots]
    cost = config.model.extraction_cost(data)
    table: Choice | None = None  # the greedy choice of every e-class (refinement's fallback)
    choice = only_choice(data, roots)
    if choice is None:
        extractor = EXTRACTORS[config.extractor]
        if isinstance(extractor, GreedyDag):  # its table serves refinement too: price nodes once
            table = extractor.table(data, cost)
            choice = restrict(data, roots, table)
        else:
            choice = extractor.extract(data, roots, cost)
    check_extraction(data, roots, choice)

    def score(c: Choice) -> float:
        return config.model.estimate(build_graph(data, c, roots).graph).seconds

    def window_score(c: Choice, inside: Collection[str], outputs: Sequence[str]) -> float:
        return config.model.estimate(build_graph(data, c, outputs, inside).graph).seconds

    if config.refine_seconds > 0 and report.saturation.matches:
        table = table if table is not None else GreedyDag().table(data, cost)
        # Deterministic: a budget of scored moves (about what the machine scores in the time
        # given), the time only a safety net at four times that, and never under
        # `_TIME_NET_FLOOR`: a window of a large module gets a few milliseconds of the budget,
        # and a net that short ended some windows' searches inside their first whole-program
        # score (8-15 ms), so the 100,000-op module came out different from run to run.
        moves = max(1, int(config.refine_seconds * _MOVES_PER_SECOND))
        net = max(4 * config.refine_seconds, _TIME_NET_FLOOR)
        choice, _ = refine(data, roots, choice, table, score, net, moves, window_score)
    # Candidates for measuring the whole function: the same program with only the convolution
    # rewrites the model is confident of, and with every convolution kept.
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
    judgement = config.model.judge(canonical, extracted.graph)
    before, after = judgement.before, judgement.after
    report.cost_in, report.fusions_in = before.seconds, before.fusions
    report.cost_out, report.fusions_out = after.seconds, after.fusions
    # The input program is always a candidate: keep it unless the model prefers the new one by more
    # than its error on what changed (`CostModel.judge`: a tie goes to the input). Never
    # hand XLA an integer division by a constant zero that the input did not have: XLA's compiler
    # crashes on it (SIGFPE while folding), although its value is defined at run time.
    introduces_zero_division = int_division_by_zero(extracted.graph, tables) and not int_division_by_zero(
        canonical, tables
    )
    if not judgement.take_after or introduces_zero_division:
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
        if name == CONVS_KEPT and alternative.graph.program_key() == canonical.program_key():
            continue  # the input itself: what goes out when no candidate measures faster
        if config.model.estimate(alternative.graph).seconds <= before.seconds * (1 + slack):
            result.alternatives[name] = materialize_splats(alternative, tables)
    return result, report


def int_division_by_zero(graph: TermGraph, tables: Tables) -> bool:
    """Whether an integer divide/remainder in `graph` has a constant divisor with a zero in it."""
    for t in graph.live():
        term = graph.terms[t]
        if term.ctor not in ("Div", "Rem") or not isinstance(term.ty, TensorTy):
            continue
        if not term.ty.dtype.startswith(("i", "ui")):
            continue
        divisor = graph.terms[O.operand(term, "y")]
        if divisor.ctor == O.SPLAT and O.text(divisor, "value") in ("s:0", "s:-0"):
            return True
        if divisor.ctor == O.CONST:
            try:
                if not np.all(np.asarray(tables.consts[O.text(divisor, "key")])):
                    return True
            except (TypeError, ValueError, RuntimeError):
                return True  # unreadable: be safe
    return False
