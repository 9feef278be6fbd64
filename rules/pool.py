"""pool: `reduce_window` (pooling) as the strided slices of its window, combined by its body's op.

XLA CPU runs a 3x3 stride-2 max-pool as `reduce_window` 1.4-2.7x slower than the maximum of its
nine strided slices, which it fuses into one loop (2x16x16x16 to 8x56x56x64 on this project's
Intel VM; on an AMD one the smallest ran 4x faster as `reduce_window`). So the rewrite is
proposed only in graphs with a convolution, where `reduce_window` is measured like the
convolutions (`passes/measure.py`) and the function is timed whole; elsewhere the input's form
stays. Maximum, minimum, and, or select values (`exact`); a sum or product regroups (`reassoc`).
The index arithmetic is done in Python (expansions, see `rules/base.py`); this module imports no
egglog, so that a process with the rule library cached does not load the DSL.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.graph import TensorTy, Term
from stablehlo_eqsat.rules.base import EXACT, REASSOC, ExpansionContext, RuleFamily

FAMILY = pool = RuleFamily("pool")

# Pattern: reduce_window(x, init) with window W, strides s, window dilation r, padding (lo, hi)
#   -> init (+) the W strided slices P[k*r : k*r + (O-1)*s + 1 : s] of P = pad(x, init, lo, hi),
#      combined by the body's op (a max-pool: the maximum of its nine shifted slices)
MAX_WINDOW = 49  # window elements: slices in the fused loop


def _pool_slices(ctx: ExpansionContext, tid: int, kinds: tuple[str, ...]) -> Iterator[int]:
    t = ctx.term(tid)
    if t.ctor != "ReduceWindow" or O.text(t, "kind") not in kinds or O.text(t, "extra"):
        return
    x, init = O.operand(t, "x"), O.operand(t, "y")
    xty, oty = ctx.term(x).ty, t.ty
    if not isinstance(xty, TensorTy) or not isinstance(oty, TensorTy):
        return
    rank = len(xty.shape)
    window = O.vec(t, "window_dimensions")
    ones = (1,) * rank
    strides = O.vec(t, "window_strides") or ones
    dilation = O.vec(t, "window_dilations") or ones
    padding = O.vec(t, "padding") or (0,) * (2 * rank)
    lo, hi = padding[0::2], padding[1::2]
    if (
        (O.vec(t, "base_dilations") or ones) != ones
        or min(padding) < 0
        or not 2 <= math.prod(window) <= MAX_WINDOW
        or not any(ctx.term(u).ctor == "Conv" for u in ctx.graph.live())
    ):
        return
    p = x
    if any(padding):
        shape = tuple(n + a + b for n, a, b in zip(xty.shape, lo, hi, strict=True))
        p = ctx.add(Term("Pad", TensorTy(shape, xty.dtype), (x, init, lo, hi, (0,) * rank, "")))
    op = O.BY_MLIR[O.REDUCE_BODY_OP[O.text(t, "kind")]].ctor  # the body's op as a tensor op
    total = ctx.add(Term("Bcast", oty, (init, (), "")))
    for k in itertools.product(*(range(w) for w in window)):
        start = tuple(i * r for i, r in zip(k, dilation, strict=True))
        limit = tuple(a + (o - 1) * s + 1 for a, o, s in zip(start, oty.shape, strides, strict=True))
        window_slice = ctx.add(Term("Slice", oty, (p, start, limit, strides, "")))
        total = ctx.add(Term(op, oty, (total, window_slice, "")))
    yield total


@pool.expansion("reduce-window-to-slices-exact", fp=EXACT)
def reduce_window_to_slices_exact(ctx: ExpansionContext, tid: int) -> Iterator[int]:
    yield from _pool_slices(ctx, tid, ("max", "min", "and", "or"))


@pool.expansion("reduce-window-to-slices", fp=REASSOC, xla=True)
def reduce_window_to_slices(ctx: ExpansionContext, tid: int) -> Iterator[int]:
    yield from _pool_slices(ctx, tid, ("add", "mul"))
