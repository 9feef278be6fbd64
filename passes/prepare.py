"""Stage 2, prepare: a graph made ready for the e-graph. Constants are folded, splat constants
made canonical, and the Python-side rules (those egglog cannot express, such as the convolution
algorithm rewrites) add their alternatives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.graph import TermGraph
from stablehlo_eqsat.dialect_glue.importer import Tables
from stablehlo_eqsat.passes.config import EqsatConfig
from stablehlo_eqsat.passes.constants import canonicalize_splats
from stablehlo_eqsat.rules.base import ExpansionContext
from stablehlo_eqsat.rules.constant_fold import fold_constants
from stablehlo_eqsat.rules.registry import RuleSchedule

# Terms no rule rewrites: a graph of only these is not saturated.
_NOTHING_TO_REWRITE = frozenset({O.INPUT, O.CONST, O.SPLAT, O.OPAQUE, O.PROJ})


@dataclass
class Prepared:
    """A graph ready for the e-graph: constants folded, splats canonical, Python-side rules run."""

    graph: TermGraph  # as imported
    canonical: TermGraph  # the input program, splats canonical (the "never worse" candidate)
    expanded: TermGraph  # what goes into egglog
    unions: list[tuple[int, int]]  # terms of `expanded` asserted equal
    fired: dict[str, int]  # folds and expansions done on the Python side
    rewritable: bool  # has an op some rule could apply to


def prepare(graph: TermGraph, tables: Tables, config: EqsatConfig) -> Prepared:
    folded, fired = fold_constants(graph, tables, config.fold_limit, config.only_folds)
    canonical = canonicalize_splats(graph, tables)
    expanded, unions, expanded_by = expand_terms(
        canonicalize_splats(folded, tables), config.schedule, tables.extras
    )
    for name, n in expanded_by.items():
        fired[name] = fired.get(name, 0) + n
    rewritable = any(expanded.terms[t].ctor not in _NOTHING_TO_REWRITE for t in expanded.live())
    return Prepared(graph, canonical, expanded, unions, fired, rewritable)


# Generations of Python-side rules: the input's terms, then the terms the first generation added.
_EXPANSION_ROUNDS = 2


def expand_terms(
    graph: TermGraph, schedule: RuleSchedule | None, extras: dict[str, dict[str, Any]] | None = None
) -> tuple[TermGraph, list[tuple[int, int]], dict[str, int]]:
    """Run the Python-side rules on the input terms, and on the new terms that the alternatives of
    rules marked `reexpand` are built from (up to `_EXPANSION_ROUNDS` generations: a transposed
    convolution's phases are convolutions with alternatives of their own): new terms, and which
    term each equals.

    An alternative itself is not expanded again: it is a form of a term already expanded, whose
    alternatives the first generation has, or that the e-graph's rules reach from theirs."""
    if schedule is None or not schedule.expansions:
        return graph, [], {}
    out = TermGraph(list(graph.terms), dict(graph.index), list(graph.roots))
    ctx = ExpansionContext(out, extras)
    unions: list[tuple[int, int]] = []
    fired: dict[str, int] = {}
    todo = graph.live()
    for _ in range(_EXPANSION_ROUNDS):
        again: set[int] = set()
        for tid in todo:
            for rule in schedule.expansions:
                assert rule.expand is not None
                start = len(out.terms)
                for alt in rule.expand(ctx, tid):
                    if alt != tid:
                        unions.append((tid, alt))
                        fired[rule.name] = fired.get(rule.name, 0) + 1
                        if rule.reexpand:
                            again.update(t for t in range(start, len(out.terms)) if t != alt)
        todo = sorted(again)
        if not todo:
            break
    return out, unions, fired


def has_convolution(graphs: list[TermGraph]) -> bool:
    """Whether any of `graphs` holds a convolution: the op whose kernels the analytical model
    cannot predict, whose rewrites are checked by measuring."""
    return any(t.ctor == "Conv" for g in graphs for t in g.terms)
