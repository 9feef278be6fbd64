"""dot_general: fold transposes into dimension numbers, move scalars, reassociate chains.

A dot_general computes each output element as a sum of products; XLA's kernels choose the
summation order themselves, so any rule that changes which kernel runs (a different operand
layout, a different chain order) may change rounding: those rules are `reassoc`. The ones XLA's
algebraic simplifier applies itself (transposes folded into the dot) are marked `xla`.
Rules are written for the matrix case (rank-2 operands, no batch dimensions), which is what
the chains of real models reduce to after reshapes.
"""

from __future__ import annotations

from collections.abc import Iterator

from egglog import Fact, String, Vec, eq, i64, rewrite
from stablehlo_eqsat.dialect_glue.schema import Tensor, TList, Ty, float_dtype, splat_of, type_of
from stablehlo_eqsat.rules.base import FINITE, NO_SIGNED_ZERO, REASSOC, RuleFamily, RuleInfo, is_splat

FAMILY = dot_general = RuleFamily("dot_general")

NONE = Vec[i64].empty()
C0, C1 = Vec(i64(0)), Vec(i64(1))
SWAP = Vec(i64(1), i64(0))


def rank2(*shapes: Vec[i64]) -> list[Fact]:
    """Conditions: each shape is a matrix (rules that index shapes must never read past one)."""
    return [eq(s.length()).to(i64(2)) for s in shapes]


def matmul(t: Ty, a: Tensor, b: Tensor, e: String | str = "") -> Tensor:
    """a @ b for rank-2 a, b: contract a's dim 1 with b's dim 0."""
    return Tensor.dot_general(t, a, b, NONE, NONE, C1, C0, e)


@dot_general.register
def _transposes(
    a: Tensor, b: Tensor, t: Ty, t2: Ty, lc: Vec[i64], rc: Vec[i64], e: String, e2: String
) -> Iterator[RuleInfo]:
    for c in (0, 1):
        cv, other = Vec(i64(c)), Vec(i64(1 - c))
        # Pattern: dot(transpose(a), b) -> dot(a, b) contracting a's other dimension
        yield dot_general.rule(
            "dot-transpose-lhs",
            rewrite(Tensor.dot_general(t, Tensor.transpose(t2, a, SWAP, e2), b, NONE, NONE, cv, rc, e)).to(
                Tensor.dot_general(t, a, b, NONE, NONE, other, rc, e), eq(rc.length()).to(i64(1))
            ),
            fp=REASSOC,
            xla=True,
        )
        # Pattern: dot(a, transpose(b)) -> dot(a, b) contracting b's other dimension
        yield dot_general.rule(
            "dot-transpose-rhs",
            rewrite(Tensor.dot_general(t, a, Tensor.transpose(t2, b, SWAP, e2), NONE, NONE, lc, cv, e)).to(
                Tensor.dot_general(t, a, b, NONE, NONE, lc, other, e), eq(lc.length()).to(i64(1))
            ),
            fp=REASSOC,
            xla=True,
        )
    # Pattern: transpose(a @ b) -> dot(b, a) contracting b's dim 0 with a's dim 1   ((AB)^T = B^T A^T)
    yield dot_general.rule(
        "transpose-of-dot",
        rewrite(Tensor.transpose(t, matmul(t2, a, b, e2), SWAP, e)).to(
            Tensor.dot_general(t, b, a, NONE, NONE, C0, C1, e2)
        ),
        fp=REASSOC,
        xla=True,
    )


@dot_general.register
def _scalars(
    a: Tensor, b: Tensor, c: Tensor, t: Ty, t2: Ty, lb: Vec[i64], rb: Vec[i64], lc: Vec[i64], rc: Vec[i64],
    k: String, e: String, e2: String,
) -> Iterator[RuleInfo]:  # fmt: skip
    # Pattern: dot(multiply(a, splat k), b) -> multiply(dot(a, b), splat k)   (fewer multiplies)
    yield dot_general.rule(
        "dot-scale-lhs-out",
        rewrite(Tensor.dot_general(t, Tensor.multiply(t2, a, c, e2), b, lb, rb, lc, rc, e)).to(
            Tensor.multiply(t, Tensor.dot_general(t, a, b, lb, rb, lc, rc, e), Tensor.splat(t, k), e2),
            eq(splat_of(c)).to(k),
        ),
        fp=REASSOC,
    )
    yield dot_general.rule(
        "dot-scale-rhs-out",
        rewrite(Tensor.dot_general(t, a, Tensor.multiply(t2, b, c, e2), lb, rb, lc, rc, e)).to(
            Tensor.multiply(t, Tensor.dot_general(t, a, b, lb, rb, lc, rc, e), Tensor.splat(t, k), e2),
            eq(splat_of(c)).to(k),
        ),
        fp=REASSOC,
    )
    # Pattern: dot(negate(a), b) -> negate(dot(a, b))   (round-to-nearest is symmetric in sign)
    yield dot_general.rule(
        "dot-neg-lhs",
        rewrite(Tensor.dot_general(t, Tensor.negate(t2, a, e2), b, lb, rb, lc, rc, e)).to(
            Tensor.negate(t, Tensor.dot_general(t, a, b, lb, rb, lc, rc, e), e2)
        ),
        fp=NO_SIGNED_ZERO,
    )
    # Pattern: dot(a, zeros) -> zeros   (NaN/Inf in a would give NaN)
    yield dot_general.rule(
        "dot-zero-rhs",
        rewrite(Tensor.dot_general(t, a, b, lb, rb, lc, rc, e)).to(
            Tensor.splat(t, "s:0"), is_splat(b, "s:0")
        ),
        fp=(FINITE, NO_SIGNED_ZERO),
    )


@dot_general.register
def _chains(
    a: Tensor, b: Tensor, c: Tensor, t: Ty, t2: Ty, sa: Vec[i64], sb: Vec[i64], sc: Vec[i64], d: String,
    e: String, e2: String,
) -> Iterator[RuleInfo]:  # fmt: skip
    # Pattern: (a @ b) @ c <-> a @ (b @ c)   (the matrix-chain choice; rounding changes)
    yield dot_general.rule(
        "dot-assoc-right",
        rewrite(matmul(t, matmul(t2, a, b, e2), c, e)).to(
            matmul(t, a, matmul(Ty.tensor(Vec(sb[i64(0)], sc[i64(1)]), d), b, c, e2), e),
            eq(type_of(b)).to(Ty.tensor(sb, d)),
            eq(type_of(c)).to(Ty.tensor(sc, d)),
            *rank2(sb, sc),
        ),
        fp=REASSOC,
    )
    yield dot_general.rule(
        "dot-assoc-left",
        rewrite(matmul(t, a, matmul(t2, b, c, e2), e)).to(
            matmul(t, matmul(Ty.tensor(Vec(sa[i64(0)], sb[i64(1)]), d), a, b, e2), c, e),
            eq(type_of(a)).to(Ty.tensor(sa, d)),
            eq(type_of(b)).to(Ty.tensor(sb, d)),
            *rank2(sa, sb),
        ),
        fp=REASSOC,
    )


@dot_general.register
def _distributive(
    a: Tensor, b: Tensor, c: Tensor, t: Ty, t2: Ty, tb: Ty, lb: Vec[i64], rb: Vec[i64], lc: Vec[i64],
    rc: Vec[i64], d: String, s: Vec[i64], e: String, e2: String, e3: String,
) -> Iterator[RuleInfo]:  # fmt: skip
    # Pattern: dot(a, b) + dot(a, c) <-> dot(a, b + c)   (one dot instead of two)
    lhs = Tensor.add(
        t, Tensor.dot_general(t, a, b, lb, rb, lc, rc, e2), Tensor.dot_general(t, a, c, lb, rb, lc, rc, e3), e
    )
    yield dot_general.rule(
        "dot-factor-add",
        rewrite(lhs).to(
            Tensor.dot_general(t, a, Tensor.add(tb, b, c, e), lb, rb, lc, rc, e2),
            eq(type_of(b)).to(tb),
            eq(type_of(c)).to(tb),
            eq(t).to(Ty.tensor(s, d)),
            float_dtype(d),
        ),
        fp=REASSOC,
    )
    yield dot_general.rule(
        "dot-distribute-add",
        rewrite(Tensor.dot_general(t, a, Tensor.add(tb, b, c, e2), lb, rb, lc, rc, e)).to(
            Tensor.add(
                t,
                Tensor.dot_general(t, a, b, lb, rb, lc, rc, e),
                Tensor.dot_general(t, a, c, lb, rb, lc, rc, e),
                e2,
            ),
        ),
        fp=REASSOC,
    )


@dot_general.register
def _concat(
    a: Tensor, b: Tensor, c: Tensor, t: Ty, t2: Ty, s: Vec[i64], sb: Vec[i64], sc: Vec[i64], d: String,
    e: String, e2: String,
) -> Iterator[RuleInfo]:  # fmt: skip
    # Pattern: a @ concatenate(b, c, dim=1) -> concatenate(a @ b, a @ c, dim=1)
    #          (each output element is the same sum of products, computed by a smaller dot)
    both = TList.cons(b, TList.cons(c, TList.nil()))
    yield dot_general.rule(
        "dot-of-concat-rhs",
        rewrite(matmul(t, a, Tensor.concatenate(t2, both, i64(1), e2), e)).to(
            Tensor.concatenate(
                t,
                TList.cons(
                    matmul(Ty.tensor(Vec(s[i64(0)], sb[i64(1)]), d), a, b, e),
                    TList.cons(matmul(Ty.tensor(Vec(s[i64(0)], sc[i64(1)]), d), a, c, e), TList.nil()),
                ),
                i64(1),
                e2,
            ),
            eq(t).to(Ty.tensor(s, d)),
            eq(type_of(b)).to(Ty.tensor(sb, d)),
            eq(type_of(c)).to(Ty.tensor(sc, d)),
            *rank2(s, sb, sc),
        ),
        fp=REASSOC,
    )


__all__ = ["FAMILY", "matmul"]
