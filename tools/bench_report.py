"""What `stablehlo-eqsat-bench` found, and how it is written: `bench.md` (one row per model),
`bench.json` (everything) and the plots `speedup.png` and `optimizer_time.png`."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from stablehlo_eqsat.tools.report import (
    figure,
    fmt_error,
    fmt_ratio,
    geometric_mean,
    markdown_table,
    progress,
    write_json,
)

VARIANTS = ("a", "b", "c", "d")
CONTROL = "a'"
LABELS = {
    "a": "XLA alone",
    "b": "stablehlo-eqsat + XLA",
    "c": "stablehlo-aggressive-simplification + XLA",
    "d": "enzyme-hlo-opt + XLA",
}


@dataclass
class VariantResult:
    available: bool
    note: str = ""
    ops: int | None = None
    # stablehlo-eqsat's time with an empty measurement cache (b: every convolution and dot it
    # prices by measuring is timed), in a process where jax and the rule library are loaded.
    transform_s: float | None = None
    # The same optimization run again in the same process: the measured ops and the stored results
    # are then in their caches (what a user's second run of a module pays).
    transform_warm_s: float | None = None
    compile_s: float | None = None
    time_s: float | None = None
    spread: float | None = None
    speedup: float | None = None  # time(a) / time(this), medians
    min_time_s: float | None = None
    speedup_min: float | None = None  # the same with the fastest sample of each
    cpu_time_s: float | None = None
    speedup_cpu: float | None = None  # the same with process CPU time
    xla_flops: float | None = None  # XLA's cost analysis of its optimized HLO
    xla_bytes: float | None = None
    rel_error: float | None = None
    fusions: int | None = None
    same_hlo_as_a: bool | None = None


@dataclass
class ModelResult:
    name: str
    variants: dict[str, VariantResult]
    predicted_cost_in: float = 0.0
    predicted_cost_out: float = 0.0
    predicted_fusions_in: int = 0
    predicted_fusions_out: int = 0
    functions: list[dict[str, Any]] = field(default_factory=list)
    top_rules: list[tuple[str, int]] = field(default_factory=list)
    batch: int = 1
    control_speedup: float = 1.0  # time(a) / time(a'), a' = XLA alone compiled again: the noise floor


def status(r: ModelResult) -> str:
    """`ok`, or how many functions the pass left unchanged because a stage failed, and why."""
    bad = [f for f in r.functions if f["status"] == "failed"]
    if not bad:
        return "ok"
    return f"{len(bad)}/{len(r.functions)} functions failed: {bad[0]['reason']}".replace("|", "\\|")


def _speedup(v: VariantResult) -> str:
    if not v.available:
        return v.note
    return f"{v.speedup:.3f}" if v.speedup is not None else "-"


def _over(seconds: float | None, compile_s: float | None) -> str:
    return fmt_ratio(seconds / compile_s) if seconds is not None and compile_s else "-"


def _delta(new: float | None, old: float | None) -> str:
    if new is None or old is None or old == 0:
        return "-"
    return "=" if new == old else f"{100 * (new - old) / old:+.3g}%"


COLUMNS = (
    "model", "ops a→b", "predicted cost a→b (µs)", "fusions predicted a→b", "fusions measured a→b",
    "same HLO", "XLA flops / bytes b vs a", "eqsat time cold / warm (s)",
    "eqsat cold / warm over XLA compile a",
    "XLA compile a / b (ms)", "time a (µs)",
    "time b (µs)", "speedup a/b", "control a/a′", "best-of speedup", "CPU-time speedup", "spread a / b",
    "max rel err b", "c: aggressive-simplification", "d: enzyme-hlo-opt", "eqsat status",
)  # fmt: skip

LEGEND = (
    "Speedup = median time of XLA alone / median time of the variant (above 1: faster); "
    "each variant is compiled several times and the samples of all its compilations are pooled; "
    "control a/a′: the same for XLA alone against another set of compilations of the same module, "
    "timed in the same rounds: how far from 1 noise alone moves a ratio; "
    "best-of speedup: the same with each variant's fastest sample; CPU-time speedup: with the "
    "median process CPU time (all threads), which time spent descheduled does not inflate. "
    "XLA flops / bytes: XLA's cost analysis of its optimized HLO, b relative to a. Spread = "
    "interquartile range of the samples / median. Same HLO = XLA's optimized HLO is identical to XLA "
    "alone's up to names, metadata and the order of independent instructions, so a measured "
    "difference there is noise. Eqsat time: cold, the first optimization of the model with an "
    "empty measurement cache of its own (every convolution and dot it prices by measuring is "
    "timed; jax and the rule library are loaded in this process); warm, the same again right "
    "after (measured ops and stored results cached); each also over XLA's compile time of the "
    "input (its first compilation in this process). "
    "Predicted cost and fusions: the optimizer's fusion-aware model, summed over all function "
    "and region graphs (a private function called twice counts once); measured fusions: "
    "`fusion` instructions in XLA's optimized HLO. Max rel err: largest normwise relative "
    "error (max|b-a| / max|a|) of any result."
)


def _row(r: ModelResult) -> list[str]:
    a, b, c, d = (r.variants[k] for k in VARIANTS)
    return [
        r.name,
        f"{a.ops}→{b.ops}",
        f"{r.predicted_cost_in * 1e6:.1f}→{r.predicted_cost_out * 1e6:.1f}",
        f"{r.predicted_fusions_in}→{r.predicted_fusions_out}",
        f"{a.fusions}→{b.fusions}",
        "yes" if b.same_hlo_as_a else "no",
        f"{_delta(b.xla_flops, a.xla_flops)} / {_delta(b.xla_bytes, a.xla_bytes)}",
        f"{b.transform_s or 0:.2f} / {b.transform_warm_s or 0:.2f}",
        f"{_over(b.transform_s, a.compile_s)} / {_over(b.transform_warm_s, a.compile_s)}",
        f"{(a.compile_s or 0) * 1e3:.0f} / {(b.compile_s or 0) * 1e3:.0f}",
        f"{(a.time_s or 0) * 1e6:.1f}",
        f"{(b.time_s or 0) * 1e6:.1f}",
        _speedup(b),
        fmt_ratio(r.control_speedup),
        fmt_ratio(b.speedup_min),
        fmt_ratio(b.speedup_cpu),
        f"{a.spread or 0:.0%} / {b.spread or 0:.0%}",
        fmt_error(b.rel_error),
        _speedup(c),
        _speedup(d),
        status(r),
    ]


def markdown(results: list[ModelResult], meta: dict[str, Any]) -> str:
    lines = [
        f"Machine: {meta['machine']}.",
        f"Command: `{meta['command']}` ({meta['repeats']} interleaved rounds per model over "
        f"{meta.get('copies', 1)} compilations of each variant, fp-mode={meta['fp_mode']}, "
        f"{meta.get('dispatch', 'async')} dispatch).",
        "",
        *markdown_table(COLUMNS, [_row(r) for r in results]),
    ]
    speedups = [r.variants["b"].speedup for r in results if r.variants["b"].speedup]
    if speedups:
        worst = min(results, key=lambda r: r.variants["b"].speedup or math.inf)
        slower = [r.name for r in results if (r.variants["b"].speedup or 1) < 0.98]
        lines += [
            "",
            f"Geometric mean speedup (a/b): {geometric_mean(speedups):.3f}; lowest: {worst.name} "
            f"{worst.variants['b'].speedup:.3f}; models below 0.98: {', '.join(slower) or 'none'}.",
        ]
    for label, attr in (("cold", "transform_s"), ("warm", "transform_warm_s")):
        over = {
            r.name: getattr(r.variants["b"], attr) / r.variants["a"].compile_s
            for r in results
            if getattr(r.variants["b"], attr) and r.variants["a"].compile_s
        }
        if over:
            top = max(over, key=over.__getitem__)
            lines.append(
                f"stablehlo-eqsat's time {label} over XLA's compile time: geometric mean "
                f"{geometric_mean(list(over.values())):.2f}, highest {top} {over[top]:.2f}."
            )
    return "\n".join([*lines, "", LEGEND]) + "\n"


def plots(results: list[ModelResult], out: Path) -> list[Path]:
    """Speedup bars per model, and optimizer time against module size. Needs matplotlib."""
    names = [r.name for r in results]
    speedup = out / "speedup.png"
    with figure(speedup, (max(6.0, 0.6 * len(names) + 2), 4)) as (_, ax):
        present = [v for v in ("b", "c", "d") if any(r.variants[v].speedup for r in results)]
        width = 0.8 / max(1, len(present))
        for i, v in enumerate(present):
            xs = [j + (i - (len(present) - 1) / 2) * width for j in range(len(names))]
            ax.bar(xs, [r.variants[v].speedup or 0 for r in results], width, label=LABELS[v])
        ax.plot(
            range(len(names)), [r.control_speedup for r in results], "k_", markersize=14, mew=2,
            label="control a/a′ (same program: the noise)",
        )  # fmt: skip
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.axhline(0.98, color="red", linewidth=0.8, linestyle="--", label="0.98 (2% loss)")
        ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
        ax.set_ylabel("speedup over XLA alone")
        ax.legend(fontsize=8)

    optimizer_time = out / "optimizer_time.png"
    with figure(optimizer_time, (6, 4)) as (_, ax):
        xs = [r.variants["a"].ops or 0 for r in results]
        ys = [r.variants["b"].transform_s or 0 for r in results]
        ax.scatter(xs, ys)
        for x, y, n in zip(xs, ys, names, strict=True):
            ax.annotate(n, (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
        ax.set_xlabel("ops in the module")
        ax.set_ylabel("stablehlo-eqsat time (s)")
    return [speedup, optimizer_time]


def write_outputs(results: list[ModelResult], meta: dict[str, Any], out: Path) -> list[Path]:
    """`bench.md`, `bench.json` and the plots (where matplotlib is installed); the paths written."""
    (out / "bench.md").write_text(markdown(results, meta))
    write_json(out / "bench.json", {"meta": meta, "models": [asdict(r) for r in results]})
    written = [out / "bench.md", out / "bench.json"]
    try:
        written += plots(results, out)
    except ImportError:
        progress("stablehlo-eqsat-bench: no plots: matplotlib is not installed (pip install '.[bench]')")
    return written
