"""Multi-pattern rules (TENSAT): several independent ops become one bigger op plus slices.

Two matrix products that share an operand, `x @ w1` and `x @ w2`, are one product with the
weights concatenated, `x @ [w1 w2]`, sliced apart again. One big kernel can run faster than
two small ones, or slower (the cost model decides). Each output element is the same sum of
products, but the kernel XLA picks for the wider matrix may sum in another order: `reassoc`.
"""

from __future__ import annotations

from collections.abc import Iterator

from egglog import String, Vec, eq, i64, ne, rule, union
from stablehlo_eqsat.dialect_glue.schema import Tensor, TList, Ty, type_of
from stablehlo_eqsat.rules.base import REASSOC, RuleFamily, RuleInfo
from stablehlo_eqsat.rules.dot_general import matmul, rank2

FAMILY = multi = RuleFamily("multi")


def _pair(a: Tensor, b: Tensor) -> TList:
    return TList.cons(a, TList.cons(b, TList.nil()))


@multi.register
def _shared_operand(
    x: Tensor, w1: Tensor, w2: Tensor, d1: Tensor, d2: Tensor, s1: Vec[i64], s2: Vec[i64], sx: Vec[i64],
    sw1: Vec[i64], d: String, e: String,
) -> Iterator[RuleInfo]:  # fmt: skip
    m, n1, n2 = s1[i64(0)], s1[i64(1)], s2[i64(1)]
    k = sx[i64(1)]
    # Pattern: x @ w1, x @ w2 -> slice(x @ concatenate(w1, w2, dim=1), columns of each)
    merged = matmul(
        Ty.tensor(Vec(m, n1 + n2), d),
        x,
        Tensor.concatenate(Ty.tensor(Vec(k, n1 + n2), d), _pair(w1, w2), i64(1), ""),
        e,
    )
    one = Vec(i64(1), i64(1))
    yield multi.rule(
        "merge-dots-shared-lhs",
        rule(
            eq(d1).to(matmul(Ty.tensor(s1, d), x, w1, e)),
            eq(d2).to(matmul(Ty.tensor(s2, d), x, w2, e)),
            ne(w1).to(w2),
            eq(type_of(x)).to(Ty.tensor(sx, d)),
            *rank2(s1, s2, sx),
        ).then(
            union(d1).with_(Tensor.slice(Ty.tensor(s1, d), merged, Vec(i64(0), i64(0)), Vec(m, n1), one, "")),
            union(d2).with_(
                Tensor.slice(Ty.tensor(s2, d), merged, Vec(i64(0), n1), Vec(m, n1 + n2), one, "")
            ),
        ),
        fp=REASSOC,
    )
    # Pattern: x1 @ w, x2 @ w -> slice(concatenate(x1, x2, dim=0) @ w, rows of each)
    m1, m2, n = s1[i64(0)], s2[i64(0)], s1[i64(1)]
    stacked = matmul(
        Ty.tensor(Vec(m1 + m2, n), d),
        Tensor.concatenate(Ty.tensor(Vec(m1 + m2, sw1[i64(1)]), d), _pair(w1, w2), i64(0), ""),
        x,
        e,
    )
    yield multi.rule(
        "merge-dots-shared-rhs",
        rule(
            eq(d1).to(matmul(Ty.tensor(s1, d), w1, x, e)),
            eq(d2).to(matmul(Ty.tensor(s2, d), w2, x, e)),
            ne(w1).to(w2),
            eq(type_of(x)).to(Ty.tensor(sx, d)),
            eq(type_of(w1)).to(Ty.tensor(sw1, d)),
            *rank2(s1, s2, sx, sw1),
        ).then(
            union(d1).with_(
                Tensor.slice(Ty.tensor(s1, d), stacked, Vec(i64(0), i64(0)), Vec(m1, n), one, "")
            ),
            union(d2).with_(
                Tensor.slice(Ty.tensor(s2, d), stacked, Vec(m1, i64(0)), Vec(m1 + m2, n), one, "")
            ),
        ),
        fp=REASSOC,
    )
