"""Compile StableHLO with XLA and run it on numpy arrays; the parameter types of a module, and
deterministic random inputs for them.

    exe = compile_module(text)                       # StableHLO text or an `ir.Module`
    outs = run(exe, inputs)                          # numpy in, numpy out
    inputs = random_inputs(arg_types_of(text), seed=0)

XLA's runtime comes from jax, which is slow to import: it is imported on first use, never when
this module is.
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


def main_function(module: ir.Module) -> ir.Operation:
    """The module's `@main`; `XlaError` when it has none."""
    for op in module.body.operations:
        o = op.operation
        if o.name == "func.func" and ir.StringAttr(o.attributes["sym_name"]).value == "main":
            return o
    raise XlaError("module has no @main")


def arg_types_of(module: str | ir.Module) -> list[ArgType]:
    """Parameter types of the module's `@main`."""
    if isinstance(module, ir.Module):
        fn = main_function(module)
        return [
            arg_type(t) for t in ir.FunctionType(ir.TypeAttr(fn.attributes["function_type"]).value).inputs
        ]
    with _context():
        return arg_types_of(ir.Module.parse(module))


_DYNAMIC = re.compile(r"tensor<[^>]*\?")


def is_static_text(text: str) -> bool:
    """A quick textual test: no `?` dimensions anywhere in the module."""
    return _DYNAMIC.search(text) is None


# -- compile and run -------------------------------------------------------------------------------
def backend_name() -> str:
    """The platform jax runs on by default (`cpu`, `gpu`, ...)."""
    import jax

    return str(jax.default_backend())


def compile_module(module: str | ir.Module, backend: str = "cpu") -> Any:
    """Compile StableHLO text (or an `ir.Module`) for the first device of `backend`; returns the
    loaded executable."""
    import jax.extend
    from jax._src import compiler
    from jax._src.lib import xla_client as xc

    client = jax.extend.backend.get_backend(backend)
    devices = xc.DeviceList(tuple(client.local_devices()[:1]))
    options = compiler.get_compile_options(num_replicas=1, num_partitions=1)
    text = module if isinstance(module, str) else str(module)
    try:
        return client.compile_and_load(text, devices, options)
    except Exception as e:  # jaxlib raises its own XlaRuntimeError
        raise XlaError(f"XLA compile failed: {str(e).splitlines()[0] if str(e) else type(e).__name__}") from e


def device_arrays(executable: Any, inputs: Sequence[np.ndarray]) -> list[Any]:
    """`inputs` on the executable's device, 64-bit values as they are (jax would canonicalize
    them to 32 bits)."""
    import jax

    device = executable.local_devices()[0]
    with jax.enable_x64(True):
        return [jax.device_put(np.asarray(a), device) for a in inputs]


def run(executable: Any, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Execute a compiled module on numpy inputs; returns its results as numpy arrays."""
    try:
        outs = executable.execute(device_arrays(executable, inputs))
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
