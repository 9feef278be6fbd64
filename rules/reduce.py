"""reduce: merge nested reductions, see through layout ops and concatenation, pull out scales.

Reductions with `max`, `min`, `and`, `or` bodies select values, so regrouping them is `exact`;
`add` and `mul` reductions change rounding when regrouped (`reassoc`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from egglog import String, Vec, eq, i64, rewrite
from stablehlo_eqsat.dialect_glue.schema import Tensor, TList, Ty, splat_of, type_of
from stablehlo_eqsat.rules.base import EXACT, NO_SIGNED_ZERO, REASSOC, RuleFamily, RuleInfo, is_splat

FAMILY = reduce = RuleFamily("reduce")

MAX_RANK = 4

# kind -> (fp class of regrouping, the elementwise op that combines two partial results,
#          the splat keys of the body's identity element)
KINDS: dict[str, tuple[str, Callable[..., Tensor], tuple[str, ...]]] = {
    "add": (REASSOC, Tensor.add, ("s:0", "s:-0")),
    "mul": (REASSOC, Tensor.multiply, ("s:1",)),
    "max": (EXACT, Tensor.maximum, ("s:-inf",)),
    "min": (EXACT, Tensor.minimum, ("s:inf",)),
    "and": (EXACT, Tensor.and_, ("s:1", "s:-1")),
    "or": (EXACT, Tensor.or_, ("s:0",)),
}


def _name(base: str, fp: str) -> str:
    """Selecting bodies (max, min, and, or) regroup exactly: their variant is a rule of its own."""
    return base if fp == REASSOC else f"{base}-exact"


def _iota(rank: int) -> Vec[i64]:
    return Vec[i64](*(i64(i) for i in range(rank)))


@reduce.register
def _nested(
    x: Tensor, init: Tensor, t: Ty, t2: Ty, d1: Vec[i64], d2: Vec[i64], e: String, e2: String
) -> Iterator[RuleInfo]:
    for kind, (fp, _, _) in KINDS.items():
        k = String(kind)
        inner = Tensor.reduce(t2, x, init, d1, k, e2)
        i, j = d1[i64(0)], d2[i64(0)]
        singles = (eq(d1.length()).to(i64(1)), eq(d2.length()).to(i64(1)))
        # Pattern: reduce(reduce(x, [i]), [j]) -> reduce(x, [i, j'])   (j' = j in x's numbering)
        yield reduce.rule(
            _name("reduce-of-reduce", fp),
            rewrite(Tensor.reduce(t, inner, init, d2, k, e)).to(
                Tensor.reduce(t, x, init, Vec(i, j), k, e), *singles, j < i
            ),
            fp=fp,
        )
        yield reduce.rule(
            _name("reduce-of-reduce", fp),
            rewrite(Tensor.reduce(t, inner, init, d2, k, e)).to(
                Tensor.reduce(t, x, init, Vec(i, j + i64(1)), k, e), *singles, i <= j
            ),
            fp=fp,
        )


@reduce.register
def _through_layout(
    x: Tensor,
    init: Tensor,
    t: Ty,
    t2: Ty,
    p: Vec[i64],
    s: Vec[i64],
    s2: Vec[i64],
    d: String,
    e: String,
    e2: String,
) -> Iterator[RuleInfo]:
    for kind, (fp, _, _) in KINDS.items():
        k = String(kind)
        for rank in range(1, MAX_RANK + 1):
            every = _iota(rank)
            full = (eq(t2).to(Ty.tensor(s2, d)), eq(s2.length()).to(i64(rank)))
            # Pattern: reduce(transpose(x), all dims) -> reduce(x, all dims)
            yield reduce.rule(
                _name("reduce-of-transpose", fp),
                rewrite(Tensor.reduce(t, Tensor.transpose(t2, x, p, e2), init, every, k, e)).to(
                    Tensor.reduce(t, x, init, every, k, e), *full
                ),
                fp=fp,
            )
            # Pattern: reduce(reshape(x), all dims) -> reduce(x, all dims)
            for rank_x in range(1, MAX_RANK + 1):
                yield reduce.rule(
                    _name("reduce-of-reshape", fp),
                    rewrite(Tensor.reduce(t, Tensor.reshape(t2, x, e2), init, every, k, e)).to(
                        Tensor.reduce(t, x, init, _iota(rank_x), k, e),
                        *full,
                        eq(type_of(x)).to(Ty.tensor(s, d)),
                        eq(s.length()).to(i64(rank_x)),
                    ),
                    fp=fp,
                )


@reduce.register
def _concat_and_scale(
    a: Tensor, b: Tensor, x: Tensor, c: Tensor, init: Tensor, t: Ty, t2: Ty, dims: Vec[i64], dim: i64,
    key: String, e: String, e2: String,
) -> Iterator[RuleInfo]:  # fmt: skip
    for kind, (fp, combine, identities) in KINDS.items():
        k = String(kind)
        both = TList.cons(a, TList.cons(b, TList.nil()))
        for ident in identities:
            # Pattern: reduce(concatenate(a, b), [axis]) -> op(reduce(a, [axis]), reduce(b, [axis]))
            #          (init must be the body's identity, or it would be counted twice)
            yield reduce.rule(
                _name("reduce-of-concat", fp),
                rewrite(Tensor.reduce(t, Tensor.concatenate(t2, both, dim, e2), init, Vec(dim), k, e)).to(
                    combine(
                        t,
                        Tensor.reduce(t, a, init, Vec(dim), k, e),
                        Tensor.reduce(t, b, init, Vec(dim), k, e),
                        "",
                    ),
                    is_splat(init, ident),
                ),
                fp=fp,
            )
    for ident in KINDS["add"][2]:
        # Pattern: reduce_add(multiply(x, splat c)) -> multiply(reduce_add(x), splat c)
        yield reduce.rule(
            "reduce-of-scaled",
            rewrite(Tensor.reduce(t, Tensor.multiply(t2, x, c, e2), init, dims, String("add"), e)).to(
                Tensor.multiply(
                    t, Tensor.reduce(t, x, init, dims, String("add"), e), Tensor.splat(t, key), e2
                ),
                eq(splat_of(c)).to(key),
                is_splat(init, ident),
            ),
            fp=REASSOC,
        )
    # Pattern: reduce_add(negate(x), 0) -> negate(reduce_add(x, 0))   (sums of zeros flip sign)
    yield reduce.rule(
        "reduce-of-neg",
        rewrite(Tensor.reduce(t, Tensor.negate(t2, x, e2), init, dims, String("add"), e)).to(
            Tensor.negate(t, Tensor.reduce(t, x, init, dims, String("add"), e), e2), is_splat(init, "s:0")
        ),
        fp=NO_SIGNED_ZERO,
    )
