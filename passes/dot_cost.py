"""How XLA runs a `dot_general`: the form its passes bring the dot to and the kernel that runs it.

Two dots of the same arithmetic can differ by 2-4x on XLA CPU depending on their dimension
numbers alone (measured here, `stablehlo-eqsat-bench-cost --dots`; see the README). What decides
it, from XLA's passes (checked against the optimized HLO of every variant):

* XLA's simplifier folds a transpose that swaps the two matrix dimensions of a dot operand into
  the dot's dimension numbers, and a dot whose only user transposes its result into the dot of the
  swapped operands (`fusion.xla_simplify` does the same, so the dot priced is the one XLA runs).
* `DotDecomposer` rewrites a dot that is not *canonical* (one contracting dimension, at most one
  other, batch dimensions leading) into one over operands transposed to `[batch, M, K]` and
  `[batch, K, N]`: copies of those operands, then the fast kernel.
* A canonical dot runs in the library's GEMM (XLA CPU: a YNNPACK fusion) only if its lhs contracts
  its last dimension; the rhs may contract either (its minor one costs a repacking). Any other
  goes to XLA's generic dot emitter; a matrix-vector product (M or N of 1) to XLA's own vector
  code, bound by memory. The generic emitter takes 1.0-1.5x the GEMM's time where its loops
  vectorize along the output's minor dimension (the rhs's minor dimension, 64 or more long),
  1.1-2.8x where they do not, and 9-14x when the output is two rows wide (measured at keras-hub
  sizes, `stablehlo-eqsat-bench-dots`).

`dot_form` says which of these a dot is; `CostModel` prices each kind at its share of the
profile's matmul rate (`DeviceProfile.dot_*_efficiency`), and the measured model times the dot
itself where measuring is on.
"""

from __future__ import annotations

from dataclasses import dataclass

from stablehlo_eqsat.dialect_glue.graph import TensorTy
from stablehlo_eqsat.dialect_glue.ops import DotDims
from stablehlo_eqsat.passes.op_cost import itemsize
from stablehlo_eqsat.passes.profile import DeviceProfile

GEMM = "gemm"  # lhs contracting its minor dimension, rhs its major one: the library's kernel
GEMM_RHS_MINOR = "gemm-rhs-minor"  # the library's kernel, the rhs contracting its minor dimension
GENERIC = "generic"  # XLA's generic dot emitter (the lhs contracting its major dimension, ...)
# A matrix-vector product (M or N is 1) or an outer product (K is 1, which XLA's simplifier turns
# into a multiply of broadcasts): XLA's own code, bound by memory.
VECTOR = "vector"
_LIBRARY_DTYPES = frozenset({"f32", "bf16", "f64"})
_SMALL = 8  # a dot with every dimension below this is not given to the library
# The generic emitter's loops vectorize along the output's minor dimension when it is the rhs's
# minor dimension too (a stride-1 row of the rhs per output row) and at least this long.
VECTOR_MIN = 64


@dataclass(frozen=True)
class DotForm:
    """A dot as XLA runs it: batch count, M, K, N, the kernel, and the bytes of the operand
    copies `DotDecomposer` inserts first (0 for a canonical dot)."""

    batch: int
    m: int
    k: int
    n: int
    kernel: str
    copied_bytes: float = 0.0
    copies: int = 0
    vectorized: bool = False  # (generic) the output's minor dimension is the rhs's minor one, long

    @property
    def flops(self) -> float:
        return 2.0 * self.batch * self.m * self.k * self.n


def _canonical(rank: int, contracting: tuple[int, ...], batch: tuple[int, ...]) -> bool:
    """`DotDecomposer`'s test: one contracting dimension, at most one other, batch dims leading."""
    return len(contracting) == 1 and rank <= len(batch) + 2 and batch == tuple(range(len(batch)))


def _product(shape: tuple[int, ...], dims: tuple[int, ...] | list[int]) -> int:
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def dot_form(lhs: TensorTy, rhs: TensorTy, dims: DotDims) -> DotForm:
    """The form XLA runs a dot of these operand types and dimension numbers in."""
    lb, rb = dims.lhs_batching_dimensions, dims.rhs_batching_dimensions
    lc, rc = dims.lhs_contracting_dimensions, dims.rhs_contracting_dimensions
    lfree = [d for d in range(len(lhs.shape)) if d not in lb and d not in lc]
    rfree = [d for d in range(len(rhs.shape)) if d not in rb and d not in rc]
    batch, k = _product(lhs.shape, lb), _product(lhs.shape, lc)
    m, n = _product(lhs.shape, lfree), _product(rhs.shape, rfree)
    copied, copies = 0.0, 0
    if _canonical(len(lhs.shape), lc, lb) and _canonical(len(rhs.shape), rc, rb):
        lhs_minor = not lfree or lc[0] == len(lhs.shape) - 1
        rhs_major = not rfree or rc[0] == len(rb)  # (then the rhs's free dimension is its minor one)
    else:  # transposed to [batch, M, K] x [batch, K, N] where not already in that order
        for ty, order in ((lhs, [*lb, *lfree, *lc]), (rhs, [*rb, *rc, *rfree])):
            moved = [d for d in order if ty.shape[d] != 1]  # (moving a dimension of size 1 is a bitcast)
            if moved != sorted(moved):
                copied += ty.numel * itemsize(ty.dtype)
                copies += 1
        lhs_minor = rhs_major = True
    if m == 1 or n == 1 or k == 1:
        kernel = VECTOR
    elif max(m, k, n) < _SMALL or lhs.dtype not in _LIBRARY_DTYPES or not lhs_minor:
        kernel = GENERIC
    else:
        kernel = GEMM if rhs_major else GEMM_RHS_MINOR
    vectorized = kernel == GENERIC and bool(rfree) and rhs_major and n >= VECTOR_MIN
    return DotForm(batch, m, k, n, kernel, copied, copies, vectorized)


def kernel_efficiency(p: DeviceProfile, form: DotForm) -> float:
    """The share of the matmul rate `form`'s kernel reaches."""
    if form.kernel == GEMM_RHS_MINOR:
        return p.dot_rhs_minor_efficiency
    if form.kernel != GENERIC:
        return 1.0
    if form.vectorized:
        return p.dot_generic_vector_efficiency
    rows = max(1, min(form.m, form.n))  # (an empty dot does no arithmetic at any rate)
    narrow = min(1.0, rows / p.dot_generic_narrow) if p.dot_generic_narrow else 1.0
    return p.dot_generic_efficiency * narrow**0.5


def dot_seconds(p: DeviceProfile, form: DotForm, io_bytes: float) -> float:
    """The analytical time of a dot in `form` reading and writing `io_bytes`: a launch, the operand
    copies, and the slower of its arithmetic at its kernel's rate and its memory traffic."""
    compute = form.flops / (p.matmul_flops_per_s * kernel_efficiency(p, form))
    copies = form.copies * p.launch_overhead_s + 2 * form.copied_bytes / p.bandwidth_bytes_per_s
    return p.launch_overhead_s + copies + max(compute, io_bytes / p.bandwidth_bytes_per_s)


__all__ = [
    "GEMM",
    "GEMM_RHS_MINOR",
    "GENERIC",
    "VECTOR",
    "DotForm",
    "dot_form",
    "dot_seconds",
    "kernel_efficiency",
]
