"""Execution on XLA: compile, run, time, compare, count. The pass's measurements and every tool
share it.

    from stablehlo_eqsat import xla
    exe = xla.compile_module(text)                         # runtime: compile, run, inputs
    outs = xla.run(exe, xla.random_inputs(xla.arg_types_of(text)))
    xla.compare_outputs(expected, outs, rtol=1e-5)         # compare: bitwise or normwise
    samples, batch = xla.time_interleaved([a, b], args, rounds=30)   # timing: the one timer
    xla.fusions(exe), xla.count_ops(text)                  # counts

jax (XLA's runtime) is imported on first use, not with this package.
"""

from stablehlo_eqsat.xla.compare import (
    arrays_close,
    arrays_equal,
    compare_outputs,
    normwise_error,
    relative_error,
    widen_f32,
)
from stablehlo_eqsat.xla.counts import count_ops, fusions, hlo_fingerprint, op_histogram
from stablehlo_eqsat.xla.runtime import (
    ArgType,
    XlaError,
    add_dispatch_option,
    arg_type,
    arg_types_of,
    backend_name,
    compile_and_run,
    compile_module,
    device_arrays,
    is_static_text,
    main_function,
    numpy_dtype,
    random_array,
    random_inputs,
    run,
    use_dispatch,
)
from stablehlo_eqsat.xla.timing import Samples, median_seconds, ratio_quantile, time_interleaved

__all__ = [
    "ArgType",
    "Samples",
    "XlaError",
    "add_dispatch_option",
    "arg_type",
    "arg_types_of",
    "arrays_close",
    "arrays_equal",
    "backend_name",
    "compare_outputs",
    "compile_and_run",
    "compile_module",
    "count_ops",
    "device_arrays",
    "fusions",
    "hlo_fingerprint",
    "is_static_text",
    "main_function",
    "median_seconds",
    "normwise_error",
    "numpy_dtype",
    "op_histogram",
    "random_array",
    "random_inputs",
    "ratio_quantile",
    "relative_error",
    "run",
    "time_interleaved",
    "use_dispatch",
    "widen_f32",
]
