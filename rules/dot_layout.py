"""dot_layout: the layouts of one dot, as Python-side rules (no egglog DSL: index arithmetic
over the dimension numbers of any rank is plain Python here).

Which operand of a dot_general is the lhs, and in which order its dimensions lie, decide which
copies XLA makes to bring the dot to its canonical form ([batch, M, K] x [batch, K, N]) and which
kernel runs it (`passes/dot_cost.py`). The sum of products is the same; XLA's kernels choose the
summation order, so a rule that changes the kernel is `reassoc`, and XLA makes such choices
itself (`xla`).
"""

from __future__ import annotations

from collections.abc import Iterator

from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.graph import TensorTy, Term
from stablehlo_eqsat.rules.base import REASSOC, ExpansionContext, RuleFamily

FAMILY = dot_layout = RuleFamily("dot_layout")


# Pattern: dot_general(a, b) -> transpose(dot_general(b, a), perm)   (batched dots of any rank:
# the swapped dot yields [batch, b's free dims, a's free dims], the transpose restores the
# order). Which operand is the lhs decides which copies XLA makes to bring a dot to its canonical
# form and which kernel runs it: keras-hub's attention `einsum`s measure 2-3x apart by it. Python
# side: the result type and the permutation are index arithmetic over the dimension numbers.
@dot_layout.expansion("dot-swap-operands", fp=REASSOC, xla=True)
def dot_swap_operands(ctx: ExpansionContext, tid: int) -> Iterator[int]:
    term = ctx.term(tid)
    if term.ctor != "Dot" or not _symmetric_attributes(ctx.extra_attributes(O.text(term, "extra"))):
        return
    a, b = term.children()
    aty, bty, ty = ctx.term(a).ty, ctx.term(b).ty, term.ty
    if not (isinstance(aty, TensorTy) and isinstance(bty, TensorTy) and isinstance(ty, TensorTy)):
        return
    dims = O.dot_dims(term)
    lb, rb = dims.lhs_batching_dimensions, dims.rhs_batching_dimensions
    lc, rc = dims.lhs_contracting_dimensions, dims.rhs_contracting_dimensions
    if not lb:
        # A plain product is the dot_general rules' (`transpose-of-dot`, ...). Swapped, its
        # result needs a transpose that the cost model counts as free where it fuses into an
        # elementwise consumer, but XLA CPU reads it strided: `x @ W^T` swapped to
        # `(W @ x^T)^T` measured 0.72x (perf-fuzz, shared_projections seed 1047).
        return
    lfree = [d for d in range(len(aty.shape)) if d not in lb and d not in lc]
    rfree = [d for d in range(len(bty.shape)) if d not in rb and d not in rc]
    batch = [aty.shape[d] for d in lb]
    swapped_ty = TensorTy((*batch, *(bty.shape[d] for d in rfree), *(aty.shape[d] for d in lfree)), ty.dtype)
    args = O.build("Dot", x=b, y=a, **O.DotDims(rb, lb, rc, lc)._asdict(), extra=O.text(term, "extra"))
    swapped = ctx.add(Term("Dot", swapped_ty, args))
    nb, nr = len(batch), len(rfree)
    perm = (*range(nb), *(nb + nr + i for i in range(len(lfree))), *(nb + i for i in range(nr)))
    yield ctx.add(Term("Transpose", ty, O.build("Transpose", x=swapped, permutation=perm)))


def _symmetric_attributes(attrs: dict[str, object]) -> bool:
    """Whether a dot's other attributes stay right with its operands swapped: none, or a
    precision config that is the same for both operands (an algorithm is left alone)."""
    if not attrs:
        return True
    if set(attrs) != {"precision_config"}:
        return False
    precisions = [str(p) for p in attrs["precision_config"]]  # type: ignore[attr-defined]
    return len(set(precisions)) <= 1


__all__ = ["FAMILY", "dot_swap_operands"]
