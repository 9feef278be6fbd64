"""Slice, concatenate, pad, reverse and dynamic slicing: merge, cancel, and push through ops.

These rules only select or copy elements, so all are `exact`. Index arithmetic is written
element by element, one rule per rank (and per concatenation axis), because egglog has no loops.
"""

from __future__ import annotations

from collections.abc import Iterator

from egglog import Fact, String, Vec, eq, i64, rewrite
from stablehlo_eqsat.dialect_glue.schema import Tensor, TList, Ty, type_of
from stablehlo_eqsat.rules.base import RuleFamily, RuleInfo
from stablehlo_eqsat.rules.layout import BINARY_SAME_TYPE, UNARY_SAME_TYPE

FAMILY = slice_concat = RuleFamily("slice_concat")

MAX_RANK = 4


def _const(rank: int, value: int) -> Vec[i64]:
    return Vec[i64](*(i64(value) for _ in range(rank))) if rank else Vec[i64].empty()


def _rank(v: Vec[i64], rank: int) -> Fact:
    return eq(v.length()).to(i64(rank))


@slice_concat.register
def _slice(
    x: Tensor,
    y: Tensor,
    t: Ty,
    t2: Ty,
    a: Vec[i64],
    b: Vec[i64],
    a2: Vec[i64],
    b2: Vec[i64],
    e: String,
    e2: String,
) -> Iterator[RuleInfo]:
    for rank in range(1, MAX_RANK + 1):
        ones = _const(rank, 1)
        # Pattern: slice(x) -> x when it keeps the whole tensor
        yield slice_concat.rule(
            "slice-noop",
            rewrite(Tensor.slice(t, x, a, b, ones, e)).to(x, eq(type_of(x)).to(t), _rank(a, rank)),
        )
        # Pattern: slice(slice(x, a2, b2), a, b) -> slice(x, a2 + a, a2 + b)   (unit strides)
        starts = Vec[i64](*(a2[i64(i)] + a[i64(i)] for i in range(rank)))
        limits = Vec[i64](*(a2[i64(i)] + b[i64(i)] for i in range(rank)))
        yield slice_concat.rule(
            "slice-of-slice",
            rewrite(Tensor.slice(t, Tensor.slice(t2, x, a2, b2, ones, e2), a, b, ones, e)).to(
                Tensor.slice(t, x, starts, limits, ones, e), _rank(a, rank)
            ),
        )
    for op in BINARY_SAME_TYPE:
        # Pattern: slice(op(x, y)) -> op(slice(x), slice(y))   (computes only what is kept)
        yield slice_concat.rule(
            "slice-sink-elementwise",
            rewrite(Tensor.slice(t, op(t2, x, y, e2), a, b, a2, e)).to(
                op(t, Tensor.slice(t, x, a, b, a2, e), Tensor.slice(t, y, a, b, a2, e), e2)
            ),
        )
    for op in UNARY_SAME_TYPE:
        yield slice_concat.rule(
            "slice-sink-unary",
            rewrite(Tensor.slice(t, op(t2, x, e2), a, b, a2, e)).to(
                op(t, Tensor.slice(t, x, a, b, a2, e), e2)
            ),
        )


@slice_concat.register
def _concat(
    x: Tensor,
    y: Tensor,
    z: Tensor,
    xs: TList,
    t: Ty,
    t2: Ty,
    t3: Ty,
    s: Vec[i64],
    d: String,
    a: Vec[i64],
    b: Vec[i64],
    a2: Vec[i64],
    b2: Vec[i64],
    dim: i64,
    e: String,
    e2: String,
    e3: String,
) -> Iterator[RuleInfo]:
    # Pattern: concatenate(x) -> x
    yield slice_concat.rule(
        "concat-single", rewrite(Tensor.concatenate(t, TList.cons(x, TList.nil()), dim, e)).to(x)
    )
    # Pattern: concatenate(concatenate(x, y), z) -> concatenate(x, y, z) along the same axis
    inner = Tensor.concatenate(t2, TList.cons(x, TList.cons(y, TList.nil())), dim, e2)
    yield slice_concat.rule(
        "concat-of-concat",
        rewrite(Tensor.concatenate(t, TList.cons(inner, TList.cons(z, TList.nil())), dim, e)).to(
            Tensor.concatenate(t, TList.cons(x, TList.cons(y, TList.cons(z, TList.nil()))), dim, e)
        ),
    )
    for rank in range(1, MAX_RANK + 1):
        ones = _const(rank, 1)
        for axis in range(rank):
            k = i64(axis)
            # Pattern: concatenate(slice(x, a, b), slice(x, a2, b2)) -> slice(x, a, b2)
            #          when the second slice starts where the first ends (along the axis) and
            #          both cover the same range on every other axis
            same_elsewhere = [
                f
                for i in range(rank)
                if i != axis
                for f in (eq(a[i64(i)]).to(a2[i64(i)]), eq(b[i64(i)]).to(b2[i64(i)]))
            ]
            pair = TList.cons(
                Tensor.slice(t2, x, a, b, ones, e2),
                TList.cons(Tensor.slice(t3, x, a2, b2, ones, e3), TList.nil()),
            )
            yield slice_concat.rule(
                "concat-of-adjacent-slices",
                rewrite(Tensor.concatenate(t, pair, k, e)).to(
                    Tensor.slice(t, x, a, b2, ones, e2), _rank(a, rank), eq(b[k]).to(a2[k]), *same_elsewhere
                ),
            )
            # Pattern: slice(concatenate(x, y), a, b) -> slice(x, a, b) when [a, b) lies in x along the axis
            both = TList.cons(x, TList.cons(y, TList.nil()))
            yield slice_concat.rule(
                "slice-of-concat",
                rewrite(Tensor.slice(t, Tensor.concatenate(t2, both, k, e2), a, b, ones, e)).to(
                    Tensor.slice(t, x, a, b, ones, e),
                    _rank(a, rank),
                    eq(type_of(x)).to(Ty.tensor(s, d)),
                    b[k] <= s[k],
                ),
            )
            # ... and -> slice(y, a - n, b - n) when it lies in y (n: x's extent along the axis)
            shifted_a = Vec[i64](*((a[i64(i)] - s[k]) if i == axis else a[i64(i)] for i in range(rank)))
            shifted_b = Vec[i64](*((b[i64(i)] - s[k]) if i == axis else b[i64(i)] for i in range(rank)))
            yield slice_concat.rule(
                "slice-of-concat",
                rewrite(Tensor.slice(t, Tensor.concatenate(t2, both, k, e2), a, b, ones, e)).to(
                    Tensor.slice(t, y, shifted_a, shifted_b, ones, e),
                    _rank(a, rank),
                    eq(type_of(x)).to(Ty.tensor(s, d)),
                    s[k] <= a[k],
                ),
            )


@slice_concat.register
def _pad_reverse(
    x: Tensor, v: Tensor, t: Ty, t2: Ty, lo: Vec[i64], hi: Vec[i64], lo2: Vec[i64], hi2: Vec[i64],
    d: Vec[i64],
    idx: TList, sizes: Vec[i64], e: String, e2: String,
) -> Iterator[RuleInfo]:  # fmt: skip
    for rank in range(1, MAX_RANK + 1):
        zeros = _const(rank, 0)
        # Pattern: pad(x, v, 0, 0, 0) -> x
        yield slice_concat.rule("pad-noop", rewrite(Tensor.pad(t, x, v, zeros, zeros, zeros, e)).to(x))
        # Pattern: pad(pad(x, v, lo2, hi2), v, lo, hi) -> pad(x, v, lo2 + lo, hi2 + hi)
        #          (same padding value, no interior padding, no negative (cropping) padding)
        add = lambda p, q, r=rank: Vec[i64](*(p[i64(i)] + q[i64(i)] for i in range(r)))  # noqa: E731
        nonneg = [i64(0) <= vec[i64(i)] for vec in (lo, hi, lo2, hi2) for i in range(rank)]
        yield slice_concat.rule(
            "pad-of-pad",
            rewrite(Tensor.pad(t, Tensor.pad(t2, x, v, lo2, hi2, zeros, e2), v, lo, hi, zeros, e)).to(
                Tensor.pad(t, x, v, add(lo2, lo), add(hi2, hi), zeros, e), _rank(lo, rank), *nonneg
            ),
        )
    # Pattern: reverse(reverse(x, d), d) -> x
    yield slice_concat.rule(
        "reverse-of-reverse", rewrite(Tensor.reverse(t, Tensor.reverse(t2, x, d, e2), d, e)).to(x)
    )
    # Pattern: dynamic_slice(x, idx, sizes) -> x when the slice is the whole tensor (indices are clamped)
    yield slice_concat.rule(
        "dynamic-slice-full", rewrite(Tensor.dynamic_slice(t, x, idx, sizes, e)).to(x, eq(type_of(x)).to(t))
    )
    # Pattern: dynamic_update_slice(x, u, idx) -> u when u covers all of x
    yield slice_concat.rule(
        "dynamic-update-slice-full",
        rewrite(Tensor.dynamic_update_slice(t, x, v, idx, e)).to(v, eq(type_of(v)).to(t)),
    )
