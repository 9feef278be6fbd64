"""Stage 3, saturate, and the per-graph driver: prepared graphs go into an egglog e-graph, are
saturated with the rules, and each is chosen from it (`choose.py`).

Three shapes of the same path: one graph (`optimize_graph`), a large graph in windows of
`config.window` terms (`optimize_windows`, which keeps time linear), and many small graphs in one
e-graph (`optimize_together`, `optimize_small_functions`: egglog's fixed cost per saturation is
paid once per batch).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from dataclasses import dataclass

from stablehlo_eqsat.dialect_glue.exporter import ExtractedGraph
from stablehlo_eqsat.dialect_glue.graph import TermGraph
from stablehlo_eqsat.dialect_glue.importer import ImportedFunction, Tables, UnsupportedFunction
from stablehlo_eqsat.passes.choose import choose
from stablehlo_eqsat.passes.config import EqsatConfig
from stablehlo_eqsat.passes.egraph import EGraphData, EGraphSession, SaturationReport
from stablehlo_eqsat.passes.prepare import Prepared, has_convolution, prepare
from stablehlo_eqsat.passes.reports import GraphReport, add_seconds
from stablehlo_eqsat.passes.segment import split, stitch
from stablehlo_eqsat.rules.program import graph_tokens

log = logging.getLogger(__name__)

_BATCH_GRAPH_TERMS = 200  # graphs up to this size are saturated together ...
_BATCH_TERMS = 2000  # ... in e-graphs of up to this many terms


@dataclass
class Saturated:
    """Prepared graphs saturated in one e-graph; `view(i)` is the e-graph as graph `i` sees it
    (its term ids mapped to their e-classes)."""

    data: EGraphData
    offsets: list[int]
    prepared: list[Prepared]
    report: SaturationReport
    stage_seconds: dict[str, float]  # insert, saturate, serialize (for the whole batch)

    def view(self, i: int) -> EGraphData:
        off, end = self.offsets[i], self.offsets[i] + len(self.prepared[i].expanded)
        return dataclasses.replace(
            self.data, term_class={t - off: c for t, c in self.data.term_class.items() if off <= t < end}
        )


def saturate(
    session: EGraphSession, prepared: list[Prepared], tables: list[Tables], config: EqsatConfig, label: str
) -> Saturated:
    """Insert the prepared graphs into the session's e-graph (within the caller's
    `session.scope()`, the rules that can fire on them defined first) under disjoint term ids,
    saturate, and serialize. A subterm two graphs share
    is one e-class, which changes nothing (equal terms are equal values)."""
    start = time.perf_counter()
    session.require(graph_tokens(term for p in prepared for term in p.expanded.terms))
    offsets, offset = [], 0
    for p, t in zip(prepared, tables, strict=True):
        offsets.append(offset)
        session.insert(p.expanded, t.dtypes, offset)
        session.union(p.unions, offset)
        offset += len(p.expanded)
    limits = config.limits
    if not any(p.rewritable for p in prepared):
        limits = dataclasses.replace(limits, iterations=0)  # only leaves and opaque ops: no rule applies
    inserted = time.perf_counter()
    report = session.saturate(limits)
    saturated = time.perf_counter()
    data = session.serialize()
    seconds = {"insert": inserted - start, "saturate": saturated - inserted}
    seconds["serialize"] = time.perf_counter() - saturated
    if config.dump_dir:
        dump_egraph(session, config.dump_dir, label)
    return Saturated(data, offsets, prepared, report, seconds)


def optimize_together(
    session: EGraphSession, items: list[tuple[TermGraph, Tables]], config: EqsatConfig, label: str
) -> list[tuple[ExtractedGraph, GraphReport]]:
    """Graphs in one e-graph (of the caller's `session.scope()`), saturated once, each chosen from
    it on its own; one graph is the common case. Each graph's report carries the shared
    saturation (its rule counts are the batch's) and `batched`."""
    start = time.perf_counter()
    prepared = [prepare(g, tables, config) for g, tables in items]
    prepare_seconds = time.perf_counter() - start
    sat = saturate(session, prepared, [t for _, t in items], config, label)
    out = []
    for i, (p, (_, tables)) in enumerate(zip(prepared, items, strict=True)):
        start = time.perf_counter()
        ex, report = choose(sat.view(i), p, tables, config, _with_fired(sat.report, p.fired))
        report.stage_seconds["choose"] = time.perf_counter() - start
        add_seconds(report.stage_seconds, {"prepare": prepare_seconds, **sat.stage_seconds}, 1 / len(items))
        report.batched = len(items)
        out.append((ex, report))
    return out


def _with_fired(base: SaturationReport, fired: dict[str, int]) -> SaturationReport:
    """`base` with the rules run on the Python side counted too."""
    out = dataclasses.replace(base, matches=dict(base.matches))
    for name, n in fired.items():
        out.matches[name] = out.matches.get(name, 0) + n
    return out


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
        return optimize_windows(session, graph, tables, config, label)
    with session.scope():
        return optimize_together(session, [(graph, tables)], config, label)[0]


def optimize_windows(
    session: EGraphSession, graph: TermGraph, tables: Tables, config: EqsatConfig, label: str
) -> tuple[ExtractedGraph, GraphReport]:
    """A large graph optimized in windows of `config.window` terms and stitched together."""
    windows = split(graph, config.window)
    # The refinement budget is for the whole graph: share it among the windows.
    config = dataclasses.replace(config, refine_seconds=config.refine_seconds / len(windows))
    results: list[ExtractedGraph] = []
    total = GraphReport(terms_in=len(graph))
    for w in windows:
        with session.scope():
            ex, r = optimize_together(session, [(w.graph, tables)], config, f"{label}.w{w.index}")[0]
        results.append(ex)
        total.add_window(r)
    stitched = stitch(graph, windows, results)
    for name in {n for r in results for n in r.alternatives}:
        stitched.alternatives[name] = stitch(graph, windows, [r.alternatives.get(name, r) for r in results])
    total.terms_out = len(stitched.graph.live())
    total.windows = len(windows)
    return stitched, total


def optimize_small_functions(
    imported: dict[int, ImportedFunction | UnsupportedFunction], config: EqsatConfig, session: EGraphSession
) -> tuple[dict[tuple[int, int], tuple[ExtractedGraph, GraphReport]], dict[int, float]]:
    """The graphs of small functions without convolutions, optimized a batch at a time
    (`optimize_together`), by (function index, graph id); and each function's share of the
    batches' time. The graphs of a batch that fails are left out (the caller optimizes them one at
    a time), so that one bad graph fails only its own function."""
    items: list[tuple[int, int, TermGraph, Tables]] = []
    for i, fn in imported.items():
        if isinstance(fn, UnsupportedFunction):
            continue
        graphs = [info.graph for info in fn.graphs.values()]
        if any(len(g) > _BATCH_GRAPH_TERMS for g in graphs) or has_convolution(graphs):
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
                out = optimize_together(session, [(g, t) for _, _, g, t in batch], config, f"batch{n}")
        except Exception:
            log.debug("batch %d failed; its graphs are optimized one at a time", n, exc_info=True)
            continue
        share = (time.perf_counter() - start) / len(batch)
        for (i, gid, _, _), result in zip(batch, out, strict=True):
            results[(i, gid)] = result
            seconds[i] = seconds.get(i, 0.0) + share
    return results, seconds


def dump_egraph(session: EGraphSession, directory: str, label: str) -> None:
    """Write the session's e-graph as egglog's JSON and as graphviz text."""
    os.makedirs(directory, exist_ok=True)
    serialized = session.egraph._serialize(split_primitive_outputs=False)
    with open(os.path.join(directory, f"{label}.json"), "w") as f:
        f.write(serialized.to_json())
    with open(os.path.join(directory, f"{label}.dot"), "w") as f:
        f.write(serialized.to_dot())
