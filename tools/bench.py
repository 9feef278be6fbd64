"""`stablehlo-eqsat-bench`: does the optimizer make XLA faster? Measured on the model zoo.

    stablehlo-eqsat-bench --out bench/                  # full run: bench/bench.md, bench.json, *.png
    stablehlo-eqsat-bench --out /tmp/b --quick --models mlp,redundant_mlp

For each model (the zoo of `tools/zoo.py` plus `tools/bench_models.py`) the same StableHLO is
compiled by XLA four ways and run on the same inputs:

* **a** XLA alone;
* **b** XLA after `stablehlo-eqsat` (the default `fp-mode=xla`, or `--fp-mode`);
* **c** XLA after upstream `stablehlo-aggressive-simplification`, when this jaxlib registers it;
* **d** XLA after Enzyme-JAX's `enzyme-hlo-opt`, when the optional `enzyme_ad` package is installed.

Runs are interleaved (a, b, c, d, then the next round in rotated order) and each sample times a
batch of executions long enough to be above timer noise; the reported time is the median sample.
Speedup is `time(a) / time(x)`: above 1 is faster than XLA alone. Numerical agreement is the
largest normwise relative error of any result against XLA alone (`max|x - a| / max|a|`).
"Same HLO" says that XLA's optimized HLO is identical to XLA alone's up to instruction names,
metadata and the order of independent instructions: then any measured difference is noise.
Predicted costs and fusion counts are the optimizer's fusion-aware model (`passes/cost.py`),
summed over every function and region graph; measured fusions count the `fusion` instructions
in XLA's optimized HLO.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

VARIANTS = ("a", "b", "c", "d")
CONTROL = "a'"
LABELS = {
    "a": "XLA alone",
    "b": "stablehlo-eqsat + XLA",
    "c": "stablehlo-aggressive-simplification + XLA",
    "d": "enzyme-hlo-opt + XLA",
}
SIMPLIFICATION_PIPELINES = (
    "builtin.module(func.func(stablehlo-aggressive-simplification))",
    "builtin.module(stablehlo-aggressive-simplification)",
)


def _progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- models -----------------------------------------------------------------------------------------
def all_models() -> dict[str, Callable[[], str]]:
    """name -> a function giving its StableHLO text: the zoo's models, then the benchmark's own."""
    from stablehlo_eqsat.tools import bench_models, zoo

    models: dict[str, Callable[[], str]] = {}
    for name in zoo.model_names():
        models[name] = lambda n=name: zoo.lower_model(n)  # type: ignore[misc]
    for name in bench_models.model_names():
        models[name] = lambda n=name: bench_models.lower_model(n)  # type: ignore[misc]
    return models


# -- the transformations ----------------------------------------------------------------------------
@dataclass
class Transformed:
    text: str | None  # None: not available (see `note`)
    seconds: float = 0.0
    note: str = ""
    reports: list[Any] = field(default_factory=list)


def count_ops(text: str) -> int:
    """Operations inside functions, nested regions included; `func.func`, `module` and terminators
    (`return`) are not counted."""
    from jaxlib.mlir import ir
    from stablehlo_eqsat.dialect_glue.context import make_context

    skip = {"builtin.module", "func.func", "func.return", "stablehlo.return"}

    def walk(op: ir.Operation) -> int:
        n = 0 if op.name in skip else 1
        for region in op.regions:
            for block in region.blocks:
                for child in block.operations:
                    n += walk(child.operation)
        return n

    with make_context():
        return walk(ir.Module.parse(text).operation)


def run_eqsat(text: str, fp_mode: str, device: str) -> Transformed:
    """(b): `stablehlo-eqsat` with its per-function reports."""
    from jaxlib.mlir import ir
    from stablehlo_eqsat.dialect_glue.context import make_context
    from stablehlo_eqsat.passes.diagnostics import Diagnostics
    from stablehlo_eqsat.passes.eqsat import EqsatPass

    with make_context():
        module = ir.Module.parse(text)
        start = time.perf_counter()
        reports = EqsatPass(fp_mode=fp_mode, device=device).apply(module, Diagnostics())
        module.operation.verify()
        seconds = time.perf_counter() - start
        return Transformed(str(module), seconds, reports=reports)


def simplification_pipeline() -> str | None:
    """The pipeline text that runs `stablehlo-aggressive-simplification`, or None if this jaxlib
    does not register the pass."""
    from jaxlib.mlir import passmanager
    from stablehlo_eqsat.dialect_glue.context import make_context

    with make_context():
        for text in SIMPLIFICATION_PIPELINES:
            try:
                passmanager.PassManager.parse(text)
                return text
            except Exception:  # the bindings raise ValueError or MLIRError
                continue
    return None


def run_simplification(text: str, pipeline: str | None) -> Transformed:
    """(c): upstream StableHLO's aggressive simplification, where jaxlib has it."""
    if pipeline is None:
        return Transformed(None, note="n/a (not in this jaxlib)")
    from jaxlib.mlir import ir, passmanager
    from stablehlo_eqsat.dialect_glue.context import make_context

    with make_context():
        module = ir.Module.parse(text)
        start = time.perf_counter()
        passmanager.PassManager.parse(pipeline).run(module.operation)
        return Transformed(str(module), time.perf_counter() - start)


def run_enzyme(text: str) -> Transformed:
    """(d): Enzyme-JAX's `enzyme-hlo-opt`, where the optional `enzyme_ad` package is installed."""
    try:
        from enzyme_ad.jax import enzyme_call  # type: ignore[import-not-found]
    except ImportError:
        return Transformed(None, note="n/a (enzyme_ad not installed)")
    start = time.perf_counter()
    try:
        _, out = enzyme_call.run_pass_pipeline([], text, "enzyme-hlo-opt")
    except Exception as e:  # report it, do not abort the benchmark
        return Transformed(None, note=f"failed: {str(e).splitlines()[0] if str(e) else type(e).__name__}")
    return Transformed(str(out), time.perf_counter() - start)


# -- XLA --------------------------------------------------------------------------------------------
def backend_name() -> str:
    import jax

    return str(jax.default_backend())


def compile_text(text: str, backend: str) -> Any:
    """Compile StableHLO text for the first device of `backend` (as `tools/xla.compile_module` does
    for CPU)."""
    import jax.extend
    from jax._src import compiler
    from jax._src.lib import xla_client as xc

    client = jax.extend.backend.get_backend(backend)
    devices = xc.DeviceList(tuple(client.local_devices()[:1]))
    options = compiler.get_compile_options(num_replicas=1, num_partitions=1)
    return client.compile_and_load(text, devices, options)


def measured_fusions(executable: Any) -> int:
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
    (a Merkle hash), each computation the sorted hashes of its instructions and its root's."""
    import hashlib

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


def relative_error(expected: Sequence[np.ndarray], actual: Sequence[np.ndarray]) -> float:
    """Largest normwise relative error over the results (`inf` if shapes or non-floats differ)."""
    worst = 0.0
    if len(expected) != len(actual):
        return math.inf
    for e, a in zip(expected, actual, strict=True):
        if e.shape != a.shape or e.dtype != a.dtype:
            return math.inf
        if e.dtype.kind not in "fc" and not (e.dtype.kind == "V" and "float" in e.dtype.name):
            if not np.array_equal(e, a):
                return math.inf
            continue
        ew, aw = e.astype(np.float64), a.astype(np.float64)
        finite = np.isfinite(ew) & np.isfinite(aw)
        if not np.array_equal(np.isnan(ew), np.isnan(aw)) or not np.array_equal(
            ew[~finite & ~np.isnan(ew)], aw[~finite & ~np.isnan(aw)]
        ):
            return math.inf
        if not finite.any():
            continue
        scale = float(np.max(np.abs(ew[finite])))
        err = float(np.max(np.abs(ew[finite] - aw[finite])))
        worst = max(worst, err / scale if scale > 0 else err)
    return worst


@dataclass
class Timing:
    """Per-execution seconds of one executable over the interleaved rounds."""

    median: float  # wall clock
    minimum: float  # wall clock, fastest sample
    spread: float  # interquartile range / median (wall clock)
    cpu_median: float  # process CPU time (all threads): insensitive to time spent descheduled


def time_interleaved(
    executables: dict[str, list[Any]], device_args: list[Any], repeats: int, target_s: float
) -> tuple[dict[str, Timing], int]:
    """Time each variant's executables (separate compilations of the same module) in rotated
    interleaved order; returns each variant's timing over the samples of all its copies, and the
    number of executions per sample (chosen so that a sample of the first executable lasts
    `target_s`). Pooling copies averages out what differs between two compilations of one program
    (where its code and buffers land in memory), which can move one executable's time by a few
    percent for good."""
    import jax

    units = [(k, exe) for k, exes in executables.items() for exe in exes]
    for _, exe in units:  # warm up
        for _ in range(3):
            jax.block_until_ready(exe.execute(device_args))
    probe = []
    for _ in range(5):
        t = time.perf_counter()
        jax.block_until_ready(units[0][1].execute(device_args))
        probe.append(time.perf_counter() - t)
    batch = max(1, min(1000, math.ceil(target_s / max(statistics.median(probe), 1e-7))))
    wall: dict[str, list[float]] = {k: [] for k in executables}
    cpu: dict[str, list[float]] = {k: [] for k in executables}
    for r in range(repeats):
        shift = r % len(units)
        for k, exe in units[shift:] + units[:shift]:
            c, t = time.process_time(), time.perf_counter()
            for _ in range(batch):
                jax.block_until_ready(exe.execute(device_args))
            wall[k].append((time.perf_counter() - t) / batch)
            cpu[k].append((time.process_time() - c) / batch)
    timings = {}
    for k, v in wall.items():
        med = statistics.median(v)
        q = statistics.quantiles(v, n=4) if len(v) >= 4 else [min(v), med, max(v)]
        timings[k] = Timing(med, min(v), (q[2] - q[0]) / med if med > 0 else 0.0, statistics.median(cpu[k]))
    return timings, batch


# -- one model --------------------------------------------------------------------------------------
@dataclass
class VariantResult:
    available: bool
    note: str = ""
    ops: int | None = None
    transform_s: float | None = None
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


def bench_model(
    name: str,
    text: str,
    *,
    fp_mode: str,
    repeats: int,
    target_s: float,
    backend: str,
    simplification: str | None,
    log: Callable[[str], None],
    copies: int = 3,
) -> ModelResult:
    import jax
    from stablehlo_eqsat.tools.xla import arg_types_of, random_inputs

    device = "gpu" if backend in ("gpu", "cuda", "rocm") else "cpu"
    log("optimize (stablehlo-eqsat)")
    transformed: dict[str, Transformed] = {"a": Transformed(text)}
    transformed["b"] = run_eqsat(text, fp_mode, device)
    log("optimize (stablehlo-aggressive-simplification, enzyme-hlo-opt)")
    transformed["c"] = run_simplification(text, simplification)
    transformed["d"] = run_enzyme(text)

    variants: dict[str, VariantResult] = {}
    executables: dict[str, Any] = {}
    for v in VARIANTS:
        t = transformed[v]
        if t.text is None:
            variants[v] = VariantResult(False, t.note)
            continue
        log(f"compile ({v}: {LABELS[v]})")
        start = time.perf_counter()
        try:
            exe = compile_text(t.text, backend)
        except Exception as e:  # a variant XLA rejects is reported
            variants[v] = VariantResult(False, f"XLA compile failed: {str(e).splitlines()[0]}")
            continue
        variants[v] = VariantResult(
            True,
            t.note,
            ops=count_ops(t.text),
            transform_s=t.seconds if v != "a" else None,
            compile_s=time.perf_counter() - start,
            fusions=measured_fusions(exe),
        )
        try:
            analysis = exe.cost_analysis()
            variants[v].xla_flops = float(analysis.get("flops", 0.0))
            variants[v].xla_bytes = float(analysis.get("bytes accessed", 0.0))
        except Exception:  # cost analysis is optional on some backends
            pass
        executables[v] = exe

    inputs = random_inputs(arg_types_of(text), seed=0)
    dev = executables["a"].local_devices()[0]
    with jax.enable_x64(True):
        device_args = [jax.device_put(np.asarray(x), dev) for x in inputs]
    reference = [np.asarray(o) for o in executables["a"].execute(device_args)]
    fingerprint_a = hlo_fingerprint(executables["a"])
    for v, exe in executables.items():
        outs = [np.asarray(o) for o in exe.execute(device_args)]
        variants[v].rel_error = relative_error(reference, outs)
        variants[v].same_hlo_as_a = hlo_fingerprint(exe) == fingerprint_a

    # The control: XLA alone compiled a second time and timed alongside. a/a' shows the noise of
    # the measurement itself (the two are the same program).
    texts = {v: transformed[v].text or "" for v in executables}
    timed = {
        **{
            v: [exe, *(compile_text(texts[v], backend) for _ in range(copies - 1))]
            for v, exe in executables.items()
        },
        CONTROL: [compile_text(text, backend) for _ in range(copies)],
    }
    log(f"time ({', '.join(timed)}; {copies} compilations each; {repeats} interleaved rounds)")
    timings, batch = time_interleaved(timed, device_args, repeats, target_s)
    ta = timings["a"]
    for v in executables:
        tv, vr = timings[v], variants[v]
        vr.time_s, vr.min_time_s, vr.spread, vr.cpu_time_s = tv.median, tv.minimum, tv.spread, tv.cpu_median
        vr.speedup = ta.median / tv.median
        vr.speedup_min = ta.minimum / tv.minimum
        vr.speedup_cpu = ta.cpu_median / tv.cpu_median if tv.cpu_median > 0 else None

    result = ModelResult(name, variants, batch=batch, control_speedup=ta.median / timings[CONTROL].median)
    rules: dict[str, int] = {}
    for rep in transformed["b"].reports:
        result.functions.append(
            {
                "name": rep.name,
                "status": rep.status,
                "reason": rep.reason,
                # a function with rewritten convolutions, timed whole: candidate -> time after/before
                "measured_candidates": dict(getattr(rep, "measured_candidates", {})),
                "measured_choice": getattr(rep, "measured_choice", ""),
            }
        )
        for g in rep.graphs:
            result.predicted_cost_in += g.cost_in
            result.predicted_cost_out += g.cost_out
            result.predicted_fusions_in += g.fusions_in
            result.predicted_fusions_out += g.fusions_out
            for rule, n in g.saturation.matches.items():
                rules[rule] = rules.get(rule, 0) + n
    result.top_rules = sorted(((r, n) for r, n in rules.items() if n), key=lambda rn: -rn[1])[:6]
    return result


# -- reports ----------------------------------------------------------------------------------------
def machine_description(backend: str) -> str:
    import os

    import jax
    import jaxlib

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    dev = str(jax.devices(backend)[0].device_kind) if backend != "cpu" else "cpu"
    return (
        f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} logical cores; "
        f"backend {backend} ({dev}); jax {jax.__version__}, jaxlib {jaxlib.__version__}; "
        f"Python {platform.python_version()}"
    )


def _fmt_speedup(v: VariantResult) -> str:
    if not v.available:
        return v.note
    return f"{v.speedup:.3f}" if v.speedup is not None else "-"


def _status(r: ModelResult) -> str:
    """`ok`, or how many functions the pass left unchanged because a stage failed, and why."""
    bad = [f for f in r.functions if f["status"] == "failed"]
    if not bad:
        return "ok"
    return f"{len(bad)}/{len(r.functions)} functions failed: {bad[0]['reason']}".replace("|", "\\|")


def _fmt_ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def _delta(new: float | None, old: float | None) -> str:
    if new is None or old is None or old == 0:
        return "-"
    return "=" if new == old else f"{100 * (new - old) / old:+.3g}%"


def _fmt_err(x: float | None) -> str:
    if x is None:
        return "-"
    return "0" if x == 0 else ("inf" if math.isinf(x) else f"{x:.1e}")


COLUMNS = (
    "model", "ops a→b", "predicted cost a→b (µs)", "fusions predicted a→b", "fusions measured a→b",
    "same HLO", "XLA flops / bytes b vs a", "eqsat time (s)", "XLA compile a / b (ms)", "time a (µs)",
    "time b (µs)", "speedup a/b", "control a/a′", "best-of speedup", "CPU-time speedup", "spread a / b",
    "max rel err b", "c: aggressive-simplification", "d: enzyme-hlo-opt", "eqsat status",
)  # fmt: skip


def markdown(results: list[ModelResult], meta: dict[str, Any]) -> str:
    lines = [
        f"Machine: {meta['machine']}.",
        f"Command: `{meta['command']}` ({meta['repeats']} interleaved rounds per model over "
        f"{meta.get('copies', 1)} compilations of each variant, fp-mode={meta['fp_mode']}, "
        f"{meta.get('dispatch', 'async')} dispatch).",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for r in results:
        a, b, c, d = (r.variants[k] for k in VARIANTS)
        cells = [
            r.name,
            f"{a.ops}→{b.ops}",
            f"{r.predicted_cost_in * 1e6:.1f}→{r.predicted_cost_out * 1e6:.1f}",
            f"{r.predicted_fusions_in}→{r.predicted_fusions_out}",
            f"{a.fusions}→{b.fusions}",
            "yes" if b.same_hlo_as_a else "no",
            f"{_delta(b.xla_flops, a.xla_flops)} / {_delta(b.xla_bytes, a.xla_bytes)}",
            f"{b.transform_s or 0:.2f}",
            f"{(a.compile_s or 0) * 1e3:.0f} / {(b.compile_s or 0) * 1e3:.0f}",
            f"{(a.time_s or 0) * 1e6:.1f}",
            f"{(b.time_s or 0) * 1e6:.1f}",
            _fmt_speedup(b),
            _fmt_ratio(r.control_speedup),
            _fmt_ratio(b.speedup_min),
            _fmt_ratio(b.speedup_cpu),
            f"{a.spread or 0:.0%} / {b.spread or 0:.0%}",
            _fmt_err(b.rel_error),
            _fmt_speedup(c),
            _fmt_speedup(d),
            _status(r),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    speedups = [r.variants["b"].speedup for r in results if r.variants["b"].speedup]
    if speedups:
        geo = math.exp(sum(math.log(s) for s in speedups) / len(speedups))
        worst = min(results, key=lambda r: r.variants["b"].speedup or math.inf)
        lines += [
            "",
            f"Geometric mean speedup (a/b): {geo:.3f}; lowest: {worst.name} "
            f"{worst.variants['b'].speedup:.3f}; models below 0.98: "
            + (", ".join(r.name for r in results if (r.variants["b"].speedup or 1) < 0.98) or "none")
            + ".",
        ]
    lines += [
        "",
        "Speedup = median time of XLA alone / median time of the variant (above 1: faster); "
        "each variant is compiled several times and the samples of all its compilations are pooled; "
        "control a/a′: the same for XLA alone against another set of compilations of the same module, "
        "timed in the same rounds: how far from 1 noise alone moves a ratio; "
        "best-of speedup: the same with each variant's fastest sample; CPU-time speedup: with the "
        "median process CPU time (all threads), which time spent descheduled does not inflate. "
        "XLA flops / bytes: XLA's cost analysis of its optimized HLO, b relative to a. Spread = "
        "interquartile range of the samples / median. Same HLO = XLA's optimized HLO is identical to XLA "
        "alone's up to names, metadata and the order of independent instructions, so a measured "
        "difference there is noise. "
        "Predicted cost and fusions: the optimizer's fusion-aware model, summed over all function "
        "and region graphs (a private function called twice counts once); measured fusions: "
        "`fusion` instructions in XLA's optimized HLO. Max rel err: largest normwise relative "
        "error (max|b-a| / max|a|) of any result.",
    ]
    return "\n".join(lines) + "\n"


def plots(results: list[ModelResult], out: Path) -> list[Path]:
    """Speedup bars per model, and optimizer time against module size. Needs matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    names = [r.name for r in results]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.6 * len(names) + 2), 4))
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
    fig.tight_layout()
    path = out / "speedup.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    written.append(path)

    fig, ax = plt.subplots(figsize=(6, 4))
    xs = [r.variants["a"].ops or 0 for r in results]
    ys = [r.variants["b"].transform_s or 0 for r in results]
    ax.scatter(xs, ys)
    for x, y, n in zip(xs, ys, names, strict=True):
        ax.annotate(n, (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("ops in the module")
    ax.set_ylabel("stablehlo-eqsat time (s)")
    fig.tight_layout()
    path = out / "optimizer_time.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    written.append(path)
    return written


def _json_default(o: Any) -> Any:
    if isinstance(o, float) and (math.isinf(o) or math.isnan(o)):
        return str(o)
    raise TypeError(type(o).__name__)


# -- the command ------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    from stablehlo_eqsat.tools.xla import add_dispatch_option, use_dispatch

    p = argparse.ArgumentParser(
        prog="stablehlo-eqsat-bench",
        description="Time XLA alone against XLA after stablehlo-eqsat (and others) on the model zoo.",
    )
    p.add_argument("--out", help="output folder: bench.md, bench.json and plots (required)")
    p.add_argument("--models", action="append", default=None, metavar="A,B", help="only these models")
    p.add_argument("--repeats", type=int, default=None, help="rounds per model (default 100; quick 7)")
    p.add_argument(
        "--copies",
        type=int,
        default=None,
        help="separate XLA compilations of each variant, timed together (default 3; quick 1)",
    )
    p.add_argument("--fp-mode", default="xla", choices=("strict", "xla", "fast"), help="fp-mode of b")
    p.add_argument("--quick", action="store_true", help="few rounds and short samples (a smoke test)")
    p.add_argument("--list", action="store_true", help="list the model names and exit")
    add_dispatch_option(p)
    args = p.parse_args(argv)
    use_dispatch(args.dispatch)  # before anything creates JAX's CPU client

    models = all_models()
    if args.list:
        print("\n".join(models))
        return 0
    if not args.out:
        p.error("the following arguments are required: --out")
    names = [n for spec in args.models or [] for n in spec.split(",") if n] or list(models)
    unknown = [n for n in names if n not in models]
    if unknown:
        print(f"stablehlo-eqsat-bench: error: unknown model(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    repeats = args.repeats or (7 if args.quick else 100)
    copies = args.copies or (1 if args.quick else 3)
    target_s = 0.5e-3 if args.quick else 2e-3
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    backend = backend_name()
    simplification = simplification_pipeline()
    meta = {
        "machine": machine_description(backend),
        "backend": backend,
        "command": "stablehlo-eqsat-bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "repeats": repeats,
        "copies": copies,
        "fp_mode": args.fp_mode,
        "dispatch": args.dispatch,
        "aggressive_simplification": simplification or "n/a (not in this jaxlib)",
    }
    results: list[ModelResult] = []
    for i, name in enumerate(names, 1):

        def log(stage: str, i: int = i, name: str = name) -> None:
            _progress(f"[{i}/{len(names)}] {name}: {stage}")

        log("lower")
        text = models[name]()
        r = bench_model(
            name, text, fp_mode=args.fp_mode, repeats=repeats, target_s=target_s, backend=backend,
            simplification=simplification, log=log, copies=copies,
        )  # fmt: skip
        b = r.variants["b"]
        log(f"speedup {b.speedup:.3f}, max rel err {_fmt_err(b.rel_error)}, same HLO {b.same_hlo_as_a}")
        if _status(r) != "ok":
            log(f"warning: stablehlo-eqsat: {_status(r)}")
        results.append(r)

    (out / "bench.md").write_text(markdown(results, meta))
    (out / "bench.json").write_text(
        json.dumps({"meta": meta, "models": [asdict(r) for r in results]}, indent=1, default=_json_default)
    )
    written = [out / "bench.md", out / "bench.json"]
    try:
        written += plots(results, out)
    except ImportError:
        _progress("stablehlo-eqsat-bench: no plots: matplotlib is not installed (pip install '.[bench]')")
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
