"""Constant folding of small constants, with numpy, before saturation.

An op whose operands are all constants (and whose result has at most `limit` elements) is
replaced by its value. Only ops numpy computes exactly as XLA does are folded: IEEE-rounded
arithmetic (`+ - * /`, negate, abs, max, min, sqrt) in the operands' own precision, integer
arithmetic with wraparound, comparisons, select, and the ops that only move elements. Float
to integer conversion, transcendental functions and anything on bf16 or complex values are
left to XLA. Folding is `exact`: each fold is named like a rule (`fold-add`, ...).

Values generated from iotas and splats alone (a causal mask `compare(iota, iota)`, position
ids) stay computed: XLA never folds them and computes them inside the fusion that reads them,
while a dense constant in their place is memory that fusion must read. Their values still feed
folds that meet a dense constant, and a generated value that is itself a splat is folded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np
from jaxlib.mlir import ir
from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.graph import TensorTy, Term, TermGraph
from stablehlo_eqsat.dialect_glue.importer import Tables
from stablehlo_eqsat.rules.base import EXACT, RuleFamily, RuleInfo

NUMPY_DTYPES: dict[str, np.dtype] = {
    "f16": np.dtype(np.float16), "f32": np.dtype(np.float32), "f64": np.dtype(np.float64),
    "i1": np.dtype(np.bool_), "i8": np.dtype(np.int8), "i16": np.dtype(np.int16), "i32": np.dtype(np.int32),
    "i64": np.dtype(np.int64), "ui8": np.dtype(np.uint8), "ui16": np.dtype(np.uint16),
    "ui32": np.dtype(np.uint32), "ui64": np.dtype(np.uint64),
}  # fmt: skip


def _ieee_max(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.maximum(a, b)


def _ieee_min(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.minimum(a, b)


# ctor -> (rule name, function of the operand arrays)
_BINARY: dict[str, tuple[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "Add": ("fold-add", np.add),
    "Sub": ("fold-subtract", np.subtract),
    "Mul": ("fold-multiply", np.multiply),
    "And": ("fold-and", np.bitwise_and),
    "Or": ("fold-or", np.bitwise_or),
    "Xor": ("fold-xor", np.bitwise_xor),
}
_FLOAT_ONLY_BINARY = {"Div": ("fold-divide", np.divide)}
_UNARY: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]] = {
    "Neg": ("fold-negate", np.negative),
    "Abs": ("fold-abs", np.abs),
}
_COMPARE = {
    "EQ": np.equal,
    "NE": np.not_equal,
    "LT": np.less,
    "LE": np.less_equal,
    "GT": np.greater,
    "GE": np.greater_equal,
}

FAMILY = RuleFamily("constant_fold")
FOLD_RULES = (
    "fold-add", "fold-subtract", "fold-multiply", "fold-divide", "fold-and", "fold-or", "fold-xor",
    "fold-negate", "fold-abs", "fold-compare", "fold-select", "fold-broadcast", "fold-reshape",
    "fold-transpose", "fold-slice",
    "fold-concatenate", "fold-convert", "fold-iota",
)  # fmt: skip
# Folds are listed with the rules (for `only-rules`, statistics and tests); they run in Python.
FAMILY.rules.extend(RuleInfo(name, FAMILY.name, frozenset({EXACT}), False, ()) for name in FOLD_RULES)


class _Folder:
    def __init__(self, graph: TermGraph, tables: Tables, limit: int):
        self.graph = graph
        self.tables = tables
        self.limit = limit
        self.values: dict[int, np.ndarray] = {}
        self.fired: dict[str, int] = {}

    def value(self, tid: int) -> np.ndarray | None:
        if tid in self.values:
            return self.values[tid]
        term = self.graph.terms[tid]
        if not isinstance(term.ty, TensorTy) or term.ty.dtype not in NUMPY_DTYPES:
            return None
        dtype = NUMPY_DTYPES[term.ty.dtype]
        arr: np.ndarray | None = None
        if term.ctor == O.CONST and O.text(term, "extra") == "" and term.ty.numel <= self.limit:
            try:
                arr = np.asarray(self.tables.consts[O.text(term, "key")]).astype(dtype, copy=False)
            except (TypeError, ValueError, RuntimeError):
                arr = None
            if arr is not None and arr.shape != term.ty.shape:
                arr = np.broadcast_to(arr, term.ty.shape)
        if arr is not None:
            self.values[tid] = arr
        return arr

    def fold(self, tid: int) -> tuple[str, np.ndarray] | None:
        term = self.graph.terms[tid]
        ty = term.ty
        if not isinstance(ty, TensorTy) or ty.dtype not in NUMPY_DTYPES or ty.numel > self.limit:
            return None
        if term.ctor not in O.BY_CTOR or O.text(term, "extra") != "":
            return None  # not an op (leaves fold nothing), or extra attributes (e.g. sharding): keep it
        dtype = NUMPY_DTYPES[ty.dtype]
        kids = list(term.children())
        vals = [self.value(k) for k in kids]
        if term.ctor == "Iota":
            dim = O.num(term, "iota_dimension")
            shape = [1] * len(ty.shape)
            shape[dim] = ty.shape[dim]
            iota = np.arange(ty.shape[dim]).astype(dtype).reshape(shape)
            return "fold-iota", np.broadcast_to(iota, ty.shape)
        if not kids or any(v is None for v in vals):
            return None
        arrays: list[np.ndarray] = [v for v in vals if v is not None]
        a = arrays[0]
        is_float = dtype.kind == "f"
        with np.errstate(all="ignore"):
            if term.ctor in _BINARY or (is_float and term.ctor in _FLOAT_ONLY_BINARY):
                name, fn = _BINARY.get(term.ctor) or _FLOAT_ONLY_BINARY[term.ctor]
                if term.ctor in ("And", "Or", "Xor") and is_float:
                    return None
                return name, fn(a, arrays[1]).astype(dtype)
            if term.ctor in _UNARY and (is_float or term.ctor == "Neg" or dtype.kind in "iu"):
                name, fn1 = _UNARY[term.ctor]
                return name, fn1(a).astype(dtype)
            if term.ctor == "Compare":
                if O.text(term, "compare_type") == "TOTALORDER":
                    return None
                return "fold-compare", _COMPARE[O.text(term, "comparison_direction")](a, arrays[1])
            if term.ctor == "Select":
                return "fold-select", np.where(a, arrays[1], arrays[2]).astype(dtype)
            if term.ctor == "Bcast":
                shape = [1] * len(ty.shape)
                for i, d in enumerate(O.vec(term, "broadcast_dimensions")):
                    shape[d] = a.shape[i]
                return "fold-broadcast", np.broadcast_to(a.reshape(shape), ty.shape)
            if term.ctor == "Reshape":
                return "fold-reshape", a.reshape(ty.shape)
            if term.ctor == "Transpose":
                return "fold-transpose", np.transpose(a, O.vec(term, "permutation"))
            if term.ctor == "Slice":
                start, limit = O.vec(term, "start_indices"), O.vec(term, "limit_indices")
                strides = O.vec(term, "strides")
                idx = tuple(slice(b, e, st) for b, e, st in zip(start, limit, strides, strict=True))
                return "fold-slice", a[idx]
            if term.ctor == "Concat":
                return "fold-concatenate", np.concatenate(arrays, axis=O.num(term, "dimension"))
            if term.ctor == "Convert":
                src = a.dtype
                if src.kind == "f" and dtype.kind in "iub":
                    return None  # XLA's float -> int conversion saturates; numpy's does not
                return "fold-convert", a.astype(dtype)
        return None


def fold_constants(
    graph: TermGraph, tables: Tables, limit: int, only: frozenset[str] | None = None
) -> tuple[TermGraph, dict[str, int]]:
    """The same graph (same term ids) with foldable terms replaced by constants.

    `only` restricts folding to the named folds (as `only-rules` does for rewrite rules).
    """
    if limit <= 0:
        return graph, {}
    folder = _Folder(graph, tables, limit)
    out = TermGraph(roots=list(graph.roots))
    out.terms = list(graph.terms)
    generated: set[int] = set()  # terms computed from iotas and splats alone
    for tid in graph.live():
        folded = folder.fold(tid)
        if folded is None:
            continue
        name, value = folded
        if only is not None and name not in only:
            continue
        term = graph.terms[tid]
        assert isinstance(term.ty, TensorTy)
        value = np.broadcast_to(value, term.ty.shape).copy()  # (ascontiguousarray would make 0-d 1-d)
        if _is_generated(term, generated, folder) and not _is_splat(value):
            generated.add(tid)
            folder.values[tid] = value  # known to later folds, but left computed
            continue
        attr = _dense_attr(value, tables.dtypes[term.ty.dtype], term.ty.shape)
        key = "c" + hashlib.sha1(f"{attr}|{term.ty}".encode()).hexdigest()[:20]
        tables.consts.setdefault(key, attr)
        out.terms[tid] = Term(O.CONST, term.ty, (key, ""))
        folder.values[tid] = value
        folder.fired[name] = folder.fired.get(name, 0) + 1
    out.index = {}
    for i, t in enumerate(out.terms):
        out.index.setdefault(t, i)
    return out, folder.fired


def _is_splat(value: np.ndarray) -> bool:
    return value.size <= 1 or bool(np.all(value == value.flat[0]))


def _is_generated(term: Term, generated: set[int], folder: _Folder) -> bool:
    """An iota, or an op over generated values and splats with at least one generated operand."""
    if term.ctor == "Iota":
        return True
    kids = list(term.children())
    if not any(k in generated for k in kids):
        return False
    return all(k in generated or _is_splat(folder.values[k]) for k in kids)


def _dense_attr(value: np.ndarray, element: ir.Type, shape: tuple[int, ...]) -> ir.Attribute:
    return ir.DenseElementsAttr.get(value, type=element, shape=list(shape))  # type: ignore[call-overload]
