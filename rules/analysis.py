"""Analyses every rule may use: the type of each term and the value of splat constants."""

from __future__ import annotations

from egglog import String, Vec, i64, rule, ruleset, set_, var
from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.schema import Tensor, TList, Ty, splat_of, type_of

_KIND_TYPES = {"T": Tensor, "L": TList, "V": Vec[i64], "I": i64, "S": String}


def _type_rules():  # type: ignore[no-untyped-def]
    """type-of(c(ty, ...)) = ty, for every constructor."""
    a = var("a", Tensor)
    t = var("t", Ty)
    for spec in (*O.LEAF_SPECS, *O.ALL_SPECS):  # every `Tensor` constructor of the op table
        ctor = getattr(Tensor, spec.method)
        args = [var(f"v{i}", _KIND_TYPES[k]) for i, k in enumerate(spec.kinds)]
        yield rule(eq_(a, ctor(t, *args))).then(set_(type_of(a)).to(t))


def eq_(a, b):  # type: ignore[no-untyped-def]
    from egglog import eq

    return eq(a).to(b)


def _splat_rules():  # type: ignore[no-untyped-def]
    """Splat constants keep their value through ops that only move or copy elements."""
    a, x = var("a", Tensor), var("x", Tensor)
    t = var("t", Ty)
    k, e = var("k", String), var("e", String)
    d1, d2, d3 = var("d1", Vec[i64]), var("d2", Vec[i64]), var("d3", Vec[i64])
    movers = [
        Tensor.broadcast_in_dim(t, x, d1, e),
        Tensor.reshape(t, x, e),
        Tensor.transpose(t, x, d1, e),
        Tensor.reverse(t, x, d1, e),
        Tensor.slice(t, x, d1, d2, d3, e),
    ]
    for m in movers:
        yield rule(eq_(a, m), eq_(k, splat_of(x))).then(set_(splat_of(a)).to(k))
    yield rule(eq_(a, Tensor.splat(t, k))).then(set_(splat_of(a)).to(k))


analysis_ruleset = ruleset(*_type_rules(), *_splat_rules(), name="analysis")
