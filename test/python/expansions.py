"""Python-side rules (expansions, `rules/base.py`) applied to a one-function module by hand: the
module of each alternative they add, exported in place of the term it equals (whatever the cost
model would choose), for the numeric tests of the convolution and pooling rules."""

from __future__ import annotations

from collections.abc import Mapping

from stablehlo_eqsat.dialect_glue.context import make_context
from stablehlo_eqsat.dialect_glue.exporter import ExtractedGraph, replace_function
from stablehlo_eqsat.dialect_glue.graph import TermGraph
from stablehlo_eqsat.dialect_glue.importer import import_function, pure_functions
from stablehlo_eqsat.passes.constants import canonicalize_splats, materialize_splats
from stablehlo_eqsat.rules.base import ExpansionContext, RuleInfo


def alternatives(text: str, rules: Mapping[str, RuleInfo]) -> dict[str, list[str]]:
    """rule -> the modules its expansion produces for the terms of the module's first function,
    each alternative standing for the function's (first) result."""
    out: dict[str, list[str]] = {}
    for name, info in rules.items():
        with make_context():
            from jaxlib.mlir import ir

            module = ir.Module.parse(text)
            func = next(op.operation for op in module.body.operations)
            fn = import_function(func, pure_functions(module))
            graph = canonicalize_splats(fn.body.graph, fn.tables)
            ctx = ExpansionContext(TermGraph(list(graph.terms), dict(graph.index), list(graph.roots)))
            root = graph.roots[0]
            assert info.expand is not None
            texts = []
            for alt in [a for tid in graph.live() for a in info.expand(ctx, tid)]:
                roots = [alt if r == root else r for r in graph.roots]
                g = TermGraph(list(ctx.graph.terms), dict(ctx.graph.index), roots)
                replace_function(fn, {0: materialize_splats(ExtractedGraph(g, {}), fn.tables)}).verify()
                texts.append(str(module))
            if texts:
                out[name] = texts
    return out
