"""Splat constants: canonical keys in the e-graph, MLIR attributes at export.

Inside the e-graph a constant whose elements are all one value is `(Splat ty "s:<value>")`,
so that rules can recognise zeros and ones and build new constants of any type. The value is
written the same way for every element type (`"s:0"`, `"s:-0"`, `"s:1"`, `"s:0.5"`, `"s:inf"`);
NaN splats keep their exact bits as ordinary constants.
"""

from __future__ import annotations

import hashlib
import math

from jaxlib.mlir import ir
from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.exporter import ExtractedGraph
from stablehlo_eqsat.dialect_glue.graph import TensorTy, Term, TermGraph
from stablehlo_eqsat.dialect_glue.importer import Tables


def format_value(v: float | int) -> str:
    """Canonical text of a scalar: integral floats as integers (keeping -0), others by repr."""
    if isinstance(v, float):
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if v == 0.0:
            return "-0" if math.copysign(1.0, v) < 0 else "0"
        if v.is_integer() and abs(v) < 2**53:
            return str(int(v))
        return repr(v)
    return str(int(v))


def splat_key(attr: ir.Attribute) -> str | None:
    """`"s:<value>"` for a splat dense attribute of a non-NaN value, else None."""
    if not isinstance(attr, ir.DenseElementsAttr) or not attr.is_splat:
        return None
    try:
        v = attr.get_splat_value()
    except (TypeError, ValueError):
        return None
    if isinstance(v, ir.BoolAttr):
        return "s:1" if v.value else "s:0"
    if isinstance(v, ir.FloatAttr):
        f = float(v.value)
        return None if math.isnan(f) else "s:" + format_value(f)
    if isinstance(v, ir.IntegerAttr):
        return "s:" + format_value(int(v.value))
    return None


def canonicalize_splats(graph: TermGraph, tables: Tables) -> TermGraph:
    """The same graph (same term ids) with splat `Const` terms turned into `Splat` terms."""
    out = TermGraph(roots=list(graph.roots))
    for term in graph.terms:
        if term.ctor == O.CONST and O.text(term, "extra") == "" and isinstance(term.ty, TensorTy):
            key = splat_key(tables.consts[O.text(term, "key")])
            if key is not None:
                term = Term(O.SPLAT, term.ty, (key,))
        out.terms.append(term)
        out.index.setdefault(term, len(out.terms) - 1)
    return out


def _element_attr(element_type: ir.Type, text: str) -> ir.Attribute:
    if isinstance(element_type, ir.FloatType):
        value = {"inf": math.inf, "-inf": -math.inf, "-0": -0.0}.get(text)
        return ir.FloatAttr.get(element_type, float(text) if value is None else value)
    if isinstance(element_type, ir.IntegerType) and element_type.width == 1:
        return ir.BoolAttr.get(text not in ("0", "-0"))
    # Integers are written exactly (never through a float); the bindings take 64-bit two's
    # complement, so unsigned values of 2^63 and above are passed wrapped.
    integer = int(text)
    if integer >= 2**63:
        integer -= 2**64
    return ir.IntegerAttr.get(element_type, integer)


def materialize_splats(extracted: ExtractedGraph, tables: Tables) -> ExtractedGraph:
    """Replace `Splat` terms by `Const` terms whose attributes are registered in `tables`."""
    graph = extracted.graph
    if not any(t.ctor == O.SPLAT for t in graph.terms):
        return extracted
    out = TermGraph(roots=list(graph.roots))
    with ir.Location.unknown():
        for term in graph.terms:
            out.terms.append(_materialize(term, tables))
            out.index.setdefault(out.terms[-1], len(out.terms) - 1)
    return ExtractedGraph(out, extracted.origin)


def _materialize(term: Term, tables: Tables) -> Term:
    if term.ctor != O.SPLAT:
        return term
    ty = term.ty
    assert isinstance(ty, TensorTy)
    text = O.text(term, "value")[2:]
    element = tables.dtypes[ty.dtype]
    shaped = ir.RankedTensorType.get(list(ty.shape), element)
    attr = ir.DenseElementsAttr.get_splat(shaped, _element_attr(element, text))
    key = "c" + hashlib.sha1(f"{attr}|{ty}".encode()).hexdigest()[:20]
    tables.consts.setdefault(key, attr)
    return Term(O.CONST, ty, (key, ""))
