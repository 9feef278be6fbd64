"""The one table of what each op costs on its own: its class (free, elementwise, fusible, a
library call), the bytes it moves and the work it does, from shapes and dtypes."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.graph import TensorTy, Ty

# -- op classes ---------------------------------------------------------------------------------
FREE = frozenset({O.INPUT, O.PROJ, O.SPLAT, "TCons", "TNil", "Tuple", "GTE"})
ELEMENTWISE = frozenset(s.ctor for s in O.ALL_SPECS if s.elementwise)
FUSIBLE = frozenset(
    {s.ctor for s in O.ALL_SPECS if s.elementwise}
    | {"Bcast", "Reshape", "Transpose", "Slice", "Concat", "Pad", "Reverse", "Iota", "DSlice", "DUS"}
)
TRANSCENDENTAL = frozenset(
    {"Exp", "Expm1", "Log", "Log1p", "Logistic", "Tanh", "Sin", "Cos", "Tan", "Pow", "Atan2", "Rsqrt", "Sqrt",
     "Cbrt", "Div"}
)  # fmt: skip
MOVES_ONLY = frozenset({"Bcast", "Reshape", "Transpose", "Slice", "Reverse", "Convert", "BitcastConvert"})
LIBRARY = frozenset({"Dot", "Conv"})  # library calls (YNNPACK/oneDNN, cuBLAS/cuDNN): kernels of their own
EXPANDED_FLOPS = 50  # flops per element of a CHLO special function once expanded (erf, lgamma, ...)
ONE, ZERO = ("s:1",), ("s:0", "s:-0")  # splat keys of the units of `*`, `/` and of `+`, `-`

# Where the functions below that take `(ctor, args)` (e-nodes and terms alike) find their arguments.
_OPAQUE_KEY = O.index(O.OPAQUE, "key")
_DOT_LHS_CONTRACTING = O.index("Dot", "lhs_contracting_dimensions")
_CONV_DIMS = O.index("Conv", "dimension_numbers")


def elementwise_opaque(ctor: str, args: tuple[object, ...]) -> str | None:
    """The class of an opaque op XLA fuses as elementwise (`chlo.square`, `chlo.erf`, ...; see
    `ops.ELEMENTWISE_OPAQUE`): its key prefix, or None for any other op."""
    if ctor != O.OPAQUE or not args:
        return None
    key = str(args[_OPAQUE_KEY])
    for prefix in (O.ELEMENTWISE_KEY, O.TRANSCENDENTAL_KEY):
        if key.startswith(prefix):
            return prefix
    return None


def fusible(ctor: str, args: tuple[object, ...]) -> bool:
    """Elementwise and layout ops: XLA fuses them into loop fusions and into their consumers."""
    return ctor in FUSIBLE or elementwise_opaque(ctor, args) is not None


@functools.cache
def itemsize(dtype: str) -> int:
    """Bytes per element of an element type name (`f32` -> 4, `i1` -> 1, `complex<f64>` -> 16)."""
    m = re.search(r"(\d+)", dtype)
    bits = int(m.group(1)) if m else 32
    if dtype.startswith("complex"):
        bits *= 2
    return max(1, bits // 8)


@functools.lru_cache(maxsize=65536)
def nbytes(ty: Ty) -> float:
    if isinstance(ty, TensorTy):
        return float(ty.numel * itemsize(ty.dtype))
    return 0.0


def numel(ty: Ty) -> float:
    return float(ty.numel) if isinstance(ty, TensorTy) else 0.0


# -- per-op work ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Work:
    flops: float = 0.0  # elementwise operations
    transcendentals: float = 0.0
    matmul_flops: float = 0.0


def op_work(ctor: str, ty: Ty, child_tys: list[Ty], args: tuple[object, ...]) -> Work:
    """Arithmetic done by one op (memory traffic is counted per kernel, not per op)."""
    n = numel(ty)
    kind = elementwise_opaque(ctor, args)
    if kind is not None:
        if kind == O.TRANSCENDENTAL_KEY:  # JAX expands `chlo.erfc` into ~55 flops, an exp and divides
            return Work(flops=EXPANDED_FLOPS * n, transcendentals=n)
        return Work(flops=n)
    if ctor == "Dot" and child_tys and isinstance(child_tys[0], TensorTy):
        lhs = child_tys[0]
        k = 1.0
        for d in args[_DOT_LHS_CONTRACTING]:  # type: ignore[union-attr]
            k *= lhs.shape[d]
        return Work(matmul_flops=2.0 * n * k)
    if ctor == "Conv" and len(child_tys) > 1 and isinstance(child_tys[1], TensorTy):
        return Work(matmul_flops=conv_flops(ty, child_tys, args))
    if ctor == "Reduce" and child_tys:
        return Work(flops=numel(child_tys[0]))
    if ctor in MOVES_ONLY or ctor in FREE or ctor in (O.CONST, "Iota", "Concat", "Pad", "DSlice", "DUS"):
        return Work()
    if ctor in TRANSCENDENTAL:
        return Work(transcendentals=n)
    return Work(flops=n)


def conv_flops(ty: Ty, child_tys: list[Ty], args: tuple[object, ...]) -> float:
    """The flops of a `Conv` (`args`: its arguments): each output element is one multiply-add per
    kernel element of its output feature (taps x input features per group); 2 flops per output
    element when the kernel's type is not a static tensor."""
    flops = 2.0 * numel(ty)
    kernel = child_tys[1] if len(child_tys) > 1 else None
    if isinstance(kernel, TensorTy):
        flat: tuple[int, ...] = args[_CONV_DIMS]  # type: ignore[assignment]
        out_feature = O.conv_dims(flat)[1][1] if flat else len(kernel.shape) - 1
        flops *= kernel.numel / max(1, kernel.shape[out_feature])
    return flops


def is_iota(dims: tuple[int, ...]) -> bool:
    """`dims` is 0, 1, ..., n-1: a broadcast that adds no dimension, a transpose that moves none."""
    return dims == tuple(range(len(dims)))
