"""Random, well-typed StableHLO programs: the one generator core behind the fuzzer and the scale
benchmark.

A `Program` is one function in generic op form over static tensor types (`TType`). A `Builder`
grows one: a pool of typed values from which operands are drawn (recent ones, and among them
those nobody uses yet, preferred), one constructor per op that works out the result type and
writes the attributes, and the printer. Two configurations build on it and decide only *which*
ops to emit:

    fuzz_programs.generate_program(seed, i)   small programs over every dtype, seeded to make the
                                              rules fire, with inputs that hold NaN, Inf, -0.0...
    gen_module.generate_module(n, seed)       large f32 modules (1k to 100k ops) over a few fixed
                                              shapes, whose values provably stay finite.

Both are deterministic per seed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

FLOATS = ("f16", "bf16", "f32", "f64")
SIGNED = ("i8", "i32", "i64")
UNSIGNED = ("ui8",)
INTS = SIGNED + UNSIGNED
BOOL = "i1"

T = TypeVar("T")


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
    """A function: arguments (with the input values to run it on, where the configuration gives
    them), ops and returned values."""

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


def is_float(dtype: str) -> bool:
    return dtype in FLOATS


def numpy_dtype(dtype: str) -> Any:
    from stablehlo_eqsat.xla import numpy_dtype

    return numpy_dtype(dtype)


# -- printing --------------------------------------------------------------------------------------
def _hex(value: float, dtype: str) -> str:
    """The bit pattern of `value` in `dtype`, as MLIR's hex float literal."""
    arr = np.asarray([value]).astype(np.float64).astype(numpy_dtype(dtype))
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


def _bits_equal(a: Any, b: Any) -> bool:
    return bool(np.asarray(a).tobytes() == np.asarray(b).tobytes())


def constant_props(values: np.ndarray, t: TType) -> str:
    """The `value` attribute of a constant of type `t` holding `values` (a splat when all equal)."""
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


def i64s(xs: Iterable[int]) -> str:
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


def batch_text(programs: Sequence[Program]) -> str:
    """One module whose public `@main` computes every program side by side (arguments and results
    concatenated, values named `%p<j>_...`); for one program, that program."""
    args: list[str] = []
    body: list[str] = []
    rets: list[str] = []
    types: list[str] = []
    for j, p in enumerate(programs):
        prefix = f"p{j}_" if len(programs) > 1 else ""
        arg_names = {a: f"%{prefix}arg{i}" for i, a in enumerate(p.args)}

        def nm(v: int, arg_names: dict[int, str] = arg_names, prefix: str = prefix) -> str:
            return arg_names.get(v) or f"%{prefix}v{v}"

        args += [f"{arg_names[a]}: {p.types[a].text()}" for a in p.args]
        for op in p.ops:
            body += ["    " + x for x in op_text(op, nm, p.types)]
        rets += [nm(r) for r in p.results]
        types += [p.types[r].text() for r in p.results]
    res = ", ".join(types)
    head = f"  func.func public @main({', '.join(args)}) -> ({res}) {{"
    return "\n".join(["module {", head, *body, f"    func.return {', '.join(rets)} : {res}", "  }", "}", ""])


def program_text(p: Program) -> str:
    return batch_text([p])


def canonical_text(text: str) -> str:
    """`text` parsed, verified and printed back in MLIR's own (pretty) form."""
    from stablehlo_eqsat.dialect_glue.context import make_context
    from stablehlo_eqsat.passes.pipeline import parse_module

    module, errors = parse_module(text, make_context())
    if module is None:
        raise ValueError(f"generated module does not verify: {errors[0].message}")
    return str(module)


# -- the builder -----------------------------------------------------------------------------------
class Builder:
    """A program being generated: the value pool, op emission and one constructor per op.

    `pick` draws an operand among the last `window` values that qualify, preferring (with
    probability `p_unused`) one of the last `unused_window` that nobody uses yet; with `scan`, it
    looks at only the last `scan` values of the type asked for (linear time for large modules)."""

    def __init__(
        self, rng: np.random.Generator, budget: int, *, window: int = 12, unused_window: int = 8,
        scan: int | None = None, p_unused: float = 0.6,
    ) -> None:  # fmt: skip
        self.rng = rng
        self.p = Program([], [], [], {}, {}, {})
        self.budget = budget  # ops still to emit
        self.pool: list[int] = []
        self.by_type: dict[TType, list[int]] = {}
        self.uses: dict[int, int] = {}
        self.window, self.unused_window, self.scan, self.p_unused = window, unused_window, scan, p_unused

    def choose(self, options: Sequence[T]) -> T:
        return options[int(self.rng.integers(len(options)))]

    def type_of(self, v: int) -> TType:
        return self.p.types[v]

    # -- values -----------------------------------------------------------------------------------
    def _pool(self, v: int) -> None:
        self.pool.append(v)
        self.by_type.setdefault(self.p.types[v], []).append(v)

    def unpool(self, v: int) -> None:
        """Take the value just made out of the pool (it stays in the program)."""
        assert self.pool[-1] == v
        self.pool.pop()
        self.by_type[self.p.types[v]].pop()

    def arg(self, t: TType) -> int:
        v = self.p.fresh(t)
        self.p.args.append(v)
        self.uses[v] = 0
        self._pool(v)
        return v

    def emit(self, kind: str, operands: list[int], t: TType, props: str = "", body: str = "") -> int:
        """Append `stablehlo.<kind>` and pool its result."""
        if kind in ("divide", "remainder") and t.dtype in INTS:
            # XLA CPU dies of SIGFPE compiling an integer division by a constant zero (its
            # constant folder divides): keep divisors odd, so never zero.
            one = self.constant(np.ones(t.shape), t)
            operands = [operands[0], self.emit("or", [operands[1], one], t)]
        v = self.p.fresh(t)
        self.p.ops.append(Op(v, f"stablehlo.{kind}", operands, t, props, body))
        for o in operands:
            self.uses[o] += 1
        self.uses[v] = 0
        self._pool(v)
        self.budget -= 1
        return v

    def pick(self, t: TType | None = None, where: Callable[[int], bool] | None = None) -> int | None:
        """A value from the pool, of type `t` and for which `where` holds (either may be None)."""
        cands = self.pool if t is None else self.by_type.get(t, [])
        if self.scan is not None:
            cands = cands[-self.scan :]
        if where is not None:
            cands = [v for v in cands if where(v)]
        if not cands:
            return None
        unused = [v for v in cands[-self.unused_window :] if not self.uses[v]]
        if unused and self.rng.random() < self.p_unused:
            return self.choose(unused)
        return self.choose(cands[-self.window :])

    def unused(self) -> list[int]:
        """Results of ops that nobody uses, in order."""
        args = set(self.p.args)
        return [v for v in self.pool if not self.uses[v] and v not in args]

    # -- ops --------------------------------------------------------------------------------------
    def constant(self, values: np.ndarray, t: TType) -> int:
        values = np.broadcast_to(np.asarray(values), t.shape).astype(numpy_dtype(t.dtype))
        return self.emit("constant", [], t, constant_props(values, t))

    def broadcast_in_dim(self, x: int, shape: Sequence[int], dims: Sequence[int]) -> int:
        props = f"<{{broadcast_dimensions = {i64s(dims)}}}>"
        return self.emit("broadcast_in_dim", [x], self.type_of(x).with_shape(shape), props)

    def reshape(self, x: int, shape: Sequence[int]) -> int:
        return self.emit("reshape", [x], self.type_of(x).with_shape(shape))

    def transpose(self, x: int, perm: Sequence[int]) -> int:
        t = self.type_of(x)
        props = f"<{{permutation = {i64s(perm)}}}>"
        return self.emit("transpose", [x], t.with_shape(t.shape[i] for i in perm), props)

    def dot_general(
        self,
        x: int,
        y: int,
        batch: tuple[Sequence[int], Sequence[int]],
        contract: tuple[Sequence[int], Sequence[int]],
    ) -> int:
        """`dot_general` with (lhs, rhs) batching and contracting dimensions; the result is the
        batch dimensions, then the lhs's free dimensions, then the rhs's."""
        (lb, rb), (lc, rc) = batch, contract
        tx, ty = self.type_of(x), self.type_of(y)
        lfree = [tx.shape[d] for d in range(len(tx.shape)) if d not in lb and d not in lc]
        rfree = [ty.shape[d] for d in range(len(ty.shape)) if d not in rb and d not in rc]
        out = [tx.shape[d] for d in lb] + lfree + rfree
        dn = (
            f"#stablehlo.dot<lhs_batching_dimensions = {list(lb)}, rhs_batching_dimensions = {list(rb)}, "
            f"lhs_contracting_dimensions = {list(lc)}, rhs_contracting_dimensions = {list(rc)}>"
        )
        return self.emit("dot_general", [x, y], tx.with_shape(out), f"<{{dot_dimension_numbers = {dn}}}>")

    def convolution(
        self,
        x: int,
        w: int,
        layouts: tuple[str, str, str],
        out_shape: Sequence[int],
        window: dict[str, Sequence[Any]],
        groups: int = 1,
    ) -> int:
        """`convolution` with dimension numbers `layouts` (input, kernel, output, each like
        "b, 0, 1, f"), the window attributes `window` (window_strides, padding as [lo, hi] per
        spatial dimension, lhs_dilation, rhs_dilation) and `groups` feature groups."""
        n = len(window["window_strides"])
        pad = ", ".join(f"[{lo}, {hi}]" for lo, hi in window["padding"])
        dims = f"#stablehlo.conv<[{layouts[0]}]x[{layouts[1]}]->[{layouts[2]}]>"
        props = (
            f"<{{batch_group_count = 1 : i64, dimension_numbers = {dims}, "
            f"feature_group_count = {groups} : i64, "
            f"lhs_dilation = {i64s(window['lhs_dilation'])}, padding = dense<[{pad}]> : tensor<{n}x2xi64>, "
            f"rhs_dilation = {i64s(window['rhs_dilation'])}, "
            f"window_strides = {i64s(window['window_strides'])}}}>"
        )
        return self.emit("convolution", [x, w], self.type_of(x).with_shape(out_shape), props)

    def reduce(self, x: int, init: int, dims: Sequence[int], body: str) -> int:
        t = self.type_of(x)
        out = t.with_shape(s for i, s in enumerate(t.shape) if i not in dims)
        return self.emit("reduce", [x, init], out, f"<{{dimensions = {i64s(dims)}}}>", body)

    def reduce_window(
        self, x: int, init: int, window: Sequence[int], strides: Sequence[int], dilations: Sequence[int],
        padding: Sequence[tuple[int, int]], body: str,
    ) -> int:  # fmt: skip
        """Pooling: each output element combines (`body`) a strided, dilated window of the padded
        input (`padding` as (low, high) per dimension; the padded input must hold one window)."""
        t = self.type_of(x)
        out = [
            (n + lo + hi - ((w - 1) * d + 1)) // s + 1
            for n, (lo, hi), w, s, d in zip(t.shape, padding, window, strides, dilations, strict=True)
        ]
        pads = ", ".join(f"[{lo}, {hi}]" for lo, hi in padding)
        props = (
            f"<{{padding = dense<[{pads}]> : tensor<{len(t.shape)}x2xi64>, window_dilations = "
            f"{i64s(dilations)}, window_dimensions = {i64s(window)}, window_strides = {i64s(strides)}}}>"
        )
        return self.emit("reduce_window", [x, init], t.with_shape(out), props, body)

    def slice(self, x: int, start: Sequence[int], limit: Sequence[int], strides: Sequence[int]) -> int:
        out = [
            0 if hi <= lo else (hi - lo + st - 1) // st
            for lo, hi, st in zip(start, limit, strides, strict=True)
        ]
        props = (
            f"<{{limit_indices = {i64s(limit)}, start_indices = {i64s(start)}, strides = {i64s(strides)}}}>"
        )
        return self.emit("slice", [x], self.type_of(x).with_shape(out), props)

    def concatenate(self, parts: list[int], dim: int) -> int:
        t = self.type_of(parts[0])
        total = sum(self.type_of(v).shape[dim] for v in parts)
        out = t.with_shape(total if i == dim else s for i, s in enumerate(t.shape))
        return self.emit("concatenate", parts, out, f"<{{dimension = {dim} : i64}}>")

    def pad(
        self, x: int, value: int, low: Sequence[int], high: Sequence[int], interior: Sequence[int]
    ) -> int:
        t = self.type_of(x)
        out = [
            d + max(d - 1, 0) * i + lo + hi for d, lo, hi, i in zip(t.shape, low, high, interior, strict=True)
        ]
        props = (
            f"<{{edge_padding_high = {i64s(high)}, edge_padding_low = {i64s(low)}, "
            f"interior_padding = {i64s(interior)}}}>"
        )
        return self.emit("pad", [x, value], t.with_shape(out), props)

    def reverse(self, x: int, dims: Sequence[int]) -> int:
        return self.emit("reverse", [x], self.type_of(x), f"<{{dimensions = {i64s(dims)}}}>")

    def compare(self, x: int, y: int, direction: str, compare_type: str | None = None) -> int:
        t = self.type_of(x)
        ctype = compare_type or (
            "FLOAT" if is_float(t.dtype) else "SIGNED" if t.dtype in SIGNED else "UNSIGNED"
        )
        props = (
            f"<{{compare_type = #stablehlo<comparison_type {ctype}>, "
            f"comparison_direction = #stablehlo<comparison_direction {direction}>}}>"
        )
        return self.emit("compare", [x, y], t.with_dtype(BOOL), props)

    def select(self, pred: int, x: int, y: int) -> int:
        return self.emit("select", [pred, x, y], self.type_of(x))

    def convert(self, x: int, dtype: str) -> int:
        return self.emit("convert", [x], self.type_of(x).with_dtype(dtype))

    def clamp(self, lo: int, x: int, hi: int) -> int:
        return self.emit("clamp", [lo, x, hi], self.type_of(x))
