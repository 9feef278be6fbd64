"""Convolutions as other algorithms: dot_general, im2col, sums over kernel taps, patches for windows
that tile the input, the phases of a transposed convolution, space-to-batch for a dilated one.

XLA's CPU convolution kernels are fast for some shapes and very slow for others (a 3x3 conv
over a 2x2 input with 512 channels runs 70x slower than the same arithmetic as one matrix
product; a depthwise 3x3 conv 50x slower than nine shifted multiplies). These rules put the
other algorithms next to each convolution in the e-graph; the (measured) cost model picks.

Every rule here computes each output element as the same sum of the same products, in another
order: `reassoc` (those that leave out products with padding or inserted zeros say so too). XLA
chooses its own convolution algorithm the same way, and its own kernels skip or multiply such
zeros depending on layout and dtype, so the default mode allows them (`xla=True`); `strict`
never rewrites a convolution.

The index arithmetic is done in Python (expansions, see `rules/base.py`). A convolution is
read as: pad the input (`lhs_dilation` as interior padding, then edge padding), and for each
kernel tap k take the strided window `P[k*r : k*r + (O-1)*s + 1 : s]` of it (r: rhs dilation,
s: stride, O: output size); the output is the sum over taps of that window times the tap's
weights, contracted over input features. When in doubt (batch groups, window reversal, other
attributes, a precision other than DEFAULT) a rule does not rewrite.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.graph import TensorTy, Term
from stablehlo_eqsat.rules.base import FINITE, NO_SIGNED_ZERO, REASSOC, ExpansionContext, RuleFamily

FAMILY = conv = RuleFamily("conv")


@dataclass(frozen=True)
class ConvView:
    """A `Conv` term with its attributes spelled out (defaults filled in)."""

    x: int
    w: int
    xty: TensorTy
    wty: TensorTy
    oty: TensorTy
    strides: tuple[int, ...]
    lo: tuple[int, ...]
    hi: tuple[int, ...]
    lhs_dil: tuple[int, ...]
    rhs_dil: tuple[int, ...]
    ib: int
    if_: int
    isp: tuple[int, ...]
    ki: int
    ko: int
    ksp: tuple[int, ...]
    ob: int
    of: int
    osp: tuple[int, ...]
    groups: int

    @property
    def n(self) -> int:
        return len(self.isp)

    @property
    def dtype(self) -> str:
        return self.oty.dtype

    def kernel(self, i: int) -> int:
        return self.wty.shape[self.ksp[i]]

    def out(self, i: int) -> int:
        return self.oty.shape[self.osp[i]]

    def size(self, i: int) -> int:
        return self.xty.shape[self.isp[i]]

    def sees_data(self, i: int, k: int) -> bool:
        """Whether kernel tap `k` of spatial dimension `i` reads any input element (not padding)."""
        lo, d, size = self.lo[i], self.lhs_dil[i], self.size(i)
        for o in range(self.out(i)):
            p = k * self.rhs_dil[i] + o * self.strides[i] - lo
            if p >= 0 and p % d == 0 and p // d < size:
                return True
        return False

    def kept_taps(self, i: int) -> list[int]:
        return [k for k in range(self.kernel(i)) if self.sees_data(i, k)]


def view(term: Term) -> ConvView | None:
    """The convolution `term` as a `ConvView`, or None when the rules leave it alone."""
    if term.ctor != "Conv" or not isinstance(term.ty, TensorTy):
        return None
    if (
        O.text(term, "extra") != ""
        or O.num(term, "batch_group_count") != 1
        or any(O.vec(term, "window_reversal"))
        or any(p != 0 for p in O.vec(term, "precision_config"))
    ):
        return None
    (ib, if_, isp), (ki, ko, ksp), (ob, of, osp) = O.conv_dims(O.vec(term, "dimension_numbers"))
    ones = (1,) * len(isp)
    pad = O.vec(term, "padding") or (0,) * (2 * len(isp))
    return ConvView(
        x=O.operand(term, "x"), w=O.operand(term, "y"),
        xty=None, wty=None, oty=term.ty,  # type: ignore[arg-type]  # (filled in by `_view`)
        strides=O.vec(term, "window_strides") or ones, lo=pad[0::2], hi=pad[1::2],
        lhs_dil=O.vec(term, "lhs_dilation") or ones, rhs_dil=O.vec(term, "rhs_dilation") or ones,
        ib=ib, if_=if_, isp=isp, ki=ki, ko=ko, ksp=ksp, ob=ob, of=of, osp=osp,
        groups=O.num(term, "feature_group_count"),
    )  # fmt: skip


def _view(ctx: ExpansionContext, tid: int) -> ConvView | None:
    term = ctx.term(tid)
    v = view(term)
    if v is None:
        return None
    xty, wty = ctx.term(v.x).ty, ctx.term(v.w).ty
    if not isinstance(xty, TensorTy) or not isinstance(wty, TensorTy) or v.oty.numel == 0:
        return None
    if xty.dtype != v.dtype or wty.dtype != v.dtype or not v.dtype.startswith(("f", "bf")):
        return None  # mixed or integer types: the dot_general form would need converts
    return ConvView(**{**v.__dict__, "xty": xty, "wty": wty})


# -- building blocks ---------------------------------------------------------------------------------
def _zero(ctx: ExpansionContext, dtype: str) -> int:
    return ctx.add(Term(O.SPLAT, TensorTy((), dtype), ("s:0",)))


def _tensor_ty(ctx: ExpansionContext, t: int) -> TensorTy:
    ty = ctx.term(t).ty
    assert isinstance(ty, TensorTy), ty
    return ty


def _slice(
    ctx: ExpansionContext,
    x: int,
    start: Sequence[int],
    limit: Sequence[int],
    stride: Sequence[int] | None = None,
) -> int:
    """`x[start:limit:stride]` (unit strides by default), its type worked out from `x`'s."""
    stride = tuple(stride) if stride is not None else (1,) * len(start)
    shape = tuple(-(-(hi - lo) // st) for lo, hi, st in zip(start, limit, stride, strict=True))
    ty = TensorTy(shape, _tensor_ty(ctx, x).dtype)
    return ctx.add(Term("Slice", ty, (x, tuple(start), tuple(limit), stride, "")))


def _pad(
    ctx: ExpansionContext, x: int, lo: Sequence[int], hi: Sequence[int], interior: Sequence[int] | None = None
) -> int:
    """`x` padded with zeros (edge padding `lo`/`hi`, `interior` between elements)."""
    xty = _tensor_ty(ctx, x)
    interior = tuple(interior) if interior is not None else (0,) * len(lo)
    shape = tuple(
        a + b + ((n - 1) * (gap + 1) + 1 if n else 0)
        for n, a, b, gap in zip(xty.shape, lo, hi, interior, strict=True)
    )
    zero = _zero(ctx, xty.dtype)
    return ctx.add(Term("Pad", TensorTy(shape, xty.dtype), (x, zero, tuple(lo), tuple(hi), interior, "")))


def _padded(ctx: ExpansionContext, v: ConvView) -> tuple[int, TensorTy]:
    """The input with lhs dilation (interior padding) and edge padding applied."""
    if all(p == 0 for p in v.lo + v.hi) and all(d == 1 for d in v.lhs_dil):
        return v.x, v.xty
    rank = len(v.xty.shape)
    lo, hi, interior = [0] * rank, [0] * rank, [0] * rank
    for i, d in enumerate(v.isp):
        lo[d], hi[d], interior[d] = v.lo[i], v.hi[i], v.lhs_dil[i] - 1
    p = _pad(ctx, v.x, lo, hi, interior)
    return p, _tensor_ty(ctx, p)


def _window(ctx: ExpansionContext, v: ConvView, p: int, pty: TensorTy, tap: tuple[int, ...]) -> int:
    """The strided window of the padded input that kernel tap `tap` multiplies."""
    rank = len(pty.shape)
    start, limit, stride = [0] * rank, list(pty.shape), [1] * rank
    shape = list(pty.shape)
    for i, d in enumerate(v.isp):
        start[d] = tap[i] * v.rhs_dil[i]
        limit[d] = start[d] + (v.out(i) - 1) * v.strides[i] + 1
        stride[d] = v.strides[i]
        shape[d] = v.out(i)
    if tuple(shape) == pty.shape and not any(start):
        return p
    assert all(lim <= s for lim, s in zip(limit, pty.shape, strict=True)), (limit, pty.shape)
    return _slice(ctx, p, start, limit, stride)


def _kernel_tap(ctx: ExpansionContext, v: ConvView, tap: tuple[int, ...]) -> int:
    """Tap `tap` of the kernel: the kernel with its spatial dimensions sliced to size 1."""
    if all(v.kernel(i) == 1 for i in range(v.n)):
        return v.w
    rank = len(v.wty.shape)
    start, limit = [0] * rank, list(v.wty.shape)
    for i, d in enumerate(v.ksp):
        start[d], limit[d] = tap[i], tap[i] + 1
    return _slice(ctx, v.w, start, limit)


def _tap_weights(ctx: ExpansionContext, v: ConvView, tap: tuple[int, ...]) -> tuple[int, int]:
    """Tap `tap` of the kernel as a matrix ([in, out] or [out, in], in kernel dimension order),
    and which of its two dimensions is the input feature."""
    w = _kernel_tap(ctx, v, tap)
    c, f = v.wty.shape[v.ki], v.wty.shape[v.ko]
    matrix = (c, f) if v.ki < v.ko else (f, c)
    if matrix != v.wty.shape:
        w = ctx.add(Term("Reshape", TensorTy(matrix, v.dtype), (w, "")))
    return w, 0 if v.ki < v.ko else 1


def _weight_matrix(
    ctx: ExpansionContext, v: ConvView, taps: list[tuple[int, ...]], reshape: bool = True
) -> tuple[int, TensorTy, int]:
    """The kernel's taps `taps` stacked along the input features (im2col's weight matrix), its
    type, and which of its two dimensions is the input feature (tap-major: [tap, in] flattened).

    A kernel laid out [spatial..., in, out] (HWIO) with every tap kept is that matrix already,
    row-major: a reshape (a bitcast to XLA), not a copy of every tap into a new buffer."""
    c = v.wty.shape[v.ki]
    whole = len(taps) == math.prod(v.kernel(i) for i in range(v.n))
    if reshape and whole and (*v.ksp, v.ki, v.ko) == tuple(range(v.n + 2)):
        ty = TensorTy((c * len(taps), v.wty.shape[v.ko]), v.dtype)
        return ctx.add(Term("Reshape", ty, (v.w, ""))), ty, 0
    weights = [_tap_weights(ctx, v, tap) for tap in taps]
    c_dim = weights[0][1]
    if len(taps) == 1:
        return weights[0][0], ctx.term(weights[0][0]).ty, c_dim  # type: ignore[return-value]
    wshape = list(ctx.term(weights[0][0]).ty.shape)  # type: ignore[union-attr]
    wshape[c_dim] = c * len(taps)
    ty = TensorTy(tuple(wshape), v.dtype)
    return ctx.add(Term("Concat", ty, (tuple(w for w, _ in weights), c_dim, ""))), ty, c_dim


def _dot(
    ctx: ExpansionContext, v: ConvView, lhs: int, lhs_ty: TensorTy, rhs: int, rhs_ty: TensorTy, c_dim: int
) -> int:
    """lhs (input layout) contracted over its feature dimension with rhs's `c_dim`."""
    shape = [s for d, s in enumerate(lhs_ty.shape) if d != v.if_] + [rhs_ty.shape[1 - c_dim]]
    ty = TensorTy(tuple(shape), v.dtype)
    dims = O.DotDims(lhs_contracting_dimensions=(v.if_,), rhs_contracting_dimensions=(c_dim,))
    return ctx.add(Term("Dot", ty, O.build("Dot", x=lhs, y=rhs, **dims._asdict())))


def _to_output_layout(ctx: ExpansionContext, v: ConvView, t: int, feature_last: bool) -> int:
    """A result in the input's layout (`feature_last`: with the feature dimension moved last, as a
    dot_general leaves it) transposed into the convolution's output layout."""
    rank = len(v.oty.shape)
    if feature_last:
        others = [d for d in range(rank) if d != v.if_]
        pos = {d: others.index(d) for d in others}
        pos[v.if_] = rank - 1
    else:
        pos = {d: d for d in range(rank)}
    perm = [0] * rank
    perm[v.ob] = pos[v.ib]
    perm[v.of] = pos[v.if_]
    for i in range(v.n):
        perm[v.osp[i]] = pos[v.isp[i]]
    if perm == list(range(rank)):
        return t
    return ctx.add(Term("Transpose", v.oty, (t, tuple(perm), "")))


def _taps(v: ConvView) -> list[tuple[int, ...]]:
    return list(itertools.product(*(v.kept_taps(i) for i in range(v.n))))


def _windows_side_by_side(
    ctx: ExpansionContext, v: ConvView, p: int, pty: TensorTy, taps: list[tuple[int, ...]]
) -> tuple[int, TensorTy]:
    """The taps' windows side by side along the input features, tap-major (im2col's patch
    matrix: feature `t * in + c` is feature c of tap t's window, taps in `_taps` order), and its
    type.

    Built a spatial dimension at a time: the windows of the last dimension's taps stacked along a
    new axis in front of the features, those stacks along another, and so on, then one reshape.
    XLA CPU fuses a concatenate of at most 8 operands, not along the minor dimension once that
    is 128 or more, into the kernel that produces it; one concatenate of every tap along the
    features (9 for 3x3, 49 for 7x7) it runs as a kernel per window and a copy (2x16x16x64, 3x3:
    635 us against 347 us for the stacked form, patches and dot; 2x64x64x3, 7x7: 607 against 464)."""
    c = v.xty.shape[v.if_]
    items = [_window(ctx, v, p, pty, tap) for tap in taps]
    for i in reversed(range(v.n)):
        k = len(v.kept_taps(i))
        if k == 1:
            continue
        stacked = []
        for start in range(0, len(items), k):
            group = items[start : start + k]
            shape = _tensor_ty(ctx, group[0]).shape
            one = TensorTy((*shape[: v.if_], 1, *shape[v.if_ :]), v.dtype)
            unit = [ctx.add(Term("Reshape", one, (item, ""))) for item in group]
            ty = TensorTy((*shape[: v.if_], k, *shape[v.if_ :]), v.dtype)
            stacked.append(ctx.add(Term("Concat", ty, (tuple(unit), v.if_, ""))))
        items = stacked
    (patches,) = items
    ty = _windows_ty(v, c * len(taps))
    if _tensor_ty(ctx, patches).shape == ty.shape:
        return patches, ty
    return ctx.add(Term("Reshape", ty, (patches, ""))), ty


def _grouped(
    ctx: ExpansionContext, tid: int
) -> tuple[ConvView, tuple[int, int, int], list[tuple[int, ...]]] | None:
    """A grouped convolution that is not depthwise (one filter per channel:
    `depthwise-conv-to-taps`), its (groups, input features per group, output features per group)
    and the taps that see data; None for any other term."""
    v = _view(ctx, tid)
    if v is None:
        return None
    g, c = v.groups, v.xty.shape[v.if_]
    cg, fo = v.wty.shape[v.ki], v.wty.shape[v.ko]
    if g < 2 or c != g * cg or fo % g or (cg == 1 and fo == g):
        return None
    taps = _taps(v)
    return (v, (g, cg, fo // g), taps) if taps else None


def _windows_ty(v: ConvView, features: int) -> TensorTy:
    shape = list(v.xty.shape)
    for i, d in enumerate(v.isp):
        shape[d] = v.out(i)
    shape[v.if_] = features
    return TensorTy(tuple(shape), v.dtype)


# -- the rules --------------------------------------------------------------------------------------
# Pattern: convolution(x, w) with a 1x1 kernel, no padding -> dot_general(slice(x, strides), w)
@conv.expansion("conv-1x1-to-dot", fp=REASSOC, xla=True)
def conv_1x1_to_dot(ctx: ExpansionContext, tid: int) -> Iterator[int]:
    v = _view(ctx, tid)
    if v is None or v.groups != 1 or any(v.kernel(i) != 1 for i in range(v.n)):
        return
    if any(v.lo + v.hi) or any(d != 1 for d in v.lhs_dil):
        return
    tap = (0,) * v.n
    x = _window(ctx, v, v.x, v.xty, tap)
    w, c_dim = _tap_weights(ctx, v, tap)
    wty = ctx.term(w).ty
    assert isinstance(wty, TensorTy)
    yield _to_output_layout(ctx, v, _dot(ctx, v, x, _windows_ty(v, v.xty.shape[v.if_]), w, wty, c_dim), True)


def _patches(v: ConvView) -> bool:
    """Whether the kernel's windows tile the input: stride = kernel size in every spatial
    dimension, no padding or dilation (a ViT's patch embedding, a 2x2 stride-2 downsampling)."""
    return (
        v.groups == 1
        and any(v.kernel(i) > 1 for i in range(v.n))
        and all(v.strides[i] == v.kernel(i) for i in range(v.n))
        and not any(v.lo + v.hi)
        and all(d == 1 for d in v.lhs_dil + v.rhs_dil)
    )


# Pattern: convolution(x, w) whose windows tile x -> dot_general of x cut into its patches: each
# spatial dimension split into (output, kernel) by a reshape, the kernel parts moved beside the
# features, one row per patch; the kernel reshaped (HWIO) into the matching [taps * in, out].
@conv.expansion("conv-patches-to-dot", fp=REASSOC, xla=True)
def conv_patches_to_dot(ctx: ExpansionContext, tid: int) -> Iterator[int]:
    v = _view(ctx, tid)
    if v is None or not _patches(v):
        return
    x, rank = v.x, len(v.xty.shape)
    used = [v.out(i) * v.kernel(i) for i in range(v.n)]  # the input past the last window is unused
    if any(used[i] != v.size(i) for i in range(v.n)):
        limit = list(v.xty.shape)
        for i, d in enumerate(v.isp):
            limit[d] = used[i]
        x = _slice(ctx, x, [0] * rank, limit)
    # [..., O_i * k_i, ...] -> [..., O_i, k_i, ...]: dimension d becomes split[d], split[d] + 1.
    split: dict[int, int] = {}
    shape: list[int] = []
    for d, size in enumerate(_tensor_ty(ctx, x).shape):
        split[d] = len(shape)
        if d in v.isp:
            i = v.isp.index(d)
            shape += [v.out(i), v.kernel(i)]
        else:
            shape.append(size)
    x = ctx.add(Term("Reshape", TensorTy(tuple(shape), v.dtype), (x, "")))
    order = [split[v.ib], *(split[d] for d in v.isp), *(split[d] + 1 for d in v.isp), split[v.if_]]
    tiled = TensorTy(tuple(shape[d] for d in order), v.dtype)
    if order != sorted(order):
        x = ctx.add(Term("Transpose", tiled, (x, tuple(order), "")))
    taps = list(itertools.product(*(range(v.kernel(i)) for i in range(v.n))))
    rows_ty = TensorTy((*tiled.shape[: v.n + 1], len(taps) * v.xty.shape[v.if_]), v.dtype)
    rows = ctx.add(Term("Reshape", rows_ty, (x, "")))
    w, wty, c_dim = _weight_matrix(ctx, v, taps)
    # [batch, outputs..., out features], then into the convolution's output layout.
    out_ty = TensorTy((*rows_ty.shape[:-1], wty.shape[1 - c_dim]), v.dtype)
    dims = O.DotDims(lhs_contracting_dimensions=(v.n + 1,), rhs_contracting_dimensions=(c_dim,))
    y = ctx.add(Term("Dot", out_ty, O.build("Dot", x=rows, y=w, **dims._asdict())))
    perm = [0] * (v.n + 2)
    perm[v.ob], perm[v.of] = 0, v.n + 1
    for i in range(v.n):
        perm[v.osp[i]] = 1 + i
    yield y if perm == list(range(v.n + 2)) else ctx.add(Term("Transpose", v.oty, (y, tuple(perm), "")))


# Pattern: convolution(x, w) -> dot_general(concatenate(window_k(pad(x)) for taps k), concatenate(w_k))
# (im2col), over the taps that see input data (the others multiply padding only); the windows
# stacked a spatial dimension at a time (`_windows_side_by_side`).
@conv.expansion("conv-to-im2col", fp=REASSOC, xla=True)
def conv_to_im2col(ctx: ExpansionContext, tid: int) -> Iterator[int]:
    v = _view(ctx, tid)
    if v is None or v.groups != 1 or _patches(v):
        return  # (windows that tile the input: conv-patches-to-dot, without a slice per tap)
    taps = _taps(v)
    if not taps or (len(taps) == 1 and all(v.kernel(i) == 1 for i in range(v.n))
                    and not any(v.lo + v.hi) and all(d == 1 for d in v.lhs_dil)):  # fmt: skip
        return  # no tap sees data, or a plain 1x1 convolution (conv-1x1-to-dot)
    p, pty = _padded(ctx, v)
    xcol, xcol_ty = _windows_side_by_side(ctx, v, p, pty, taps)
    wcol, wcol_ty, c_dim = _weight_matrix(ctx, v, taps)
    yield _to_output_layout(ctx, v, _dot(ctx, v, xcol, xcol_ty, wcol, wcol_ty, c_dim), True)


# A sum over more taps than a 7x7 kernel has is a chain of that many full-size products and adds
# that never beats im2col's one product, and its terms would crowd the e-graph (a ViT's 16x16
# patch embedding would add 256 dots and 255 adds for the rules to commute).
MAX_TAP_SUM = 49


# Pattern: convolution(x, w) -> sum over taps k of dot_general(window_k(pad(x)), w_k)
@conv.expansion("conv-to-tap-sum", fp=REASSOC, xla=True)
def conv_to_tap_sum(ctx: ExpansionContext, tid: int) -> Iterator[int]:
    v = _view(ctx, tid)
    if v is None or v.groups != 1 or _patches(v):
        return
    taps = _taps(v)
    if not 2 <= len(taps) <= MAX_TAP_SUM:
        return
    p, pty = _padded(ctx, v)
    wty_tap = _windows_ty(v, v.xty.shape[v.if_])
    total: int | None = None
    for tap in taps:
        w, c_dim = _tap_weights(ctx, v, tap)
        d = _dot(ctx, v, _window(ctx, v, p, pty, tap), wty_tap, w, ctx.term(w).ty, c_dim)  # type: ignore[arg-type]
        total = d if total is None else ctx.add(Term("Add", ctx.term(d).ty, (total, d, "")))
    assert total is not None
    yield _to_output_layout(ctx, v, total, True)


# Pattern: grouped convolution(x, w) (feature_group_count = G) -> one dot_general batched over the
# G groups: the taps' windows concatenated (im2col) and split as [taps, G, in/G], the kernel as
# [taps, in/G, G, out/G], contracted over taps and in/G; then the groups put back side by side.
# (reexpand: its batched dot gets `dot-swap-operands`, which measured faster for `resnext_block`)
@conv.expansion("grouped-conv-to-batched-dot", fp=REASSOC, xla=True, reexpand=True)
def grouped_conv_to_batched_dot(ctx: ExpansionContext, tid: int) -> Iterator[int]:
    found = _grouped(ctx, tid)
    if found is None:
        return
    v, (g, cg, go), taps = found
    fo, t = g * go, len(taps)
    p, pty = _padded(ctx, v)
    xcol, xcol_ty = _windows_side_by_side(ctx, v, p, pty, taps)
    wcol, _, c_dim = _weight_matrix(ctx, v, taps, reshape=False)
    # Split the features: input [..., taps, G, in/G, ...] at the feature position; kernel
    # [taps, in/G, G, out/G] (or [G, out/G, taps, in/G] when the kernel has out before in).
    xs = list(xcol_ty.shape)
    x4 = ctx.add(Term("Reshape", TensorTy((*xs[: v.if_], t, g, cg, *xs[v.if_ + 1 :]), v.dtype), (xcol, "")))
    if c_dim == 0:
        w4 = ctx.add(Term("Reshape", TensorTy((t, cg, g, go), v.dtype), (wcol, "")))
        rb, rc = (2,), (0, 1)
    else:
        w4 = ctx.add(Term("Reshape", TensorTy((g, go, t, cg), v.dtype), (wcol, "")))
        rb, rc = (0,), (2, 3)
    others = [s for d, s in enumerate(xs) if d != v.if_]
    dot_ty = TensorTy((g, *others, go), v.dtype)
    dims = O.DotDims(
        lhs_batching_dimensions=(v.if_ + 1,),
        rhs_batching_dimensions=rb,
        lhs_contracting_dimensions=(v.if_, v.if_ + 2),
        rhs_contracting_dimensions=rc,
    )
    dot = ctx.add(Term("Dot", dot_ty, O.build("Dot", x=x4, y=w4, **dims._asdict())))
    # [G, others..., out/G] -> [others..., G, out/G] -> [others..., out] (feature o = g * out/G + j)
    k = len(others)
    moved = ctx.add(
        Term("Transpose", TensorTy((*others, g, go), v.dtype), (dot, (*range(1, k + 1), 0, k + 1), ""))
    )
    merged = ctx.add(Term("Reshape", TensorTy((*others, fo), v.dtype), (moved, "")))
    yield _to_output_layout(ctx, v, merged, True)


# Pattern: depthwise convolution(x, w) (feature_group_count = channels, one filter per channel)
#   -> sum over taps k of window_k(pad(x)) * broadcast(w_k)        (one loop fusion in XLA)
@conv.expansion("depthwise-conv-to-taps", fp=(REASSOC, NO_SIGNED_ZERO), xla=True)
def depthwise_conv_to_taps(ctx: ExpansionContext, tid: int) -> Iterator[int]:
    v = _view(ctx, tid)
    if v is None:
        return
    c = v.xty.shape[v.if_]
    if v.groups != c or c < 2 or v.wty.shape[v.ki] != 1 or v.wty.shape[v.ko] != c:
        return
    taps = _taps(v)
    if not taps:
        return
    p, pty = _padded(ctx, v)
    wty = _windows_ty(v, c)
    total: int | None = None
    for tap in taps:
        vec = ctx.add(Term("Reshape", TensorTy((c,), v.dtype), (_kernel_tap(ctx, v, tap), "")))
        b = ctx.add(Term("Bcast", wty, (vec, (v.if_,), "")))
        m = ctx.add(Term("Mul", wty, (_window(ctx, v, p, pty, tap), b, "")))
        total = m if total is None else ctx.add(Term("Add", wty, (total, m, "")))
    assert total is not None
    yield _to_output_layout(ctx, v, total, False)


# Products a grouped convolution may be written as, one per kernel tap and input feature of a group.
MAX_GROUPED_TAPS = 72


# Pattern: grouped convolution(x, w) (G groups of in/G input and out/G output features)
#   -> sum over taps k and i < in/G of spread_i(window_k(pad(x))) * broadcast(w_k[i])
# where spread_i takes input feature i of each group to all out/G outputs of that group (reshape,
# slice, broadcast, reshape): every product is elementwise, and XLA fuses the sum into one loop.
# XLA CPU's kernel for narrow groups is slow (ResNeXt's 32 groups of 4: 5.2 ms for what this
# runs in 0.67 ms, 2x28x28x128, 3x3).
@conv.expansion("grouped-conv-to-taps", fp=(REASSOC, NO_SIGNED_ZERO), xla=True)
def grouped_conv_to_taps(ctx: ExpansionContext, tid: int) -> Iterator[int]:
    found = _grouped(ctx, tid)
    if found is None:
        return
    v, (g, cg, go), taps = found
    if len(taps) * cg > MAX_GROUPED_TAPS:
        return
    fo = g * go
    p, pty = _padded(ctx, v)
    out_ty = _windows_ty(v, fo)
    rank, f = len(out_ty.shape), v.if_

    def features(shape: tuple[int, ...], *sizes: int) -> TensorTy:
        return TensorTy((*shape[:f], *sizes, *shape[f + 1 :]), v.dtype)

    def spread(window: int, i: int) -> int:
        """Input feature i of each group, repeated for each output of its group."""
        wty = _tensor_ty(ctx, window)
        per_group = window
        if cg > 1:
            split = ctx.add(Term("Reshape", features(wty.shape, g, cg), (window, "")))
            start = [0] * (rank + 1)
            limit = list(features(wty.shape, g, cg).shape)
            start[f + 1], limit[f + 1] = i, i + 1
            one = _slice(ctx, split, start, limit)
            per_group = ctx.add(Term("Reshape", features(wty.shape, g), (one, "")))
        if go == 1:
            return per_group
        dims = tuple(d if d <= f else d + 1 for d in range(rank))
        wide = ctx.add(Term("Bcast", features(wty.shape, g, go), (per_group, dims, "")))
        return ctx.add(Term("Reshape", out_ty, (wide, "")))

    def weights(tap: tuple[int, ...], i: int) -> int:
        """The kernel's weights for tap `tap` and group input feature i, along the output features."""
        w = _kernel_tap(ctx, v, tap)
        if cg > 1:
            start, limit = [0] * len(v.wty.shape), list(_tensor_ty(ctx, w).shape)
            start[v.ki], limit[v.ki] = i, i + 1
            w = _slice(ctx, w, start, limit)
        vec = ctx.add(Term("Reshape", TensorTy((fo,), v.dtype), (w, "")))
        return ctx.add(Term("Bcast", out_ty, (vec, (f,), "")))

    total: int | None = None
    for tap in taps:
        window = _window(ctx, v, p, pty, tap)
        for i in range(cg):
            m = ctx.add(Term("Mul", out_ty, (spread(window, i), weights(tap, i), "")))
            total = m if total is None else ctx.add(Term("Add", out_ty, (total, m, "")))
    assert total is not None
    yield _to_output_layout(ctx, v, total, False)


# Pattern: convolution(x, w) -> convolution(x, slice(w, taps that see data)), padding trimmed
@conv.expansion("conv-drop-padding-taps", fp=REASSOC, xla=True)
def conv_drop_padding_taps(ctx: ExpansionContext, tid: int) -> Iterator[int]:
    v = _view(ctx, tid)
    if v is None or any(d != 1 for d in v.lhs_dil):
        return
    kept = [v.kept_taps(i) for i in range(v.n)]
    if any(not k for k in kept) or all(len(k) == v.kernel(i) for i, k in enumerate(kept)):
        return
    rank = len(v.wty.shape)
    start, limit = [0] * rank, list(v.wty.shape)
    lo, hi = list(v.lo), list(v.hi)
    for i, k in enumerate(kept):
        first, size, d = k[0], len(k), v.ksp[i]
        start[d], limit[d] = first, first + size
        r, s = v.rhs_dil[i], v.strides[i]
        lo[i] = v.lo[i] - first * r
        # the least high padding that keeps the output size
        hi[i] = (v.out(i) - 1) * s + (size - 1) * r + 1 - lo[i] - v.size(i)
        if lo[i] < 0 or hi[i] < 0:
            return  # would need negative padding: leave it
    w = _slice(ctx, v.w, start, limit)
    pad = tuple(x for pair in zip(lo, hi, strict=True) for x in pair)
    yield ctx.add(Term("Conv", v.oty, O.replaced(ctx.term(tid), y=w, padding=pad)))


# Pattern: multiply(convolution(x, w), broadcast(s, [out feature])) -> convolution(x, w * broadcast(s))
# (inference batch norm's per-channel scale folded into the weights)
@conv.expansion("conv-fold-scale", fp=(REASSOC, NO_SIGNED_ZERO), xla=True)
def conv_fold_scale(ctx: ExpansionContext, tid: int) -> Iterator[int]:
    term = ctx.term(tid)
    if term.ctor != "Mul":
        return
    x, y = O.operand(term, "x"), O.operand(term, "y")
    for a, b in ((x, y), (y, x)):
        v = _view(ctx, a)
        scale = ctx.term(b)
        if v is None or scale.ctor != "Bcast" or scale.ty != v.oty:
            continue
        s, dims = O.operand(scale, "x"), O.vec(scale, "broadcast_dimensions")
        sty = ctx.term(s).ty
        f = v.oty.shape[v.of]
        if not isinstance(sty, TensorTy) or sty.dtype != v.dtype or sty.numel != f:
            continue
        # The scale varies along the output feature dimension only: a vector, or (as numpy-style
        # broadcasting writes it) a 1x..x1xF tensor broadcast along all dimensions.
        if not any(dims[i] == v.of and size == f for i, size in enumerate(sty.shape)):
            continue
        if sty.shape != (f,):
            s = ctx.add(Term("Reshape", TensorTy((f,), v.dtype), (s, "")))
        ws = ctx.add(Term("Bcast", v.wty, (s, (v.ko,), "")))
        w = ctx.add(Term("Mul", v.wty, (v.w, ws, "")))
        yield ctx.add(Term("Conv", v.oty, O.replaced(ctx.term(a), y=w)))
        return


# Pattern: convolution(x, w) with lhs_dilation d > 1 (a transposed convolution), stride 1 in the
# dilated dimensions -> the d outputs phases (per dilated dimension) each as a stride-1
# convolution of the undilated x with the kernel taps that phase meets, interleaved.
#
# Output o of a dilated dimension reads the dilated input at o + k*r - lo, which holds x at
# (o + k*r - lo) / d when that divides and an inserted zero otherwise. For the outputs
# o = phase + d*m the taps that meet data are the k with (phase + k*r - lo) % d == 0: every t-th
# tap (t = d / gcd(r, d)) from the first, reading x at m + base + j*(r / gcd(r, d)) for the
# j-th. So each phase is an ordinary convolution over x: the kernel sliced with stride t, rhs
# dilation r / gcd(r, d), padding -base on the low side. It multiplies no inserted zero (d^n
# fewer products for n dilated dimensions); the phases are stacked on a new dimension next to
# the output's and merged into it (concatenate + reshape: an interleave).
#
# Dropping the products with inserted zeros is what XLA's GPU compiler does too (it hands a
# transposed convolution to cuDNN as a backward-data convolution); it changes the result where a
# weight is Inf or NaN (0 * Inf) and the sign of an all-zero sum: `finite`, `no-signed-zero`.
@conv.expansion("conv-transpose-to-phases", fp=(REASSOC, FINITE, NO_SIGNED_ZERO), xla=True, reexpand=True)
def conv_transpose_to_phases(ctx: ExpansionContext, tid: int) -> Iterator[int]:
    v = _view(ctx, tid)
    if v is None:
        return
    dilated = [i for i in range(v.n) if v.lhs_dil[i] > 1]
    if not dilated or any(v.strides[i] != 1 for i in dilated):
        return
    plans: dict[int, list[_PhasePlan]] = {}
    for i in dilated:
        found = [_phase_plan(v, i, phase) for phase in range(v.lhs_dil[i])]
        if any(p is None for p in found):
            return  # a phase with no outputs, or one that reads past the input: leave it
        plans[i] = [p for p in found if p is not None]

    def build(level: int, phases: tuple[int, ...]) -> int:
        if level == len(dilated):
            return _phase_conv(ctx, tid, v, {i: plans[i][p] for i, p in zip(dilated, phases, strict=True)})
        i = dilated[level]
        d, out_dim = v.lhs_dil[i], v.osp[i]
        parts = [build(level + 1, (*phases, p)) for p in range(d)]
        rows = plans[i][0].outputs  # phase 0 has the most outputs
        stacked = []
        for part in parts:
            shape = list(_tensor_ty(ctx, part).shape)
            if shape[out_dim] < rows:  # a phase one output short: pad it (the pad is sliced off)
                lo, hi = [0] * len(shape), [0] * len(shape)
                hi[out_dim], shape[out_dim] = rows - shape[out_dim], rows
                part = _pad(ctx, part, lo, hi)
            shape.insert(out_dim + 1, 1)
            stacked.append(ctx.add(Term("Reshape", TensorTy(tuple(shape), v.dtype), (part, ""))))
        shape[out_dim + 1] = d
        interleaved = ctx.add(
            Term("Concat", TensorTy(tuple(shape), v.dtype), (tuple(stacked), out_dim + 1, ""))
        )
        merged_shape = [*shape[:out_dim], rows * d, *shape[out_dim + 2 :]]
        merged = ctx.add(Term("Reshape", TensorTy(tuple(merged_shape), v.dtype), (interleaved, "")))
        if rows * d == v.out(i):
            return merged
        limit = list(merged_shape)
        limit[out_dim] = v.out(i)
        return _slice(ctx, merged, (0,) * len(limit), limit)

    yield build(0, ())


@dataclass(frozen=True)
class _PhasePlan:
    """One output phase of a dilated dimension as a stride-1 convolution of the undilated input."""

    outputs: int  # outputs of the phase
    first_tap: int  # the kernel taps it meets: first_tap, first_tap + tap_step, ... (count taps)
    tap_step: int
    taps: int
    rhs_dilation: int
    lo: int  # padding of the input (after it is cut to [cut_lo, size - cut_hi))
    hi: int
    cut_lo: int
    cut_hi: int


def _phase_plan(v: ConvView, i: int, phase: int) -> _PhasePlan | None:
    d, r, size = v.lhs_dil[i], v.rhs_dil[i], v.size(i)
    outputs = -(-(v.out(i) - phase) // d)
    if outputs <= 0:
        return None
    taps = [k for k in range(v.kernel(i)) if (phase + k * r - v.lo[i]) % d == 0]
    if not taps:  # the phase multiplies inserted zeros only
        return _PhasePlan(outputs, 0, 1, 0, 1, 0, 0, 0, 0)
    g = math.gcd(r, d)
    step, rd = d // g, r // g
    lo = -((phase + taps[0] * r - v.lo[i]) // d)
    hi = outputs - 1 + (len(taps) - 1) * rd + 1 - size - lo
    cut_lo, cut_hi = max(0, -lo), max(0, -hi)
    if cut_lo + cut_hi >= size:
        return None
    return _PhasePlan(outputs, taps[0], step, len(taps), rd, max(lo, 0), max(hi, 0), cut_lo, cut_hi)


def _phase_conv(ctx: ExpansionContext, tid: int, v: ConvView, plan: dict[int, _PhasePlan]) -> int:
    """The convolution computing one combination of phases (`plan`: spatial dimension -> phase)."""
    oshape = list(v.oty.shape)
    for i, p in plan.items():
        oshape[v.osp[i]] = p.outputs
    oty = TensorTy(tuple(oshape), v.dtype)
    if any(p.taps == 0 for p in plan.values()):
        return ctx.add(Term(O.SPLAT, oty, ("s:0",)))
    x = v.x
    if any(p.cut_lo or p.cut_hi for p in plan.values()):
        start, limit = [0] * len(v.xty.shape), list(v.xty.shape)
        for i, p in plan.items():
            start[v.isp[i]], limit[v.isp[i]] = p.cut_lo, limit[v.isp[i]] - p.cut_hi
        x = _slice(ctx, x, start, limit)
    rank = len(v.wty.shape)
    start, limit, stride = [0] * rank, list(v.wty.shape), [1] * rank
    for i, p in plan.items():
        d = v.ksp[i]
        start[d], limit[d], stride[d] = p.first_tap, p.first_tap + (p.taps - 1) * p.tap_step + 1, p.tap_step
    w = v.w
    if any(p.taps != v.kernel(i) for i, p in plan.items()):
        w = _slice(ctx, w, start, limit, stride)
    lo, hi, rhs_dil = list(v.lo), list(v.hi), list(v.rhs_dil)
    for i, p in plan.items():
        lo[i], hi[i], rhs_dil[i] = p.lo, p.hi, p.rhs_dilation
    pad = tuple(x for pair in zip(lo, hi, strict=True) for x in pair)
    args = O.replaced(
        ctx.term(tid), x=x, y=w, padding=pad, lhs_dilation=(1,) * v.n, rhs_dilation=tuple(rhs_dil),
        window_strides=tuple(v.strides),
    )  # fmt: skip
    return ctx.add(Term("Conv", oty, args))


# Pattern: convolution(x, w) with rhs_dilation r > 1 (a dilated, "atrous" convolution), stride 1
# and no lhs dilation in the dilated dimensions -> the same convolution with an undilated kernel
# over the r phases of the padded input moved into the batch dimension (space to batch), and
# the phases of the result moved back (batch to space).
#
# Output o reads the padded input at o + k*r: for the outputs o = phase + r*m that is
# x_phase[m + k] with x_phase[j] = padded[phase + r*j], an undilated convolution of x_phase. The
# padded input is padded further to a multiple of r (those positions only feed outputs past the
# end, sliced off). XLA CPU's convolution kernels run some dilated shapes at half the rate of
# undilated ones; the transposes around are copies. Which is faster is a measurement.
@conv.expansion("dilated-conv-to-space-to-batch", fp=REASSOC, xla=True, reexpand=True)
def dilated_conv_to_space_to_batch(ctx: ExpansionContext, tid: int) -> Iterator[int]:
    v = _view(ctx, tid)
    if v is None:
        return
    dilated = [i for i in range(v.n) if v.rhs_dil[i] > 1]
    if not dilated or any(v.strides[i] != 1 or v.lhs_dil[i] != 1 for i in dilated):
        return
    rank = len(v.xty.shape)
    # Pad the dilated dimensions: the convolution's own padding, then up to a multiple of r.
    lo, hi, shape = [0] * rank, [0] * rank, list(v.xty.shape)
    for i in dilated:
        d, r = v.isp[i], v.rhs_dil[i]
        padded = v.lo[i] + v.size(i) + v.hi[i]
        lo[d], hi[d] = v.lo[i], v.hi[i] + (-padded) % r
        shape[d] = padded + (-padded) % r
        if v.lo[i] < 0 or v.hi[i] < 0 or shape[d] // r < v.kernel(i):
            return  # negative padding, or fewer rows per phase than taps
    x = _pad(ctx, v.x, lo, hi) if any(lo) or any(hi) else v.x
    # Split each dilated dimension D into (D / r, r) and move the r's in front of the batch.
    split: list[tuple[int, int]] = []  # (original dim, size) per axis after the split
    for d, size in enumerate(shape):
        i = v.isp.index(d) if d in v.isp else -1
        if i in dilated:
            split += [(d, size // v.rhs_dil[i]), (-1 - d, v.rhs_dil[i])]
        else:
            split.append((d, size))
    x = ctx.add(Term("Reshape", TensorTy(tuple(s for _, s in split), v.dtype), (x, "")))
    # The phases go into the batch in spatial-dimension order (the order batch-to-space takes
    # them out in below), whatever order the input layout has its spatial dimensions in.
    phase_axis = {v.isp.index(-1 - d): a for a, (d, _) in enumerate(split) if d < 0}
    phase_axes = [phase_axis[i] for i in dilated]
    order: list[int] = []
    for a, (d, _) in enumerate(split):
        if d == v.ib:
            order += phase_axes
        if d >= 0:
            order.append(a)
    moved_shape = tuple(split[a][1] for a in order)
    x = ctx.add(Term("Transpose", TensorTy(moved_shape, v.dtype), (x, tuple(order), "")))
    phases = math.prod(v.rhs_dil[i] for i in dilated)
    batched = [s for d, s in split if d >= 0]
    batched[v.ib] *= phases
    xty = TensorTy(tuple(batched), v.dtype)
    x = ctx.add(Term("Reshape", xty, (x, "")))
    # The undilated convolution over the phases.
    oshape = list(v.oty.shape)
    oshape[v.ob] *= phases
    pad_lo, pad_hi, rhs_dil = list(v.lo), list(v.hi), list(v.rhs_dil)
    for i in dilated:
        pad_lo[i] = pad_hi[i] = 0
        rhs_dil[i] = 1
        oshape[v.osp[i]] = xty.shape[v.isp[i]] - v.kernel(i) + 1
    pad = tuple(p for pair in zip(pad_lo, pad_hi, strict=True) for p in pair)
    args = O.replaced(
        ctx.term(tid), x=x, padding=pad, rhs_dilation=tuple(rhs_dil), window_strides=tuple(v.strides)
    )
    y = ctx.add(Term("Conv", TensorTy(tuple(oshape), v.dtype), args))
    # Batch to space: split the batch into (phases..., N), each phase next to its dimension.
    n = v.oty.shape[v.ob]
    unsplit: list[tuple[int, int]] = []  # (output dim or -1 - output dim for a phase axis, size)
    for d, size in enumerate(oshape):
        if d == v.ob:
            unsplit += [(-1 - v.osp[i], v.rhs_dil[i]) for i in dilated] + [(d, n)]
        else:
            unsplit.append((d, size))
    y = ctx.add(Term("Reshape", TensorTy(tuple(s for _, s in unsplit), v.dtype), (y, "")))
    back: list[int] = []
    for a, (d, _) in enumerate(unsplit):
        if d >= 0:
            back.append(a)
            if d in [v.osp[i] for i in dilated]:
                back.append(next(b for b, (e, _) in enumerate(unsplit) if e == -1 - d))
    back_shape = tuple(unsplit[a][1] for a in back)
    y = ctx.add(Term("Transpose", TensorTy(back_shape, v.dtype), (y, tuple(back), "")))
    merged = list(oshape)
    merged[v.ob] = n
    for i in dilated:
        merged[v.osp[i]] *= v.rhs_dil[i]
    y = ctx.add(Term("Reshape", TensorTy(tuple(merged), v.dtype), (y, "")))
    if tuple(merged) != v.oty.shape:
        y = _slice(ctx, y, (0,) * len(merged), v.oty.shape)
    yield y
