"""`stablehlo-eqsat-fuzz`: differential fuzzing of `stablehlo-eqsat` against XLA CPU.

    stablehlo-eqsat-fuzz --seed 0 --count 1000                 # all fp-modes, one process
    stablehlo-eqsat-fuzz --seed 7 --count 10000 --jobs 2 --time-budget 3600 --modes strict,xla

Each program is a small random, well-typed StableHLO function (elementwise unary/binary ops,
broadcast_in_dim/reshape/transpose, dot_general, reduce with add/max/min bodies,
slice/concatenate/pad/reverse, compare/select/clamp, convert and constants) over f16, bf16,
f32, f64, i8, i32, i64, ui8 and i1, with size-1 and size-0 dimensions. It is seeded to make
the rules fire: splat constants 0, -0, 1, -1 and 2, patterns like `x+0`, `x*1`, `neg(neg x)`,
transpose pairs and convert round trips, duplicated subexpressions, and all-constant
expressions for the folder.

Every program runs under XLA CPU before and after `stablehlo-eqsat` in each fp-mode:

  strict  bit-identical (NaN-aware), on inputs with NaN, ±Inf, -0.0, denormals and integer
          extremes;
  xla     the same inputs; NaN and ±Inf in the same places, integers exact, other floats within
          a relative tolerance like XLA's own simplifier's (1e-5 for f32, looser for f16/bf16);
  fast    finite inputs; where the original result is finite, within a loose tolerance. A
          difference is not a failure when the original program itself leaves the finite
          domain somewhere (the premise of the `finite` rules).

In xla and fast modes, rules may change rounding; a result that went through a discontinuous
op on floats (compare, floor, round, sign, convert to an integer, division, log, ...) can then
legitimately flip, so a difference confined to such results is counted as *tolerated*, and
printed, not as a failure. Everything else that differs, and any crash, XLA rejection of the
optimized module or verifier error, is a failure: the program is shrunk (delta debugging over
ops: drop results, replace an op's uses by one of its operands or by a fresh argument that
carries the op's original value) and saved as a lit test under `--save-failures`.

Programs are packed `--batch` to a module (as independent slices of one `@main`) so that one
optimizer run and one XLA compile serve many programs; a failing program is re-checked alone.
The run is repeatable: program `i` of `--seed s` is always the same program with the same
inputs, whatever `--jobs`, `--batch` and `--time-budget` are.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import math
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

MODES = ("strict", "xla", "fast")
FLOATS = ("f16", "bf16", "f32", "f64")
SIGNED = ("i8", "i32", "i64")
UNSIGNED = ("ui8",)
INTS = SIGNED + UNSIGNED
BOOL = "i1"
DEFAULT_SAVE_DIR = "test/lit/fuzz_regressions"


# -- programs --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TType:
    """A static tensor type."""

    shape: tuple[int, ...]
    dtype: str

    def text(self) -> str:
        return "tensor<" + "".join(f"{d}x" for d in self.shape) + self.dtype + ">"

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def with_shape(self, shape: Iterable[int]) -> TType:
        return TType(tuple(shape), self.dtype)

    def with_dtype(self, dtype: str) -> TType:
        return TType(self.shape, dtype)


@dataclass
class Op:
    """One operation in generic form: `%id = "kind"(operands) <{props}> ({body}) : (...) -> type`."""

    id: int
    kind: str
    operands: list[int]
    type: TType
    props: str = ""
    body: str = ""  # reduce: the scalar op of the region ("add", "maximum", ...)


@dataclass
class Program:
    """A function: arguments (with the input values to run it on), ops and returned values."""

    args: list[int]
    ops: list[Op]
    results: list[int]
    types: dict[int, TType]
    inputs: dict[int, np.ndarray]  # inputs for strict/xla (special values included)
    finite_inputs: dict[int, np.ndarray]  # inputs for fast
    next_id: int = 0

    def copy(self) -> Program:
        return Program(
            list(self.args),
            [dataclasses.replace(o, operands=list(o.operands)) for o in self.ops],
            list(self.results),
            dict(self.types),
            dict(self.inputs),
            dict(self.finite_inputs),
            self.next_id,
        )

    def fresh(self, t: TType) -> int:
        self.next_id += 1
        self.types[self.next_id] = t
        return self.next_id


def _dtype_np(dtype: str) -> Any:
    from stablehlo_eqsat.tools.xla import numpy_dtype

    return numpy_dtype(dtype)


def _is_float(dtype: str) -> bool:
    return dtype in FLOATS


def _hex(value: float, dtype: str) -> str:
    """The bit pattern of `value` in `dtype`, as MLIR's hex float literal."""
    arr = np.asarray([value]).astype(np.float64).astype(_dtype_np(dtype))
    bits = arr.view({2: np.uint16, 4: np.uint32, 8: np.uint64}[arr.itemsize])[0]
    return f"0x{int(bits):0{2 * arr.itemsize}X}"


def _scalar_literal(value: Any, dtype: str) -> str:
    if dtype == BOOL:
        return "true" if bool(value) else "false"
    if dtype in INTS:
        return str(int(value))
    v = float(value)
    if math.isfinite(v) and v in (0.0, 1.0, -1.0, 2.0, 0.5, -2.0):
        return ("-" if math.copysign(1.0, v) < 0 else "") + f"{abs(v):.1f}"
    return _hex(v, dtype)


def constant_props(values: np.ndarray, t: TType) -> str:
    flat = values.reshape(-1)
    if (flat.size and all(_bits_equal(flat[0], x) for x in flat[1:])) or t.size == 0:
        lit = _scalar_literal(flat[0] if flat.size else 0, t.dtype)
    else:

        def nest(a: np.ndarray) -> str:
            if a.ndim == 0:
                return _scalar_literal(a[()], t.dtype)
            return "[" + ", ".join(nest(x) for x in a) + "]"

        lit = nest(values)
    return f"<{{value = dense<{lit}> : {t.text()}}}>"


def _bits_equal(a: Any, b: Any) -> bool:
    return bool(np.asarray(a).tobytes() == np.asarray(b).tobytes())


def _i64s(xs: Iterable[int]) -> str:
    xs = list(xs)
    return "array<i64" + (": " + ", ".join(str(x) for x in xs) if xs else "") + ">"


def op_text(op: Op, name: Callable[[int], str], types: dict[int, TType]) -> list[str]:
    operands = ", ".join(name(v) for v in op.operands)
    in_types = ", ".join(types[v].text() for v in op.operands)
    head = f'{name(op.id)} = "{op.kind}"({operands}) {op.props}'.rstrip()
    if not op.body:
        return [f"{head} : ({in_types}) -> {op.type.text()}"]
    s = TType((), op.type.dtype).text()
    return [
        f"{head} ({{",
        f"    ^bb0(%lhs: {s}, %rhs: {s}):",
        f'      %r = "stablehlo.{op.body}"(%lhs, %rhs) : ({s}, {s}) -> {s}',
        f'      "stablehlo.return"(%r) : ({s}) -> ()',
        f"    }}) : ({in_types}) -> {op.type.text()}",
    ]


def function_lines(p: Program, name: str, prefix: str = "") -> list[str]:
    """`func.func` text of one program; value names get `prefix` so programs can share a module."""
    arg_names = {a: f"%{prefix}arg{i}" for i, a in enumerate(p.args)}

    def nm(v: int) -> str:
        return arg_names.get(v) or f"%{prefix}v{v}"

    header = ", ".join(f"{arg_names[a]}: {p.types[a].text()}" for a in p.args)
    res = ", ".join(p.types[r].text() for r in p.results)
    lines = [f"  func.func public @{name}({header}) -> ({res}) {{"]
    for op in p.ops:
        lines += ["    " + x for x in op_text(op, nm, p.types)]
    lines.append(f"    func.return {', '.join(nm(r) for r in p.results)} : {res}")
    lines.append("  }")
    return lines


def program_text(p: Program) -> str:
    return "\n".join(["module {", *function_lines(p, "main"), "}", ""])


# -- input values ----------------------------------------------------------------------------------
def _float_specials(dtype: str) -> list[float]:
    import ml_dtypes

    info = ml_dtypes.finfo(_dtype_np(dtype))
    return [
        math.nan, math.inf, -math.inf, -0.0, 0.0, 1.0, -1.0,
        float(info.smallest_subnormal), -float(info.smallest_subnormal), float(info.max), float(info.min),
        float(info.tiny) * 0.5,
    ]  # fmt: skip


def random_values(t: TType, rng: np.random.Generator, special: bool) -> np.ndarray:
    dt = _dtype_np(t.dtype)
    if t.dtype == BOOL:
        return rng.integers(0, 2, size=t.shape).astype(np.bool_)
    if t.dtype in INTS:
        info = np.iinfo(dt)
        a = rng.integers(max(info.min, -9), min(info.max, 9) + 1, size=t.shape)
        if special:
            extremes = np.array([info.min, info.max, 0, 1, info.max - 1, info.min + 1], dtype=np.int64)
            pick = rng.random(t.shape) < 0.2
            a = np.where(pick, rng.choice(extremes, size=t.shape), a)
        return np.asarray(a).astype(dt)
    scale = rng.choice([1.0, 1.0, 4.0, 0.25])
    a = (rng.standard_normal(t.shape) * scale).astype(np.float64)
    if special:
        pick = rng.random(t.shape) < 0.25
        a = np.where(pick, rng.choice(np.array(_float_specials(t.dtype)), size=t.shape), a)
    else:
        a = np.clip(a, -3.0, 3.0)
    return np.asarray(a).astype(dt)


# -- the generator ---------------------------------------------------------------------------------
UNARY_FLOAT = (
    "negate", "abs", "exponential", "log", "sqrt", "rsqrt", "tanh", "sine", "cosine", "floor", "ceil",
    "round_nearest_even", "round_nearest_afz", "sign", "logistic", "exponential_minus_one",
    "log_plus_one", "cbrt",
)  # fmt: skip
UNARY_SIGNED = ("negate", "abs", "not", "sign", "popcnt", "count_leading_zeros")
UNARY_UNSIGNED = ("not", "popcnt", "count_leading_zeros")
BINARY_FLOAT = ("add", "subtract", "multiply", "divide", "maximum", "minimum", "power", "remainder", "atan2")
BINARY_INT = (
    "add", "subtract", "multiply", "divide", "remainder", "maximum", "minimum", "and", "or", "xor",
    "shift_left", "shift_right_logical", "shift_right_arithmetic",
)  # fmt: skip
BINARY_BOOL = ("and", "or", "xor")
DIRECTIONS = ("EQ", "NE", "LT", "LE", "GT", "GE")

# Ops at which a rounding difference can turn into a different value (or NaN/Inf).
DISCONTINUOUS = {
    "stablehlo.compare", "stablehlo.floor", "stablehlo.ceil", "stablehlo.round_nearest_even",
    "stablehlo.round_nearest_afz", "stablehlo.sign", "stablehlo.remainder", "stablehlo.is_finite",
    "stablehlo.divide", "stablehlo.atan2", "stablehlo.power", "stablehlo.log", "stablehlo.sqrt",
    "stablehlo.rsqrt", "stablehlo.log_plus_one",
}  # fmt: skip


class _Gen:
    def __init__(self, seed: int, index: int, num_ops: int):
        self.rng = np.random.default_rng([seed, index])
        self.p = Program([], [], [], {}, {}, {})
        self.budget = num_ops
        self.pool: list[int] = []
        self.used: set[int] = set()
        weights = {"f32": 5, "f16": 2, "bf16": 2, "f64": 2, "i32": 2, "i8": 1, "ui8": 1, "i64": 1, BOOL: 1}
        names = list(weights)
        w = np.array([weights[n] for n in names], dtype=float)
        self.main_dtype: str = names[int(self.rng.choice(len(names), p=w / w.sum()))]
        rank = int(self.rng.choice([0, 1, 1, 2, 2, 2, 3]))
        dims = [int(self.rng.choice([1, 2, 2, 3, 3, 4, 5])) for _ in range(rank)]
        if rank and self.rng.random() < 0.08:
            dims[int(self.rng.integers(rank))] = 0
        self.main_shape = tuple(dims)

    # -- values -----------------------------------------------------------------------------------
    def arg(self, t: TType) -> int:
        v = self.p.fresh(t)
        self.p.args.append(v)
        self.p.inputs[v] = random_values(t, self.rng, special=True)
        self.p.finite_inputs[v] = random_values(t, self.rng, special=False)
        self.pool.append(v)
        return v

    def emit(self, kind: str, operands: list[int], t: TType, props: str = "", body: str = "") -> int:
        if kind in ("divide", "remainder") and t.dtype in INTS:
            # XLA CPU dies of SIGFPE compiling an integer division by a constant zero (its
            # constant folder divides): keep divisors odd, so never zero.
            one = self.constant(t, "1")
            operands = [operands[0], self.emit("or", [operands[1], one], t)]
        v = self.p.fresh(t)
        self.p.ops.append(Op(v, f"stablehlo.{kind}", operands, t, props, body))
        self.used.update(operands)
        self.pool.append(v)
        self.budget -= 1
        return v

    def constant(self, t: TType, kind: str | None = None) -> int:
        rng = self.rng
        kind = kind or str(rng.choice(["0", "1", "-1", "2", "-0", "dense", "dense", "special"]))
        if kind == "dense":
            values = random_values(t, rng, special=False)
        elif kind == "special" and _is_float(t.dtype):
            values = np.full(t.shape, rng.choice(np.array(_float_specials(t.dtype))))
        elif kind == "special" and t.dtype in INTS:
            info = np.iinfo(_dtype_np(t.dtype))
            values = np.full(t.shape, rng.choice(np.array([info.min, info.max])))
        else:
            k = {"0": 0.0, "1": 1.0, "-1": -1.0, "2": 2.0, "-0": -0.0, "special": 0.5}[kind]
            if t.dtype in UNSIGNED and k < 0:
                k = 255.0
            values = np.full(t.shape, k)
        values = np.asarray(values).astype(_dtype_np(t.dtype))
        return self.emit("constant", [], t, constant_props(values, t))

    def pick(self, pred: Callable[[TType], bool] = lambda t: True) -> int | None:
        """A value from the pool (recent and unused ones preferred)."""
        cands = [v for v in self.pool if pred(self.p.types[v])]
        if not cands:
            return None
        unused = [v for v in cands[-8:] if v not in self.used]
        if unused and self.rng.random() < 0.6:
            return int(self.rng.choice(unused))
        return int(self.rng.choice(cands[-12:]))

    def value(self, t: TType, allow_const: bool = True) -> int:
        """A value of type `t`: from the pool, a constant or a fresh argument."""
        roll = self.rng.random()
        if roll < 0.45:
            v = self.pick(lambda u: u == t)
            if v is not None:
                return v
        if allow_const and roll < 0.7:
            return self.constant(t)
        return self.arg(t)

    def any_value(self) -> int:
        v = self.pick()
        if v is None or self.rng.random() < 0.1:
            return self.arg(TType(self.main_shape, self.main_dtype))
        return v

    # -- ops --------------------------------------------------------------------------------------
    def unary(self) -> None:
        x = self.any_value()
        t = self.p.types[x]
        if _is_float(t.dtype):
            if self.rng.random() < 0.08:
                self.emit("is_finite", [x], t.with_dtype(BOOL))
                return
            kind = str(self.rng.choice(UNARY_FLOAT))
        elif t.dtype in SIGNED:
            kind = str(self.rng.choice(UNARY_SIGNED))
        elif t.dtype in UNSIGNED:
            kind = str(self.rng.choice(UNARY_UNSIGNED))
        else:
            kind = "not"
        self.emit(kind, [x], t)

    def binary(self) -> None:
        x = self.any_value()
        t = self.p.types[x]
        y = x if self.rng.random() < 0.1 else self.value(t)
        kinds = BINARY_FLOAT if _is_float(t.dtype) else BINARY_BOOL if t.dtype == BOOL else BINARY_INT
        self.emit(str(self.rng.choice(kinds)), [x, y], t)

    def identity_pattern(self) -> None:
        """Patterns the identity rules match: x+0, x*1, x*-1, x*2, neg(neg x), transpose pairs..."""
        x = self.any_value()
        t = self.p.types[x]
        rng = self.rng
        roll = int(rng.integers(10))
        if roll <= 3 and t.dtype != BOOL:
            kind = str(rng.choice(["add", "subtract", "multiply", "divide", "maximum", "minimum"]))
            if t.dtype in INTS and rng.random() < 0.4:
                kind = str(rng.choice(["and", "or", "xor", "shift_left", "shift_right_logical"]))
            c = self.constant(t, str(rng.choice(["0", "1", "-1", "2", "-0"])))
            ops = [x, c] if rng.random() < 0.7 else [c, x]
            self.emit(kind, ops, t)
        elif roll == 4:
            kind = {True: "not"}.get(t.dtype == BOOL or t.dtype in UNSIGNED, "negate")
            inner = str(rng.choice(["negate", "abs"])) if kind == "negate" else kind
            outer = str(rng.choice(["negate", "abs"])) if kind == "negate" else kind
            self.emit(outer, [self.emit(inner, [x], t)], t)
        elif roll == 5 and len(t.shape) >= 2:
            perm = [int(i) for i in rng.permutation(len(t.shape))]
            mid = t.with_shape(t.shape[i] for i in perm)
            y = self.emit("transpose", [x], mid, f"<{{permutation = {_i64s(perm)}}}>")
            back = perm if rng.random() < 0.3 else [int(i) for i in np.argsort(perm)]
            out = mid.with_shape(mid.shape[i] for i in back)
            self.emit("transpose", [y], out, f"<{{permutation = {_i64s(back)}}}>")
        elif roll == 6:
            other = str(rng.choice([d for d in (*FLOATS, *INTS, BOOL) if d != t.dtype]))
            y = self.emit("convert", [x], t.with_dtype(other))
            self.emit("convert", [y], t)
        elif roll == 7:
            pred = self.value(t.with_dtype(BOOL))
            self.emit("select", [pred, x, x], t)
        elif roll == 8:
            y = self.emit("reshape", [x], t.with_shape(_random_reshape(t.shape, rng)))
            self.emit("reshape", [y], t)
        else:
            y = self.emit(
                str(rng.choice(["add", "multiply", "maximum"])) if t.dtype != BOOL else "or", [x, x], t
            )
            if rng.random() < 0.5:  # a duplicated subexpression
                op = self.p.ops[-1]
                self.emit(op.kind.split(".", 1)[1], list(op.operands), op.type, op.props)
            del y

    def const_expr(self) -> None:
        """An expression over constants only (for the folder)."""
        t = TType(self.main_shape, self.main_dtype)
        a, b = self.constant(t), self.constant(t)
        kinds = BINARY_FLOAT if _is_float(t.dtype) else BINARY_BOOL if t.dtype == BOOL else BINARY_INT
        v = self.emit(str(self.rng.choice(kinds)), [a, b], t)
        if self.rng.random() < 0.5:
            other = str(self.rng.choice((*FLOATS, *INTS, BOOL)))
            self.emit("convert", [v], t.with_dtype(other))

    def broadcast(self) -> None:
        x = self.pick(lambda t: len(t.shape) <= 2) or self.arg(TType((), self.main_dtype))
        t = self.p.types[x]
        rng = self.rng
        extra = int(rng.integers(1, 3)) if len(t.shape) < 3 else 0
        out_rank = len(t.shape) + extra
        dims = sorted(int(d) for d in rng.choice(out_rank, size=len(t.shape), replace=False))
        if rng.random() < 0.2 and len(dims) >= 2:
            dims[0], dims[1] = dims[1], dims[0]
        out = [int(rng.choice([1, 2, 3])) for _ in range(out_rank)]
        for i, d in enumerate(dims):
            out[d] = t.shape[i] if t.shape[i] != 1 or rng.random() < 0.5 else int(rng.choice([2, 3]))
        props = f"<{{broadcast_dimensions = {_i64s(dims)}}}>"
        self.emit("broadcast_in_dim", [x], t.with_shape(out), props)

    def reshape(self) -> None:
        x = self.any_value()
        t = self.p.types[x]
        self.emit("reshape", [x], t.with_shape(_random_reshape(t.shape, self.rng)))

    def transpose(self) -> None:
        x = self.pick(lambda t: len(t.shape) >= 2)
        if x is None:
            return self.reshape()
        t = self.p.types[x]
        perm = [int(i) for i in self.rng.permutation(len(t.shape))]
        self.emit(
            "transpose", [x], t.with_shape(t.shape[i] for i in perm), f"<{{permutation = {_i64s(perm)}}}>"
        )
        return None

    def dot(self) -> None:
        rng = self.rng
        x = self.pick(lambda t: 1 <= len(t.shape) <= 3 and (t.dtype in FLOATS or t.dtype in ("i32", "i64")))
        if x is None:
            dt = self.main_dtype if self.main_dtype in FLOATS else "f32"
            x = self.arg(TType(tuple(int(rng.choice([1, 2, 3, 4])) for _ in range(2)), dt))
        t = self.p.types[x]
        rank = len(t.shape)
        order = [int(i) for i in rng.permutation(rank)]
        n_batch = int(rng.integers(0, rank)) if rank >= 2 and rng.random() < 0.3 else 0
        lb = order[:n_batch]
        n_contract = 1 if rank - n_batch >= 1 else 0
        lc = order[n_batch : n_batch + n_contract]
        lfree = [d for d in range(rank) if d not in lb and d not in lc]
        rfree_sizes = [int(rng.choice([1, 2, 3]))] if rng.random() < 0.8 else []
        # rhs layout: batch dims, contracting dims, free dims (then shuffled).
        rhs_dims = [t.shape[d] for d in lb] + [t.shape[d] for d in lc] + rfree_sizes
        rperm = [int(i) for i in rng.permutation(len(rhs_dims))]
        rshape = [rhs_dims[i] for i in rperm]
        where = {orig: pos for pos, orig in enumerate(rperm)}
        rb = [where[i] for i in range(n_batch)]
        rc = [where[n_batch + i] for i in range(n_contract)]
        rhs = self.value(t.with_shape(rshape))
        out = [t.shape[d] for d in lb] + [t.shape[d] for d in lfree] + rfree_sizes
        dn = (
            f"#stablehlo.dot<lhs_batching_dimensions = {lb}, rhs_batching_dimensions = {rb}, "
            f"lhs_contracting_dimensions = {lc}, rhs_contracting_dimensions = {rc}>"
        )
        self.emit("dot_general", [x, rhs], t.with_shape(out), f"<{{dot_dimension_numbers = {dn}}}>")

    def reduce(self) -> None:
        rng = self.rng
        x = self.pick(lambda t: len(t.shape) >= 1)
        if x is None:
            x = self.arg(TType((3, 2), self.main_dtype))
        t = self.p.types[x]
        dims = sorted(
            int(d)
            for d in rng.choice(len(t.shape), size=int(rng.integers(1, len(t.shape) + 1)), replace=False)
        )
        if t.dtype == BOOL:
            body = str(rng.choice(["and", "or"]))
            init_kind = "1" if body == "and" else "0"
        else:
            body = str(rng.choice(["add", "add", "maximum", "minimum"]))
            init_kind = {"add": "0", "maximum": "special", "minimum": "special"}[body]
            if rng.random() < 0.3:
                init_kind = str(rng.choice(["0", "1", "-1", "dense"]))
        scalar = TType((), t.dtype)
        init = self.constant(scalar, init_kind) if rng.random() < 0.8 else self.arg(scalar)
        out = t.with_shape(s for i, s in enumerate(t.shape) if i not in dims)
        self.emit("reduce", [x, init], out, f"<{{dimensions = {_i64s(dims)}}}>", body)

    def slice(self) -> None:
        rng = self.rng
        x = self.pick(lambda t: len(t.shape) >= 1) or self.arg(TType((5,), self.main_dtype))
        t = self.p.types[x]
        start, limit, stride, out = [], [], [], []
        for d in t.shape:
            s = int(rng.integers(0, d + 1)) if rng.random() < 0.5 else 0
            lim = int(rng.integers(s, d + 1)) if rng.random() < 0.5 else d
            st = int(rng.choice([1, 1, 2]))
            start.append(s)
            limit.append(lim)
            stride.append(st)
            out.append(0 if lim <= s else (lim - s + st - 1) // st)
        props = (
            f"<{{limit_indices = {_i64s(limit)}, start_indices = {_i64s(start)}, strides = {_i64s(stride)}}}>"
        )
        self.emit("slice", [x], t.with_shape(out), props)

    def concat(self) -> None:
        rng = self.rng
        x = self.pick(lambda t: len(t.shape) >= 1) or self.arg(TType((2,), self.main_dtype))
        t = self.p.types[x]
        d = int(rng.integers(len(t.shape)))
        n = int(rng.integers(1, 3))
        parts = [x]
        for _ in range(n):
            size = t.shape[d] if rng.random() < 0.5 else int(rng.choice([0, 1, 2]))
            parts.append(self.value(t.with_shape(size if i == d else s for i, s in enumerate(t.shape))))
        if rng.random() < 0.5:
            parts.reverse()
        total = sum(self.p.types[v].shape[d] for v in parts)
        out = t.with_shape(total if i == d else s for i, s in enumerate(t.shape))
        self.emit("concatenate", parts, out, f"<{{dimension = {d} : i64}}>")

    def pad(self) -> None:
        rng = self.rng
        x = self.any_value()
        t = self.p.types[x]
        lo, hi, inner, out = [], [], [], []
        for d in t.shape:
            i = int(rng.choice([0, 0, 1])) if d > 1 else 0
            full = d + max(d - 1, 0) * i
            lo_d = int(rng.integers(-min(full, 1), 3))
            hi_d = int(rng.integers(-min(full + lo_d, 1), 3))
            lo.append(lo_d)
            hi.append(hi_d)
            inner.append(i)
            out.append(full + lo_d + hi_d)
        if rng.random() < 0.2:
            lo, hi, inner, out = [0] * len(t.shape), [0] * len(t.shape), [0] * len(t.shape), list(t.shape)
        pv = self.value(TType((), t.dtype))
        props = (
            f"<{{edge_padding_high = {_i64s(hi)}, edge_padding_low = {_i64s(lo)}, "
            f"interior_padding = {_i64s(inner)}}}>"
        )
        self.emit("pad", [x, pv], t.with_shape(out), props)

    def reverse(self) -> None:
        x = self.pick(lambda t: len(t.shape) >= 1) or self.arg(TType((3,), self.main_dtype))
        t = self.p.types[x]
        dims = sorted(
            int(d)
            for d in self.rng.choice(
                len(t.shape), size=int(self.rng.integers(1, len(t.shape) + 1)), replace=False
            )
        )
        self.emit("reverse", [x], t, f"<{{dimensions = {_i64s(dims)}}}>")

    def compare(self) -> int:
        x = self.pick(lambda t: t.dtype != BOOL) or self.arg(TType(self.main_shape, "f32"))
        t = self.p.types[x]
        y = x if self.rng.random() < 0.1 else self.value(t)
        if _is_float(t.dtype):
            ctype = "TOTALORDER" if self.rng.random() < 0.2 else "FLOAT"
        else:
            ctype = "SIGNED" if t.dtype in SIGNED else "UNSIGNED"
        d = str(self.rng.choice(DIRECTIONS))
        props = (
            f"<{{compare_type = #stablehlo<comparison_type {ctype}>, "
            f"comparison_direction = #stablehlo<comparison_direction {d}>}}>"
        )
        return self.emit("compare", [x, y], t.with_dtype(BOOL), props)

    def select(self) -> None:
        x = self.any_value()
        t = self.p.types[x]
        roll = self.rng.random()
        if roll < 0.15:
            pred = self.constant(t.with_dtype(BOOL), str(self.rng.choice(["0", "1"])))
        else:
            picked = self.pick(lambda u: u == t.with_dtype(BOOL))
            pred = picked if picked is not None else -1
            if picked is None or roll < 0.5:
                pred = self.value(t.with_dtype(BOOL), allow_const=False)
        y = self.value(t)
        self.emit("select", [pred, x, y], t)

    def convert(self) -> None:
        x = self.any_value()
        t = self.p.types[x]
        other = str(self.rng.choice((*FLOATS, *INTS, BOOL)))
        self.emit("convert", [x], t.with_dtype(other))

    def clamp(self) -> None:
        x = self.pick(lambda t: t.dtype != BOOL) or self.arg(TType(self.main_shape, "f32"))
        t = self.p.types[x]
        bt = TType((), t.dtype) if self.rng.random() < 0.6 else t
        lo, hi = self.value(bt), self.value(bt)
        self.emit("clamp", [lo, x, hi], t)

    # -- the program ------------------------------------------------------------------------------
    def generate(self) -> Program:
        self.arg(TType(self.main_shape, self.main_dtype))
        if self.rng.random() < 0.5:
            self.arg(TType(self.main_shape, self.main_dtype))
        gens: list[tuple[Callable[[], Any], float]] = [
            (self.unary, 10), (self.binary, 12), (self.identity_pattern, 12), (self.const_expr, 3),
            (self.broadcast, 4), (self.reshape, 3), (self.transpose, 4), (self.dot, 4), (self.reduce, 5),
            (self.slice, 4), (self.concat, 3), (self.pad, 3), (self.reverse, 2), (self.compare, 4),
            (self.select, 4), (self.convert, 4), (self.clamp, 3),
        ]  # fmt: skip
        fns = [g for g, _ in gens]
        w = np.array([x for _, x in gens])
        while self.budget > 0:
            fns[int(self.rng.choice(len(fns), p=w / w.sum()))]()
        op_ids = {o.id for o in self.p.ops}
        results = [o.id for o in self.p.ops if o.id not in self.used]
        if not results:
            results = [self.p.ops[-1].id]
        extra = [v for v in op_ids if v not in results]
        if extra and self.rng.random() < 0.3:
            results.append(int(self.rng.choice(sorted(extra))))
        self.p.results = results[-6:]
        return dce(self.p)


def _random_reshape(shape: tuple[int, ...], rng: np.random.Generator) -> list[int]:
    n = math.prod(shape)
    if n == 0:
        return [
            int(x)
            for x in rng.permutation([0, *[int(rng.choice([1, 2])) for _ in range(int(rng.integers(0, 3)))]])
        ]
    factors = [p for p in (2, 3, 5, 7) for _ in range(20) if n % p ** (_ + 1) == 0]
    rng.shuffle(factors)
    out: list[int] = []
    for f in factors:
        if out and rng.random() < 0.5:
            out[-1] *= f
        else:
            out.append(f)
    rest = n // math.prod(out) if out else n
    if rest != 1 or not out:
        out.append(rest)
    for _ in range(int(rng.integers(0, 2))):
        out.insert(int(rng.integers(len(out) + 1)), 1)
    if len(out) > 4:
        out = [math.prod(out[:-3]), *out[-3:]]
    return out


def generate_program(seed: int, index: int, num_ops: int | None = None) -> Program:
    """Program `index` of the campaign `seed` (the same for the same arguments)."""
    rng = np.random.default_rng([seed, index, 1])
    n = num_ops if num_ops is not None else int(rng.integers(2, 8))
    return _Gen(seed, index, n).generate()


def dce(p: Program) -> Program:
    """Drop ops nobody uses and arguments nobody uses."""
    live = set(p.results)
    keep: list[Op] = []
    for op in reversed(p.ops):
        if op.id in live:
            keep.append(op)
            live.update(op.operands)
    p.ops = list(reversed(keep))
    p.args = [a for a in p.args if a in live]
    return p


# -- running and comparing -------------------------------------------------------------------------
@dataclass
class Optimized:
    text: str = ""
    error: str = ""  # the pass raised or the output does not verify
    warnings: list[str] = field(default_factory=list)
    fired: dict[str, int] = field(default_factory=dict)


def optimize_text(text: str, mode: str, options: str = "", only_rules: str = "") -> Optimized:
    """Run `stablehlo-eqsat` (or `stablehlo-eqsat-roundtrip` for mode `roundtrip`) on `text`."""
    from jaxlib.mlir import ir
    from stablehlo_eqsat.dialect_glue.context import make_context
    from stablehlo_eqsat.passes.diagnostics import Diagnostics
    from stablehlo_eqsat.passes.registry import parse_pipeline

    if mode == "roundtrip":
        pipeline = "builtin.module(stablehlo-eqsat-roundtrip)"
    else:
        opts = f"fp-mode={mode} {options}"
        if only_rules:
            opts += f" only-rules='{only_rules}'"
        pipeline = f"builtin.module(stablehlo-eqsat{{{opts.strip()}}})"
    result = Optimized()
    ctx = make_context()
    try:
        with ctx:
            module = ir.Module.parse(text)
            diagnostics = Diagnostics()
            for p in parse_pipeline(pipeline, ctx):
                reports = p.apply(module, diagnostics)
                for r in reports or []:
                    for g in r.graphs:
                        for k, n in g.saturation.matches.items():
                            if n:
                                result.fired[k] = result.fired.get(k, 0) + n
            module.operation.verify()
            result.text = str(module)
            result.warnings = [d.message for d in diagnostics.items if d.severity in ("warning", "error")]
    except Exception as e:
        result.error = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    return result


def _float_kind(a: np.ndarray) -> bool:
    return a.dtype.kind == "f" or (a.dtype.kind == "V" and "float" in a.dtype.name)


RTOL_XLA = {"float16": 2e-3, "bfloat16": 1.6e-2, "float32": 1e-5, "float64": 1e-9}
RTOL_FAST = {"float16": 5e-2, "bfloat16": 1e-1, "float32": 1e-3, "float64": 1e-6}


def compare_values(ref: np.ndarray, out: np.ndarray, mode: str, scale: float = 1.0) -> str | None:
    """None when `out` is acceptable for `ref` under `mode`; else what differs."""
    from stablehlo_eqsat.tools.xla import arrays_equal

    if ref.dtype != out.dtype or ref.shape != out.shape:
        return f"{out.dtype}{list(out.shape)} instead of {ref.dtype}{list(ref.shape)}"
    if mode in ("strict", "roundtrip") or not _float_kind(ref):
        if arrays_equal(ref, out):
            return None
        return _first_diff(ref, out, ~_same_bits_mask(ref, out))
    r, o = ref.astype(np.float64), out.astype(np.float64)
    rtol = (RTOL_XLA if mode == "xla" else RTOL_FAST)[ref.dtype.name]
    if mode == "xla":
        bad = (
            (np.isnan(r) != np.isnan(o))
            | (np.isposinf(r) != np.isposinf(o))
            | (np.isneginf(r) != np.isneginf(o))
        )
        care = np.isfinite(r) & np.isfinite(o)
    else:
        care = np.isfinite(r)
        bad = care & ~np.isfinite(o)
    finite = r[np.isfinite(r)]
    atol = rtol * max(scale, float(np.abs(finite).max()) if finite.size else 0.0, 1.0)
    with np.errstate(invalid="ignore", over="ignore"):
        bad |= care & (np.abs(r - o) > rtol * np.abs(r) + atol)
    if not bad.any():
        return None
    return _first_diff(ref, out, bad)


def _same_bits_mask(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    from stablehlo_eqsat.tools.xla import arrays_equal

    flat_a, flat_b = a.reshape(-1), b.reshape(-1)
    return np.array([arrays_equal(flat_a[i : i + 1], flat_b[i : i + 1]) for i in range(flat_a.size)]).reshape(
        a.shape
    )


def _first_diff(ref: np.ndarray, out: np.ndarray, bad: np.ndarray) -> str:
    idx = np.argwhere(bad)
    if not len(idx):
        return "differs"
    i = tuple(int(x) for x in idx[0])
    return (
        f"{int(bad.sum())} of {ref.size} elements differ, e.g. at {list(i)}: {out[i]!r} instead of {ref[i]!r}"
    )


@dataclass
class Finding:
    """One program that failed in one mode."""

    index: int
    mode: str
    message: str
    tolerated: bool = False
    fallback: bool = False  # the pass left the function unchanged (a stage failed): lost work
    fired: dict[str, int] = field(default_factory=dict)
    culprits: list[str] = field(default_factory=list)
    reproducer: str = ""
    ops_before: int = 0
    ops_after: int = 0


def _compile(text: str) -> Any:
    """XLA CPU compile with jax's default options. (Not with LLVM at -O0: that changes the bits
    of transcendental functions between fusion contexts, e.g. tanh, which strict mode would
    report as differences.)"""
    from stablehlo_eqsat.tools.xla import compile_module

    return compile_module(text)


def _run(exe: Any, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    from stablehlo_eqsat.tools.xla import run

    return run(exe, inputs)


def _inputs(programs: Sequence[Program], mode: str) -> list[np.ndarray]:
    out: list[np.ndarray] = []
    for p in programs:
        src = p.finite_inputs if mode == "fast" else p.inputs
        out += [src[a] for a in p.args]
    return out


def _tainted(p: Program) -> set[int]:
    """Values computed through an op where a rounding change may become a different value."""
    bad: set[int] = set()
    for op in p.ops:
        float_in = any(_is_float(p.types[v].dtype) for v in op.operands)
        disc = op.kind in DISCONTINUOUS or (op.kind == "stablehlo.convert" and not _is_float(op.type.dtype))
        if (disc and float_in) or any(v in bad for v in op.operands):
            bad.add(op.id)
    return bad


def intermediates(p: Program, inputs: Sequence[np.ndarray]) -> dict[int, np.ndarray]:
    """Every op's value in the (unoptimized) program, by op id."""
    q = p.copy()
    q.results = [o.id for o in q.ops]
    if not q.results:
        return {}
    outs = _run(_compile(program_text(q)), inputs)
    return dict(zip(q.results, outs, strict=True))


def check_outputs(
    p: Program, ref: Sequence[np.ndarray], out: Sequence[np.ndarray], mode: str
) -> tuple[str | None, bool]:
    """(first difference, whether it is tolerated) for one program's results."""
    problems: list[tuple[int, str]] = []
    for k, (r, o) in enumerate(zip(ref, out, strict=True)):
        msg = compare_values(r, o, mode)
        if msg is not None:
            problems.append((k, msg))
    if not problems:
        return None, False
    if mode == "fast":
        values = intermediates(p, _inputs([p], mode))
        float_vals = [v for k, v in values.items() if _is_float(p.types[k].dtype) and v.size]
        if any(not np.isfinite(v.astype(np.float64)).all() for v in float_vals):
            return f"result {problems[0][0]}: {problems[0][1]} (the program leaves the finite domain)", True
        scale = max([float(np.abs(v.astype(np.float64)).max()) for v in float_vals] + [1.0])
        problems = [
            (k, m) for k, m in ((k, compare_values(ref[k], out[k], mode, scale)) for k, _ in problems) if m
        ]
        if not problems:
            return None, False
    if mode not in ("strict", "roundtrip"):
        tainted = _tainted(p)
        if all(p.results[k] in tainted for k, _ in problems):
            k, msg = problems[0]
            return f"result {k}: {msg} (through a discontinuous op on floats)", True
    k, msg = problems[0]
    return f"result {k}: {msg}", False


@dataclass
class CheckOptions:
    modes: tuple[str, ...] = MODES
    pass_options: str = "refine=0"
    only_rules: str = ""


def batch_text(programs: Sequence[Program]) -> str:
    """One `@main` that computes every program side by side (arguments and results concatenated),
    so that one optimizer run and one XLA compile serve them all."""
    args: list[str] = []
    body: list[str] = []
    rets: list[str] = []
    types: list[str] = []
    for j, p in enumerate(programs):
        arg_names = {a: f"%p{j}_arg{i}" for i, a in enumerate(p.args)}

        def nm(v: int, arg_names: dict[int, str] = arg_names, j: int = j) -> str:
            return arg_names.get(v) or f"%p{j}_v{v}"

        args += [f"{arg_names[a]}: {p.types[a].text()}" for a in p.args]
        for op in p.ops:
            body += ["    " + x for x in op_text(op, nm, p.types)]
        rets += [nm(r) for r in p.results]
        types += [p.types[r].text() for r in p.results]
    res = ", ".join(types)
    head = f"  func.func public @main({', '.join(args)}) -> ({res}) {{"
    return "\n".join(["module {", head, *body, f"    func.return {', '.join(rets)} : {res}", "  }", "}", ""])


def check_programs(programs: Sequence[Program], indices: Sequence[int], opts: CheckOptions) -> list[Finding]:
    """Run the programs side by side before and after the pass in each mode; the findings.

    When the pass fails on the whole batch (a crash, or the function left unchanged), or XLA
    rejects its output, each program is checked alone to find the culprit."""
    text = batch_text(programs)
    try:
        ref_exe = _compile(text)
    except Exception as e:
        raise RuntimeError(f"XLA rejects the generated module: {str(e)[:300]}\n{text}") from e
    bounds = np.cumsum([0, *[len(p.results) for p in programs]])
    compiled: dict[str, Any] = {}
    findings: list[Finding] = []
    for mode in opts.modes:
        inputs = _inputs(programs, mode)
        ref = _run(ref_exe, inputs)
        opt = optimize_text(text, mode, opts.pass_options, opts.only_rules)
        problem = ""
        if opt.error:
            problem = f"the pass crashed: {opt.error}"
        elif opt.warnings:
            problem = opt.warnings[0]
        out: list[np.ndarray] | None = None
        if not problem:
            try:
                exe = compiled.get(opt.text) or _compile(opt.text)
                compiled[opt.text] = exe
                out = _run(exe, inputs)
            except Exception as e:
                problem = f"XLA rejects the optimized module: {str(e).splitlines()[0][:300]}"
        if out is None:
            if len(programs) > 1:
                for j, p in enumerate(programs):
                    findings += check_programs([p], [indices[j]], dataclasses.replace(opts, modes=(mode,)))
            else:
                fallback = bool(opt.warnings) and not opt.error
                findings.append(Finding(indices[0], mode, problem, fallback=fallback, fired=opt.fired))
            continue
        for j, p in enumerate(programs):
            lo, hi = int(bounds[j]), int(bounds[j + 1])
            msg, tolerated = check_outputs(p, ref[lo:hi], out[lo:hi], mode)
            if msg is not None:
                findings.append(Finding(indices[j], mode, msg, tolerated, fired=dict(opt.fired)))
    return findings


def fails(p: Program, mode: str, opts: CheckOptions, fallback: bool = False) -> Finding | None:
    """The finding for `p` alone in `mode` if it fails in the same way: a wrong result (tolerated
    differences do not count) or, with `fallback`, the pass leaving the function unchanged."""
    try:
        found = check_programs([p], [0], dataclasses.replace(opts, modes=(mode,)))
    except Exception:
        return None
    for f in found:
        if not f.tolerated and f.fallback == fallback:
            return f
    return None


# -- shrinking -------------------------------------------------------------------------------------
def _replace_uses(p: Program, old: int, new: int) -> Program:
    q = p.copy()
    for op in q.ops:
        op.operands = [new if v == old else v for v in op.operands]
    q.results = [new if v == old else v for v in q.results]
    q.ops = [o for o in q.ops if o.id != old]
    return dce(q)


def shrink(
    p: Program, still_fails: Callable[[Program], bool], budget: float = 120.0, mode: str = "strict"
) -> Program:
    """Delta debugging over ops: a smaller program on which `still_fails` holds."""
    deadline = time.monotonic() + budget
    best = dce(p.copy())
    changed = True
    while changed and time.monotonic() < deadline:
        changed = False
        # 1. Fewer results.
        if len(best.results) > 1:
            for r in list(best.results):
                q = best.copy()
                q.results = [r]
                q = dce(q)
                if still_fails(q):
                    best, changed = q, True
                    break
        # 2. Bypass ops, last first: uses go to an operand of the same type, or to a fresh
        #    argument holding the op's original value.
        try:
            values = intermediates(best, _inputs([best], "strict"))
            finite_values = intermediates(best, _inputs([best], "fast"))
        except Exception:
            values, finite_values = {}, {}
        for op in reversed(list(best.ops)):
            if time.monotonic() > deadline:
                break
            if op.id not in {o.id for o in best.ops}:
                continue
            candidates: list[int | None] = [v for v in dict.fromkeys(op.operands) if best.types[v] == op.type]
            candidates.append(None)
            for cand in candidates:
                q = best.copy()
                if cand is None:
                    if op.kind == "stablehlo.constant" or op.id not in values:
                        continue
                    cand = q.fresh(op.type)
                    q.args.append(cand)
                    q.inputs[cand] = values[op.id]
                    q.finite_inputs[cand] = finite_values.get(op.id, values[op.id])
                q = _replace_uses(q, op.id, cand)
                if not q.ops:
                    continue
                if still_fails(q):
                    best, changed = q, True
                    break
            if changed:
                break
    return best


# -- reproducers -----------------------------------------------------------------------------------
def _op_counts(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for m in re.finditer(r"\b(stablehlo\.[a-z_]+)\b", text):
        counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    return counts


def pretty(text: str) -> str:
    from jaxlib.mlir import ir
    from stablehlo_eqsat.dialect_glue.context import make_context

    with make_context():
        return str(ir.Module.parse(text))


def _short(a: np.ndarray) -> str:
    with np.printoptions(threshold=24, precision=9):
        return " ".join(str(a).split())


def find_culprits(p: Program, mode: str, fired: Iterable[str], opts: CheckOptions) -> list[str]:
    """The fired rules that make `p` fail on their own; `export` if the round trip alone fails."""
    if fails(p, "roundtrip", opts) is not None:
        return ["(none: the round trip with no rules already fails, an import/export bug)"]
    found = []
    for rule in sorted(fired):
        if fails(p, mode, dataclasses.replace(opts, only_rules=rule)) is not None:
            found.append(rule)
    return found


def write_reproducer(p: Program, finding: Finding, directory: Path, seed: int, opts: CheckOptions) -> Path:
    """Save the shrunk program as a lit test that pins the correct behaviour."""
    directory.mkdir(parents=True, exist_ok=True)
    text = program_text(p)
    bad = optimize_text(text, finding.mode, opts.pass_options, opts.only_rules)
    before, after = _op_counts(pretty(text)), _op_counts(bad.text) if bad.text else {}
    lost = sorted(k for k, n in before.items() if after.get(k, 0) < n and k != "stablehlo.constant")
    gained = sorted(k for k, n in after.items() if n > before.get(k, 0) and k != "stablehlo.constant")
    options = f"fp-mode={finding.mode}"
    if opts.pass_options:
        options += " " + opts.pass_options
    found_by = f"/// Found by `stablehlo-eqsat-fuzz --seed {seed}`"
    found_by += f" (program {finding.index}, fp-mode={finding.mode})."
    if finding.fallback:
        lines = [
            f"// RUN: stablehlo-eqsat-opt %s '--stablehlo-eqsat={options}' -o /dev/null 2>&1 \\",
            "// RUN:   | FileCheck %s --allow-empty",
            "// The pass gives up on this function today; delete the XFAIL line once it is fixed.",
            "// XFAIL: *",
            "",
            found_by,
            f"/// The pass left the function unchanged (lost work): {finding.message}",
            "// CHECK-NOT: left unchanged",
        ]
    else:
        lines = [
            f"// RUN: stablehlo-eqsat-opt %s '--stablehlo-eqsat={options}' | FileCheck %s",
            "// The optimizer is wrong on this program today; delete the XFAIL line once it is fixed.",
            "// XFAIL: *",
            "",
            found_by,
            f"/// XLA CPU before vs after the pass: {finding.message}",
        ]
        if finding.fired:
            lines.append(
                "/// Rules that fired: " + ", ".join(f"{k}×{v}" for k, v in sorted(finding.fired.items()))
            )
        if finding.culprits:
            lines.append("/// Rules that alone reproduce it: " + ", ".join(finding.culprits))
        src = p.finite_inputs if finding.mode == "fast" else p.inputs
        for i, a in enumerate(p.args):
            lines.append(f"/// Input %arg{i} = {_short(src[a])}")
        if bad.text:
            lines.append("/// The wrong output:")
            lines += ["///   " + x for x in bad.text.strip().splitlines()]
        lines.append("")
        lines.append("// CHECK-LABEL: func.func public @main")
        for k in lost:
            lines.append(f"/// `{k}` was rewritten away wrongly: it must remain.")
            lines.append(f"// CHECK: {k}")
        for k in gained:
            lines.append(f"// CHECK-NOT: {k}")
        if not lost and not gained:
            lines.append(
                "/// The wrong output has the same ops as the input (a wrong attribute or operand order):"
            )
            lines.append("/// no CHECK line can pin that; the comparison above is the specification.")
    lines.append("")
    name = f"{'fallback_' if finding.fallback else ''}{finding.mode}_seed{seed}_prog{finding.index}.mlir"
    path = directory / name
    path.write_text("\n".join(lines) + pretty(text))
    return path


# -- the campaign ----------------------------------------------------------------------------------
@dataclass
class BatchResult:
    indices: list[int]
    findings: list[Finding]
    error: str = ""


_SEEN_FALLBACKS: set[tuple[str, str]] = set()


def run_batch(
    seed: int, indices: Sequence[int], opts: CheckOptions, save_dir: str, shrink_budget: float
) -> BatchResult:
    programs = [generate_program(seed, i) for i in indices]
    print(f"worker {os.getpid()}: programs {indices[0]}..{indices[-1]}", file=sys.stderr, flush=True)
    try:
        findings = check_programs(programs, indices, opts)
    except Exception as e:
        return BatchResult(list(indices), [], f"{type(e).__name__}: {e}")
    for f in findings:
        if f.tolerated:
            continue
        if f.fallback:  # shrink each distinct reason once per worker
            key = (f.mode, f.message.split(":", 2)[-1][:80])
            if key in _SEEN_FALLBACKS:
                continue
            _SEEN_FALLBACKS.add(key)
        p = generate_program(seed, f.index)
        f.ops_before = len(p.ops)

        def still(q: Program, mode: str = f.mode, fb: bool = f.fallback) -> bool:
            return fails(q, mode, opts, fb) is not None

        small = shrink(p, still, shrink_budget, f.mode)
        f.ops_after = len(small.ops)
        again = fails(small, f.mode, opts, f.fallback)
        if again is not None:
            f.message, f.fired = again.message, again.fired
        if not f.fallback:
            f.culprits = find_culprits(small, f.mode, f.fired, opts)
        if save_dir:
            f.reproducer = str(write_reproducer(small, f, Path(save_dir), seed, opts))
    return BatchResult(list(indices), findings)


def _worker_init() -> None:
    import logging
    import warnings

    logging.getLogger("stablehlo_eqsat").setLevel(logging.ERROR)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    import faulthandler

    with contextlib.suppress(Exception):  # no real stderr under pytest's capture
        faulthandler.enable()  # a crash in native code prints the Python stack of the worker


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="stablehlo-eqsat-fuzz", description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0, help="campaign seed (program i is a function of seed, i)")
    ap.add_argument("--count", type=int, default=100, help="number of programs")
    ap.add_argument("--start", type=int, default=0, help="first program index")
    ap.add_argument(
        "--time-budget", type=float, default=0.0, help="stop starting batches after this many seconds"
    )
    ap.add_argument("--modes", default=",".join(MODES), help="comma-separated fp-modes (strict,xla,fast)")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes")
    ap.add_argument("--batch", type=int, default=16, help="programs per module")
    ap.add_argument(
        "--pass-options", default="refine=0", help="extra stablehlo-eqsat options ('' for defaults)"
    )
    ap.add_argument(
        "--save-failures", default=DEFAULT_SAVE_DIR, help="folder for shrunk lit reproducers ('' : none)"
    )
    ap.add_argument("--shrink-budget", type=float, default=120.0, help="seconds of shrinking per failure")
    ap.add_argument("--quiet", action="store_true", help="no per-batch progress lines")
    args = ap.parse_args(argv)
    modes = tuple(m for m in args.modes.split(",") if m)
    for m in modes:
        if m not in MODES:
            ap.error(f"unknown mode '{m}'")
    opts = CheckOptions(modes, args.pass_options)
    batches = [
        list(range(s, min(s + args.batch, args.start + args.count)))
        for s in range(args.start, args.start + args.count, args.batch)
    ]
    start = time.monotonic()
    done = passed = failed = tolerated = fell_back = 0
    errors: list[str] = []
    failures: list[Finding] = []

    def report(r: BatchResult) -> None:
        nonlocal done, passed, failed, tolerated, fell_back
        done += len(r.indices)
        if r.error:
            errors.append(r.error)
            failed += len(r.indices)
        bad = {f.index for f in r.findings if not f.tolerated and not f.fallback}
        tol = {f.index for f in r.findings if f.tolerated} - bad
        fell_back += len({f.index for f in r.findings if f.fallback} - bad)
        if not r.error:
            passed += len(r.indices) - len(bad)
            failed += len(bad)
        tolerated += len(tol)
        for f in r.findings:
            tag = "tolerated" if f.tolerated else "FALLBACK" if f.fallback else "FAIL"
            line = f"{tag}: program {f.index} fp-mode={f.mode}: {f.message}"
            if not f.tolerated and f.ops_before:
                line += f"; shrunk {f.ops_before} -> {f.ops_after} ops"
                if f.culprits:
                    line += f"; culprit rule(s): {', '.join(f.culprits)}"
                if f.reproducer:
                    line += f"; reproducer: {f.reproducer}"
                if not f.fallback:
                    failures.append(f)
            print(line, flush=True)
        if r.error:
            print(f"ERROR in programs {r.indices[0]}..{r.indices[-1]}: {r.error}", flush=True)
        if not args.quiet:
            rate = done / max(time.monotonic() - start, 1e-9)
            print(
                f"[{done}/{args.count}] {passed} passed, {failed} failed, {tolerated} tolerated, "
                f"{fell_back} fell back ({rate:.1f} programs/s)",
                flush=True,
            )

    def out_of_time() -> bool:
        return bool(args.time_budget) and time.monotonic() - start > args.time_budget

    if args.jobs <= 1:
        _worker_init()
        for b in batches:
            if out_of_time():
                break
            report(run_batch(args.seed, b, opts, args.save_failures, args.shrink_budget))
    else:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        pending = list(reversed(batches))
        pool = ProcessPoolExecutor(args.jobs, mp_context=ctx, initializer=_worker_init)
        running: dict[Future[BatchResult], list[int]] = {}
        while pending or running:
            while pending and len(running) < 2 * args.jobs and not out_of_time():
                b = pending.pop()
                running[
                    pool.submit(run_batch, args.seed, b, opts, args.save_failures, args.shrink_budget)
                ] = b
            if out_of_time():
                pending.clear()
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in finished:
                b = running.pop(fut)
                try:
                    report(fut.result())
                except BrokenProcessPool:
                    report(BatchResult(b, [], "the worker process died (crash in the optimizer or XLA)"))
                    for other in running.values():
                        pending.append(other)
                    running.clear()
                    pool.shutdown(cancel_futures=True)
                    pool = ProcessPoolExecutor(args.jobs, mp_context=ctx, initializer=_worker_init)
                    break
        pool.shutdown()
    elapsed = time.monotonic() - start
    print(
        f"seed {args.seed}, programs {args.start}..{args.start + done - 1}, "
        f"modes {','.join(modes)}, {elapsed:.0f} s"
    )
    if tolerated:
        print(f"{tolerated} programs had only tolerated differences (rounding through a discontinuous op)")
    if fell_back:
        print(
            f"{fell_back} programs were left unchanged by the pass in some mode (lost work, not a miscompile)"
        )
    for f in failures:
        print(f"failure: program {f.index} fp-mode={f.mode}: {f.message} -> {f.reproducer or '(not saved)'}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
