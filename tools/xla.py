"""XLA CPU helpers: compile StableHLO, run it on numpy arrays, and build runnable test harnesses.

    exe = compile_module(text)                       # StableHLO text or an `ir.Module`
    outs = run(exe, inputs)                          # numpy in, numpy out
    inputs = random_inputs(arg_types_of(text), seed=0)
    h = make_harness(corpus_text)                    # @inputs() constants -> parameters, no check.* ops
    compare_outputs(run(compile_module(h.text), h.inputs), ...)   # bit for bit, or within a tolerance

The StableHLO interpreter test data (`stablehlo/testdata`) checks its results with side-effecting
`stablehlo.custom_call @check.*` ops that XLA cannot run, and feeds its inputs as constants from a
private `@inputs()` function (which an optimizer could constant-fold). `make_harness` removes the
checks and turns the results of `call @inputs()` into parameters of `@main`; the actual input values
come from compiling and running `@inputs` itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ml_dtypes
import numpy as np
from jaxlib.mlir import ir

# MLIR element type name -> numpy dtype (ml_dtypes supplies the narrow floats and ints).
_DTYPES: dict[str, Any] = {
    "i1": np.bool_,
    "i2": ml_dtypes.int2,
    "i4": ml_dtypes.int4,
    "i8": np.int8,
    "i16": np.int16,
    "i32": np.int32,
    "i64": np.int64,
    "ui2": ml_dtypes.uint2,
    "ui4": ml_dtypes.uint4,
    "ui8": np.uint8,
    "ui16": np.uint16,
    "ui32": np.uint32,
    "ui64": np.uint64,
    "bf16": ml_dtypes.bfloat16,
    "f16": np.float16,
    "f32": np.float32,
    "f64": np.float64,
    "f8E4M3FN": ml_dtypes.float8_e4m3fn,
    "f8E5M2": ml_dtypes.float8_e5m2,
    "f8E4M3FNUZ": ml_dtypes.float8_e4m3fnuz,
    "f8E5M2FNUZ": ml_dtypes.float8_e5m2fnuz,
    "f8E4M3B11FNUZ": ml_dtypes.float8_e4m3b11fnuz,
    "complex<f32>": np.complex64,
    "complex<f64>": np.complex128,
}


class XlaError(Exception):
    """XLA could not compile or run a module."""


def add_dispatch_option(parser: Any) -> None:
    """`--dispatch sync|async` for the timing tools (apply it with `use_dispatch`)."""
    parser.add_argument(
        "--dispatch",
        default="sync",
        choices=("sync", "async"),
        help="run each execution in the calling thread (sync, default: a sample times the program "
        "alone; samples spread 3-7%% on a quiet 2-core VM) or through JAX's asynchronous CPU "
        "dispatch (jax.jit's default: its dispatch thread competes with XLA's for the cores, "
        "15-45%%)",
    )


def use_dispatch(mode: str) -> None:
    """Synchronous or asynchronous CPU dispatch: call before JAX creates its CPU client (it reads
    the setting then)."""
    import jax

    jax.config.update("jax_cpu_enable_async_dispatch", mode == "async")


def numpy_dtype(element_type: str | ir.Type) -> np.dtype[Any]:
    """The numpy dtype of an MLIR element type (`f32`, `bf16`, `ui8`, `complex<f64>`...)."""
    name = str(element_type)
    if name not in _DTYPES:
        raise XlaError(f"no numpy dtype for element type {name}")
    return np.dtype(_DTYPES[name])


@dataclass(frozen=True)
class ArgType:
    """The static shape and element type of one parameter."""

    shape: tuple[int, ...]
    dtype: np.dtype[Any]


def arg_type(t: ir.Type) -> ArgType:
    """`ArgType` of a static ranked tensor type; `XlaError` for anything else."""
    if not isinstance(t, ir.RankedTensorType) or not t.has_static_shape:
        raise XlaError(f"parameter type {t} is not a static ranked tensor")
    return ArgType(tuple(t.shape), numpy_dtype(t.element_type))


def _context() -> ir.Context:
    from stablehlo_eqsat.dialect_glue.context import make_context

    return make_context()


def _main(module: ir.Module) -> ir.Operation:
    for op in module.body.operations:
        o = op.operation
        if o.name == "func.func" and ir.StringAttr(o.attributes["sym_name"]).value == "main":
            return o
    raise XlaError("module has no @main")


def arg_types_of(module: str | ir.Module) -> list[ArgType]:
    """Parameter types of the module's `@main`."""
    if isinstance(module, ir.Module):
        fn = _main(module)
        return [
            arg_type(t) for t in ir.FunctionType(ir.TypeAttr(fn.attributes["function_type"]).value).inputs
        ]
    with _context():
        return arg_types_of(ir.Module.parse(module))


# -- compile and run -------------------------------------------------------------------------------
def compile_module(module: str | ir.Module) -> Any:
    """Compile StableHLO text (or an `ir.Module`) for the first CPU device; returns the executable."""
    import jax.extend
    from jax._src import compiler
    from jax._src.lib import xla_client as xc

    backend = jax.extend.backend.get_backend("cpu")
    devices = xc.DeviceList(tuple(backend.local_devices()[:1]))
    options = compiler.get_compile_options(num_replicas=1, num_partitions=1)
    text = module if isinstance(module, str) else str(module)
    try:
        return backend.compile_and_load(text, devices, options)
    except Exception as e:  # jaxlib raises its own XlaRuntimeError
        raise XlaError(f"XLA compile failed: {str(e).splitlines()[0] if str(e) else type(e).__name__}") from e


def run(executable: Any, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Execute a compiled module on numpy inputs; returns its results as numpy arrays."""
    import jax

    device = executable.local_devices()[0]
    try:
        # 64-bit values must reach the device as they are (jax would canonicalize them to 32 bits).
        with jax.enable_x64(True):
            args = [jax.device_put(np.asarray(a), device) for a in inputs]
        outs = executable.execute(args)
        return [np.asarray(o) for o in outs]
    except Exception as e:
        raise XlaError(
            f"XLA execution failed: {str(e).splitlines()[0] if str(e) else type(e).__name__}"
        ) from e


def compile_and_run(module: str | ir.Module, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    return run(compile_module(module), inputs)


# -- inputs ----------------------------------------------------------------------------------------
def random_array(t: ArgType, rng: np.random.Generator) -> np.ndarray:
    """Normal floats (and complex), integers in a small range, fair booleans."""
    dt = t.dtype
    if dt == np.bool_:
        return rng.integers(0, 2, size=t.shape).astype(np.bool_)
    if dt.kind == "c":
        return (rng.standard_normal(t.shape) + 1j * rng.standard_normal(t.shape)).astype(dt)
    if dt.kind in "iu" or (dt.kind == "V" and "int" in dt.name):
        lo = 0 if (dt.kind == "u" or dt.name.startswith("uint")) else -8
        return rng.integers(lo, 8, size=t.shape).astype(dt)
    # float kinds, including ml_dtypes' bfloat16 / float8 (numpy kind "V")
    return rng.standard_normal(t.shape).astype(np.float32).astype(dt)


def random_inputs(types: Sequence[ArgType], seed: int = 0) -> list[np.ndarray]:
    """Deterministic random arrays for a signature."""
    rng = np.random.default_rng(seed)
    return [random_array(t, rng) for t in types]


# -- comparison ------------------------------------------------------------------------------------
def _bits(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    return a.reshape(-1).view(np.uint8)


def _nan_mask(a: np.ndarray) -> np.ndarray | None:
    dt = a.dtype
    if dt.kind in "fc" or (dt.kind == "V" and "float" in dt.name):
        if dt.kind == "c":
            return np.isnan(a.real) | np.isnan(a.imag)
        return np.isnan(a.astype(np.float64)) if dt.kind == "V" else np.isnan(a)
    return None


def arrays_equal(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit-for-bit equality, except that any NaN equals any NaN (payloads and signs may differ)."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if np.array_equal(_bits(a), _bits(b)):
        return True
    na, nb = _nan_mask(a), _nan_mask(b)
    if na is None or nb is None or not np.array_equal(na, nb):
        return False
    keep = ~na
    return np.array_equal(_bits(a[keep]), _bits(b[keep]))


def arrays_close(a: np.ndarray, b: np.ndarray, rtol: float) -> bool:
    """Equal within `rtol`, measured against the scale of the result: every element of `a` is within
    `rtol * max(|b[i]|, scale)` of `b`, where `scale` is the largest finite magnitude in `b` (at
    least 1). NaNs equal NaNs, infinities must match exactly.

    The scale term is what makes this the right test for rewrites that reorder sums
    (`reassoc`): their rounding error is bounded by the magnitudes of the summed terms, not by the
    sum, so an element where large terms cancel can be off by far more than `rtol` of itself while
    the result as a whole agrees to `rtol` (a normwise relative error). XLA's own kernels are held
    to no more: its float32 convolution is off by 2.4e-4 of itself against a float64 reference at
    one element of the corpus module `conv_general_dilated_float32_2_9_10_3_float32_4_5_3_3`, and
    by 1.6e-7 of the result's scale.
    """
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind not in "fc" and not (a.dtype.kind == "V" and "float" in a.dtype.name):
        return np.array_equal(a, b)
    wide = np.complex128 if a.dtype.kind == "c" else np.float64
    wa, wb = a.astype(wide), b.astype(wide)
    return bool(np.allclose(wa, wb, rtol=rtol, atol=rtol * _scale(wb), equal_nan=True))


def _scale(values: np.ndarray) -> float:
    """The scale a tolerance is relative to: the largest finite magnitude, at least 1."""
    finite = np.abs(values[np.isfinite(values)])
    return max(1.0, float(finite.max())) if finite.size else 1.0


def compare_outputs(
    expected: Sequence[np.ndarray], actual: Sequence[np.ndarray], rtol: float | None = None
) -> str | None:
    """None when the results agree (bit for bit, or within `rtol`); otherwise the first difference."""
    if len(expected) != len(actual):
        return f"{len(actual)} results instead of {len(expected)}"
    for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
        if e.dtype != a.dtype or e.shape != a.shape:
            return f"result {i}: {a.dtype}{list(a.shape)} instead of {e.dtype}{list(e.shape)}"
        ok = arrays_equal(e, a) if rtol is None else arrays_close(e, a, rtol)
        if not ok:
            where = _first_difference(e, a) if rtol is None else _worst_difference(e, a)
            return f"result {i} differs{where}"
    return None


def _worst_difference(e: np.ndarray, a: np.ndarray) -> str:
    """Where `a` is furthest from `e`, relative to the scale `arrays_close` uses."""
    try:
        we, wa = e.astype(np.float64).reshape(-1), a.astype(np.float64).reshape(-1)
        with np.errstate(invalid="ignore"):
            err = np.abs(wa - we) / np.maximum(np.abs(we), _scale(we))
        same = (wa == we) | (np.isnan(wa) & np.isnan(we))
        err = np.where(same, 0.0, np.where(np.isnan(err), np.inf, err))
        j = int(np.argmax(err))
        return f" at flat index {j}: {wa[j]!r} instead of {we[j]!r} ({err[j]:.2g} of the result's scale)"
    except Exception:
        return _first_difference(e, a)


# -- a float64 referee ---------------------------------------------------------------------------------
_F32 = re.compile(r"(?<=[x<\s(,:])f32(?![\w.])")
# Ops whose meaning depends on the width of a float (bit patterns, random bits), and literals
# written as bit patterns: a module with any of them is not widened.
_NOT_WIDENED = re.compile(r"bitcast_convert|rng|custom_call|reduce_precision|(?<=[<\"\s(,])0x[0-9A-Fa-f]")


def widen_f32(text: str) -> str | None:
    """`text` with every `f32` made `f64`: the same program evaluated in double precision, a
    reference for how accurate a float32 program is. None when that would change what the program
    means (bit casts, random bits, custom calls, literals written as bit patterns) or the widened
    module does not verify."""
    if _NOT_WIDENED.search(text):
        return None
    wide = _F32.sub("f64", text)
    try:
        with _context():
            ir.Module.parse(wide).operation.verify()
    except ir.MLIRError:
        return None
    return wide


def normwise_error(x: np.ndarray, reference: np.ndarray) -> float:
    """Largest difference from `reference` over the reference's scale (`_scale`); infinite where a
    NaN or infinity of the reference is not matched."""
    r, v = reference.astype(np.float64), x.astype(np.float64)
    finite = np.isfinite(r)
    if not np.array_equal(r[~finite], v[~finite], equal_nan=True):
        return float("inf")
    if not finite.any():
        return 0.0
    with np.errstate(invalid="ignore"):
        err = np.abs(v[finite] - r[finite])
    return float(np.nan_to_num(err, nan=np.inf).max()) / _scale(r)


def _first_difference(e: np.ndarray, a: np.ndarray) -> str:
    try:
        flat_e, flat_a = e.reshape(-1), a.reshape(-1)
        for j in range(flat_e.size):
            if not arrays_equal(flat_e[j : j + 1], flat_a[j : j + 1]):
                return f" at flat index {j}: {flat_a[j]!r} instead of {flat_e[j]!r}"
    except Exception:
        pass
    return ""


# -- harness for the StableHLO interpreter test data -----------------------------------------------
_CHECK_PREFIX = "check."


@dataclass
class Harness:
    """A runnable version of a test-data module: `@main(inputs...)` returning its results."""

    text: str
    inputs: list[np.ndarray]


def _callee(op: ir.Operation) -> str | None:
    if op.name != "func.call":
        return None
    return ir.FlatSymbolRefAttr(op.attributes["callee"]).value


def _is_check(op: ir.Operation) -> bool:
    if op.name.startswith(_CHECK_PREFIX):  # "check.expect_eq_const"(...) with unregistered dialects
        return True
    if op.name == "stablehlo.custom_call":
        target = ir.StringAttr(op.attributes["call_target_name"]).value
        return target.startswith(_CHECK_PREFIX)
    return False


def harness_module(module: ir.Module) -> int:
    """Rewrite `module` in place: `call @inputs()` results become `@main` parameters (appended after
    any existing ones), `check.*` ops and then-unused calls are removed. Returns how many times
    `@inputs` was called (`inputs_module` gives the values of one call)."""
    main = _main(module)
    entry = main.regions[0].blocks[0]
    n_calls = 0
    n_args_before = len(entry.arguments)
    for op_view in list(entry.operations):
        op = op_view.operation
        if _callee(op) == "inputs":
            n_calls += 1
            for r in op.results:
                r.replace_all_uses_with(entry.add_argument(r.type, op.location))
            op.erase()
        elif _is_check(op):
            op.erase()
    # Calls whose results are no longer used (`@expected()`): drop them so the module stays small.
    for op_view in list(entry.operations):
        op = op_view.operation
        if _callee(op) is not None and all(not list(r.uses) for r in op.results) and len(op.results):
            op.erase()
    fn_type = ir.FunctionType(ir.TypeAttr(main.attributes["function_type"]).value)
    new_type = ir.FunctionType.get([a.type for a in entry.arguments], list(fn_type.results))
    main.attributes["function_type"] = ir.TypeAttr.get(new_type)
    if "arg_attrs" in main.attributes:
        old = list(ir.ArrayAttr(main.attributes["arg_attrs"]))
        empty = ir.DictAttr.get({})
        main.attributes["arg_attrs"] = ir.ArrayAttr.get(
            old + [empty] * (len(entry.arguments) - n_args_before)
        )
    return n_calls


def inputs_module(module: ir.Module) -> ir.Module:
    """A copy of `module` whose public `@main` is the original `@inputs` (and nothing calls main)."""
    copy = ir.Module.parse(str(module), module.context)
    old_main = _main(copy)
    old_main.erase()
    for op in copy.body.operations:
        o = op.operation
        if o.name == "func.func" and ir.StringAttr(o.attributes["sym_name"]).value == "inputs":
            o.attributes["sym_name"] = ir.StringAttr.get("main")
            o.attributes["sym_visibility"] = ir.StringAttr.get("public")
            return copy
    raise XlaError("module calls @inputs but has no @inputs")


def make_harness(text: str, *, allow_unregistered: bool = False, seed: int = 0) -> Harness:
    """Build the runnable form of a test-data module and its input values.

    Inputs of `@main` that did not come from `@inputs` (modules with parameters) get seeded
    random values.
    """
    from stablehlo_eqsat.dialect_glue.context import make_context

    ctx = make_context(allow_unregistered=allow_unregistered)
    with ctx, ir.Location.unknown():
        module = ir.Module.parse(text)
        main = _main(module)
        n_params = len(main.regions[0].blocks[0].arguments)
        original = ir.Module.parse(str(module))
        n_calls = harness_module(module)
        module.operation.verify()
        types = [arg_type(a.type) for a in _main(module).regions[0].blocks[0].arguments]
        inputs = random_inputs(types[:n_params], seed)
        if n_calls:
            inputs += compile_and_run(inputs_module(original), []) * n_calls
        if len(inputs) != len(types):
            raise XlaError(f"@inputs gave {len(inputs) - n_params} values for {len(types) - n_params} uses")
        for i, (t, v) in enumerate(zip(types, inputs, strict=True)):
            if v.dtype != t.dtype or v.shape != t.shape:
                raise XlaError(f"input {i}: {v.dtype}{list(v.shape)} instead of {t.dtype}{list(t.shape)}")
        return Harness(str(module), inputs)


_DYNAMIC = re.compile(r"tensor<[^>]*\?")


def is_static_text(text: str) -> bool:
    """A quick textual test: no `?` dimensions anywhere in the module."""
    return _DYNAMIC.search(text) is None


__all__ = [
    "ArgType",
    "Harness",
    "XlaError",
    "arg_type",
    "arg_types_of",
    "arrays_close",
    "arrays_equal",
    "compare_outputs",
    "compile_and_run",
    "compile_module",
    "harness_module",
    "inputs_module",
    "is_static_text",
    "make_harness",
    "numpy_dtype",
    "random_inputs",
    "run",
]
