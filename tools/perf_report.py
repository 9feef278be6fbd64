"""What `stablehlo-eqsat-perf-fuzz` found, and how it is written: `perf_fuzz.md` (the overall
figures, the distribution, each family, each program) and `perf_fuzz.json` (everything).

    summary = summarize(records)
    write_outputs(records, meta, out_dir)         # the two paths
    last_line(summary)                            # "N programs: geomean G, worst W (...), L confirmed losses"
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from stablehlo_eqsat.tools.report import fmt_ratio, geometric_mean, markdown_table, write_json

# The histogram's bin edges (ratios; between 0.97 and 1.03 is a tie within the timer's noise).
EDGES = (0.8, 0.9, 0.97, 1.03, 1.1, 1.25)
QUANTILES = (
    ("min", 0.0),
    ("p05", 0.05),
    ("p25", 0.25),
    ("median", 0.5),
    ("p75", 0.75),
    ("p95", 0.95),
    ("max", 1.0),
)


@dataclass
class Record:
    """One program: what it is, what the optimizer made of it and how the two ran under XLA."""

    family: str
    seed: int
    params: dict[str, Any] = field(default_factory=dict)
    arg_shapes: list[list[int]] = field(default_factory=list)
    flops: float = 0.0
    ops_in: int = 0
    ops_out: int = 0
    optimize_s: float = 0.0
    same_hlo: bool = False  # XLA's optimized HLO is the same program: a tie, not timed
    ratios: list[float] = field(default_factory=list)  # time(input) / time(output), per timing run
    confirmed: bool = False  # every run below the threshold: a loss
    mismatch: str = ""  # the outputs disagree beyond the fp-mode's tolerance
    error: str = ""  # the optimizer or XLA failed
    case: str = ""  # the saved benchmark case of a confirmed loss
    shrunk_shapes: list[list[int]] = field(default_factory=list)
    shrunk_ratios: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        """The last timing run's ratio; 1.0 for the same HLO; None after an error. A program is
        timed again because its first run was low, so that run is biased low (the programs picked
        for it are those where the noise went that way); the second, independent run is not."""
        if self.error:
            return None
        return self.ratios[-1] if self.ratios else 1.0


def _quantile(xs: list[float], q: float) -> float:
    s = sorted(xs)
    pos = q * (len(s) - 1)
    lo = math.floor(pos)
    return s[lo] + (s[min(lo + 1, len(s) - 1)] - s[lo]) * (pos - lo)


def _histogram(xs: list[float]) -> list[tuple[str, int]]:
    labels = [f"< {EDGES[0]}", *(f"{a}-{b}" for a, b in itertools.pairwise(EDGES)), f">= {EDGES[-1]}"]
    counts = [0] * len(labels)
    for x in xs:
        counts[sum(x >= e for e in EDGES)] += 1
    return list(zip(labels, counts, strict=True))


def summarize(records: list[Record]) -> dict[str, Any]:
    """Count, geomean, worst, quantiles, histogram and per-family figures over the programs with a
    ratio (those without errors)."""
    ok = [r for r in records if r.ratio is not None]
    ratios = [r.ratio for r in ok if r.ratio is not None]
    worst = min(ok, key=lambda r: r.ratio or 0.0, default=None)
    families: dict[str, Any] = {}
    for fam in dict.fromkeys(r.family for r in records):
        rs = [r for r in records if r.family == fam]
        fr = [r.ratio for r in rs if r.ratio is not None]
        families[fam] = {
            "count": len(rs),
            "same_hlo": sum(r.same_hlo for r in rs),
            "geomean": geometric_mean(fr) if fr else None,
            "worst": min(fr, default=None),
            "losses": sum(r.confirmed for r in rs),
        }
    return {
        "count": len(records),
        "timed": sum(bool(r.ratios) for r in records),
        "same_hlo": sum(r.same_hlo for r in records),
        "geomean": geometric_mean(ratios) if ratios else None,
        "worst": worst and {"ratio": worst.ratio, "family": worst.family, "seed": worst.seed},
        "quantiles": {name: _quantile(ratios, q) for name, q in QUANTILES} if ratios else {},
        "histogram": _histogram(ratios),
        "families": families,
        "losses": sum(r.confirmed for r in records),
        "mismatches": sum(bool(r.mismatch) for r in records),
        "errors": sum(bool(r.error) for r in records),
    }


def last_line(s: dict[str, Any]) -> str:
    w = s["worst"]
    worst = "-" if w is None else f"{fmt_ratio(w['ratio'])} ({w['family']} seed {w['seed']})"
    geomean = fmt_ratio(s["geomean"])
    return f"{s['count']} programs: geomean {geomean}, worst {worst}, {s['losses']} confirmed losses"


def shapes_text(shapes: list[list[int]]) -> str:
    return " ".join("x".join(map(str, s)) or "scalar" for s in shapes)


def markdown(records: list[Record], s: dict[str, Any], meta: dict[str, Any]) -> str:
    lines = [
        "# stablehlo-eqsat performance fuzzing",
        "",
        f"`{meta['command']}`",
        "",
        f"Machine: {meta['machine']}; load average {meta['load']}. fp-mode {meta['fp_mode']}, "
        f"pass options `{meta['options'] or '(defaults)'}`; {meta['rounds']} interleaved rounds, "
        f"{meta['copies']} compilations of each side pooled; a ratio below {meta['threshold']} is timed "
        "again with fresh compilations and is a loss only if that run is below it too; the program's "
        "ratio is then that second run's (the first is biased low by the choice).",
        "",
        "Ratio = time(input) / time(optimized) under XLA CPU: above 1 the optimizer made it faster. "
        "Programs whose optimized HLO is the same as the input's are ties (1.0), not timed.",
        "",
        f"**{last_line(s)}**; {s['same_hlo']} with the same HLO, {s['mismatches']} output mismatches, "
        f"{s['errors']} errors.",
        "",
        "## Distribution",
        "",
    ]
    q = s["quantiles"]
    if q:
        lines += [*markdown_table(list(q), [[fmt_ratio(v) for v in q.values()]], "r" * len(q)), "", "```"]
        most = max((n for _, n in s["histogram"]), default=1) or 1
        lines += [f"{label:>10} {n:4d} {'#' * round(40 * n / most)}" for label, n in s["histogram"]]
        lines += ["```", ""]
    lines += ["## Families", ""]
    rows = [
        [
            f,
            str(v["count"]),
            str(v["same_hlo"]),
            fmt_ratio(v["geomean"]),
            fmt_ratio(v["worst"]),
            str(v["losses"]),
        ]
        for f, v in s["families"].items()
    ]
    lines += markdown_table(["family", "programs", "same HLO", "geomean", "worst", "losses"], rows, "lrrrrr")
    lines += ["", "## Programs", ""]
    rows = []
    for r in records:
        note = r.error or r.mismatch or (f"loss, saved as `{r.case}`" if r.case else "")
        runs = ", ".join(fmt_ratio(x) for x in r.ratios) or "-"
        rows.append(
            [
                r.family,
                str(r.seed),
                shapes_text(r.arg_shapes),
                f"{r.ops_in} → {r.ops_out}",
                "yes" if r.same_hlo else "",
                fmt_ratio(r.ratio),
                runs,
                "yes" if r.confirmed else "",
                note,
            ]
        )
    cols = ["family", "seed", "argument shapes", "ops", "same HLO", "ratio", "runs", "loss", "note"]
    lines += markdown_table(cols, rows, "lrlrlrrll")
    return "\n".join(lines) + "\n"


def write_outputs(records: list[Record], meta: dict[str, Any], out: Path) -> list[Path]:
    """`perf_fuzz.md` and `perf_fuzz.json` under `out`."""
    s = summarize(records)
    md, js = out / "perf_fuzz.md", out / "perf_fuzz.json"
    md.write_text(markdown(records, s, meta))
    programs = [{**asdict(r), "ratio": r.ratio} for r in records]
    write_json(js, {"meta": meta, "summary": s, "programs": programs})
    return [md, js]
