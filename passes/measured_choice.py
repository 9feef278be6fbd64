"""Stage 5, choose by measuring: for a function with convolutions, the candidates `choose.py`
made (as extracted; unless that is clearly faster than the input, also only the confident
convolution rewrites and every convolution rewritten) are timed as whole functions on the
backend, and the fastest goes out if it is no slower than the input; if none is, the program
with every convolution kept (the other rewrites taken) is timed against the input next.

Per-op measurements price each convolution and its rewrites one at a time; what the rewrites
cost once XLA has fused (or failed to fuse) the whole function only a measurement of the whole
function says.
"""

from __future__ import annotations

import hashlib

from jaxlib.mlir import ir
from stablehlo_eqsat.dialect_glue.exporter import ExtractedGraph, replace_function
from stablehlo_eqsat.dialect_glue.functions import other_functions, symbol_name
from stablehlo_eqsat.dialect_glue.importer import ImportedFunction
from stablehlo_eqsat.passes.choose import CONFIDENT, CONVS_KEPT, CONVS_REWRITTEN
from stablehlo_eqsat.passes.config import ProgramRatio
from stablehlo_eqsat.passes.prepare import has_convolution
from stablehlo_eqsat.passes.reports import FunctionReport

_MEASURE_MAX_TERMS = 8000  # terms before and after together

# Below this relative difference a whole-function measurement is noise: the model's choice stands.
_MEASURE_NOISE = 0.01

# A function that the model, its convolutions and dots measured one at a time, predicts at least
# twice as fast goes out as extracted without being timed whole. Over the CNN functions of the zoo
# and of keras-hub's ResNet, the whole function measured 0.54-1.16x the time the model predicted,
# and the other candidates 0.9-1.0x the extracted one's time: a predicted 2x does not turn into a
# loss, and compiling the candidates is most of a first optimization (resnet18_64px: 18 s of 19).
DECISIVE_RATIO = 0.5

# The extracted program is timed whole first; measured at or below this ratio to the input, it
# goes out without the other candidates being compiled and timed (they measured 0.9-1.0x the
# extracted one wherever it won: the most they could add is about what their compiles cost a
# large CNN in a first optimization, resnet50_224: three compiles of ~1.2 s of its 10 s).
EXTRACTED_DECISIVE = 0.85


def worth_measuring(fn: ImportedFunction, extracted: dict[int, ExtractedGraph]) -> bool:
    """Whether the function has a convolution, before or after (the only op whose rewrites are
    checked by measuring), and is small enough to compile twice: XLA's compile time grows steeply
    past a few thousand ops."""
    graphs = [info.graph for info in fn.graphs.values()] + [eg.graph for eg in extracted.values()]
    if sum(len(g.terms) for g in graphs) > _MEASURE_MAX_TERMS:
        return False
    return has_convolution(graphs)


def replace_measured(
    fn: ImportedFunction,
    extracted: dict[int, ExtractedGraph],
    ratio: ProgramRatio,
    report: FunctionReport,
    decisive: float = 0.0,
) -> ir.Operation:
    """Put in place the fastest, as measured, of the extracted program and (unless it measured at
    most `EXTRACTED_DECISIVE` of the input's time) its alternatives with only the confident
    convolution rewrites and with every one rewritten, if it measures no slower than the input;
    otherwise the program with every convolution kept, if that measures no slower (timed next),
    or the input. Without a measurement (over budget, not runnable alone) the model's choice stands,
    and so it does, untimed, where the model predicts a time ratio after/before of at most
    `decisive`; where it predicts less than `_MEASURE_NOISE` of gain, the input stays, untimed.
    Returns the function now in place."""
    before, after = report.costs()
    if before > 0 and after <= decisive * before:
        report.decided_untimed = True
        return replace_function(fn, extracted)
    if before > 0 and after >= (1 - _MEASURE_NOISE) * before:
        # The model cannot tell the extracted program from the input: the input stays, untimed
        # (timing them whole cost conv_scan's scan body 0.3 s, to measure the change 1.024x).
        report.decided_untimed = report.measured_kept_input = True
        return fn.func

    def variant(name: str) -> dict[int, ExtractedGraph]:
        return {gid: e.alternatives.get(name, e) for gid, e in extracted.items()}

    names = {n for e in extracted.values() for n in e.alternatives}
    candidates = [("as extracted", extracted)]
    ratios = _time_candidates(fn, candidates, ratio)
    if ratios is None:  # not runnable on its own, or over budget: the model's choice stands
        return replace_function(fn, extracted)
    rest = [(name, variant(name)) for name in (*CONFIDENT, CONVS_REWRITTEN) if name in names]
    if ratios[0] > EXTRACTED_DECISIVE and rest:
        more = _time_candidates(fn, rest, ratio)
        if more is not None:
            candidates, ratios = candidates + rest, ratios + more
    for (label, _), r in zip(candidates, ratios, strict=True):
        report.measured_candidates[label] = r
    best = min(range(len(candidates)), key=lambda i: ratios[i])
    if ratios[best] <= 1.0 + _MEASURE_NOISE:
        report.measured_ratio, report.measured_choice = ratios[best], candidates[best][0]
        return replace_function(fn, candidates[best][1])
    report.measured_ratio, report.measured_kept_input = ratios[best], True
    if CONVS_KEPT not in names:
        return fn.func
    # Every convolution rewrite lost: the program with the convolutions kept and the other rewrites
    # taken is timed against the input in turn (its rewrites are changes too), and goes out only
    # if it is no slower.
    kept = variant(CONVS_KEPT)
    (kept_ratio,) = _time_candidates(fn, [(CONVS_KEPT, kept)], ratio) or (None,)
    if kept_ratio is not None:
        report.measured_candidates[CONVS_KEPT] = kept_ratio
        if kept_ratio > 1.0 + _MEASURE_NOISE:
            return fn.func
    report.measured_choice = CONVS_KEPT
    return replace_function(fn, kept)


def _time_candidates(
    fn: ImportedFunction, candidates: list[tuple[str, dict[int, ExtractedGraph]]], ratio: ProgramRatio
) -> list[float] | None:
    """Each candidate's measured time over the input's (`ratio`: timed together, cached); None
    when they cannot be timed. The candidates are identified by their term graphs (cheap); only
    on a cache miss is each built next to the function (verified), printed and dropped again."""
    old_text = str(fn.func)
    digest = hashlib.sha1()
    others = other_functions(fn.func)
    for text in (old_text, *others):
        digest.update(text.encode())
        digest.update(b"\0")
    for _, candidate in candidates:
        for gid in sorted(candidate):
            digest.update(candidate[gid].graph.program_key().encode())
        digest.update(b"\1")

    def programs() -> list[str]:
        bodies: list[str] = []

        def capture(old: ir.Operation, new: ir.Operation) -> bool:
            bodies.append(str(new))
            return False

        for _, candidate in candidates:
            replace_function(fn, candidate, capture)
        return [standalone_module(fn.func, b, others) for b in (old_text, *bodies)]

    return ratio(digest.hexdigest()[:32], programs)


def standalone_module(func: ir.Operation, body: ir.Operation | str, others: list[str] | None = None) -> str:
    """Text of a module that XLA can compile and run: the functions of `func`'s module, with `body`
    (a function, or its text) standing for `func` as the public `@main` (a former `@main`
    renamed). `func` and `body` may be the same; other functions with `func`'s name are left out.
    `others`: the texts of the module's other operations, if already at hand (`other_functions`)."""
    import stablehlo_eqsat.xla as xla

    name = symbol_name(func)
    parts = [*(other_functions(func) if others is None else others), str(body)]
    with func.context:
        module = ir.Module.parse("module {\n" + "\n".join(parts) + "\n}")
        table = ir.SymbolTable(module.operation)
        if name != "main":
            if "main" in table:
                taken = {symbol_name(o.operation) for o in module.body.operations}
                spare = next(f"main_{i}" for i in range(len(taken) + 1) if f"main_{i}" not in taken)
                ir.SymbolTable.replace_all_symbol_uses("main", spare, module.operation)
                ir.SymbolTable.set_symbol_name(table["main"], spare)
            ir.SymbolTable.replace_all_symbol_uses(name, "main", module.operation)
            ir.SymbolTable.set_symbol_name(table[name], "main")
        entry = ir.SymbolTable(module.operation)["main"]
        if "sym_visibility" in entry.attributes:  # public is the default
            del entry.attributes["sym_visibility"]
        module.operation.verify()
        xla.arg_types_of(module)  # static tensors only
        return str(module)
