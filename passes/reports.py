"""What the passes report: per graph, per function, and the lines `--eqsat-stats` prints."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from stablehlo_eqsat.passes.egraph import SaturationReport


@dataclass
class GraphReport:
    terms_in: int = 0
    terms_out: int = 0
    cost_in: float = 0.0  # estimated seconds (whole-program fusion model)
    cost_out: float = 0.0
    fusions_in: int = 0
    fusions_out: int = 0
    saturation: SaturationReport = field(default_factory=SaturationReport)
    egraph_nodes: int = 0
    egraph_classes: int = 0
    extract_seconds: float = 0.0
    kept_input: bool = False
    windows: int = 1
    batched: int = 1  # graphs saturated together in one e-graph (`optimize.optimize_together`)
    # Seconds per stage (`STAGES`); a batch's shared stages are split evenly among its graphs.
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def add_window(self, window: GraphReport) -> None:
        """Count one window of a graph optimized in windows (`optimize.optimize_windows`): sizes,
        costs and times add up, the iterations are the most any window ran, and a window stopped
        by a limit marks the whole graph so."""
        for name in ("cost_in", "cost_out", "fusions_in", "fusions_out", "egraph_nodes", "egraph_classes",
                     "extract_seconds"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(window, name))
        add_seconds(self.stage_seconds, window.stage_seconds)
        sat, other = self.saturation, window.saturation
        sat.iterations = max(sat.iterations, other.iterations)
        sat.seconds += other.seconds
        sat.nodes_before += other.nodes_before
        sat.nodes_after += other.nodes_after
        for k, v in other.matches.items():
            sat.matches[k] = sat.matches.get(k, 0) + v
        if other.stop_reason != "saturated":
            sat.stop_reason = other.stop_reason

    @staticmethod
    def from_json(data: dict[str, Any]) -> GraphReport:
        fields = {f.name for f in dataclasses.fields(GraphReport)}
        known = {k: v for k, v in data.items() if k in fields}
        return GraphReport(**{**known, "saturation": SaturationReport(**data["saturation"])})


# The stages a function goes through, in order (`--eqsat-stats` prints their times).
STAGES = ("import", "prepare", "insert", "saturate", "serialize", "choose", "measure", "export")


def add_seconds(total: dict[str, float], more: dict[str, float], scale: float = 1.0) -> None:
    for stage, seconds in more.items():
        total[stage] = total.get(stage, 0.0) + seconds * scale


@dataclass
class FunctionReport:
    name: str
    status: str = "optimized"  # optimized | unchanged | unsupported | failed
    reason: str = ""
    graphs: list[GraphReport] = field(default_factory=list)
    seconds: float = 0.0
    # Measured costs (`passes/measure.py`), for the whole pass application: on its first report.
    measure_seconds: float = 0.0
    measured_ops: int = 0
    measured_programs: int = 0
    measure_cache_hits: int = 0
    measured_in_worker: bool = False  # XLA ran in a process of its own (`xla.worker`)
    # The function's run time after over before, measured (functions with convolutions, measuring
    # on); None when not measured. `kept_input` when that measurement sent the input back out.
    measured_ratio: float | None = None
    measured_kept_input: bool = False
    measured_choice: str = ""  # which candidate was put in place
    measured_candidates: dict[str, float] = field(default_factory=dict)  # candidate -> time ratio
    # Put in place on the model's prediction (a predicted ratio at or below the decisive one),
    # without timing the function whole.
    decided_untimed: bool = False
    reused: bool = False  # the result of an earlier run, from the measurement cache (`reuse.py`)
    stage_seconds: dict[str, float] = field(default_factory=dict)  # import, measure, export

    def costs(self) -> tuple[float, float]:
        """The estimated seconds of the function before and after (its graphs' costs; a graph
        whose input was kept costs what it did)."""
        before = sum(g.cost_in for g in self.graphs)
        after = sum(g.cost_in if g.kept_input else g.cost_out for g in self.graphs)
        return before, after

    def stages(self) -> dict[str, float]:
        """Seconds per stage for the whole function (its graphs' and its own), in `STAGES` order."""
        total = dict(self.stage_seconds)
        for g in self.graphs:
            add_seconds(total, g.stage_seconds)
        return {s: total[s] for s in STAGES if s in total}


def measure_summary(pass_name: str, reports: list[FunctionReport]) -> str | None:
    """One line on what a pass application measured, or None when it measured nothing."""
    measured = sum(r.measured_ops for r in reports)
    programs = sum(r.measured_programs for r in reports)
    hits = sum(r.measure_cache_hits for r in reports)
    reused = sum(r.reused for r in reports)
    if not (measured or programs or hits or reused):
        return None
    seconds = sum(r.measure_seconds for r in reports)
    where = " (XLA in a worker process)" if any(r.measured_in_worker for r in reports) else ""
    return (
        f"[{pass_name}] measure: {measured} ops and {programs} functions timed in {seconds:.2f} s{where}, "
        f"{hits} cache hits, {reused} stored results reused"
    )


def describe(pass_name: str, r: FunctionReport) -> str:
    """One line on a function: status, sizes, cost, fusions, measurements and rules fired."""
    line = f"[{pass_name}] @{r.name}: {r.status}"
    if r.reason:
        line += f" ({r.reason})"
    if r.reused:
        line += " (stored result of an earlier run, from the measurement cache)"
    g0 = r.graphs
    if not g0:
        return line
    terms_in = sum(g.terms_in for g in g0)
    terms_out = sum(g.terms_out for g in g0)
    cin, cout = r.costs()
    nodes = sum(g.saturation.nodes_after for g in g0)
    iters = max(g.saturation.iterations for g in g0)
    line += (
        f"; graphs {len(g0)}, terms {terms_in} -> {terms_out}, e-graph {nodes} rows after {iters} "
        f"iterations, cost {cin:.4g} -> {cout:.4g}, {r.seconds * 1000:.0f} ms"
    )
    fusions_in = sum(g.fusions_in for g in g0)
    fusions_out = sum(g.fusions_in if g.kept_input else g.fusions_out for g in g0)
    stops = sorted({g.saturation.stop_reason for g in g0} - {"saturated"})
    line += f"; predicted fusions {fusions_in} -> {fusions_out}"
    if stops:
        line += f"; stopped by {', '.join(stops)}"
    batched = max(g.batched for g in g0)
    if batched > 1:
        line += f"; saturated with {batched - 1} other small graph(s) (e-graph, rule counts: the batch's)"
    if any(g.kept_input for g in g0):
        line += f"; input kept for {sum(g.kept_input for g in g0)} graph(s)"
    stages = r.stages()
    if stages:
        line += "; time " + ", ".join(f"{s} {t * 1000:.0f} ms" for s, t in stages.items())
    if r.decided_untimed and r.measured_kept_input:
        line += (
            f"; predicted time after/before {cout / cin:.3f}: input kept without timing (no gain to measure)"
        )
    elif r.decided_untimed:
        line += f"; predicted time after/before {cout / cin:.3f}: put in place without timing it whole"
    if r.measured_candidates:
        # (infinite: its results differed in some bit from the input's, in fp-mode=strict)
        tried = ", ".join(
            f"{k} {v:.3f}" if not math.isinf(v) else f"{k} (other roundings)"
            for k, v in r.measured_candidates.items()
        )
        line += f"; measured time after/before: {tried} -> {r.measured_choice or 'input'}"
    fired: dict[str, int] = {}
    for g in g0:
        for k, v in g.saturation.matches.items():
            fired[k] = fired.get(k, 0) + v
    if fired:
        line += "; rules: " + ", ".join(f"{k}×{v}" for k, v in sorted(fired.items()) if v)
    return line
