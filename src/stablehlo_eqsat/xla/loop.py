"""Timing inside a loop: the time of a program's kernels without the cost of a call.

A call of an XLA CPU executable costs several microseconds before any kernel runs (argument
hand-off, the thunk executor, the wait). The matrix products of a small transformer block take
less than one; timed a call at a time, their differences drown in the call's own spread. Here the
program runs `n` times inside one `stablehlo.while`, `n` a parameter of the executable, and its
time is the slope between two trip counts: the call's cost cancels, and what is left is the
program's kernels. The loop's own cost per iteration is close to nothing: a looped program that
negates one element measured 0.01 us per iteration on a 2-core EPYC VM, where a call of it costs
~10 us.

    exe = xla.compile_module(loop_module(text))
    seconds = loop_seconds([exe], [inputs])[0]      # per execution of text's @main

Each iteration depends on the one before (the first element of the first result, times zero, is
written into every parameter), so XLA can neither hoist the program out of the loop nor run two
iterations at once; every result is carried, so none is dead.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

import numpy as np
from jaxlib.mlir import ir

from stablehlo_eqsat.xla.runtime import XlaError, _context, device_arrays, main_function

BODY = "loop_body"


def _zero(element: str) -> str:
    if element == "i1":
        return "false"
    return "0.0" if element.startswith(("f", "bf")) else "0"


def _tensor(shape: Sequence[int], element: str) -> str:
    return f"tensor<{''.join(f'{d}x' for d in shape)}{element}>"


def loop_module(text: str) -> str:
    """A module whose `@main(%n: tensor<i32>, params...)` runs `text`'s `@main` `n + 1` times (once
    before the loop, then `n` times in it) and returns the results of the last run. `XlaError` for
    a `@main` whose results are not static tensors or whose element types the loop cannot carry
    (complex)."""
    with _context():
        module = ir.Module.parse(text)
        fn = main_function(module)
        ftype = ir.FunctionType(ir.TypeAttr(fn.attributes["function_type"]).value)
        params = [ir.RankedTensorType(t) for t in ftype.inputs]
        results = [ir.RankedTensorType(t) for t in ftype.results]
        if not results or not all(t.has_static_shape for t in [*params, *results]):
            raise XlaError("only a @main with static tensor parameters and results can be looped")
        fn.attributes["sym_name"] = ir.StringAttr.get(BODY)
        fn.attributes["sym_visibility"] = ir.StringAttr.get("private")
        elements = [str(t.element_type) for t in [*params, *results]]
        if any(e.startswith("complex") for e in elements):
            raise XlaError("complex values are not looped")
        head = str(module).rstrip()
    assert head.endswith("}")
    p_tys = [_tensor(t.shape, str(t.element_type)) for t in params]
    r_tys = [_tensor(t.shape, str(t.element_type)) for t in results]
    k, m = len(params), len(results)
    i32 = "tensor<i32>"
    carried = [i32, i32, *p_tys, *r_tys]
    lines = [f"func.func public @main(%n: {i32}{''.join(f', %p{j}: {t}' for j, t in enumerate(p_tys))})"]
    lines[0] += f" -> ({', '.join(r_tys)}) {{"
    lines.append(f"  %i0 = stablehlo.constant dense<0> : {i32}")
    # The carried results start as one run's (a constant cost per call, which the slope leaves
    # out): zeros to start from would be one more kernel to compile (~10 ms of a looped product's
    # ~45 ms compile).
    signature = f"({', '.join(p_tys)}) -> ({', '.join(r_tys)})"

    def call(prefix: str) -> str:
        return f"func.call @{BODY}({', '.join(f'{prefix}{j}' for j in range(k))}) : {signature}"

    lines.append(f"  %r:{m} = {call('%p')}" if m > 1 else f"  %r = {call('%p')}")
    firsts = [f"%r#{j}" for j in range(m)] if m > 1 else ["%r"]
    inits = ["%i0", "%n", *(f"%p{j}" for j in range(k)), *firsts]
    names = ["%i", "%m", *(f"%a{j}" for j in range(k)), *(f"%b{j}" for j in range(m))]
    pairs = ", ".join(f"{n} = {v}" for n, v in zip(names, inits, strict=True))
    lines.append(f"  %w:{len(carried)} = stablehlo.while({pairs}) : {', '.join(carried)}")
    lines.append("   cond {")
    lines.append(f"    %c = stablehlo.compare LT, %i, %m : ({i32}, {i32}) -> tensor<i1>")
    lines.append("    stablehlo.return %c : tensor<i1>")
    lines.append("  } do {")
    lines.append(f"    %o:{m} = {call('%a')}" if m > 1 else f"    %o = {call('%a')}")
    first = "%o#0" if m > 1 else "%o"
    e0, shape0 = str(results[0].element_type), list(results[0].shape)
    scalar0 = f"tensor<{e0}>"
    if shape0:
        one = _tensor([1] * len(shape0), e0)
        bounds = ", ".join("0:1" for _ in shape0)
        lines.append(f"    %s1 = stablehlo.slice {first} [{bounds}] : ({r_tys[0]}) -> {one}")
        lines.append(f"    %s2 = stablehlo.reshape %s1 : ({one}) -> {scalar0}")
    else:
        copy = "not" if e0 == "i1" else "negate"  # (any op: the value is multiplied by zero)
        lines.append(f"    %s2 = stablehlo.{copy} {first} : {scalar0}")
    lines.append(f"    %zz = stablehlo.constant dense<{_zero(e0)}> : {scalar0}")
    times_zero = "and" if e0 == "i1" else "multiply"
    lines.append(f"    %s3 = stablehlo.{times_zero} %s2, %zz : {scalar0}")
    lines.append("    %zi = stablehlo.constant dense<0> : tensor<i32>")
    for j, t in enumerate(params):
        e = str(t.element_type)
        scalar = f"tensor<{e}>"
        value = "%s3"
        if e != e0:
            lines.append(f"    %v{j} = stablehlo.convert %s3 : ({scalar0}) -> {scalar}")
            value = f"%v{j}"
        if t.rank:
            one = _tensor([1] * t.rank, e)
            idx = ", ".join(["%zi"] * t.rank)
            lines.append(f"    %u{j} = stablehlo.reshape {value} : ({scalar}) -> {one}")
            lines.append(
                f"    %n{j} = stablehlo.dynamic_update_slice %a{j}, %u{j}, {idx} : "
                f"({p_tys[j]}, {one}, {', '.join([i32] * t.rank)}) -> {p_tys[j]}"
            )
        else:
            op = "or" if e == "i1" else "add"
            lines.append(f"    %n{j} = stablehlo.{op} %a{j}, {value} : {scalar}")
    lines.append(f"    %one = stablehlo.constant dense<1> : {i32}")
    lines.append(f"    %next = stablehlo.add %i, %one : {i32}")
    outs = [f"%o#{j}" if m > 1 else "%o" for j in range(m)]
    returned = ["%next", "%m", *(f"%n{j}" for j in range(k)), *outs]
    lines.append(f"    stablehlo.return {', '.join(returned)} : {', '.join(carried)}")
    lines.append("  }")
    finals = [f"%w#{2 + k + j}" for j in range(m)]
    lines.append(f"  return {', '.join(finals)} : {', '.join(r_tys)}")
    lines.append("}")
    out = head[:-1] + "\n".join(lines) + "\n}\n"
    with _context():
        looped = ir.Module.parse(out)
        looped.operation.verify()
    return out


def _trip_args(executable: Any, n: int, inputs: Sequence[np.ndarray]) -> list[Any]:
    return device_arrays(executable, [np.array(n, np.int32), *inputs])


def trip_counts(executable: Any, inputs: Sequence[np.ndarray], seconds: float = 1e-3) -> tuple[int, int]:
    """Two trip counts for `loop_seconds`: the larger makes one execution last about `seconds`
    (2 to 20,000 iterations), the smaller a quarter of it. An iteration's time is judged from
    executions of 1 and of 65 iterations (one of 1 alone is mostly the call), the fastest of three
    each: one slow call would otherwise make the loops too short to time."""
    import time

    import jax

    def seconds_of(n: int) -> float:
        args = _trip_args(executable, n, inputs)
        start = time.perf_counter()
        jax.block_until_ready(executable.execute(args))
        return time.perf_counter() - start

    seconds_of(1)  # (the first execution is slower)
    one, many = (min(seconds_of(n) for _ in range(3)) for n in (1, 65))
    per = max((many - one) / 64, 1e-8)
    high = max(2, min(20_000, math.ceil(seconds / per)))
    return max(1, high // 4), high


def loop_seconds(
    executables: Sequence[Any],
    inputs_each: Sequence[Sequence[np.ndarray]],
    *,
    rounds: int = 9,
    trips: tuple[int, int] | None = None,
    warmup: int = 2,
) -> list[float]:
    """Seconds per iteration of each looped executable (`loop_module`) on its inputs (without the
    trip count): the median over interleaved rounds of the slope between two trip counts (one
    pair for all, from the first executable unless given), after `warmup` executions of each
    (an execution runs many iterations: a few warm its kernels up)."""
    from stablehlo_eqsat.xla.timing import time_interleaved

    low, high = trips or trip_counts(executables[0], inputs_each[0])
    exes, args = [], []
    for exe, inputs in zip(executables, inputs_each, strict=True):
        exes += [exe, exe]
        args += [_trip_args(exe, low, inputs), _trip_args(exe, high, inputs)]
    samples, _ = time_interleaved(exes, args[0], rounds=rounds, max_batch=4, warmup=warmup, args_each=args)
    out = []
    for j in range(0, len(samples), 2):
        slopes = [(b - a) / (high - low) for a, b in zip(samples[j].wall, samples[j + 1].wall, strict=True)]
        out.append(statistics.median(slopes))
    return out
