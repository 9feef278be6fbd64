"""What a program is made of: its StableHLO ops before XLA, and its fusions and a fingerprint of
XLA's optimized HLO after."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from typing import Any

from jaxlib.mlir import ir

# Structure, not computation: not counted as ops.
_STRUCTURE = frozenset({"builtin.module", "func.func", "func.return", "stablehlo.return"})


def op_histogram(module: str | ir.Module) -> Counter[str]:
    """How many of each op the module's functions hold, nested regions included (functions,
    modules and terminators are not counted)."""
    if isinstance(module, str):
        from stablehlo_eqsat.dialect_glue.context import make_context

        with make_context(allow_unregistered=True):
            return op_histogram(ir.Module.parse(module))
    counts: Counter[str] = Counter()

    def visit(op: ir.Operation) -> ir.WalkResult:
        if op.name not in _STRUCTURE:
            counts[op.name] += 1
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    return counts


def count_ops(module: str | ir.Module) -> int:
    """Ops of the module's functions (`op_histogram`'s total)."""
    return sum(op_histogram(module).values())


def fusions(executable: Any) -> int:
    """`fusion` instructions in XLA's optimized HLO (every computation)."""
    return sum(
        1
        for comp in executable.hlo_modules()[0].computations()
        for inst in comp.instructions()
        if str(inst.opcode).endswith("kFusion")
    )


_DEF = re.compile(r"^\s*(ROOT\s+)?(%[\w.\-]+)\s*=\s*(.*)$")
_HEADER = re.compile(r"^\s*(ENTRY\s+)?(%[\w.\-]+)\s.*\{\s*$")
_REF = re.compile(r"%[\w.\-]+")


def hlo_fingerprint(executable: Any) -> str:
    """A hash of XLA's optimized HLO that ignores names, metadata and the order of independent
    instructions: each instruction hashes its opcode, shape, attributes and its operands' hashes
    (a Merkle hash), each computation the sorted hashes of its instructions and its root's. Two
    programs with the same fingerprint are the same program to XLA."""

    def h(text: str) -> str:
        return hashlib.sha1(text.encode()).hexdigest()[:16]

    text = executable.hlo_modules()[0].to_string()
    text = re.sub(r",? metadata=\{[^}]*\}", "", text)
    text = re.sub(r"/\*.*?\*/", "", text)
    known: dict[str, str] = {}
    comp: str | None = None
    entry = False
    body: list[str] = []
    root = ""
    entry_hash = ""
    for line in text.splitlines()[1:]:
        if comp is None:
            m = _HEADER.match(line)
            if m:
                comp, entry, body, root = m.group(2), bool(m.group(1)), [], ""
            continue
        if line.strip() == "}":
            known[comp] = h(root + "|" + ",".join(sorted(body)))
            if entry:
                entry_hash = known[comp]
            comp = None
            continue
        m = _DEF.match(line)
        if not m:
            continue
        rhs = _REF.sub(lambda r: known.get(r.group(0), "?"), m.group(3))
        known[m.group(2)] = h(rhs)
        body.append(known[m.group(2)])
        if m.group(1):
            root = known[m.group(2)]
    return entry_hash
