"""The fuzzer's configuration of the random-program generator (`random_programs.py`).

Each program is a small random, well-typed StableHLO function (elementwise unary/binary ops,
broadcast_in_dim/reshape/transpose, dot_general, convolution, reduce and reduce_window (pooling)
with add/max/min bodies, slice/concatenate/pad/reverse, compare/select/clamp, convert and
constants) over f16, bf16,
f32, f64, i8, i32, i64, ui8 and i1, with size-1 and size-0 dimensions. It is seeded to make
the rules fire: splat constants 0, -0, 1, -1 and 2, patterns like `x+0`, `x*1`, `neg(neg x)`,
transpose pairs and convert round trips, duplicated subexpressions, and all-constant
expressions for the folder. Each argument comes with two input values: one with NaN, ±Inf,
-0.0, denormals and integer extremes (strict and xla modes), one finite (fast mode).

    p = generate_program(seed, i)       # program i of campaign `seed`: always the same
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from stablehlo_eqsat.tools.random_programs import (
    BOOL,
    FLOATS,
    INTS,
    SIGNED,
    UNSIGNED,
    Builder,
    Program,
    TType,
    dce,
    is_float,
    numpy_dtype,
)

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
ALL_DTYPES = (*FLOATS, *INTS, BOOL)


# -- input values ----------------------------------------------------------------------------------
def float_specials(dtype: str) -> list[float]:
    import ml_dtypes

    info = ml_dtypes.finfo(numpy_dtype(dtype))
    return [
        math.nan, math.inf, -math.inf, -0.0, 0.0, 1.0, -1.0,
        float(info.smallest_subnormal), -float(info.smallest_subnormal), float(info.max), float(info.min),
        float(info.tiny) * 0.5,
    ]  # fmt: skip


def random_values(t: TType, rng: np.random.Generator, special: bool) -> np.ndarray:
    dt = numpy_dtype(t.dtype)
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
        a = np.where(pick, rng.choice(np.array(float_specials(t.dtype)), size=t.shape), a)
    else:
        a = np.clip(a, -3.0, 3.0)
    return np.asarray(a).astype(dt)


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


# -- the generator ---------------------------------------------------------------------------------
class _FuzzBuilder(Builder):
    def __init__(self, seed: int, index: int, num_ops: int):
        super().__init__(np.random.default_rng([seed, index]), num_ops)
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
        v = super().arg(t)
        self.p.inputs[v] = random_values(t, self.rng, special=True)
        self.p.finite_inputs[v] = random_values(t, self.rng, special=False)
        return v

    def const(self, t: TType, kind: str | None = None) -> int:
        rng = self.rng
        kind = kind or self.choose(["0", "1", "-1", "2", "-0", "dense", "dense", "special"])
        if kind == "dense":
            values = random_values(t, rng, special=False)
        elif kind == "special" and is_float(t.dtype):
            values = np.full(t.shape, self.choose(float_specials(t.dtype)))
        elif kind == "special" and t.dtype in INTS:
            info = np.iinfo(numpy_dtype(t.dtype))
            values = np.full(t.shape, self.choose([info.min, info.max]))
        else:
            k = {"0": 0.0, "1": 1.0, "-1": -1.0, "2": 2.0, "-0": -0.0, "special": 0.5}[kind]
            if t.dtype in UNSIGNED and k < 0:
                k = 255.0
            values = np.full(t.shape, k)
        return self.constant(values, t)

    def pick_type(self, pred: Callable[[TType], bool] = lambda t: True) -> int | None:
        return self.pick(where=lambda v: pred(self.p.types[v]))

    def value(self, t: TType, allow_const: bool = True) -> int:
        """A value of type `t`: from the pool, a constant or a fresh argument."""
        roll = self.rng.random()
        if roll < 0.45:
            v = self.pick(t)
            if v is not None:
                return v
        if allow_const and roll < 0.7:
            return self.const(t)
        return self.arg(t)

    def any_value(self) -> int:
        v = self.pick()
        if v is None or self.rng.random() < 0.1:
            return self.arg(TType(self.main_shape, self.main_dtype))
        return v

    def subset(self, rank: int) -> list[int]:
        """A sorted, non-empty set of dimensions of a rank-`rank` value."""
        size = int(self.rng.integers(1, rank + 1))
        return sorted(int(d) for d in self.rng.choice(rank, size=size, replace=False))

    # -- ops --------------------------------------------------------------------------------------
    def unary(self) -> None:
        x = self.any_value()
        t = self.type_of(x)
        if is_float(t.dtype):
            if self.rng.random() < 0.08:
                self.emit("is_finite", [x], t.with_dtype(BOOL))
                return
            kind = self.choose(UNARY_FLOAT)
        elif t.dtype in SIGNED:
            kind = self.choose(UNARY_SIGNED)
        elif t.dtype in UNSIGNED:
            kind = self.choose(UNARY_UNSIGNED)
        else:
            kind = "not"
        self.emit(kind, [x], t)

    def binary(self) -> None:
        x = self.any_value()
        t = self.type_of(x)
        y = x if self.rng.random() < 0.1 else self.value(t)
        kinds = BINARY_FLOAT if is_float(t.dtype) else BINARY_BOOL if t.dtype == BOOL else BINARY_INT
        self.emit(self.choose(kinds), [x, y], t)

    def identity_pattern(self) -> None:
        """Patterns the identity rules match: x+0, x*1, x*-1, x*2, neg(neg x), transpose pairs..."""
        x = self.any_value()
        t = self.type_of(x)
        rng = self.rng
        roll = int(rng.integers(10))
        if roll <= 3 and t.dtype != BOOL:
            kind = self.choose(["add", "subtract", "multiply", "divide", "maximum", "minimum"])
            if t.dtype in INTS and rng.random() < 0.4:
                kind = self.choose(["and", "or", "xor", "shift_left", "shift_right_logical"])
            c = self.const(t, self.choose(["0", "1", "-1", "2", "-0"]))
            self.emit(kind, [x, c] if rng.random() < 0.7 else [c, x], t)
        elif roll == 4:
            if t.dtype == BOOL or t.dtype in UNSIGNED:
                inner = outer = "not"
            else:
                inner, outer = self.choose(["negate", "abs"]), self.choose(["negate", "abs"])
            self.emit(outer, [self.emit(inner, [x], t)], t)
        elif roll == 5 and len(t.shape) >= 2:
            perm = [int(i) for i in rng.permutation(len(t.shape))]
            y = self.transpose(x, perm)
            self.transpose(y, perm if rng.random() < 0.3 else [int(i) for i in np.argsort(perm)])
        elif roll == 6:
            y = self.convert(x, self.choose([d for d in ALL_DTYPES if d != t.dtype]))
            self.convert(y, t.dtype)
        elif roll == 7:
            self.select(self.value(t.with_dtype(BOOL)), x, x)
        elif roll == 8:
            self.reshape(self.reshape(x, _random_reshape(t.shape, rng)), t.shape)
        else:
            self.emit(self.choose(["add", "multiply", "maximum"]) if t.dtype != BOOL else "or", [x, x], t)
            if rng.random() < 0.5:  # a duplicated subexpression
                op = self.p.ops[-1]
                self.emit(op.kind.split(".", 1)[1], list(op.operands), op.type, op.props)

    def const_expr(self) -> None:
        """An expression over constants only (for the folder)."""
        t = TType(self.main_shape, self.main_dtype)
        a, b = self.const(t), self.const(t)
        kinds = BINARY_FLOAT if is_float(t.dtype) else BINARY_BOOL if t.dtype == BOOL else BINARY_INT
        v = self.emit(self.choose(kinds), [a, b], t)
        if self.rng.random() < 0.5:
            self.convert(v, self.choose(ALL_DTYPES))

    def broadcast(self) -> None:
        x = self.pick_type(lambda t: len(t.shape) <= 2) or self.arg(TType((), self.main_dtype))
        t = self.type_of(x)
        rng = self.rng
        out_rank = len(t.shape) + (int(rng.integers(1, 3)) if len(t.shape) < 3 else 0)
        dims = sorted(int(d) for d in rng.choice(out_rank, size=len(t.shape), replace=False))
        if rng.random() < 0.2 and len(dims) >= 2:
            dims[0], dims[1] = dims[1], dims[0]
        out = [int(rng.choice([1, 2, 3])) for _ in range(out_rank)]
        for i, d in enumerate(dims):
            out[d] = t.shape[i] if t.shape[i] != 1 or rng.random() < 0.5 else int(rng.choice([2, 3]))
        self.broadcast_in_dim(x, out, dims)

    def reshape_any(self) -> None:
        x = self.any_value()
        self.reshape(x, _random_reshape(self.type_of(x).shape, self.rng))

    def transpose_any(self) -> None:
        x = self.pick_type(lambda t: len(t.shape) >= 2)
        if x is None:
            return self.reshape_any()
        self.transpose(x, [int(i) for i in self.rng.permutation(len(self.type_of(x).shape))])
        return None

    def dot(self) -> None:
        rng = self.rng
        x = self.pick_type(
            lambda t: 1 <= len(t.shape) <= 3 and (is_float(t.dtype) or t.dtype in ("i32", "i64"))
        )
        if x is None:
            dt = self.main_dtype if self.main_dtype in FLOATS else "f32"
            x = self.arg(TType(tuple(int(rng.choice([1, 2, 3, 4])) for _ in range(2)), dt))
        t = self.type_of(x)
        rank = len(t.shape)
        order = [int(i) for i in rng.permutation(rank)]
        n_batch = int(rng.integers(0, rank)) if rank >= 2 and rng.random() < 0.3 else 0
        n_contract = 1 if rank - n_batch >= 1 else 0
        lb, lc = order[:n_batch], order[n_batch : n_batch + n_contract]
        rfree_sizes = [int(rng.choice([1, 2, 3]))] if rng.random() < 0.8 else []
        # rhs layout: batch dims, contracting dims, free dims (then shuffled).
        rhs_dims = [t.shape[d] for d in lb] + [t.shape[d] for d in lc] + rfree_sizes
        rperm = [int(i) for i in rng.permutation(len(rhs_dims))]
        where = {orig: pos for pos, orig in enumerate(rperm)}
        rb = [where[i] for i in range(n_batch)]
        rc = [where[n_batch + i] for i in range(n_contract)]
        rhs = self.value(t.with_shape(rhs_dims[i] for i in rperm))
        self.dot_general(x, rhs, (lb, rb), (lc, rc))

    def conv(self) -> int:
        """A convolution over 1 or 2 spatial dimensions in a random layout: strides, padding,
        lhs (transposed) and rhs (atrous) dilation, feature groups (depthwise among them)."""
        rng = self.rng
        n = int(rng.choice([1, 2]))
        dtype = self.main_dtype if self.main_dtype in FLOATS else "f32"
        groups = int(rng.choice([1, 1, 2, 3]))
        cg, per_group = int(rng.choice([1, 2, 3])), int(rng.choice([1, 2]))
        if groups > 1 and rng.random() < 0.5:
            cg, per_group = 1, 1  # depthwise
        c, f = groups * cg, groups * per_group
        window: dict[str, list[Any]] = {
            "window_strides": [],
            "padding": [],
            "lhs_dilation": [],
            "rhs_dilation": [],
        }
        sizes, kernel, outs = [], [], []
        for _ in range(n):
            size, k = int(rng.integers(1, 7)), int(rng.integers(1, 4))
            stride, ld, rd = (int(rng.choice([1, 1, 2])) for _ in range(3))
            lo, hi = int(rng.integers(0, 3)), int(rng.integers(0, 3))
            extent = (size - 1) * ld + 1 + lo + hi - ((k - 1) * rd + 1)
            if extent < 0:  # the kernel is wider than the padded input: pad it up
                hi -= extent
                extent = 0
            sizes.append(size)
            kernel.append(k)
            outs.append(extent // stride + 1)
            for key, value in zip(window, (stride, [lo, hi], ld, rd), strict=True):
                window[key].append(value)
        spatial = [str(i) for i in range(n)]
        in_labels = ["b", "f", *spatial]
        k_labels = ["i", "o", *spatial]
        out_labels = ["b", "f", *spatial]
        orders = [[int(i) for i in rng.permutation(n + 2)] for _ in range(3)]
        in_size = {"b": int(rng.choice([1, 2])), "f": c, **{str(i): sizes[i] for i in range(n)}}
        k_size = {"i": cg, "o": f, **{str(i): kernel[i] for i in range(n)}}
        out_size = {"b": in_size["b"], "f": f, **{str(i): outs[i] for i in range(n)}}
        layouts = tuple(
            ", ".join(labels[j] for j in order)
            for labels, order in zip((in_labels, k_labels, out_labels), orders, strict=True)
        )
        x = self.value(TType(tuple(in_size[in_labels[j]] for j in orders[0]), dtype), allow_const=False)
        w = self.value(TType(tuple(k_size[k_labels[j]] for j in orders[1]), dtype))
        out_shape = [out_size[out_labels[j]] for j in orders[2]]
        return self.convolution(x, w, layouts, out_shape, window, groups)  # type: ignore[arg-type]

    def reduce_any(self) -> None:
        rng = self.rng
        x = self.pick_type(lambda t: len(t.shape) >= 1)
        if x is None:
            x = self.arg(TType((3, 2), self.main_dtype))
        t = self.type_of(x)
        dims = self.subset(len(t.shape))
        if t.dtype == BOOL:
            body = self.choose(["and", "or"])
            init_kind = "1" if body == "and" else "0"
        else:
            body = self.choose(["add", "add", "maximum", "minimum"])
            init_kind = {"add": "0", "maximum": "special", "minimum": "special"}[body]
            if rng.random() < 0.3:
                init_kind = self.choose(["0", "1", "-1", "dense"])
        scalar = TType((), t.dtype)
        init = self.const(scalar, init_kind) if rng.random() < 0.8 else self.arg(scalar)
        self.reduce(x, init, dims, body)

    def pool_any(self) -> None:
        """A pooling (`reduce_window`) of a float value, half the time of a new convolution's
        result (the pooling rules only rewrite next to one): windows of 1-3 along each
        dimension, strides and window dilation 1-2, padding 0-2; a maximum, minimum or sum."""
        rng = self.rng
        if rng.random() < 0.5:
            x: int | None = self.conv()
        else:
            x = self.pick_type(lambda t: 1 <= len(t.shape) <= 4 and t.dtype in FLOATS and min(t.shape) > 0)
        if x is None or min(self.type_of(x).shape, default=0) == 0:
            return
        t = self.type_of(x)
        window, strides, dilations, padding = [], [], [], []
        for n in t.shape:
            w, s, d = int(rng.integers(1, 4)), int(rng.choice([1, 1, 2])), int(rng.choice([1, 1, 2]))
            lo, hi = int(rng.integers(0, 3)), int(rng.integers(0, 3))
            if n + lo + hi < (w - 1) * d + 1:  # the window is wider than the padded input: pad it up
                hi += (w - 1) * d + 1 - (n + lo + hi)
            window.append(w)
            strides.append(s)
            dilations.append(d)
            padding.append((lo, hi))
        body = self.choose(["maximum", "maximum", "minimum", "add"])
        init_kind = "0" if body == "add" else "special"
        init = self.const(TType((), t.dtype), init_kind)
        self.reduce_window(x, init, window, strides, dilations, padding, body)

    def slice_any(self) -> None:
        rng = self.rng
        x = self.pick_type(lambda t: len(t.shape) >= 1) or self.arg(TType((5,), self.main_dtype))
        start, limit, stride = [], [], []
        for d in self.type_of(x).shape:
            s = int(rng.integers(0, d + 1)) if rng.random() < 0.5 else 0
            start.append(s)
            limit.append(int(rng.integers(s, d + 1)) if rng.random() < 0.5 else d)
            stride.append(self.choose([1, 1, 2]))
        self.slice(x, start, limit, stride)

    def concat(self) -> None:
        rng = self.rng
        x = self.pick_type(lambda t: len(t.shape) >= 1) or self.arg(TType((2,), self.main_dtype))
        t = self.type_of(x)
        d = int(rng.integers(len(t.shape)))
        parts = [x]
        for _ in range(int(rng.integers(1, 3))):
            size = t.shape[d] if rng.random() < 0.5 else self.choose([0, 1, 2])
            parts.append(self.value(t.with_shape(size if i == d else s for i, s in enumerate(t.shape))))
        if rng.random() < 0.5:
            parts.reverse()
        self.concatenate(parts, d)

    def pad_any(self) -> None:
        rng = self.rng
        x = self.any_value()
        t = self.type_of(x)
        lo, hi, inner = [], [], []
        for d in t.shape:
            i = self.choose([0, 0, 1]) if d > 1 else 0
            full = d + max(d - 1, 0) * i
            lo.append(int(rng.integers(-min(full, 1), 3)))
            hi.append(int(rng.integers(-min(full + lo[-1], 1), 3)))
            inner.append(i)
        if rng.random() < 0.2:
            lo, hi, inner = [0] * len(t.shape), [0] * len(t.shape), [0] * len(t.shape)
        self.pad(x, self.value(TType((), t.dtype)), lo, hi, inner)

    def reverse_any(self) -> None:
        x = self.pick_type(lambda t: len(t.shape) >= 1) or self.arg(TType((3,), self.main_dtype))
        self.reverse(x, self.subset(len(self.type_of(x).shape)))

    def compare_any(self) -> None:
        x = self.pick_type(lambda t: t.dtype != BOOL) or self.arg(TType(self.main_shape, "f32"))
        t = self.type_of(x)
        y = x if self.rng.random() < 0.1 else self.value(t)
        total = is_float(t.dtype) and self.rng.random() < 0.2
        self.compare(x, y, self.choose(DIRECTIONS), "TOTALORDER" if total else None)

    def select_any(self) -> None:
        x = self.any_value()
        t = self.type_of(x)
        roll = self.rng.random()
        if roll < 0.15:
            pred = self.const(t.with_dtype(BOOL), self.choose(["0", "1"]))
        else:
            picked = self.pick(t.with_dtype(BOOL))
            if picked is None or roll < 0.5:
                pred = self.value(t.with_dtype(BOOL), allow_const=False)
            else:
                pred = picked
        self.select(pred, x, self.value(t))

    def convert_any(self) -> None:
        self.convert(self.any_value(), self.choose(ALL_DTYPES))

    def clamp_any(self) -> None:
        x = self.pick_type(lambda t: t.dtype != BOOL) or self.arg(TType(self.main_shape, "f32"))
        t = self.type_of(x)
        bt = TType((), t.dtype) if self.rng.random() < 0.6 else t
        lo, hi = self.value(bt), self.value(bt)
        self.clamp(lo, x, hi)

    # -- the program ------------------------------------------------------------------------------
    def generate(self) -> Program:
        self.arg(TType(self.main_shape, self.main_dtype))
        if self.rng.random() < 0.5:
            self.arg(TType(self.main_shape, self.main_dtype))
        gens: list[tuple[Callable[[], Any], float]] = [
            (self.unary, 10), (self.binary, 12), (self.identity_pattern, 12), (self.const_expr, 3),
            (self.broadcast, 4), (self.reshape_any, 3), (self.transpose_any, 4), (self.dot, 4),
            (self.reduce_any, 5), (self.slice_any, 4), (self.concat, 3), (self.pad_any, 3),
            (self.reverse_any, 2), (self.compare_any, 4), (self.select_any, 4), (self.convert_any, 4),
            (self.clamp_any, 3), (self.conv, 3), (self.pool_any, 5),
        ]  # fmt: skip
        fns = [g for g, _ in gens]
        w = np.array([x for _, x in gens])
        while self.budget > 0:
            fns[int(self.rng.choice(len(fns), p=w / w.sum()))]()
        results = self.unused() or [self.p.ops[-1].id]
        extra = [o.id for o in self.p.ops if o.id not in results]
        if extra and self.rng.random() < 0.3:
            results.append(self.choose(sorted(extra)))
        self.p.results = results[-6:]
        return dce(self.p)


def generate_program(seed: int, index: int, num_ops: int | None = None) -> Program:
    """Program `index` of the campaign `seed` (the same for the same arguments)."""
    rng = np.random.default_rng([seed, index, 1])
    n = num_ops if num_ops is not None else int(rng.integers(2, 8))
    return _FuzzBuilder(seed, index, n).generate()
