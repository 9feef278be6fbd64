"""Equivalent programs of a zoo model, for `stablehlo-eqsat-bench-cost`: drawn from the e-graph of
its `@main` body as the pass builds it (`prepare` -> `saturate`), by every extractor and by
random choices, each one checked (`check_extraction`) and exported back to StableHLO.

    variants = model_variants("mlp", text, n_random=6, seed=0, model=model, fp_mode="fast", ilp_seconds=10)
    rows = ilp_check("mlp", text, "fast", model, ilp_seconds=10)   # ilp vs greedy-dag on each graph

The parse of `text` happens in the caller's MLIR context (`make_context()`).
"""

from __future__ import annotations

import dataclasses
import json
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jaxlib.mlir import ir
from stablehlo_eqsat.dialect_glue.exporter import ExtractedGraph, identity_extraction, replace_function
from stablehlo_eqsat.dialect_glue.graph import TermGraph
from stablehlo_eqsat.dialect_glue.importer import ImportedFunction, import_function, pure_functions
from stablehlo_eqsat.passes.config import EqsatConfig
from stablehlo_eqsat.passes.constants import canonicalize_splats, materialize_splats
from stablehlo_eqsat.passes.cost import CostModel, Estimate
from stablehlo_eqsat.passes.egraph import EGraphData, Limits, shared_session
from stablehlo_eqsat.passes.extract import (
    EXTRACTORS,
    Choice,
    ExtractionError,
    GreedyDag,
    IlpExtractor,
    build_graph,
    check_extraction,
    dag_cost,
)
from stablehlo_eqsat.passes.optimize import saturate
from stablehlo_eqsat.passes.prepare import Prepared, prepare
from stablehlo_eqsat.rules.registry import rulesets_for
from stablehlo_eqsat.tools.cost_report import IlpRow, Variant

import stablehlo_eqsat.xla as xla

# Smaller than the pass's limits: a model's e-graph is extracted many times.
SATURATION = Limits(iterations=6, nodes=50_000, seconds=20.0)


# -- through the pass's stages ------------------------------------------------------------------
def import_main(text: str) -> tuple[ir.Module, ImportedFunction]:
    """`@main` of a fresh parse of `text`, imported (the module owns the function: keep both)."""
    module = ir.Module.parse(text)
    return module, import_function(xla.main_function(module), pure_functions(module))


def saturated(fn: ImportedFunction, gid: int, fp_mode: str, label: str) -> tuple[Prepared, EGraphData]:
    """Graph `gid` of `fn` prepared and saturated with `fp_mode`'s rules, as the pass does it."""
    config = EqsatConfig(schedule=rulesets_for(fp_mode), limits=SATURATION)
    session = shared_session(config.schedule)
    with session.scope():
        prepared = prepare(fn.graphs[gid].graph, fn.tables, config)
        return prepared, saturate(session, [prepared], [fn.tables], config, label).view(0)


def random_choice(
    data: EGraphData, roots: Sequence[str], rng: random.Random, base: Choice | None, p: float
) -> Choice | None:
    """Each e-class takes a random node (with probability `p` when a `base` choice exists);
    None after 50 tries that all fail the checker (a cycle)."""
    for _ in range(50):
        choice: Choice = {}
        for c, nodes in data.classes.items():
            if base is not None and c in base and rng.random() >= p:
                choice[c] = base[c]
            else:
                choice[c] = rng.choice(nodes)
        try:
            check_extraction(data, roots, choice)  # (`build_graph` reads only what the roots reach)
            return choice
        except ExtractionError:
            continue
    return None


def model_variants(
    name: str, text: str, n_random: int, seed: int, model: CostModel, fp_mode: str, ilp_seconds: float
) -> list[Variant]:
    """Distinct equivalent programs of one zoo model's `@main` body, with the model's predictions
    (priced as the pass prices that function: `model.for_function`)."""
    _module, fn = import_main(text)  # (the module owns `fn.func`: held while it is used)
    model = model.for_function([g.graph for g in fn.graphs.values()])
    prepared, data = saturated(fn, 0, fp_mode, name)
    roots = [data.term_class[r] for r in prepared.graph.roots]
    cost = model.extraction_cost(data)
    rng = random.Random(seed)
    variants: list[Variant] = []
    seen: set[Any] = set()

    def add(source: str, extracted: ExtractedGraph) -> None:
        graph = extracted.graph
        live = graph.live()
        key = (tuple(graph.terms[t] for t in live), tuple(live.index(r) for r in graph.roots))
        if key in seen:
            return
        seen.add(key)
        fresh, fresh_fn = import_main(text)
        pieces = {gid: identity_extraction(info.graph) for gid, info in fn.graphs.items()}
        pieces[0] = materialize_splats(extracted, fn.tables)
        replace_function(dataclasses.replace(fn, func=fresh_fn.func), pieces)
        variants.append(Variant(name, source, str(fresh), len(live), 0.0, 0, 0))
        variants[-1].predict(model.estimate(graph))

    add("input", identity_extraction(prepared.canonical))
    for ex in (EXTRACTORS["greedy"], GreedyDag(), IlpExtractor(time_limit=ilp_seconds)):
        choice = ex.extract(data, roots, cost)
        check_extraction(data, roots, choice)
        add(ex.name, build_graph(data, choice, roots))
    table = GreedyDag().table(data, cost)
    # The costliest node of each class (by node cost): programs XLA cannot clean up as easily.
    costliest = {c: max(nodes, key=lambda n: cost(data.nodes[n])) for c, nodes in data.classes.items()}
    kinds = (("random", None, 1.0), ("perturbed", table, 0.15), ("costly", costliest, 0.25),
             ("perturbed", table, 0.5), ("costly", costliest, 0.75))  # fmt: skip
    tries = 0
    target = len(variants) + n_random
    while len(variants) < target and tries < 20 * n_random:
        source, base, p = kinds[tries % len(kinds)]
        tries += 1
        random_pick = random_choice(data, roots, rng, base, p)
        if random_pick is not None:
            add(source, build_graph(data, random_pick, roots))
    return variants


def ilp_check(name: str, text: str, fp_mode: str, model: CostModel, ilp_seconds: float) -> list[IlpRow]:
    """greedy-dag vs ilp on every imported graph of one model's `@main`, with the same node costs."""
    _module, fn = import_main(text)  # (the module owns `fn.func`: held while it is used)
    model = model.for_function([g.graph for g in fn.graphs.values()])
    rows: list[IlpRow] = []
    for gid, info in fn.graphs.items():
        _, data = saturated(fn, gid, fp_mode, f"{name}.{gid}")
        roots = [data.term_class[r] for r in info.graph.roots]
        cost = model.extraction_cost(data)
        start = time.perf_counter()
        g = GreedyDag().extract(data, roots, cost)
        t_g = time.perf_counter() - start
        start = time.perf_counter()
        i = IlpExtractor(time_limit=ilp_seconds).extract(data, roots, cost)
        t_i = time.perf_counter() - start
        check_extraction(data, roots, g)
        check_extraction(data, roots, i)
        cg, ci = dag_cost(data, g, cost), dag_cost(data, i, cost)
        rows.append(
            IlpRow(name, fp_mode, gid, data.num_nodes, len(data.classes), cg, t_g, ci, t_i, True,
                   t_i >= 0.95 * ilp_seconds)
        )  # fmt: skip
    return rows


# -- saved variants, predicted again ------------------------------------------------------------
def main_graph(text: str) -> TermGraph:
    """The body of `@main` of a module's text, as the pass sees it (splats canonical)."""
    _module, fn = import_main(text)  # (the module owns `fn.func`: held while it is used)
    return canonicalize_splats(fn.body.graph, fn.tables)


def saved_variants(run: Path) -> tuple[list[Variant], list[TermGraph], dict[str, float]]:
    """The variants a run saved (--save-variants) with the times it measured, their `@main` graphs,
    and its identical-copy ratios per model."""
    report = json.loads((run / "report.json").read_text())
    fields = {f.name for f in dataclasses.fields(Variant)} - {"text"}
    variants: list[Variant] = []
    index: dict[str, int] = {}
    for row in report["variants"]:
        j = index[row["model"]] = index.get(row["model"], -1) + 1
        path = run / "variants" / f"{row['model']}-{j:02d}-{row['source']}.mlir"
        if not path.exists():
            raise SystemExit(f"stablehlo-eqsat-bench-cost: error: {path}: missing (run with --save-variants)")
        variants.append(Variant(text=path.read_text(), **{k: x for k, x in row.items() if k in fields}))
    controls = {m: r.get("identical_copy_ratio", float("nan")) for m, r in report["per_model"].items()}
    return variants, [main_graph(v.text) for v in variants], controls


def estimates(variants: Sequence[Variant], graphs: Sequence[TermGraph], model: CostModel) -> list[Estimate]:
    """`model`'s estimate of each variant, each zoo model's variants priced by one model
    (`for_function` of all of them: they are programs of one function)."""
    by_model: dict[str, list[TermGraph]] = {}
    for v, g in zip(variants, graphs, strict=True):
        by_model.setdefault(v.model, []).append(g)
    models = {m: model.for_function(gs) for m, gs in by_model.items()}
    return [models[v.model].estimate(g) for v, g in zip(variants, graphs, strict=True)]


def predict(variants: Sequence[Variant], graphs: Sequence[TermGraph], model: CostModel) -> None:
    """Fill in the variants' predictions with `model`."""
    for v, est in zip(variants, estimates(variants, graphs, model), strict=True):
        v.predict(est)
