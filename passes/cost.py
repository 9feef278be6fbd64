"""Per-node cost of an e-node: bytes moved and flops, from shapes and dtypes.

This is the node-local table the extractors optimize. Elementwise and layout ops are cheap
because XLA fuses them into their consumers; ops that XLA runs as their own kernels pay for
the bytes they read and write. The fusion-aware model that re-scores whole programs builds
on the same table.
"""

from __future__ import annotations

import re

from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.graph import TensorTy, Ty
from stablehlo_eqsat.passes.egraph import ENode

_FREE = frozenset({O.INPUT, O.PROJ, "TCons", "TNil", "Tuple", "GTE"})
# Ops XLA fuses into their consumer: they cost a little compute, not a memory round trip.
_FUSIBLE = frozenset(
    {s.ctor for s in O.ALL_SPECS if s.elementwise}
    | {"Bcast", "Reshape", "Transpose", "Slice", "Concat", "Pad", "Reverse", "Iota", "DSlice"}
)
_TRANSCENDENTAL = frozenset(
    {"Exp", "Expm1", "Log", "Log1p", "Logistic", "Tanh", "Sin", "Cos", "Tan", "Pow", "Atan2", "Rsqrt",
     "Sqrt", "Cbrt"}
)


def itemsize(dtype: str) -> int:
    """Bytes per element of an element type name (`f32` -> 4, `i1` -> 1, `complex<f64>` -> 16)."""
    m = re.search(r"(\d+)", dtype)
    bits = int(m.group(1)) if m else 32
    if dtype.startswith("complex"):
        bits *= 2
    return max(1, bits // 8)


def nbytes(ty: Ty) -> float:
    if isinstance(ty, TensorTy):
        return float(ty.numel * itemsize(ty.dtype))
    return 0.0


def node_cost(node: ENode) -> float:
    """Estimated cost (in bytes-equivalent) of evaluating `node` once."""
    ctor = node.ctor
    if ctor in _FREE:
        return 0.0
    out = nbytes(node.ty)
    if ctor == O.CONST:
        return 1.0
    if ctor in _FUSIBLE:
        per_elem = 4.0 if ctor in _TRANSCENDENTAL else 1.0
        return 1.0 + 0.05 * per_elem * out
    if ctor == "Dot" and isinstance(node.ty, TensorTy):
        return 16.0 + 2.0 * out
    return 16.0 + out
