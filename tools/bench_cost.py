"""`stablehlo-eqsat-bench-cost`: does the cost model rank equivalent programs the way XLA runs them?

    stablehlo-eqsat-bench-cost --out bench-cost/                 # all zoo models, plot + report
    stablehlo-eqsat-bench-cost --out bench-cost/ --only mlp --variants 8 --runs 30
    stablehlo-eqsat-bench-cost --out bench-cost/ --ilp           # also: ilp vs greedy-dag on every e-graph

For each zoo model the body of `@main` goes into an e-graph with the `fast` rules (the most
rewrites, so the most variety), and several equivalent programs are drawn from it: the input,
the `greedy`, `greedy-dag` and `ilp` extractions, and random extractions (each needed e-class
picks a random node, or perturbs the greedy-dag answer or the costliest node of each class; every
one passes `check_extraction`).
Each variant is exported to StableHLO (`replace_function` on a fresh parse of the module),
compiled by XLA CPU and timed: all variants of a model are run round-robin (interleaved), each
sample is a batch of executions, and a variant's time is the median of its samples. The report
gives Spearman's rank correlation between the predicted `estimate().seconds` and the measured
time, per model and overall, the predicted vs XLA's fusion counts (`kFusion` in the optimized
HLO), a log-log scatter plot (`cost_vs_time.png`), `report.md` and `report.json`.

With `--ilp`, every zoo e-graph (fp-mode `fast` and `xla`) is also extracted by `greedy-dag`
and `ilp` with the same node costs: both must pass the checker and ilp's DAG cost must not be
higher; e-graph sizes, solve times and costs go into the report.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

# -- statistics ---------------------------------------------------------------------------------------


def _ranks(xs: Sequence[float]) -> np.ndarray:
    """Average ranks (ties share the mean of their positions)."""
    a = np.asarray(xs, dtype=float)
    order = np.argsort(a, kind="mergesort")
    ranks = np.empty(len(a))
    i = 0
    while i < len(a):
        j = i
        while j + 1 < len(a) and a[order[j + 1]] == a[order[i]]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0
        i = j + 1
    return ranks


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Spearman's rank correlation (NaN for fewer than 3 points or a constant series)."""
    if len(xs) < 3:
        return float("nan")
    rx, ry = _ranks(xs), _ranks(ys)
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def load_average() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# -- variants -----------------------------------------------------------------------------------------


@dataclass
class Variant:
    model: str
    source: str  # input | greedy | greedy-dag | ilp | random | perturbed
    text: str  # StableHLO module
    terms: int
    predicted_s: float
    predicted_fusions: int
    predicted_kernels: int
    measured_s: float = float("nan")  # median of the samples
    fastest_s: float = float("nan")  # minimum of the samples (least disturbed by other load)
    kernel_kinds: dict[str, int] = field(default_factory=dict)  # predicted kernels by kind
    xla_fusions: int = -1
    hlo: str = ""  # fingerprint of XLA's optimized HLO (`bench.hlo_fingerprint`)
    samples: list[float] = field(default_factory=list)


def _random_choice(
    data: Any, roots: Sequence[str], rng: random.Random, base: dict[str, int] | None, p: float
):  # type: ignore[no-untyped-def]
    """Each e-class takes a random node (with probability `p` when a `base` choice exists)."""
    from stablehlo_eqsat.passes.extract import ExtractionError, _restrict, check_extraction

    for _ in range(50):
        choice: dict[str, int] = {}
        for c, nodes in data.classes.items():
            if base is not None and c in base and rng.random() >= p:
                choice[c] = base[c]
            else:
                choice[c] = rng.choice(nodes)
        try:
            out = _restrict(data, roots, choice)
            check_extraction(data, roots, out)
            return out
        except ExtractionError:
            continue
    return None


def _fresh_main(text: str):  # type: ignore[no-untyped-def]
    from jaxlib.mlir import ir

    module = ir.Module.parse(text)
    for op in module.body.operations:
        o = op.operation
        if o.name == "func.func" and ir.StringAttr(o.attributes["sym_name"]).value == "main":
            return module, o
    raise ValueError("module has no @main")


def _insert_expanded(session: Any, graph: Any, tables: Any) -> None:
    """Insert `graph` as the pass does: with the Python-side rules' alternatives (the convolution
    algorithm rewrites) unioned with the terms they stand for."""
    from stablehlo_eqsat.passes.eqsat import expand_terms

    expanded, unions, _ = expand_terms(graph, session.schedule)
    session.insert(expanded, tables.dtypes)
    session.union(unions)


def model_variants(
    name: str, text: str, n_random: int, seed: int, model: Any, fp_mode: str, ilp_seconds: float
) -> list[Variant]:
    """Distinct equivalent programs of one zoo model's `@main` body, with the model's predictions."""
    from stablehlo_eqsat.dialect_glue.exporter import identity_extraction, replace_function
    from stablehlo_eqsat.dialect_glue.importer import import_function, pure_functions
    from stablehlo_eqsat.passes.constants import canonicalize_splats, materialize_splats
    from stablehlo_eqsat.passes.egraph import EGraphSession, Limits
    from stablehlo_eqsat.passes.extract import EXTRACTORS, GreedyDag, IlpExtractor, build_graph
    from stablehlo_eqsat.rules.registry import rulesets_for

    module, main_op = _fresh_main(text)
    fn = import_function(main_op, pure_functions(module))
    body = fn.body.graph
    tables = fn.tables
    session = EGraphSession(rulesets_for(fp_mode))
    rng = random.Random(seed)
    variants: list[Variant] = []
    seen: set[Any] = set()

    def add(source: str, extracted: Any) -> None:
        graph = extracted.graph
        live = graph.live()
        key = (tuple(graph.terms[t] for t in live), tuple(live.index(r) for r in graph.roots))
        if key in seen:
            return
        seen.add(key)
        est = model.estimate(graph)
        fresh, fresh_main = _fresh_main(text)
        pieces = {gid: identity_extraction(info.graph) for gid, info in fn.graphs.items()}
        pieces[0] = materialize_splats(extracted, tables)
        replace_function(dataclasses.replace(fn, func=fresh_main), pieces)
        variants.append(
            Variant(
                name,
                source,
                str(fresh),
                len(live),
                est.seconds,
                est.fusions,
                len(est.kernels),
                kernel_kinds=_kernel_kinds(est),
            )
        )

    canonical = canonicalize_splats(body, tables)
    with session.scope():
        _insert_expanded(session, canonical, tables)
        session.saturate(Limits(iterations=6, nodes=50_000, seconds=20.0))
        data = session.serialize()
        roots = [data.term_class[r] for r in body.roots]
        cost = model.extraction_cost(data)
        add("input", identity_extraction(canonical))
        answers: dict[str, dict[str, int]] = {}
        for ex in (EXTRACTORS["greedy"], GreedyDag(), IlpExtractor(time_limit=ilp_seconds)):
            answers[ex.name] = ex.extract(data, roots, cost)
            add(ex.name, build_graph(data, answers[ex.name], roots))
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
            choice = _random_choice(data, roots, rng, base, p)
            if choice is not None:
                add(source, build_graph(data, choice, roots))
    return variants


def _main_graph(text: str) -> Any:
    """The body of `@main` of a module's text, as the pass sees it (splats canonical)."""
    from stablehlo_eqsat.dialect_glue.importer import import_function, pure_functions
    from stablehlo_eqsat.passes.constants import canonicalize_splats

    module, main_op = _fresh_main(text)
    fn = import_function(main_op, pure_functions(module))
    return canonicalize_splats(fn.body.graph, fn.tables)


def _kernel_kinds(est: Any) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for k in est.kernels:
        kinds[k.kind] = kinds.get(k.kind, 0) + 1
    return kinds


def saved_variants(run: Path) -> tuple[list[Variant], list[Any], dict[str, float]]:
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
    return variants, [_main_graph(v.text) for v in variants], controls


def predict(variants: list[Variant], graphs: list[Any], model: Any) -> None:
    """Fill in the variants' predictions with `model`."""
    for v, graph in zip(variants, graphs, strict=True):
        est = model.estimate(graph)
        v.predicted_s, v.predicted_fusions, v.predicted_kernels = est.seconds, est.fusions, len(est.kernels)
        v.kernel_kinds = _kernel_kinds(est)


FITTED = (
    "bandwidth_bytes_per_s",
    "launch_overhead_s",
    "parallel_overhead_s",
    "elementwise_flops_per_s",
    "transcendental_per_s",
    "matmul_flops_per_s",
    "opaque_bytes_per_s",
)


def fit_profile(variants: list[Variant], graphs: list[Any], model: Any, sweeps: int = 2) -> Any:
    """The profile whose predictions rank saved variants (`saved_variants`) closest to their
    measured times: coordinate search over `FITTED`, each field scaled by factors of 1/4 to 8 in
    turn, keeping the best mean of the per-model ρ plus the overall ρ (the smaller change on
    ties). A fit is only as good as the run it is fitted to: check it on another run."""
    models = list(dict.fromkeys(v.model for v in variants))
    measured = [v.measured_s for v in variants]

    def objective(profile: Any) -> float:
        model.profile = profile
        predicted = [model.estimate(g).seconds for g in graphs]
        per_model = [
            spearman([predicted[i] for i, v in enumerate(variants) if v.model == m],
                     [measured[i] for i, v in enumerate(variants) if v.model == m])
            for m in models
        ]  # fmt: skip
        rhos = [r for r in per_model if r == r]
        overall = spearman(predicted, measured)
        return (statistics.fmean(rhos) if rhos else 0.0) + (overall if overall == overall else 0.0)

    best = model.profile
    score = objective(best)
    for _ in range(sweeps):
        for name in FITTED:
            value = getattr(best, name)
            for factor in (0.25, 0.5, 0.7, 1.4, 2.0, 4.0, 8.0):
                trial = dataclasses.replace(best, **{name: value * factor})
                s = objective(trial)
                if s > score + 1e-4:
                    best, score = trial, s
            print(f"fit: {name} = {getattr(best, name):.3g} (score {score:.3f})", file=sys.stderr)
    model.profile = best
    return best


# -- XLA ----------------------------------------------------------------------------------------------


def xla_fusions(exe: Any) -> int:
    """`kFusion` instructions in the optimized HLO (outside fused computations)."""
    count = 0
    for hlo in exe.hlo_modules():
        for line in hlo.to_string().splitlines():
            s = line.strip()
            if " fusion(" in s and "kind=" in s and "calls=" in s:
                count += 1
    return count


def measure(variants: list[Variant], runs: int, seed: int) -> None:
    """Compile every variant, then time them round-robin; fills `measured_s` and `xla_fusions`."""
    import jax
    from stablehlo_eqsat.tools.xla import arg_types_of, compile_module, random_inputs

    exes = [compile_module(v.text) for v in variants]
    inputs = random_inputs(arg_types_of(variants[0].text), seed=seed)
    device = exes[0].local_devices()[0]
    args = [jax.device_put(np.asarray(a), device) for a in inputs]
    warm: list[float] = []
    from stablehlo_eqsat.tools.bench import hlo_fingerprint

    for v, exe in zip(variants, exes, strict=True):
        v.xla_fusions = xla_fusions(exe)
        v.hlo = hlo_fingerprint(exe)
        for _ in range(3):
            jax.block_until_ready(exe.execute(args))
        start = time.perf_counter()
        for _ in range(5):
            out = exe.execute(args)
        jax.block_until_ready(out)
        warm.append((time.perf_counter() - start) / 5)
    # One batch size for all variants of a model: a sample is `k` executions dispatched back to
    # back, then one wait (a wait per execution would add a fixed ~40 µs hand-off to each).
    k = max(5, min(50, int(2e-3 / max(statistics.median(warm), 1e-7))))
    batch = [k] * len(variants)
    rng = random.Random(seed)
    order = list(range(len(variants)))
    for _ in range(runs):
        rng.shuffle(order)
        for i in order:
            exe, k = exes[i], batch[i]
            start = time.perf_counter()
            for _ in range(k):
                out = exe.execute(args)
            jax.block_until_ready(out)
            variants[i].samples.append((time.perf_counter() - start) / k)
    for v in variants:
        v.measured_s = statistics.median(v.samples)
        v.fastest_s = min(v.samples)


# -- ILP check ---------------------------------------------------------------------------------------


@dataclass
class IlpRow:
    model: str
    fp_mode: str
    graph: int
    nodes: int
    classes: int
    greedy_dag_cost: float
    greedy_dag_s: float
    ilp_cost: float
    ilp_s: float
    checked: bool
    time_limit_hit: bool  # the solver stopped at its time limit (its answer: the best found, not proven)


def ilp_check(name: str, text: str, fp_mode: str, model: Any, ilp_seconds: float) -> list[IlpRow]:
    """greedy-dag vs ilp on every imported graph of one model's `@main`."""
    from stablehlo_eqsat.dialect_glue.importer import import_function, pure_functions
    from stablehlo_eqsat.passes.constants import canonicalize_splats
    from stablehlo_eqsat.passes.egraph import EGraphSession, Limits
    from stablehlo_eqsat.passes.extract import GreedyDag, IlpExtractor, check_extraction, dag_cost
    from stablehlo_eqsat.rules.registry import rulesets_for

    module, main_op = _fresh_main(text)
    fn = import_function(main_op, pure_functions(module))
    session = EGraphSession(rulesets_for(fp_mode))
    rows: list[IlpRow] = []
    for gid, info in fn.graphs.items():
        with session.scope():
            _insert_expanded(session, canonicalize_splats(info.graph, fn.tables), fn.tables)
            session.saturate(Limits(iterations=6, nodes=50_000, seconds=20.0))
            data = session.serialize()
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
                IlpRow(
                    name,
                    fp_mode,
                    gid,
                    data.num_nodes,
                    len(data.classes),
                    cg,
                    t_g,
                    ci,
                    t_i,
                    True,
                    t_i >= 0.95 * ilp_seconds,
                )
            )
    return rows


# -- report -------------------------------------------------------------------------------------------


def plot(variants: list[Variant], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 6.5))
    models = sorted({v.model for v in variants})
    cmap = plt.get_cmap("tab10" if len(models) <= 10 else "tab20")
    for i, m in enumerate(models):
        vs = [v for v in variants if v.model == m]
        ax.scatter(
            [v.predicted_s for v in vs], [v.measured_s for v in vs], s=18, color=cmap(i), label=m, alpha=0.8
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("predicted seconds (CostModel.estimate)")
    ax.set_ylabel("measured seconds (XLA CPU, median)")
    ax.set_title("Cost model vs XLA CPU on equivalent zoo variants")
    ax.legend(fontsize=7, loc="upper left")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _plot_if_possible(variants: list[Variant], out: Path) -> None:
    try:
        plot(variants, out / "cost_vs_time.png")
    except ImportError:
        print("stablehlo-eqsat-bench-cost: no plot: install matplotlib ('.[bench]')", file=sys.stderr)


def _iqr(samples: list[float]) -> float:
    """Interquartile range of the samples relative to their median."""
    q = np.percentile(samples, [25, 50, 75])
    return float((q[2] - q[0]) / q[1])


def _fmt(x: float) -> str:
    return "n/a" if x != x else f"{x:.2f}"


def repeatability(vs: Sequence[Variant]) -> float:
    """Spearman's ρ between the variants' median times in the even and in the odd rounds: how well
    the measurement ranks the variants against itself. No prediction can be expected to rank them
    much better than this."""
    if any(len(v.samples) < 4 for v in vs):
        return float("nan")
    return spearman(
        [statistics.median(v.samples[0::2]) for v in vs], [statistics.median(v.samples[1::2]) for v in vs]
    )


def _distinct_programs(vs: Sequence[Variant]) -> list[tuple[float, float]]:
    """(predicted, measured) per distinct program XLA runs: variants whose optimized HLO is the
    same are one program (their times differ by noise only); its prediction is the mean of theirs
    and its time the median of their medians."""
    groups: dict[str, list[Variant]] = {}
    for v in vs:
        groups.setdefault(v.hlo or str(id(v)), []).append(v)
    return [
        (statistics.fmean(v.predicted_s for v in g), statistics.median(v.measured_s for v in g))
        for g in groups.values()
    ]


def write_report(
    out: Path,
    variants: list[Variant],
    ilp_rows: list[IlpRow],
    meta: dict[str, Any],
    controls: dict[str, float] | None = None,
) -> dict[str, Any]:
    models = sorted({v.model for v in variants}, key=lambda m: [v.model for v in variants].index(m))
    per_model: dict[str, dict[str, Any]] = {}
    for m in models:
        vs = [v for v in variants if v.model == m]
        measured = [v.measured_s for v in vs]
        distinct = _distinct_programs(vs)
        per_model[m] = {
            "variants": len(vs),
            "distinct": len(distinct),
            "rho": spearman([v.predicted_s for v in vs], measured),
            "rho_distinct": spearman([p for p, _ in distinct], [t for _, t in distinct]),
            "rho_fastest": spearman([v.predicted_s for v in vs], [v.fastest_s for v in vs]),
            "rho_repeat": repeatability(vs),
            "measured_spread": max(measured) / min(measured) if vs else float("nan"),
            "noise": statistics.median(_iqr(v.samples) for v in vs),
            "identical_copy_ratio": (controls or {}).get(m, float("nan")),
            "fusion_count_exact": sum(1 for v in vs if v.predicted_fusions == v.xla_fusions),
            "rho_fusions": spearman([v.predicted_fusions for v in vs], [v.xla_fusions for v in vs]),
        }
    everywhere = [p for m in models for p in _distinct_programs([v for v in variants if v.model == m])]
    overall_distinct = spearman([p for p, _ in everywhere], [t for _, t in everywhere])
    overall = spearman([v.predicted_s for v in variants], [v.measured_s for v in variants])
    overall_fastest = spearman([v.predicted_s for v in variants], [v.fastest_s for v in variants])
    overall_repeat = repeatability(variants)
    summary = {
        "meta": meta,
        "overall_rho": overall,
        "overall_rho_fastest": overall_fastest,
        "overall_rho_repeat": overall_repeat,
        "overall_rho_distinct": overall_distinct,
        "distinct_programs": len(everywhere),
        "per_model": per_model,
    }
    data = {
        **summary,
        "variants": [{k: v for k, v in dataclasses.asdict(x).items() if k != "text"} for x in variants],
        "ilp": [dataclasses.asdict(r) for r in ilp_rows],
    }
    (out / "report.json").write_text(json.dumps(data, indent=1, default=float) + "\n")
    lines = [
        "# Cost model vs XLA CPU",
        "",
        f"Command: `{meta['command']}`  ",
        f"Profile: `{meta['profile']}`; measured costs: {meta.get('measure', 'off')}; "
        f"fp-mode `{meta['fp_mode']}`; {meta['runs']} interleaved samples per variant (median); "
        f"XLA_FLAGS `{meta['xla_flags']}`; {meta.get('dispatch', 'async')} dispatch; "
        f"load average before/after: {meta['load_before']} / {meta['load_after']} "
        f"on {meta['cpus']} CPUs.",
        "",
        "| model | variants | Spearman ρ (median time) | ρ (fastest run) | repeatability ρ "
        "| distinct XLA programs | ρ (distinct programs) | measured max/min "
        "| identical copy / input | noise (IQR/median) | fusions exact | ρ (fusion counts) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m, r in per_model.items():
        lines.append(
            f"| {m} | {r['variants']} | {_fmt(r['rho'])} | {_fmt(r['rho_fastest'])} "
            f"| {_fmt(r['rho_repeat'])} "
            f"| {r['distinct']} | {_fmt(r['rho_distinct'])} "
            f"| {r['measured_spread']:.2f}× | {r['identical_copy_ratio']:.2f} "
            f"| {r['noise']:.1%} | "
            f"{r['fusion_count_exact']}/{r['variants']} | {_fmt(r['rho_fusions'])} |"
        )
    lines += [
        f"| **overall** | {len(variants)} | **{_fmt(overall)}** | **{_fmt(overall_fastest)}** "
        f"| {_fmt(overall_repeat)} | {len(everywhere)} | **{_fmt(overall_distinct)}** | | | | | |",
        "",
        "![scatter](cost_vs_time.png)",
        "",
        "Reading it: *identical copy / input* is the input program compiled twice and timed like the "
        "variants; where the variants' max/min spread is no wider than that and the noise, the "
        "variants run equally fast on XLA (its own simplifier, CSE and fusion undo most differences "
        "between them) and a per-model ρ ranks noise. *Repeatability ρ* ranks the variants by their "
        "median time in the even rounds against that in the odd rounds: the measurement against "
        "itself, a ceiling for what any prediction can reach on those variants. *fastest run* ranks "
        "the minimum of each variant's samples, which load from other processes disturbs least. "
        "*Distinct XLA programs*: variants whose optimized HLO is identical (up to names and "
        "instruction order) are one program to the machine; ρ over distinct programs ranks those "
        "(mean prediction, median time per program). With one or two distinct programs there is "
        "nothing to rank (n/a or ±1 by chance).",
        "",
    ]
    lines += [
        "## Variants",
        "",
        "| model | source | terms | predicted µs | measured µs (median) | fastest µs | kernels "
        "| fusions (model / XLA) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for v in variants:
        lines.append(
            f"| {v.model} | {v.source} | {v.terms} | {v.predicted_s * 1e6:.1f} | {v.measured_s * 1e6:.1f} "
            "| "
            f"{v.fastest_s * 1e6:.1f} | "
            f"{v.predicted_kernels} | {v.predicted_fusions} / {v.xla_fusions} |"
        )
    if ilp_rows:
        lines += [
            "",
            "## ilp vs greedy-dag (same node costs)",
            "",
            "| model | fp-mode | graph | e-nodes | e-classes | greedy-dag cost µs | time s | ilp cost µs "
            "| time s | both checked | ilp ≤ greedy-dag |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
        ]
        for row in ilp_rows:
            ok = "yes" if row.ilp_cost <= row.greedy_dag_cost * (1 + 1e-9) else "**NO**"
            lines.append(
                f"| {row.model} | {row.fp_mode} | {row.graph} | {row.nodes} | {row.classes} "
                f"| {row.greedy_dag_cost * 1e6:.2f} | {row.greedy_dag_s:.3f} | {row.ilp_cost * 1e6:.2f} "
                f"| {row.ilp_s:.3f}{' (limit)' if row.time_limit_hit else ''} "
                f"| {'yes' if row.checked else 'NO'} | {ok} |"
            )
    (out / "report.md").write_text("\n".join(lines) + "\n")
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    from stablehlo_eqsat.tools.xla import add_dispatch_option, use_dispatch

    p = argparse.ArgumentParser(prog="stablehlo-eqsat-bench-cost", description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, help="folder for report.md, report.json and cost_vs_time.png")
    p.add_argument(
        "--only", action="append", default=None, metavar="NAME", help="just this zoo model (repeatable)"
    )
    p.add_argument(
        "--variants", type=int, default=6, help="random extractions per model (besides the fixed ones)"
    )
    p.add_argument("--runs", type=int, default=25, help="timed samples per variant (interleaved)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fp-mode", default="fast", choices=("strict", "xla", "fast"))
    p.add_argument("--device", default="cpu", help="cost profile: cpu | gpu | path to a calibrated .json")
    p.add_argument(
        "--xla-flags",
        default="",
        help="XLA_FLAGS for the timed runs (default: none, XLA's own settings, as the pass measures "
        "and users run; e.g. --xla_cpu_multi_thread_eigen=false for one-thread library calls)",
    )
    add_dispatch_option(p)
    p.add_argument(
        "--measure",
        default="auto",
        choices=("auto", "on", "off"),
        help="price convolutions and dots by timing them, as the pass does (default auto)",
    )
    p.add_argument("--measure-cache", default="", help="timings cache file (default: OUT/measure-cache.json)")
    p.add_argument("--save-variants", action="store_true", help="write each variant to OUT/variants/*.mlir")
    p.add_argument(
        "--rescore",
        default="",
        metavar="DIR",
        help="time nothing: predict again, with the current cost model and profile, the variants an "
        "earlier run saved (--save-variants) in DIR, against the times it measured",
    )
    p.add_argument(
        "--fit",
        default="",
        metavar="PROFILE.json",
        help="with --rescore: search the profile's rates for the best rank correlation with the "
        "measured times (per model and overall) and write the fitted profile",
    )
    p.add_argument("--ilp", action="store_true", help="also compare ilp with greedy-dag on every e-graph")
    p.add_argument("--ilp-only", action="store_true", help="only the ilp check (no timing)")
    p.add_argument("--ilp-seconds", type=float, default=10.0, help="time limit of each ilp solve")
    args = p.parse_args(argv)
    # Both are read when jax first creates its CPU client, which has not happened yet.
    if args.xla_flags:
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {args.xla_flags}".strip()
    use_dispatch(args.dispatch)

    from stablehlo_eqsat.dialect_glue.context import make_context
    from stablehlo_eqsat.passes.cost import CostModel, load_profile
    from stablehlo_eqsat.passes.measure import MeasuredCostModel, Measurer
    from stablehlo_eqsat.tools.zoo import lower_model, model_names

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = args.only or model_names()
    model: CostModel = CostModel(load_profile(args.device))
    if args.measure != "off":  # the pass's own model: measured convolutions and dots
        # Its own cache by default: timings taken under other XLA_FLAGS (threads) do not apply.
        cache = Path(args.measure_cache or Path(args.rescore or out) / "measure-cache.json")
        measurer = Measurer(cache, budget_seconds=600)
        model = MeasuredCostModel(load_profile(args.device), measurer, args.measure)
    meta = {
        "command": "stablehlo-eqsat-bench-cost " + " ".join(argv if argv is not None else sys.argv[1:]),
        "profile": args.device,
        "measure": args.measure,
        "fp_mode": args.fp_mode,
        "xla_flags": args.xla_flags,
        "dispatch": args.dispatch,
        "runs": args.runs,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "load_before": load_average(),
    }
    if args.fit and not args.rescore:
        p.error("--fit needs --rescore DIR (the variants and times to fit)")
    if args.rescore:
        with make_context():
            rescored, graphs, copies = saved_variants(Path(args.rescore))
            if args.fit:
                model.profile = fit_profile(rescored, graphs, model)
                Path(args.fit).write_text(json.dumps(dataclasses.asdict(model.profile), indent=2) + "\n")
                print(f"wrote {args.fit}", file=sys.stderr)
            predict(rescored, graphs, model)
        meta.update(command=f"{meta['command']} (times from {args.rescore})", load_after="n/a")
        write_report(out, rescored, [], meta, copies)
        _plot_if_possible(rescored, out)
        print((out / "report.md").read_text().split("\n## Variants")[0])
        return 0
    variants: list[Variant] = []
    ilp_rows: list[IlpRow] = []
    controls: dict[str, float] = {}  # model -> median time of the input's copy / of the input
    with make_context():
        texts = {n: lower_model(n) for n in names}
        for i, name in enumerate(names):
            if args.ilp or args.ilp_only:
                for mode in ("fast", "xla"):
                    ilp_rows += ilp_check(name, texts[name], mode, model, args.ilp_seconds)
                    print(f"ilp {name} {mode}: {ilp_rows[-1]}", file=sys.stderr)
            if args.ilp_only:
                continue
            vs = model_variants(
                name, texts[name], args.variants, args.seed + i, model, args.fp_mode, args.ilp_seconds
            )
            # Control: a second, separately compiled copy of the input, timed with the others.
            # Identical programs should time the same; how far apart they land is the noise floor.
            copy = dataclasses.replace(vs[0], source="input (copy)", samples=[])
            measure([*vs, copy], args.runs, args.seed)
            controls[name] = copy.measured_s / vs[0].measured_s
            if args.save_variants:
                (out / "variants").mkdir(exist_ok=True)
                for j, v in enumerate(vs):
                    (out / "variants" / f"{name}-{j:02d}-{v.source}.mlir").write_text(v.text)
            rho = spearman([v.predicted_s for v in vs], [v.measured_s for v in vs])
            print(f"{name}: {len(vs)} variants, rho={_fmt(rho)}", file=sys.stderr)
            meta["load_after"] = load_average()
            write_report(out, variants, ilp_rows, meta, controls)  # so far (a long run can be cut short)
            variants += vs
    meta["load_after"] = load_average()
    if variants:
        _plot_if_possible(variants, out)
    summary = write_report(out, variants, ilp_rows, meta, controls)
    print((out / "report.md").read_text().split("\n## Variants")[0])
    if ilp_rows and any(r.ilp_cost > r.greedy_dag_cost * (1 + 1e-9) for r in ilp_rows):
        print("stablehlo-eqsat-bench-cost: error: ilp worse than greedy-dag", file=sys.stderr)
        return 1
    del summary
    return 0


if __name__ == "__main__":
    sys.exit(main())
