"""What `stablehlo-eqsat-bench-cost` found, and how it is written: the variants with their
predicted and measured times, rank correlations between the two (per model and overall),
`report.md`, `report.json` and the scatter plot `cost_vs_time.png`."""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from stablehlo_eqsat.tools.report import figure, fmt_or_na, markdown_table, progress, write_json

if TYPE_CHECKING:
    from stablehlo_eqsat.passes.cost import Estimate


@dataclass
class Variant:
    model: str
    source: str  # input | greedy | greedy-dag | ilp | random | perturbed | costly
    text: str  # StableHLO module
    terms: int
    predicted_s: float
    predicted_fusions: int
    predicted_kernels: int
    measured_s: float = float("nan")  # median of the samples
    fastest_s: float = float("nan")  # minimum of the samples (least disturbed by other load)
    kernel_kinds: dict[str, int] = field(default_factory=dict)  # predicted kernels by kind
    xla_fusions: int = -1
    hlo: str = ""  # fingerprint of XLA's optimized HLO (`xla.hlo_fingerprint`)
    samples: list[float] = field(default_factory=list)

    def predict(self, est: Estimate) -> None:
        """Take the model's figures from `est`."""
        self.predicted_s, self.predicted_fusions, self.predicted_kernels = (
            est.seconds, est.fusions, len(est.kernels)
        )  # fmt: skip
        self.kernel_kinds = {}
        for k in est.kernels:
            self.kernel_kinds[k.kind] = self.kernel_kinds.get(k.kind, 0) + 1


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


# -- statistics ---------------------------------------------------------------------------------
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


def _iqr(samples: list[float]) -> float:
    """Interquartile range of the samples relative to their median."""
    q = np.percentile(samples, [25, 50, 75])
    return float((q[2] - q[0]) / q[1])


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


def _model_row(vs: list[Variant], control: float) -> dict[str, Any]:
    measured = [v.measured_s for v in vs]
    distinct = _distinct_programs(vs)
    return {
        "variants": len(vs),
        "distinct": len(distinct),
        "rho": spearman([v.predicted_s for v in vs], measured),
        "rho_distinct": spearman([p for p, _ in distinct], [t for _, t in distinct]),
        "rho_fastest": spearman([v.predicted_s for v in vs], [v.fastest_s for v in vs]),
        "rho_repeat": repeatability(vs),
        "measured_spread": max(measured) / min(measured) if vs else float("nan"),
        "noise": statistics.median(_iqr(v.samples) for v in vs),
        "identical_copy_ratio": control,
        "fusion_count_exact": sum(1 for v in vs if v.predicted_fusions == v.xla_fusions),
        "rho_fusions": spearman([v.predicted_fusions for v in vs], [v.xla_fusions for v in vs]),
    }


# -- the report ---------------------------------------------------------------------------------
READING = (
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
    "nothing to rank (n/a or ±1 by chance)."
)
MODEL_COLUMNS = (
    "model", "variants", "Spearman ρ (median time)", "ρ (fastest run)", "repeatability ρ",
    "distinct XLA programs", "ρ (distinct programs)", "measured max/min", "identical copy / input",
    "noise (IQR/median)", "fusions exact", "ρ (fusion counts)",
)  # fmt: skip
VARIANT_COLUMNS = (
    "model", "source", "terms", "predicted µs", "measured µs (median)", "fastest µs", "kernels",
    "fusions (model / XLA)",
)  # fmt: skip
ILP_COLUMNS = (
    "model", "fp-mode", "graph", "e-nodes", "e-classes", "greedy-dag cost µs", "time s", "ilp cost µs",
    "time s", "both checked", "ilp ≤ greedy-dag",
)  # fmt: skip


def _ilp_cells(row: IlpRow) -> list[str]:
    ok = "yes" if row.ilp_cost <= row.greedy_dag_cost * (1 + 1e-9) else "**NO**"
    return [
        row.model, row.fp_mode, f"{row.graph}", f"{row.nodes}", f"{row.classes}",
        f"{row.greedy_dag_cost * 1e6:.2f}", f"{row.greedy_dag_s:.3f}", f"{row.ilp_cost * 1e6:.2f}",
        f"{row.ilp_s:.3f}{' (limit)' if row.time_limit_hit else ''}", "yes" if row.checked else "NO", ok,
    ]  # fmt: skip


def write_report(
    out: Path,
    variants: list[Variant],
    ilp_rows: list[IlpRow],
    meta: dict[str, Any],
    controls: dict[str, float] | None = None,
) -> dict[str, Any]:
    """`report.json` and `report.md`; returns the summary (everything but the rows)."""
    models = list(dict.fromkeys(v.model for v in variants))
    per_model = {
        m: _model_row([v for v in variants if v.model == m], (controls or {}).get(m, float("nan")))
        for m in models
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
    write_json(
        out / "report.json",
        {
            **summary,
            "variants": [{k: v for k, v in dataclasses.asdict(x).items() if k != "text"} for x in variants],
            "ilp": [dataclasses.asdict(r) for r in ilp_rows],
        },
    )
    model_rows = [
        [m, f"{r['variants']}", fmt_or_na(r["rho"]), fmt_or_na(r["rho_fastest"]), fmt_or_na(r["rho_repeat"]),
         f"{r['distinct']}", fmt_or_na(r["rho_distinct"]), f"{r['measured_spread']:.2f}×",
         f"{r['identical_copy_ratio']:.2f}", f"{r['noise']:.1%}",
         f"{r['fusion_count_exact']}/{r['variants']}", fmt_or_na(r["rho_fusions"])]
        for m, r in per_model.items()
    ]  # fmt: skip
    model_rows.append(
        ["**overall**", f"{len(variants)}", f"**{fmt_or_na(overall)}**", f"**{fmt_or_na(overall_fastest)}**",
         fmt_or_na(overall_repeat), f"{len(everywhere)}", f"**{fmt_or_na(overall_distinct)}**",
         *[""] * 5]
    )  # fmt: skip
    variant_rows = [
        [v.model, v.source, f"{v.terms}", f"{v.predicted_s * 1e6:.1f}", f"{v.measured_s * 1e6:.1f}",
         f"{v.fastest_s * 1e6:.1f}", f"{v.predicted_kernels}", f"{v.predicted_fusions} / {v.xla_fusions}"]
        for v in variants
    ]  # fmt: skip
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
        *markdown_table(MODEL_COLUMNS, model_rows, "l" + "r" * 11),
        "",
        "![scatter](cost_vs_time.png)",
        "",
        READING,
        "",
        "## Variants",
        "",
        *markdown_table(VARIANT_COLUMNS, variant_rows, "ll" + "r" * 6),
    ]
    if ilp_rows:
        ilp_table = markdown_table(ILP_COLUMNS, [_ilp_cells(r) for r in ilp_rows], "ll" + "r" * 7 + "ll")
        lines += ["", "## ilp vs greedy-dag (same node costs)", "", *ilp_table]
    (out / "report.md").write_text("\n".join(lines) + "\n")
    return summary


def plot(variants: list[Variant], path: Path) -> None:
    """Predicted against measured seconds, log-log, one colour per model. Needs matplotlib."""
    with figure(path, (8, 6.5)) as (_, ax):
        import matplotlib

        models = sorted({v.model for v in variants})
        cmap = matplotlib.colormaps["tab10" if len(models) <= 10 else "tab20"]
        for i, m in enumerate(models):
            vs = [v for v in variants if v.model == m]
            ax.scatter(
                [v.predicted_s for v in vs], [v.measured_s for v in vs], s=18, color=cmap(i), label=m,
                alpha=0.8,
            )  # fmt: skip
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("predicted seconds (CostModel.estimate)")
        ax.set_ylabel("measured seconds (XLA CPU, median)")
        ax.set_title("Cost model vs XLA CPU on equivalent zoo variants")
        ax.legend(fontsize=7, loc="upper left")
        ax.grid(True, which="both", alpha=0.3)


def plot_if_possible(variants: list[Variant], out: Path) -> None:
    try:
        plot(variants, out / "cost_vs_time.png")
    except ImportError:
        progress("stablehlo-eqsat-bench-cost: no plot: install matplotlib ('.[bench]')")
