"""The scale benchmarks' configuration of the random-program generator (`random_programs.py`).

    from stablehlo_eqsat.tools.gen_module import generate_module
    text = generate_module(1000, seed=0)     # `func.func @main` with exactly 1000 ops before its return

The module is one public `@main` over small static shapes (16x16, 8x16, 256, 16, 8 and scalars,
mostly f32, plus f16/i32 values reached through `convert` and i1 predicates from `compare`).
Ops: elementwise unary and binary, broadcast_in_dim, reshape, transpose, dot_general, reduce
with an add body, slice, concatenate, compare/select, convert and constants. Operands are drawn
from the last `_WINDOW` values of their type, preferring unused ones; every value nobody uses is
returned, so nothing is dead code.

No chain produces NaN or Inf: each value carries a bound on its magnitude, and any f32 value
whose bound exceeds `_LIMIT` is fed to a `tanh` at once (so it is used, and its consumers see a
value in [-1, 1]). There is no division, log, sqrt, power or exp. The text is parsed and verified
with jaxlib's MLIR bindings before it is returned, in its printed (canonical) form.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np
from stablehlo_eqsat.tools.random_programs import Builder, TType, canonical_text, program_text

_LIMIT = 1e3  # above this magnitude bound an f32 value goes through tanh
_WINDOW = 48  # operands come from the most recent values of a type

F32 = "f32"
S2, S2H, S1, S1H, S0, SFLAT = (16, 16), (8, 16), (16,), (8,), (), (256,)
SHAPES = (S2, S2H, S1, S1H, S0, SFLAT)

UNARY_F32 = ("negate", "abs", "tanh", "sine", "cosine", "logistic", "floor", "ceil")
UNARY_BOUNDED = {"tanh": 1.0, "sine": 1.0, "cosine": 1.0, "logistic": 1.0}
BINARY_F32 = ("add", "subtract", "multiply", "maximum", "minimum")
# f16 and i32 values only meet ops that cannot grow them, then convert back to f32.
BINARY_OTHER = ("maximum", "minimum")
UNARY_OTHER = ("negate", "abs")
OTHER_DTYPES = ("f16", "i32")
DIRECTIONS = ("GT", "GE", "LT", "LE", "EQ", "NE")
SPLATS = (0.0, 1.0, -1.0, 0.5, 2.0, 0.125, -3.0)
VECTOR_VALUES = (0.0, 1.0, -1.0, 0.5, 2.0, 0.25, -0.75)


def _f32(shape: tuple[int, ...]) -> TType:
    return TType(shape, F32)


class _ScaleBuilder(Builder):
    def __init__(self, num_ops: int, seed: int):
        super().__init__(
            np.random.default_rng(seed), num_ops, window=_WINDOW, unused_window=_WINDOW, scan=_WINDOW
        )
        self.bound: dict[int, float] = {}
        self.zero: int | None = None

    def bounded(self, v: int, bound: float) -> int:
        """Record `v`'s magnitude bound; an f32 value past `_LIMIT` is replaced by its tanh in the
        pool (unless it is the last op, which is returned as it is)."""
        self.bound[v] = bound
        if self.type_of(v).dtype == F32 and bound > _LIMIT and self.budget > 0:
            self.unpool(v)
            v = self.emit("tanh", [v], self.type_of(v))
            self.bound[v] = 1.0
        return v

    def get(self, shape: tuple[int, ...], dtype: str = F32, bound: float | None = None) -> int | None:
        where = None if bound is None else (lambda v: self.bound[v] <= bound)
        return self.pick(TType(shape, dtype), where)

    def get_or_const(self, shape: tuple[int, ...], dtype: str = F32) -> int:
        v = self.get(shape, dtype)
        return v if v is not None else self.const(shape, dtype)

    # -- ops --------------------------------------------------------------------------------------
    def const(self, shape: tuple[int, ...], dtype: str = F32) -> int:
        if dtype == "i32":
            values = np.full(shape, int(self.rng.integers(-8, 9)))
        elif shape in (S1, S1H) and self.rng.random() < 0.5:
            values = np.array([self.choose(VECTOR_VALUES) for _ in range(shape[0])])
        else:
            values = np.full(shape, self.choose(SPLATS))
        v = self.constant(values, TType(shape, dtype))
        self.bound[v] = float(np.abs(values).max()) if values.size else 0.0
        return v

    def unary(self) -> bool:
        a = self.get(self.choose(SHAPES))
        if a is None:
            return False
        op = self.choose(UNARY_F32)
        bound = UNARY_BOUNDED.get(op, self.bound[a] + (1.0 if op == "ceil" else 0.0))
        self.bounded(self.emit(op, [a], self.type_of(a)), bound)
        return True

    def binary(self) -> bool:
        shape = self.choose(SHAPES)
        a = self.get(shape)
        if a is None:
            return False
        b = self.get_or_const(shape)
        op = self.choose(BINARY_F32)
        ba, bb = self.bound[a], self.bound[b]
        bound = ba + bb if op in ("add", "subtract") else ba * bb if op == "multiply" else max(ba, bb)
        self.bounded(self.emit(op, [a, b], self.type_of(a)), bound)
        return True

    def other_dtype(self) -> bool:
        """An op on f16/i32 values, or a convert between them and f32."""
        dtype, shape = self.choose(OTHER_DTYPES), self.choose(SHAPES)
        a = self.get(shape, dtype)
        roll = self.rng.random()
        if a is None or roll < 0.3:
            src = self.get(shape, F32, bound=_LIMIT)
            if src is None:
                return False
            self.bounded(self.convert(src, dtype), self.bound[src] + 1.0)
        elif roll < 0.6:
            self.bounded(self.convert(a, F32), self.bound[a])
        elif roll < 0.8:
            b = self.get_or_const(shape, dtype) if dtype == "i32" else self.get(shape, dtype)
            if b is None:
                return False
            v = self.emit(self.choose(BINARY_OTHER), [a, b], self.type_of(a))
            self.bounded(v, max(self.bound[a], self.bound[b]))
        else:
            self.bounded(self.emit(self.choose(UNARY_OTHER), [a], self.type_of(a)), self.bound[a])
        return True

    def broadcast(self) -> bool:
        src, dst, dims = self.choose(((S1, S2, [1]), (S1, S2, [0]), (S0, S2, []), (S0, S1, [])))
        a = self.get_or_const(src)
        self.bounded(self.broadcast_in_dim(a, dst, dims), self.bound[a])
        return True

    def reshape_pair(self) -> bool:
        src, dst = self.choose(((S2, SFLAT), (SFLAT, S2), (S2H, (128,)), (S1, (2, 8))))
        a = self.get(src)
        if a is None:
            return False
        v = self.bounded(self.reshape(a, dst), self.bound[a])
        if dst in ((128,), (2, 8)) and self.budget > 0:  # reshape straight back: shapes stay in SHAPES
            self.unpool(v)
            self.bounded(self.reshape(v, src), self.bound[a])
        return True

    def transpose_square(self) -> bool:
        a = self.get(S2)
        if a is None:
            return False
        self.bounded(self.transpose(a, [1, 0]), self.bound[a])
        return True

    def dot(self) -> bool:
        lhs, rhs, contract = self.choose(
            ((S2, S2, ([1], [0])), (S2, S2, ([1], [0])), (S2, S1, ([1], [0])), (S1, S1, ([0], [0])),
             (S2H, S2, ([1], [0])))
        )  # fmt: skip
        a = self.get(lhs, bound=_LIMIT)
        if a is None:
            return False
        b = self.get_or_const(rhs)
        self.bounded(self.dot_general(a, b, ([], []), contract), 16 * self.bound[a] * self.bound[b])
        return True

    def reduce_sum(self) -> bool:
        src, dims = self.choose(((S2, [0]), (S2, [1]), (S1, [0]), (S2, [0, 1])))
        a = self.get(src)
        if a is None:
            return False
        if self.zero is None:
            self.zero = self.constant(np.zeros(()), _f32(S0))
            self.bound[self.zero] = 0.0
            if self.budget <= 0:
                return True
        n = 256 if dims == [0, 1] else 16
        self.bounded(self.reduce(a, self.zero, dims, "add"), n * self.bound[a])
        return True

    def slice_half(self) -> bool:
        if self.rng.random() < 0.5:
            a, row = self.get(S2), self.choose((0, 8))
            if a is None:
                return False
            v = self.slice(a, [row, 0], [row + 8, 16], [1, 1])
        else:
            a, start = self.get(S1), self.choose((0, 8, 4))
            if a is None:
                return False
            v = self.slice(a, [start], [start + 8], [1])
        self.bounded(v, self.bound[a])
        return True

    def concat(self) -> bool:
        half = S2H if self.rng.random() < 0.5 else S1H
        a = self.get(half)
        if a is None:
            return False
        b = self.get_or_const(half)
        self.bounded(self.concatenate([a, b], 0), max(self.bound[a], self.bound[b]))
        return True

    def select_where(self) -> bool:
        shape = self.choose(SHAPES)
        pred = self.get(shape, "i1")
        if pred is None or self.rng.random() < 0.3:
            a = self.get(shape)
            if a is None:
                return False
            pred = self.compare(a, self.get_or_const(shape), self.choose(DIRECTIONS))
            self.bound[pred] = 1.0
            if self.budget <= 0:
                return True
        t = self.get(shape)
        if t is None:
            return True
        f = self.get_or_const(shape)
        self.bounded(self.select(pred, t, f), max(self.bound[t], self.bound[f]))
        return True

    # -- the module -------------------------------------------------------------------------------
    def generate(self) -> str:
        for shape in (S2, S2, S2, S1, S1, S0):
            self.bound[self.arg(_f32(shape))] = 1.0
        kinds = [
            (self.unary, 16), (self.binary, 24), (self.broadcast, 6), (self.reshape_pair, 4),
            (self.transpose_square, 5), (self.dot, 5), (self.reduce_sum, 5), (self.slice_half, 5),
            (self.concat, 5), (self.select_where, 6), (self.other_dtype, 6),
            (lambda: bool(self.const(self.choose(SHAPES))), 3),
        ]  # fmt: skip
        w = np.array([x for _, x in kinds], dtype=float)
        cumulative = np.cumsum(w / w.sum())
        while self.budget > 0:
            kinds[int(np.searchsorted(cumulative, self.rng.random(), side="right"))][0]()
        self.p.results = self.unused() or [self.p.ops[-1].id]
        return program_text(self.p)


def generate_text(num_ops: int, seed: int) -> str:
    """The generated module as written (generic op form), without parsing it (fast; see
    `generate_module`)."""
    if num_ops < 1:
        raise ValueError("num_ops must be at least 1")
    return _ScaleBuilder(num_ops, seed).generate()


def generate_module(num_ops: int, seed: int) -> str:
    """A verified random StableHLO module whose `@main` has `num_ops` ops before its return."""
    return canonical_text(generate_text(num_ops, seed))


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="gen_module", description="Write a random StableHLO module.")
    p.add_argument("num_ops", type=int)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", dest="output", default="-")
    args = p.parse_args(argv)
    text = generate_module(args.num_ops, args.seed)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
