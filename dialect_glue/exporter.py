"""Term graphs -> StableHLO.

The extracted term DAG of each graph is emitted into a block: each term once, children before
parents, in the original program order where the term (or an equivalent one) was in the input,
with the original location of the value it computes. Typed terms are rebuilt from their
egglog literals and the side table of remaining attributes; opaque terms are copies of the
original op with new operands (and, for ops with regions, freshly emitted region bodies).

A function is rebuilt in a copy of itself, verified, and only then swapped for the original.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field

from jaxlib.mlir import ir
from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.attributes import conv_attributes, encode_params
from stablehlo_eqsat.dialect_glue.graph import OtherTy, TensorTy, Term, TermGraph, Ty
from stablehlo_eqsat.dialect_glue.importer import ImportedFunction


def emit_reduce_body(op: ir.Operation, kind: str, scalar: ir.Type, loc: ir.Location) -> None:
    """The body of a `stablehlo.reduce` or `reduce_window` whose combiner is one binary op (`kind`)."""
    block = op.regions[0].blocks.append(scalar, scalar)
    body_ip = ir.InsertionPoint(block)
    comb = ir.Operation.create(
        O.REDUCE_BODY_OP[kind], results=[scalar], operands=list(block.arguments), loc=loc, ip=body_ip
    )
    ir.Operation.create("stablehlo.return", operands=[comb.result], loc=loc, ip=body_ip)


@dataclass
class ExtractedGraph:
    """A graph after extraction: new terms, and for each the original term it stands for (if any)."""

    graph: TermGraph
    origin: dict[int, int] = field(default_factory=dict)
    # Other programs for the same graph, by name, for a choice made later by measuring
    # (`passes/eqsat.py`).
    alternatives: dict[str, ExtractedGraph] = field(default_factory=dict)


class ExportError(Exception):
    """The extracted program could not be turned back into valid StableHLO."""


class _Exporter:
    def __init__(self, fn: ImportedFunction, extracted: dict[int, ExtractedGraph]):
        self.fn = fn
        self.tables = fn.tables
        self.extracted = extracted
        self._types: dict[Ty, ir.Type] = {}

    def mlir_type(self, ty: Ty) -> ir.Type:
        t = self._types.get(ty)
        if t is None:
            if isinstance(ty, OtherTy):
                t = self.tables.other_types[ty.key]
            else:
                t = ir.RankedTensorType.get(list(ty.shape), self.tables.dtypes[ty.dtype])
            self._types[ty] = t
        return t

    # -- scheduling -------------------------------------------------------------------------------
    def schedule(self, eg: ExtractedGraph) -> tuple[list[int], dict[int, ir.Location]]:
        """A topological order of the live terms (original order first) and a location for each."""
        graph = eg.graph
        live = graph.live()  # children before parents
        info_locs = self.current_locations
        parents: dict[int, list[int]] = {t: [] for t in live}
        for t in live:
            for c in set(graph.terms[t].children()):
                parents[c].append(t)
        inf = float("inf")
        prio: dict[int, float] = {}
        loc: dict[int, ir.Location] = {}
        for t in reversed(live):  # parents first
            orig = eg.origin.get(t)
            if orig is not None:
                prio[t] = orig
                if orig in info_locs:
                    loc[t] = info_locs[orig]
            else:
                prio[t] = min((prio[p] for p in parents[t]), default=inf)
            if t not in loc:
                ploc = next((loc[p] for p in parents[t] if p in loc), None)
                if ploc is not None:
                    loc[t] = ploc
        pending = {t: len(set(graph.terms[t].children())) for t in live}
        ready = [(prio[t], t) for t in live if pending[t] == 0]
        heapq.heapify(ready)
        order: list[int] = []
        while ready:
            _, t = heapq.heappop(ready)
            order.append(t)
            for p in parents[t]:
                pending[p] -= 1
                if pending[p] == 0:
                    heapq.heappush(ready, (prio[p], p))
        if len(order) != len(live):
            raise ExportError("extracted program has a cycle")
        return order, loc

    # -- emission ---------------------------------------------------------------------------------
    def emit_graph(self, gid: int, ip: ir.InsertionPoint, inputs: list[ir.Value]) -> list[ir.Value]:
        """Emit graph `gid` at `ip`; returns the values of its result roots."""
        info = self.fn.graphs[gid]
        eg = self.extracted[gid]
        self.current_locations = info.locations
        order, locs = self.schedule(eg)
        values: dict[int, ir.Value | ir.Operation | None] = {}
        unknown = ir.Location.unknown()
        for t in order:
            term = eg.graph.terms[t]
            values[t] = self.emit_term(term, values, ip, inputs, locs.get(t, unknown))
            self.current_locations = info.locations  # nested emission may have changed it
        out: list[ir.Value] = []
        for root in eg.graph.roots[: info.n_results]:
            v = values[root]
            if not isinstance(v, ir.Value):
                raise ExportError(f"root of graph {gid} is not a single value")
            out.append(v)
        return out

    def emit_term(
        self,
        term: Term,
        values: dict[int, ir.Value | ir.Operation | None],
        ip: ir.InsertionPoint,
        inputs: list[ir.Value],
        loc: ir.Location,
    ) -> ir.Value | ir.Operation | None:
        ctor = term.ctor
        if ctor == O.INPUT:
            idx = O.num(term, "index")
            return None if idx < 0 else inputs[idx]
        if ctor == O.PROJ:
            op = values[O.operand(term, "x")]
            assert isinstance(op, ir.Operation)
            return op.results[O.num(term, "index")]
        if ctor == O.OPAQUE:
            return self.emit_opaque(term, values, ip)
        if ctor == O.CONST:
            value = self.tables.consts[O.text(term, "key")]
            const_attrs = {"value": value, **self.extra(O.text(term, "extra"))}
            op = ir.Operation.create(
                "stablehlo.constant",
                results=[self.mlir_type(term.ty)],
                attributes=const_attrs,
                loc=loc,
                ip=ip,
            )
            return op.result

        spec = O.BY_CTOR[ctor]
        operands: list[ir.Value] = [values[c] for c in term.children()]  # type: ignore[misc]
        attrs = encode_params(spec, O.params(term))
        attrs.update(self.extra(O.text(term, "extra")))
        regions = 1 if ctor in O.REDUCING else 0
        op = ir.Operation.create(
            spec.mlir,
            results=[self.mlir_type(term.ty)],
            operands=operands,
            attributes=attrs,
            regions=regions,
            loc=loc,
            ip=ip,
        )
        if ctor in O.REDUCING:
            emit_reduce_body(op, O.text(term, "kind"), operands[1].type, loc)
        return op.result

    def emit_opaque(
        self, term: Term, values: dict[int, ir.Value | ir.Operation | None], ip: ir.InsertionPoint
    ) -> ir.Value | ir.Operation:
        info = self.tables.opaque[O.text(term, "key")]
        children = O.operand_list(term, "operands")
        operands = [values[c] for c in children[: info.n_operands]]
        captured = [values[c] for c in children[info.n_operands : info.n_operands + info.n_captures]]
        template = info.op
        if not info.regions:
            op = template.clone(ip=ip).operation
            for i, v in enumerate(operands):
                op.operands[i] = v  # type: ignore[assignment]
        else:
            op = ir.Operation.create(
                template.name,
                results=[r.type for r in template.results],
                operands=operands,  # type: ignore[arg-type]
                attributes=dict(template.attributes.items()),
                regions=len(info.regions),
                loc=template.location,
                ip=ip,
            )
            offset = 0
            for i, sub_gid in enumerate(info.regions):
                sub = self.fn.graphs[sub_gid]
                block = op.regions[i].blocks.append(*sub.arg_types)
                caps = captured[offset : offset + len(sub.captures)]
                offset += len(sub.captures)
                body_ip = ir.InsertionPoint(block)
                results = self.emit_graph(sub_gid, body_ip, [*block.arguments, *caps])  # type: ignore[list-item]
                self.emit_terminator(sub.terminator, results, body_ip)
        if len(template.results) == 1:
            return op.results[0]
        return op

    @staticmethod
    def emit_terminator(template: ir.Operation, operands: list[ir.Value], ip: ir.InsertionPoint) -> None:
        ir.Operation.create(
            template.name,
            operands=operands,
            attributes=dict(template.attributes.items()),
            loc=template.location,
            ip=ip,
        )

    def extra(self, key: str) -> dict[str, ir.Attribute]:
        return self.tables.extras[key] if key else {}


def replace_function(
    fn: ImportedFunction,
    extracted: dict[int, ExtractedGraph],
    keep: Callable[[ir.Operation, ir.Operation], bool] | None = None,
) -> ir.Operation:
    """Rebuild `fn.func` from the extracted graphs, verify it and put it in place of the original.

    `keep(old, new)`, when given, has the last word: if it returns False the new function is
    dropped and the original kept. On any failure the original function is left as it was and the
    error is raised. Returns the function now in place.
    """
    old = fn.func
    new = old.clone(ip=ir.InsertionPoint(old)).operation
    try:
        _rebuild(fn, new, extracted)
        if keep is not None and not keep(old, new):
            new.erase()
            return old
    except Exception:
        new.erase()
        raise
    old.erase()
    return new


def _rebuild(fn: ImportedFunction, new: ir.Operation, extracted: dict[int, ExtractedGraph]) -> None:
    with ir.Location.unknown(new.context):
        entry = new.regions[0].blocks[0]
        old_ops = [o.operation for o in entry.operations]
        ip = ir.InsertionPoint(old_ops[0])
        exporter = _Exporter(fn, extracted)
        results = exporter.emit_graph(0, ip, list(entry.arguments))
        exporter.emit_terminator(fn.body.terminator, results, ip)
        for op in reversed(old_ops):
            op.erase()
        new.verify()


def identity_extraction(graph: TermGraph) -> ExtractedGraph:
    """The graph as it was imported (what extraction returns when nothing changed)."""
    return ExtractedGraph(graph, {i: i for i in range(len(graph.terms))})


# (`conv_attributes` is re-exported for the code that builds single-op modules; it lives in `attributes`.)
__all__ = [
    "ExportError", "ExtractedGraph", "TensorTy", "conv_attributes", "identity_extraction", "replace_function",
]  # fmt: skip
