"""Run one rule on its lit test functions and compare the two programs under XLA on CPU.

The lit files in `test/lit/rules/<family>.mlir` hold one function (or several, suffixed) per
rule, named after the rule in snake_case (`add-zero` -> `@add_zero`, `@add_zero_broadcast`).
This module finds them, rewrites each with `stablehlo-eqsat` restricted to that one rule, and
evaluates the original (LHS) and the rewritten (RHS) function on inputs chosen for the rule's
floating-point class (`rules/base.py`):

  exact           NaN, ±Inf, ±0, large values, integer extremes; bit-identical results
                  (any NaN equals any NaN). Denormals are checked separately
                  (`Policy.denormals`), because XLA on CPU flushes them to zero.
  no-signed-zero  the same inputs; +0 and -0 compare equal.
  finite          finite inputs only (±0, large values, ...); +0 and -0 compare equal.
  reassoc         finite inputs of moderate magnitude (positive where the function takes
                  sqrt, rsqrt, log or power); results within a relative tolerance.

Both sides are compiled with XLA's algebraic simplifier disabled and with every constant
turned into a parameter, so that XLA cannot apply the rule (or its own variant of it) to the
LHS before we compare: `x * 1` would otherwise be folded to `x` while converting to HLO.
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
LIT_RULES = REPO / "test" / "lit" / "rules"

SPLIT = re.compile(r"^// -----\s*$", re.M)
FUNC = re.compile(r"^\s*func\.func\s+(?:(?:public|private|nested)\s+)?@([\w$.]+)\s*\(", re.M)

# XLA passes that would rewrite the LHS (or the RHS) the way our rules do.
XLA_DISABLED_PASSES = ",".join(
    [
        "algsimp",
        "simplify-fp-conversions",
        "dot-merger",
        "transpose-folding",
        "reshape-mover",
        "tree-reduction-rewriter",
    ]
)


# -- finding the lit test functions of each rule ------------------------------------------------
def snake(rule_name: str) -> str:
    return rule_name.replace("-", "_")


def rule_of_function(func_name: str, rule_names: Sequence[str]) -> str | None:
    """The rule a lit function tests: the longest rule whose snake_case name is the function's
    name or a prefix of it followed by `_` (`add_zero_int` tests `add-zero-int`, not `add-zero`)."""
    best: str | None = None
    for r in rule_names:
        s = snake(r)
        if (func_name == s or func_name.startswith(s + "_")) and (best is None or len(s) > len(snake(best))):
            best = r
    return best


@dataclass(frozen=True)
class LitCase:
    rule: str
    path: Path
    func: str
    line: int  # first line of the chunk in the file
    text: str  # the chunk: a module with the function

    @property
    def id(self) -> str:
        return f"{self.path.stem}:{self.func}"


def lit_functions(directory: Path = LIT_RULES) -> Iterator[tuple[Path, str, int, str]]:
    """(file, function name, first line of its chunk, chunk text) for every lit rule test."""
    for path in sorted(directory.glob("*.mlir")):
        text = path.read_text()
        pos, line = 0, 1
        pieces = []
        for m in SPLIT.finditer(text):
            pieces.append((line, text[pos : m.start()]))
            line += text[pos : m.end()].count("\n")
            pos = m.end()
        pieces.append((line, text[pos:]))
        for first, chunk in pieces:
            for m in FUNC.finditer(chunk):
                yield path, m.group(1), first, chunk


def signature(chunk: str, func: str) -> str:
    """The text of `@func`'s signature, up to the opening brace of its body."""
    m = re.search(rf"^\s*func\.func\s+(?:(?:public|private|nested)\s+)?@{re.escape(func)}\(", chunk, re.M)
    assert m, func
    return chunk[m.start() : chunk.index("{", m.start())]


def lit_cases(rule_names: Sequence[str], directory: Path = LIT_RULES) -> list[LitCase]:
    out = []
    for path, func, line, chunk in lit_functions(directory):
        rule = rule_of_function(func, rule_names)
        if rule is not None:
            out.append(LitCase(rule, path, func, line, chunk))
    return out


# -- running the pass ---------------------------------------------------------------------------
def mode_for(info: object) -> str:
    """The strictest `--fp-mode` under which the rule runs."""
    for mode in ("strict", "xla", "fast"):
        if info.enabled(mode):  # type: ignore[attr-defined]
            return mode
    raise AssertionError(f"{info} is enabled in no mode")


@dataclass
class Rewritten:
    before: str  # the input module as the bindings print it
    after: str  # the optimized module
    matches: int  # how often the rule matched, over all graphs of the function
    status: str
    reason: str


def context():  # type: ignore[no-untyped-def]
    from stablehlo_eqsat.dialect_glue.context import make_context

    return make_context()


def rewrite_with_rule(text: str, rule: str, fp_mode: str) -> Rewritten:
    """`text` through `stablehlo-eqsat` with `only-rules=<rule>` under `fp_mode`."""
    from jaxlib.mlir import ir
    from stablehlo_eqsat.passes.diagnostics import Diagnostics
    from stablehlo_eqsat.passes.eqsat import EqsatPass

    with context():
        module = ir.Module.parse(text)
        before = str(module)
        options: dict[str, object] = {"fp_mode": fp_mode, "only_rules": rule}
        if "measure" in EqsatPass.__dataclass_fields__:
            options["measure"] = "off"  # analytical costs: deterministic, and no timing runs
        reports = EqsatPass(**options).apply(module, Diagnostics())  # type: ignore[arg-type]
        module.operation.verify()
        after = str(module)
    matches = sum(g.saturation.matches.get(rule, 0) for r in reports for g in r.graphs)
    status = ",".join(r.status for r in reports)
    reason = "; ".join(r.reason for r in reports if r.reason)
    return Rewritten(before, after, matches, status, reason)


# -- XLA ------------------------------------------------------------------------------------------
@dataclass
class Program:
    """A function made XLA's entry point, its constants turned into trailing parameters."""

    text: str
    num_args: int  # the function's own parameters
    constants: list[np.ndarray]  # values of the extra parameters, in order
    arg_types: list[tuple[tuple[int, ...], str]]  # (shape, element type) of the own parameters
    ops: frozenset[str]  # op names in the function


def element_dtype(name: str) -> np.dtype:
    import ml_dtypes

    table = {
        "f16": np.float16, "f32": np.float32, "f64": np.float64, "bf16": ml_dtypes.bfloat16,
        "i1": np.bool_, "i8": np.int8, "i16": np.int16, "i32": np.int32, "i64": np.int64,
        "ui8": np.uint8, "ui16": np.uint16, "ui32": np.uint32, "ui64": np.uint64,
    }  # fmt: skip
    return np.dtype(table[name])


def lift_constants(text: str, func: str) -> Program:
    """Make `@func` the module's `@main` and its top-level constants parameters."""
    from jaxlib.mlir import ir

    with context():
        module = ir.Module.parse(text)
        funcs = [op for op in module.body.operations if op.operation.name == "func.func"]
        target = next(f for f in funcs if ir.StringAttr(f.attributes["sym_name"]).value == func)
        for other in funcs:
            if other is not target and ir.StringAttr(other.attributes["sym_name"]).value == "main":
                other.attributes["sym_name"] = ir.StringAttr.get("main_renamed")
        target.attributes["sym_name"] = ir.StringAttr.get("main")
        target.attributes["sym_visibility"] = ir.StringAttr.get("public")
        block = target.regions[0].blocks[0]
        num_args = len(block.arguments)
        arg_types = []
        for a in block.arguments:
            t = ir.RankedTensorType(a.type)
            arg_types.append((tuple(t.shape), str(t.element_type)))
        constants: list[np.ndarray] = []
        ops: set[str] = set()
        for op in list(block.operations):
            o = op.operation
            ops.add(o.name)
            if o.name != "stablehlo.constant":
                continue
            ty = ir.RankedTensorType(o.results[0].type)
            try:
                value = np.array(o.attributes["value"])
            except Exception:
                continue
            value = value.astype(element_dtype(str(ty.element_type))).reshape(tuple(ty.shape))
            arg = block.add_argument(ty, o.location)
            o.results[0].replace_all_uses_with(arg)
            o.erase()
            constants.append(value)
        for region_op in list(block.operations):
            region_op.operation.walk(lambda o: (ops.add(o.name), ir.WalkResult.ADVANCE)[1])
        results = list(ir.FunctionType(ir.TypeAttr(target.attributes["function_type"]).value).results)
        inputs = [a.type for a in block.arguments]
        target.attributes["function_type"] = ir.TypeAttr.get(ir.FunctionType.get(inputs, results))
        module.operation.verify()
        out = str(module)
    return Program(out, num_args, constants, arg_types, frozenset(ops))


@functools.cache
def _backend():  # type: ignore[no-untyped-def]
    import jax
    import jax.extend

    return jax.extend.backend.get_backend("cpu")


def compile_program(program: Program):  # type: ignore[no-untyped-def]
    from jax._src import compiler
    from jax._src.lib import xla_client as xc

    backend = _backend()
    devices = xc.DeviceList(tuple(backend.local_devices()[:1]))
    options = compiler.get_compile_options(num_replicas=1, num_partitions=1)
    options.executable_build_options.debug_options.xla_disable_hlo_passes = XLA_DISABLED_PASSES
    return backend.compile_and_load(program.text, devices, options)


def run(exe, program: Program, args: Sequence[np.ndarray]) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    import jax

    device = exe.local_devices()[0]
    values = [jax.device_put(a, device) for a in [*args, *program.constants]]
    return [np.asarray(o) for o in exe.execute(values)]


# -- inputs ---------------------------------------------------------------------------------------
EXACT, REASSOC, FINITE, NO_SIGNED_ZERO = "exact", "reassoc", "finite", "no-signed-zero"
POSITIVE_DOMAIN_OPS = frozenset(
    {"stablehlo.sqrt", "stablehlo.rsqrt", "stablehlo.log", "stablehlo.log_plus_one", "stablehlo.power"}
)


@dataclass(frozen=True)
class Policy:
    """Which inputs a rule's class promises to survive, and how results are compared."""

    specials: bool  # NaN and ±Inf among the inputs
    moderate: bool  # only magnitudes in [0.5, 2] (reassociation: no overflow, no cancellation blow-up)
    signed_zero: bool  # -0 and +0 must match
    tolerance: bool  # compare within rtol/atol instead of bit for bit
    denormals: bool = False  # denormal-heavy inputs
    trials: int = 24

    @staticmethod
    def for_classes(fp: frozenset[str]) -> Policy:
        if REASSOC in fp:
            return Policy(specials=False, moderate=True, signed_zero=False, tolerance=True, trials=8)
        if FINITE in fp:
            return Policy(specials=False, moderate=False, signed_zero=False, tolerance=False)
        if NO_SIGNED_ZERO in fp:
            return Policy(specials=True, moderate=False, signed_zero=False, tolerance=False)
        return Policy(specials=True, moderate=False, signed_zero=True, tolerance=False)

    def with_denormals(self) -> Policy:
        return Policy(
            self.specials, self.moderate, self.signed_zero, self.tolerance, denormals=True, trials=12
        )


def _float_pool(dtype: np.dtype, policy: Policy) -> list[float]:
    import ml_dtypes

    fi = ml_dtypes.finfo(dtype)
    big, normal = float(fi.max), float(fi.smallest_normal)
    pool = [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -3.0, 7.25, normal, -normal, big, -big, big / 4, -big / 3]
    if policy.specials:
        pool += [np.nan, -np.nan, np.inf, -np.inf]
    if policy.denormals:
        tiny = float(fi.smallest_subnormal)
        pool += [tiny, -tiny, tiny * 3, -tiny * 7, normal / 2, -normal / 3]
    return pool


def random_input(
    shape: tuple[int, ...], dtype_name: str, policy: Policy, rng: np.random.Generator, positive: bool
):  # type: ignore[no-untyped-def]
    dtype = element_dtype(dtype_name)
    n = int(np.prod(shape)) if shape else 1
    if dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        pool = np.array(
            [info.min, info.max, 0, 1, 2, info.max - 1, info.min + 1, *(() if info.min == 0 else (-1, -2))]
        )
        pool = pool.astype(dtype)
        rand = rng.integers(info.min, info.max, size=n, dtype=dtype, endpoint=True)
        small = rng.integers(max(info.min, -100), min(info.max, 100), size=n, dtype=dtype, endpoint=True)
        pick = rng.integers(0, 3, size=n)
        vals = np.where(pick == 0, rng.choice(pool, size=n), np.where(pick == 1, rand, small))
        return vals.astype(dtype).reshape(shape)
    if policy.moderate:
        mag = np.exp2(rng.uniform(-1.0, 1.0, size=n))
        sign = np.ones(n) if positive else rng.choice([-1.0, 1.0], size=n)
        return (sign * mag).astype(dtype).reshape(shape)
    pool = np.array(_float_pool(dtype, policy), dtype=np.float64)
    if positive:
        pool = np.abs(pool)
    normal = rng.standard_normal(n) * np.exp2(rng.uniform(-20, 20, size=n))
    if positive:
        normal = np.abs(normal)
    chosen = np.where(rng.random(n) < 0.5, rng.choice(pool, size=n), normal)
    with np.errstate(over="ignore"):
        return chosen.astype(dtype).reshape(shape)


def input_sets(program: Program, policy: Policy, seed_text: str) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(zlib.crc32(seed_text.encode()))
    positive = policy.moderate and bool(program.ops & POSITIVE_DOMAIN_OPS)
    return [
        [random_input(shape, dt, policy, rng, positive) for shape, dt in program.arg_types]
        for _ in range(policy.trials)
    ]


# -- comparison -----------------------------------------------------------------------------------
def _bits(a: np.ndarray) -> np.ndarray:
    return a.view(np.dtype(f"u{a.dtype.itemsize}"))


def is_float(dtype: np.dtype) -> bool:
    return dtype.kind == "f" or dtype.name in ("bfloat16", "float8_e4m3fn", "float8_e5m2")


def mismatch(lhs: np.ndarray, rhs: np.ndarray, policy: Policy) -> np.ndarray:
    """Boolean mask of the elements where `rhs` is not an acceptable value for `lhs`."""
    if lhs.shape != rhs.shape or lhs.dtype != rhs.dtype:
        return np.ones(lhs.shape, bool)
    if not is_float(lhs.dtype):
        return lhs != rhs
    wide_l = lhs.astype(np.float64)
    wide_r = rhs.astype(np.float64)
    both_nan = np.isnan(wide_l) & np.isnan(wide_r)
    if policy.tolerance:
        # Relative to the element, plus an absolute term relative to the largest result, so that
        # values that cancel out (a sum near 0 of terms near 1) get the terms' rounding error.
        rtol, atol = (1e-12, 1e-13) if lhs.dtype == np.float64 else (1e-5, 1e-6)
        if lhs.dtype.itemsize == 2:
            rtol, atol = 1e-2, 1e-3
        finite = np.isfinite(wide_l)
        scale = max(1.0, float(np.max(np.abs(wide_l[finite]))) if finite.any() else 1.0)
        with np.errstate(invalid="ignore"):
            close = np.abs(wide_l - wide_r) <= atol * scale + rtol * np.abs(wide_l)
        same_special = ~finite & (wide_l == wide_r)
        return ~(close | same_special | both_nan)
    ok = (_bits(lhs) == _bits(rhs)) | both_nan
    if not policy.signed_zero:
        ok |= (wide_l == 0) & (wide_r == 0)
    return ~ok


@dataclass
class Counterexample:
    output: int
    index: tuple[int, ...]
    inputs: list[object]
    lhs: object
    rhs: object

    def __str__(self) -> str:
        where = f"result #{self.output}{list(self.index)}"
        return f"{where}: inputs {self.inputs} -> LHS {self.lhs!r}, RHS {self.rhs!r}"


@dataclass
class NumericResult:
    counterexamples: list[Counterexample] = field(default_factory=list)
    checked: int = 0


def _element(a: np.ndarray, index: tuple[int, ...]) -> object:
    if a.ndim == 0:
        return a.item()
    try:
        return a[index].item()
    except IndexError:
        return a.reshape(-1)[0].item()


@dataclass
class CompiledPair:
    """The LHS and RHS of one lit case, compiled once and run on any number of input sets."""

    lhs: Program
    rhs: Program
    exe_lhs: object = None
    exe_rhs: object = None

    def compile(self) -> CompiledPair:
        if self.exe_lhs is None:
            self.exe_lhs, self.exe_rhs = compile_program(self.lhs), compile_program(self.rhs)
        return self


def compare_programs(pair: CompiledPair, policy: Policy, seed_text: str, limit: int = 3) -> NumericResult:
    """Run both programs on the same inputs; collect elements where they disagree."""
    lhs, rhs = pair.lhs, pair.rhs
    assert lhs.arg_types == rhs.arg_types, (lhs.arg_types, rhs.arg_types)
    pair.compile()
    result = NumericResult()
    for args in input_sets(lhs, policy, seed_text):
        out_l, out_r = run(pair.exe_lhs, lhs, args), run(pair.exe_rhs, rhs, args)
        assert len(out_l) == len(out_r)
        for k, (a, b) in enumerate(zip(out_l, out_r, strict=True)):
            bad = mismatch(a, b, policy)
            result.checked += a.size
            for index in zip(*np.nonzero(np.atleast_1d(bad)), strict=False):
                if len(result.counterexamples) >= limit:
                    return result
                idx = tuple(int(i) for i in index) if a.ndim else ()
                inputs = [_element(x, idx) if x.shape == a.shape else x.tolist() for x in args]
                result.counterexamples.append(
                    Counterexample(k, idx, inputs, _element(a, idx), _element(b, idx))
                )
    return result
