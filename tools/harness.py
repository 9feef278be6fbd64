"""Runnable forms of the StableHLO interpreter's test data (`stablehlo/testdata`).

Those modules check their results with side-effecting `stablehlo.custom_call @check.*` ops that
XLA cannot run, and feed their inputs as constants from a private `@inputs()` function (which an
optimizer could constant-fold). `make_harness` removes the checks and turns the results of
`call @inputs()` into parameters of `@main`; the actual input values come from compiling and
running `@inputs` itself.

    h = make_harness(corpus_text)
    xla.compare_outputs(xla.compile_and_run(h.text, h.inputs), ...)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from jaxlib.mlir import ir

from stablehlo_eqsat.xla import XlaError, arg_type, compile_and_run, main_function, random_inputs

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
    main = main_function(module)
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
    old_main = main_function(copy)
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
        main = main_function(module)
        n_params = len(main.regions[0].blocks[0].arguments)
        original = ir.Module.parse(str(module))
        n_calls = harness_module(module)
        module.operation.verify()
        types = [arg_type(a.type) for a in main_function(module).regions[0].blocks[0].arguments]
        inputs = random_inputs(types[:n_params], seed)
        if n_calls:
            inputs += compile_and_run(inputs_module(original), []) * n_calls
        if len(inputs) != len(types):
            raise XlaError(f"@inputs gave {len(inputs) - n_params} values for {len(types) - n_params} uses")
        for i, (t, v) in enumerate(zip(types, inputs, strict=True)):
            if v.dtype != t.dtype or v.shape != t.shape:
                raise XlaError(f"input {i}: {v.dtype}{list(v.shape)} instead of {t.dtype}{list(t.shape)}")
        return Harness(str(module), inputs)
