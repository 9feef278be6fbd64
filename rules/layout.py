"""Broadcast, reshape, transpose and convert: cancel, merge, and move through elementwise ops.

All of these only move or copy elements, so every rule here is `exact`. Rules that compute
a new permutation or dimension list do it element by element (`p1[p2[i]]`), one rule per rank,
because egglog has no loops.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from egglog import String, Vec, eq, i64, rewrite
from stablehlo_eqsat.dialect_glue.schema import Tensor, Ty, splat_of, type_of
from stablehlo_eqsat.rules.base import RuleFamily, RuleInfo

FAMILY = layout = RuleFamily("layout")

MAX_RANK = 6


def _iota(rank: int) -> Vec[i64]:
    return Vec[i64](*(i64(i) for i in range(rank))) if rank else Vec[i64].empty()


# Elementwise ops whose result has the operands' element type (so a moved layout op keeps its type).
UNARY_SAME_TYPE: list[Callable[..., Tensor]] = [
    Tensor.abs, Tensor.cbrt, Tensor.ceil, Tensor.cosine, Tensor.count_leading_zeros, Tensor.exponential,
    Tensor.exponential_minus_one, Tensor.floor, Tensor.log, Tensor.log_plus_one, Tensor.logistic,
    Tensor.negate, Tensor.not_, Tensor.popcnt, Tensor.round_nearest_afz, Tensor.round_nearest_even,
    Tensor.rsqrt, Tensor.sign, Tensor.sine, Tensor.sqrt, Tensor.tan, Tensor.tanh,
]  # fmt: skip
BINARY_SAME_TYPE: list[Callable[..., Tensor]] = [
    Tensor.add, Tensor.subtract, Tensor.multiply, Tensor.divide, Tensor.remainder, Tensor.maximum,
    Tensor.minimum, Tensor.power, Tensor.atan2, Tensor.and_, Tensor.or_, Tensor.xor, Tensor.shift_left,
    Tensor.shift_right_arithmetic, Tensor.shift_right_logical,
]  # fmt: skip


@layout.register
def _transpose(
    x: Tensor, t: Ty, t2: Ty, p: Vec[i64], p2: Vec[i64], e: String, e2: String
) -> Iterator[RuleInfo]:
    for rank in range(1, MAX_RANK + 1):
        # Pattern: transpose(x, [0, 1, ..., r-1]) -> x
        yield layout.rule("transpose-identity", rewrite(Tensor.transpose(t, x, _iota(rank), e)).to(x))
        # Pattern: transpose(transpose(x, p2), p) -> transpose(x, [p2[p[0]], p2[p[1]], ...])
        composed = Vec[i64](*(p2[p[i64(i)]] for i in range(rank)))
        yield layout.rule(
            "transpose-of-transpose",
            rewrite(Tensor.transpose(t, Tensor.transpose(t2, x, p2, e2), p, e)).to(
                Tensor.transpose(t, x, composed, e), eq(p.length()).to(i64(rank))
            ),
        )


@layout.register
def _reshape(x: Tensor, t: Ty, t2: Ty, e: String, e2: String) -> Iterator[RuleInfo]:
    # Pattern: reshape(x) -> x when the type does not change
    yield layout.rule("reshape-noop", rewrite(Tensor.reshape(t, x, e)).to(x, eq(type_of(x)).to(t)))
    # Pattern: reshape(reshape(x)) -> reshape(x)
    yield layout.rule(
        "reshape-of-reshape",
        rewrite(Tensor.reshape(t, Tensor.reshape(t2, x, e2), e)).to(Tensor.reshape(t, x, e)),
    )
    # Pattern: convert(x) -> x when the type does not change
    yield layout.rule("convert-noop", rewrite(Tensor.convert(t, x, e)).to(x, eq(type_of(x)).to(t)))


@layout.register
def _broadcast(
    x: Tensor, t: Ty, t2: Ty, d: Vec[i64], d2: Vec[i64], k: String, e: String, e2: String
) -> Iterator[RuleInfo]:
    for rank in range(0, MAX_RANK + 1):
        # Pattern: broadcast_in_dim(x, [0, ..., r-1]) -> x when the type does not change
        yield layout.rule(
            "broadcast-noop",
            rewrite(Tensor.broadcast_in_dim(t, x, _iota(rank), e)).to(x, eq(type_of(x)).to(t)),
        )
        # Pattern: broadcast_in_dim(broadcast_in_dim(x, d2), d) -> broadcast_in_dim(x, [d[d2[0]], ...])
        composed = Vec[i64](*(d[d2[i64(i)]] for i in range(rank))) if rank else Vec[i64].empty()
        yield layout.rule(
            "broadcast-of-broadcast",
            rewrite(Tensor.broadcast_in_dim(t, Tensor.broadcast_in_dim(t2, x, d2, e2), d, e)).to(
                Tensor.broadcast_in_dim(t, x, composed, e), eq(d2.length()).to(i64(rank))
            ),
        )
    # Pattern: broadcast_in_dim(splat c) -> splat c of the result type; likewise reshape, transpose
    yield layout.rule(
        "broadcast-of-splat",
        rewrite(Tensor.broadcast_in_dim(t, x, d, e)).to(Tensor.splat(t, k), eq(splat_of(x)).to(k)),
    )
    yield layout.rule(
        "reshape-of-splat", rewrite(Tensor.reshape(t, x, e)).to(Tensor.splat(t, k), eq(splat_of(x)).to(k))
    )
    yield layout.rule(
        "transpose-of-splat",
        rewrite(Tensor.transpose(t, x, d, e)).to(Tensor.splat(t, k), eq(splat_of(x)).to(k)),
    )


@layout.register
def _through_elementwise(
    x: Tensor, y: Tensor, t: Ty, t2: Ty, tx: Ty, p: Vec[i64], e: String, e2: String, e3: String
) -> Iterator[RuleInfo]:
    for op in BINARY_SAME_TYPE:
        # Pattern: transpose(op(x, y), p) -> op(transpose(x, p), transpose(y, p))
        yield layout.rule(
            "transpose-sink-elementwise",
            rewrite(Tensor.transpose(t, op(t2, x, y, e2), p, e)).to(
                op(t, Tensor.transpose(t, x, p, e), Tensor.transpose(t, y, p, e), e2)
            ),
        )
        # Pattern: op(transpose(x, p), transpose(y, p)) -> transpose(op(x, y), p)
        yield layout.rule(
            "transpose-hoist-elementwise",
            rewrite(op(t, Tensor.transpose(t2, x, p, e2), Tensor.transpose(t2, y, p, e3), e)).to(
                Tensor.transpose(t, op(tx, x, y, e), p, e2), eq(type_of(x)).to(tx), eq(type_of(y)).to(tx)
            ),
        )
        # Pattern: reshape(op(x, y)) -> op(reshape(x), reshape(y))
        yield layout.rule(
            "reshape-sink-elementwise",
            rewrite(Tensor.reshape(t, op(t2, x, y, e2), e)).to(
                op(t, Tensor.reshape(t, x, e), Tensor.reshape(t, y, e), e2)
            ),
        )
        # Pattern: op(reshape(x), reshape(y)) -> reshape(op(x, y)) when x and y have one type
        yield layout.rule(
            "reshape-hoist-elementwise",
            rewrite(op(t, Tensor.reshape(t2, x, e2), Tensor.reshape(t2, y, e3), e)).to(
                Tensor.reshape(t, op(tx, x, y, e), e2), eq(type_of(x)).to(tx), eq(type_of(y)).to(tx)
            ),
        )
        # Pattern: op(broadcast(x, d), broadcast(y, d)) -> broadcast(op(x, y), d): less work
        yield layout.rule(
            "broadcast-hoist-elementwise",
            rewrite(
                op(t, Tensor.broadcast_in_dim(t2, x, p, e2), Tensor.broadcast_in_dim(t2, y, p, e3), e)
            ).to(
                Tensor.broadcast_in_dim(t, op(tx, x, y, e), p, e2),
                eq(type_of(x)).to(tx),
                eq(type_of(y)).to(tx),
            ),
        )
    for op in UNARY_SAME_TYPE:
        # Pattern: transpose(op(x), p) <-> op(transpose(x, p)) ; reshape likewise
        yield layout.rule(
            "transpose-sink-unary",
            rewrite(Tensor.transpose(t, op(t2, x, e2), p, e)).to(op(t, Tensor.transpose(t, x, p, e), e2)),
        )
        yield layout.rule(
            "reshape-sink-unary",
            rewrite(Tensor.reshape(t, op(t2, x, e2), e)).to(op(t, Tensor.reshape(t, x, e), e2)),
        )
        # Pattern: op(broadcast(x, d)) -> broadcast(op(x), d)
        yield layout.rule(
            "broadcast-hoist-unary",
            rewrite(op(t, Tensor.broadcast_in_dim(t2, x, p, e2), e)).to(
                Tensor.broadcast_in_dim(t, op(tx, x, e), p, e2), eq(type_of(x)).to(tx)
            ),
        )


@layout.register
def _transpose_is_reshape(x: Tensor, t: Ty, s: Vec[i64], d: String, e: String) -> Iterator[RuleInfo]:
    # Pattern: transpose(x : 1xN or Nx1, [1, 0]) -> reshape(x)   (moves no element: a bitcast)
    for unit_dim in (0, 1):
        yield layout.rule(
            "transpose-is-reshape",
            rewrite(Tensor.transpose(t, x, Vec(i64(1), i64(0)), e)).to(
                Tensor.reshape(t, x, e),
                eq(type_of(x)).to(Ty.tensor(s, d)),
                eq(s.length()).to(i64(2)),
                eq(s[i64(unit_dim)]).to(i64(1)),
            ),
        )
