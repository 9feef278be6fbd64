"""Writing what the benchmarks found: Markdown tables, number formats, JSON, plots, and a line on
the machine they ran on. Shared by `stablehlo-eqsat-bench`, `-bench-conv` and `-bench-cost`.

    lines = markdown_table(["model", "speedup"], [["mlp", "1.02"]], align="lr")
    with figure(out / "speedup.png", figsize=(6, 4)) as (fig, ax): ...   # ImportError: no matplotlib
"""

from __future__ import annotations

import json
import math
import os
import platform
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def progress(msg: str) -> None:
    """A progress line on stderr (the results go to stdout and files)."""
    print(msg, file=sys.stderr, flush=True)


# -- tables and numbers ---------------------------------------------------------------------------
def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> list[str]:
    """A Markdown table: a header, then one line per row. `align` has one letter per column
    (`l` or `r`; default: no alignment marks)."""
    marks = [":" if a == "r" else "" for a in align] or [""] * len(columns)
    lines = ["| " + " | ".join(columns) + " |", "|" + "".join(f"---{m}|" for m in marks)]
    return lines + ["| " + " | ".join(cells) + " |" for cells in rows]


def fmt_ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def fmt_error(x: float | None) -> str:
    """A relative error: `0`, `inf` or two significant digits."""
    if x is None:
        return "-"
    return "0" if x == 0 else ("inf" if math.isinf(x) else f"{x:.1e}")


def fmt_or_na(x: float) -> str:
    """Two decimals, `n/a` for NaN (a correlation over too few points)."""
    return "n/a" if x != x else f"{x:.2f}"


def geometric_mean(xs: Sequence[float]) -> float:
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


# -- files ---------------------------------------------------------------------------------------
def write_json(path: Path, data: Any) -> None:
    """`data` as indented JSON (infinities and NaNs as JSON5's `Infinity` and `NaN`)."""
    path.write_text(json.dumps(data, indent=1) + "\n")


@contextmanager
def figure(path: Path, figsize: tuple[float, float]) -> Iterator[tuple[Any, Any]]:
    """A matplotlib figure with one axes, saved to `path` (120 dpi) when the block ends. Raises
    `ImportError` without matplotlib (the `bench` extra)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize)
    try:
        yield fig, ax
        fig.tight_layout()
        fig.savefig(path, dpi=120)
    finally:
        plt.close(fig)


# -- the machine ---------------------------------------------------------------------------------
def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_description(backend: str) -> str:
    """OS, CPU, cores, the backend and its device, and the versions of jax, jaxlib and Python."""
    import jax
    import jaxlib

    dev = str(jax.devices(backend)[0].device_kind) if backend != "cpu" else "cpu"
    return (
        f"{platform.system()} {platform.machine()}, {cpu_model()}, {os.cpu_count()} logical cores; "
        f"backend {backend} ({dev}); jax {jax.__version__}, jaxlib {jaxlib.__version__}; "
        f"Python {platform.python_version()}"
    )


def load_average() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"
