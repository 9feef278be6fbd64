"""Results decided by measuring, reused: a function whose result the measurement chose (timed
whole, or put in place on the model's decisive prediction from its measured ops) is stored
beside the timings (`Measurer`), keyed by its text, the module's other functions, the pass
options and this package's code; a later run where all of that is the same takes the stored
result (verified beside the other functions) instead of optimizing and measuring again."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
from pathlib import Path

from jaxlib.mlir import ir
from stablehlo_eqsat.dialect_glue.functions import other_functions, symbol_name
from stablehlo_eqsat.passes.config import EqsatConfig, ResultStore
from stablehlo_eqsat.passes.reports import FunctionReport, GraphReport

log = logging.getLogger(__name__)


@functools.cache
def code_version() -> str:
    """A digest of this package's library source and of the versions of the libraries it builds
    on: a stored result is reused only by the code that made it."""
    from importlib.metadata import version

    import stablehlo_eqsat
    import stablehlo_eqsat.xla as xla
    from stablehlo_eqsat import dialect_glue, passes, rules

    digest = hashlib.sha1("|".join(version(p) for p in ("jaxlib", "egglog")).encode())
    for package in (stablehlo_eqsat, dialect_glue, passes, rules, xla):
        for path in sorted(Path(package.__file__).parent.glob("*.py")):  # type: ignore[arg-type]
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def result_key(func: ir.Operation, config: EqsatConfig) -> str:
    """The key of `func`'s stored result: its text, the module's other functions, the options and
    the code."""
    digest = hashlib.sha1(f"result|{code_version()}|{config.options}".encode())
    for part in (str(func.get_asm(enable_debug_info=True)), *other_functions(func)):
        digest.update(b"\0")
        digest.update(part.encode())
    return f"result|{digest.hexdigest()[:32]}"


def store(func: ir.Operation, key: str, results: ResultStore, report: FunctionReport) -> None:
    """Keep `func` (the result now in place) and what decided it under `key`."""
    results.store_result(
        key,
        {
            "func": str(func.get_asm(enable_debug_info=True)),
            "graphs": [dataclasses.asdict(g) for g in report.graphs],
            "measured": {
                "ratio": report.measured_ratio,
                "kept_input": report.measured_kept_input,
                "choice": report.measured_choice,
                "candidates": report.measured_candidates,
                "decided_untimed": report.decided_untimed,
            },
        },
    )


def reuse(func: ir.Operation, key: str, results: ResultStore, report: FunctionReport) -> bool:
    """Put the stored result for `key` in place of `func`; False (and `func` untouched) when there
    is none or it does not parse and verify beside the module's other functions."""
    hit = results.result(key)
    if hit is None:
        return False
    try:
        name = symbol_name(func)
        with func.context:
            parsed = ir.Module.parse("module {\n" + "\n".join([*other_functions(func), hit["func"]]) + "\n}")
            parsed.operation.verify()
            stored = ir.SymbolTable(parsed.operation)[name].operation
            if stored.name != "func.func" or str(
                ir.FunctionType(ir.TypeAttr(stored.attributes["function_type"]).value)
            ) != str(ir.FunctionType(ir.TypeAttr(func.attributes["function_type"]).value)):
                raise ValueError("the stored function has another signature")
            stored.clone(ip=ir.InsertionPoint(func))
        graphs = [GraphReport.from_json(g) for g in hit["graphs"]]
        measured = hit["measured"]
    except Exception as e:  # a damaged or foreign entry: optimize as if there were none
        log.warning("stored result for @%s not used: %s", symbol_name(func), e)
        return False
    func.erase()
    report.reused, report.graphs = True, graphs
    report.measured_ratio, report.measured_kept_input = measured["ratio"], measured["kept_input"]
    report.measured_choice, report.measured_candidates = measured["choice"], dict(measured["candidates"])
    report.decided_untimed = measured.get("decided_untimed", False)
    return True
