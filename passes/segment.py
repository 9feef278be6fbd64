"""Segmentation: cut a large graph into windows that are optimized one at a time.

Saturation and extraction grow faster than linearly with the size of an e-graph; windows of
a few hundred to a few thousand terms (in program order) keep the whole pass about linear in
module size, at the price of missing rewrites that span two windows. Each window sees the
values it needs from earlier windows as `Input` leaves (small leaves such as constants are
copied in, so rules still see them) and exports every value used later or returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.exporter import ExtractedGraph
from stablehlo_eqsat.dialect_glue.graph import Term, TermGraph

_COPIED_LEAVES = frozenset({O.INPUT, O.CONST, O.SPLAT})


@dataclass
class Window:
    index: int
    graph: TermGraph  # local terms; values from earlier windows are Input(-1-index, i) leaves
    inputs: list[int] = field(default_factory=list)  # global term id of each window input
    outputs: list[int] = field(default_factory=list)  # global term id of each local root
    global_of: dict[int, int] = field(default_factory=dict)  # local term id -> global term id


def split(graph: TermGraph, size: int) -> list[Window]:
    """Windows of at most about `size` live terms each, in topological order."""
    live = graph.live()
    position = {t: i for i, t in enumerate(live)}
    last_use: dict[int, int] = {}
    for t in live:
        for c in graph.terms[t].children():
            last_use[c] = max(last_use.get(c, -1), position[t])
    roots = set(graph.roots)
    windows: list[Window] = []
    for start in range(0, len(live), size):
        chunk = live[start : start + size]
        end = start + len(chunk)
        w = Window(len(windows), TermGraph())
        local: dict[int, int] = {}
        members = set(chunk)

        def bring(c: int, w: Window = w, local: dict[int, int] = local, members: set[int] = members) -> int:
            if c in local:
                return local[c]
            term = graph.terms[c]
            if term.ctor in _COPIED_LEAVES:
                lid = w.graph.add(term)
            else:
                assert c not in members
                lid = w.graph.add(Term(O.INPUT, term.ty, (-1 - w.index, len(w.inputs))))
                w.inputs.append(c)
            local[c] = lid
            w.global_of.setdefault(lid, c)
            return lid

        for t in chunk:
            term = graph.terms[t]
            for c in term.children():
                if c not in local:
                    bring(c)
            lid = w.graph.add(term.map_children(local))
            local[t] = lid
            w.global_of.setdefault(lid, t)
        w.outputs = [t for t in chunk if t in roots or last_use.get(t, -1) >= end]
        w.graph.roots = [local[t] for t in w.outputs]
        windows.append(w)
    return windows


def stitch(graph: TermGraph, windows: list[Window], results: list[ExtractedGraph]) -> ExtractedGraph:
    """One graph from the optimized windows, with the original graph's roots."""
    out = TermGraph()
    origin: dict[int, int] = {}
    value: dict[int, int] = {}  # global term id -> id in `out`
    for w, ex in zip(windows, results, strict=True):
        local: dict[int, int] = {}
        for i, term in enumerate(ex.graph.terms):
            if term.ctor == O.INPUT and O.num(term, "graph") == -1 - w.index:
                local[i] = value[w.inputs[O.num(term, "index")]]
                continue
            if any(c not in local for c in term.children()):
                continue  # dead in this window's result
            rid = out.add(term.map_children(local))
            local[i] = rid
            o = ex.origin.get(i)
            if o is not None and o in w.global_of:
                g = w.global_of[o]
                if rid not in origin or g < origin[rid]:
                    origin[rid] = g
        for root, g in zip(ex.graph.roots, w.outputs, strict=True):
            value[g] = local[root]
    for t in graph.live():
        if t not in value and graph.terms[t].ctor in _COPIED_LEAVES:
            value[t] = out.add(graph.terms[t])
    out.roots = [value[r] for r in graph.roots]
    return ExtractedGraph(out, origin)
