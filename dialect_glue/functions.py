"""A function among the other operations of its module: its symbol name, and the text of the
rest of the module (what a stored result or a standalone program of one function is keyed by
and built beside)."""

from __future__ import annotations

from jaxlib.mlir import ir


def symbol_name(op: ir.Operation) -> str:
    return ir.StringAttr(op.attributes["sym_name"]).value


def other_functions(func: ir.Operation) -> list[str]:
    """The texts of the operations of `func`'s module other than `func` itself."""
    name, parent = symbol_name(func), func.parent
    assert parent is not None, "a function outside a module"
    ops = [op.operation for op in parent.regions[0].blocks[0].operations]
    return [str(op) for op in ops if op.name != "func.func" or symbol_name(op) != name]
