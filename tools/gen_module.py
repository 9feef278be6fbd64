"""A seeded generator of random, well-typed StableHLO modules (for benchmarks and tests).

    from stablehlo_eqsat.tools.gen_module import generate_module
    text = generate_module(1000, seed=0)     # `func.func @main` with exactly 1000 ops before its return

The module is one public `@main` over small static shapes (16x16, 8x16, 256, 16, 8 and scalars,
mostly f32, plus f16/i32 values reached through `convert` and i1 predicates from `compare`).
Ops: elementwise unary and binary, broadcast_in_dim, reshape, transpose, dot_general, reduce
with an add body, slice, concatenate, compare/select, convert and constants. Operands are drawn
from recent values, preferring unused ones; every value nobody uses is returned, so nothing is
dead code.

No chain produces NaN or Inf: each value carries a bound on its magnitude, and any f32 value
whose bound exceeds `_LIMIT` is fed to a `tanh` at once (so it is used, and its consumers see a
value in [-1, 1]). There is no division, log, sqrt, power or exp. The text is parsed and verified
with jaxlib's MLIR bindings before it is returned, in its printed (canonical) form.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass

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


def tensor_type(shape: tuple[int, ...], dtype: str) -> str:
    return f"tensor<{''.join(f'{d}x' for d in shape)}{dtype}>"


@dataclass
class _Value:
    name: str
    shape: tuple[int, ...]
    dtype: str
    bound: float
    uses: int = 0

    @property
    def type(self) -> str:
        return tensor_type(self.shape, self.dtype)


class _Generator:
    def __init__(self, num_ops: int, seed: int):
        self.rng = random.Random(seed)
        self.budget = num_ops
        self.lines: list[str] = []
        self.values: list[_Value] = []
        self.by_type: dict[tuple[tuple[int, ...], str], list[_Value]] = {}
        self.args: list[_Value] = []
        self.counter = 0
        self.zero: _Value | None = None

    # -- bookkeeping -------------------------------------------------------------------------------
    def _add(self, v: _Value) -> _Value:
        self.values.append(v)
        self.by_type.setdefault((v.shape, v.dtype), []).append(v)
        return v

    def _fresh(self) -> str:
        self.counter += 1
        return f"%v{self.counter}"

    def emit(
        self, body: str, shape: tuple[int, ...], dtype: str, bound: float, operands: Sequence[_Value]
    ) -> _Value:
        """Append `%vN = <body>`; wrap the result in tanh when its bound is too large."""
        for o in operands:
            o.uses += 1
        v = _Value(self._fresh(), shape, dtype, bound)
        self.lines.append(f"    {v.name} = {body}")
        self.budget -= 1
        if dtype == F32 and bound > _LIMIT and self.budget > 0:
            v.uses += 1
            t = _Value(self._fresh(), shape, dtype, 1.0)
            self.lines.append(f"    {t.name} = stablehlo.tanh {v.name} : {v.type}")
            self.budget -= 1
            return self._add(t)
        if dtype == F32 and bound > _LIMIT:
            return v  # the last op: returned (finite), but not reused
        return self._add(v)

    def pick(self, shape: tuple[int, ...], dtype: str = F32, bound: float | None = None) -> _Value | None:
        pool = self.by_type.get((shape, dtype), [])
        if bound is not None:
            pool = [v for v in pool[-_WINDOW:] if v.bound <= bound]
        if not pool:
            return None
        recent = pool[-_WINDOW:]
        unused = [v for v in recent if v.uses == 0]
        if unused and self.rng.random() < 0.6:
            return self.rng.choice(unused)
        return self.rng.choice(recent)

    def pick_or_const(self, shape: tuple[int, ...], dtype: str = F32) -> _Value:
        v = self.pick(shape, dtype)
        return v if v is not None else self.constant(shape, dtype)

    # -- ops -----------------------------------------------------------------------------------------
    def constant(self, shape: tuple[int, ...], dtype: str = F32) -> _Value:
        rng = self.rng
        if dtype == "i32":
            val = rng.randint(-8, 8)
            return self.emit(
                f"stablehlo.constant dense<{val}> : {tensor_type(shape, dtype)}", shape, dtype, abs(val), []
            )
        if shape in (S1, S1H) and rng.random() < 0.5:
            vals = [rng.choice((0.0, 1.0, -1.0, 0.5, 2.0, 0.25, -0.75)) for _ in range(shape[0])]
            body = ", ".join(f"{x:.6e}" for x in vals)
            return self.emit(
                f"stablehlo.constant dense<[{body}]> : {tensor_type(shape, dtype)}",
                shape,
                dtype,
                max(abs(x) for x in vals),
                [],
            )
        splat = rng.choice((0.0, 1.0, -1.0, 0.5, 2.0, 0.125, -3.0))
        return self.emit(
            f"stablehlo.constant dense<{splat:.6e}> : {tensor_type(shape, dtype)}",
            shape,
            dtype,
            abs(splat),
            [],
        )

    def unary(self) -> bool:
        shape = self.rng.choice(SHAPES)
        a = self.pick(shape)
        if a is None:
            return False
        op = self.rng.choice(UNARY_F32)
        bound = UNARY_BOUNDED.get(op, a.bound + (1.0 if op == "ceil" else 0.0))
        self.emit(f"stablehlo.{op} {a.name} : {a.type}", shape, F32, bound, [a])
        return True

    def binary(self) -> bool:
        shape = self.rng.choice(SHAPES)
        a = self.pick(shape)
        if a is None:
            return False
        b = self.pick_or_const(shape)
        op = self.rng.choice(BINARY_F32)
        if op in ("add", "subtract"):
            bound = a.bound + b.bound
        elif op == "multiply":
            bound = a.bound * b.bound
        else:
            bound = max(a.bound, b.bound)
        self.emit(f"stablehlo.{op} {a.name}, {b.name} : {a.type}", shape, F32, bound, [a, b])
        return True

    def other_dtype(self) -> bool:
        """An op on f16/i32 values, or a convert between them and f32."""
        dtype = self.rng.choice(OTHER_DTYPES)
        shape = self.rng.choice(SHAPES)
        a = self.pick(shape, dtype)
        roll = self.rng.random()
        if a is None or roll < 0.3:
            src = self.pick(shape, F32, bound=_LIMIT)
            if src is None:
                return False
            self.emit(
                f"stablehlo.convert {src.name} : ({src.type}) -> {tensor_type(shape, dtype)}",
                shape,
                dtype,
                src.bound + 1.0,
                [src],
            )
        elif roll < 0.6:
            self.emit(
                f"stablehlo.convert {a.name} : ({a.type}) -> {tensor_type(shape, F32)}",
                shape,
                F32,
                a.bound,
                [a],
            )
        elif roll < 0.8:
            b = self.pick_or_const(shape, dtype) if dtype == "i32" else self.pick(shape, dtype)
            if b is None:
                return False
            op = self.rng.choice(BINARY_OTHER)
            self.emit(
                f"stablehlo.{op} {a.name}, {b.name} : {a.type}", shape, dtype, max(a.bound, b.bound), [a, b]
            )
        else:
            op = self.rng.choice(UNARY_OTHER)
            self.emit(f"stablehlo.{op} {a.name} : {a.type}", shape, dtype, a.bound, [a])
        return True

    def broadcast(self) -> bool:
        kind = self.rng.choice(("row", "col", "scalar2", "scalar1"))
        src_shape, dst, dims = {
            "row": (S1, S2, "[1]"),
            "col": (S1, S2, "[0]"),
            "scalar2": (S0, S2, "[]"),
            "scalar1": (S0, S1, "[]"),
        }[kind]
        a = self.pick_or_const(src_shape)
        self.emit(
            f"stablehlo.broadcast_in_dim {a.name}, dims = {dims} : ({a.type}) -> {tensor_type(dst, F32)}",
            dst,
            F32,
            a.bound,
            [a],
        )
        return True

    def reshape(self) -> bool:
        src, dst = self.rng.choice(((S2, SFLAT), (SFLAT, S2), (S2H, (128,)), (S1, (2, 8))))
        a = self.pick(src)
        if a is None:
            return False
        v = self.emit(
            f"stablehlo.reshape {a.name} : ({a.type}) -> {tensor_type(dst, F32)}", dst, F32, a.bound, [a]
        )
        if dst in ((128,), (2, 8)) and self.budget > 0:  # reshape straight back: shapes stay in SHAPES
            self.by_type[(dst, F32)].remove(v)
            self.values.remove(v)
            self.emit(
                f"stablehlo.reshape {v.name} : ({v.type}) -> {tensor_type(src, F32)}", src, F32, v.bound, [v]
            )
        return True

    def transpose(self) -> bool:
        a = self.pick(S2)
        if a is None:
            return False
        self.emit(
            f"stablehlo.transpose {a.name}, dims = [1, 0] : ({a.type}) -> {a.type}", S2, F32, a.bound, [a]
        )
        return True

    def dot(self) -> bool:
        kind = self.rng.choice(("mm", "mm", "mv", "vv", "hm"))
        lhs_shape, rhs_shape, out, dims = {
            "mm": (S2, S2, S2, "[1] x [0]"),
            "mv": (S2, S1, S1, "[1] x [0]"),
            "vv": (S1, S1, S0, "[0] x [0]"),
            "hm": (S2H, S2, S2H, "[1] x [0]"),
        }[kind]
        a = self.pick(lhs_shape, bound=_LIMIT)
        if a is None:
            return False
        b = self.pick_or_const(rhs_shape)
        self.emit(
            f"stablehlo.dot_general {a.name}, {b.name}, contracting_dims = {dims} : "
            f"({a.type}, {b.type}) -> {tensor_type(out, F32)}",
            out,
            F32,
            16 * a.bound * b.bound,
            [a, b],
        )
        return True

    def reduce(self) -> bool:
        src, dims, out = self.rng.choice(
            ((S2, "[0]", S1), (S2, "[1]", S1), (S1, "[0]", S0), (S2, "[0, 1]", S0))
        )
        a = self.pick(src)
        if a is None:
            return False
        if self.zero is None:
            self.zero = self.emit(
                f"stablehlo.constant dense<0.000000e+00> : {tensor_type(S0, F32)}", S0, F32, 0.0, []
            )
            if self.budget <= 0:
                return True
        n = 256 if dims == "[0, 1]" else 16
        self.emit(
            f"stablehlo.reduce({a.name} init: {self.zero.name}) applies stablehlo.add "
            f"across dimensions = {dims} : "
            f"({a.type}, {self.zero.type}) -> {tensor_type(out, F32)}",
            out,
            F32,
            n * a.bound,
            [a, self.zero],
        )
        return True

    def slice(self) -> bool:
        if self.rng.random() < 0.5:
            a, row = self.pick(S2), self.rng.choice((0, 8))
            if a is None:
                return False
            body = f'"stablehlo.slice"({a.name}) <{{limit_indices = array<i64: {row + 8}, 16>, '
            body += f"start_indices = array<i64: {row}, 0>, strides = array<i64: 1, 1>}}>"
            self.emit(f"{body} : ({a.type}) -> {tensor_type(S2H, F32)}", S2H, F32, a.bound, [a])
        else:
            a, start = self.pick(S1), self.rng.choice((0, 8, 4))
            if a is None:
                return False
            body = f'"stablehlo.slice"({a.name}) <{{limit_indices = array<i64: {start + 8}>, '
            body += f"start_indices = array<i64: {start}>, strides = array<i64: 1>}}>"
            self.emit(f"{body} : ({a.type}) -> {tensor_type(S1H, F32)}", S1H, F32, a.bound, [a])
        return True

    def concat(self) -> bool:
        half, full = (S2H, S2) if self.rng.random() < 0.5 else (S1H, S1)
        a = self.pick(half)
        if a is None:
            return False
        b = self.pick_or_const(half)
        self.emit(
            f"stablehlo.concatenate {a.name}, {b.name}, dim = 0 : "
            f"({a.type}, {b.type}) -> {tensor_type(full, F32)}",
            full,
            F32,
            max(a.bound, b.bound),
            [a, b],
        )
        return True

    def select(self) -> bool:
        shape = self.rng.choice(SHAPES)
        pred = self.pick(shape, "i1")
        if pred is None or self.rng.random() < 0.3:
            a = self.pick(shape)
            if a is None:
                return False
            b = self.pick_or_const(shape)
            d = self.rng.choice(DIRECTIONS)
            pred = self.emit(
                f"stablehlo.compare {d}, {a.name}, {b.name}, FLOAT : ({a.type}, {b.type}) -> "
                f"{tensor_type(shape, 'i1')}",
                shape,
                "i1",
                1.0,
                [a, b],
            )
            if self.budget <= 0:
                return True
        t = self.pick(shape)
        if t is None:
            return True
        f = self.pick_or_const(shape)
        self.emit(
            f"stablehlo.select {pred.name}, {t.name}, {f.name} : "
            f"({pred.type}, {t.type}, {f.type}) -> {t.type}",
            shape,
            F32,
            max(t.bound, f.bound),
            [pred, t, f],
        )
        return True

    # -- the module ----------------------------------------------------------------------------------
    def generate(self) -> str:
        arg_shapes = [S2, S2, S2, S1, S1, S0]
        for i, shape in enumerate(arg_shapes):
            self.args.append(self._add(_Value(f"%arg{i}", shape, F32, 1.0)))
        kinds = [
            (self.unary, 16),
            (self.binary, 24),
            (self.broadcast, 6),
            (self.reshape, 4),
            (self.transpose, 5),
            (self.dot, 5),
            (self.reduce, 5),
            (self.slice, 5),
            (self.concat, 5),
            (self.select, 6),
            (self.other_dtype, 6),
            (lambda: bool(self.constant(self.rng.choice(SHAPES))), 3),
        ]
        gens, weights = zip(*kinds, strict=True)
        while self.budget > 0:
            gen = self.rng.choices(gens, weights)[0]
            gen()
        results = [v for v in self.values if v.uses == 0 and not v.name.startswith("%arg")]
        if not results:
            results = [self.values[-1]]
        # Any last value that did not enter `values` (a final, unbounded op) is returned too.
        last = self.lines[-1].split(" = ", 1)[0].strip()
        if all(v.name != last for v in results) and all(v.name != last for v in self.values):
            shape, dtype = self._last_type()
            results.append(_Value(last, shape, dtype, 0.0))
        args = ", ".join(f"{a.name}: {a.type}" for a in self.args)
        res_types = ", ".join(v.type for v in results)
        header = f"func.func public @main({args}) -> ({res_types}) {{"
        ret = f"    return {', '.join(v.name for v in results)} : {res_types}"
        return "\n".join(["module @generated {", "  " + header, *self.lines, ret, "  }", "}", ""])

    def _last_type(self) -> tuple[tuple[int, ...], str]:
        line = self.lines[-1]
        ty = line.rsplit("->", 1)[-1] if "->" in line else line.rsplit(":", 1)[-1]
        ty = ty.strip()[len("tensor<") : -1]
        *dims, dtype = ty.split("x") if "x" in ty else [ty]
        return tuple(int(d) for d in dims), dtype


def generate_text(num_ops: int, seed: int) -> str:
    """The generated module as written, without parsing it (fast; see `generate_module`)."""
    if num_ops < 1:
        raise ValueError("num_ops must be at least 1")
    return _Generator(num_ops, seed).generate()


def generate_module(num_ops: int, seed: int) -> str:
    """A verified random StableHLO module whose `@main` has `num_ops` ops before its return."""
    from jaxlib.mlir import ir
    from stablehlo_eqsat.dialect_glue.context import make_context

    text = generate_text(num_ops, seed)
    with make_context():
        module = ir.Module.parse(text)
        module.operation.verify()
        return str(module)


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
