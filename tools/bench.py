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
in XLA's optimized HLO. The tables and plots are written by `tools/bench_report.py`.
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stablehlo_eqsat.tools.bench_report import (
    CONTROL,
    LABELS,
    VARIANTS,
    ModelResult,
    VariantResult,
    status,
    write_outputs,
)
from stablehlo_eqsat.tools.real_models import load_models
from stablehlo_eqsat.tools.report import fmt_error, fmt_ratio, machine_description, progress
from stablehlo_eqsat.tools.transform import Transformed, eqsat_pipeline, transform

import stablehlo_eqsat.xla as xla

if TYPE_CHECKING:
    from stablehlo_eqsat.passes.reports import FunctionReport

SIMPLIFICATION_PIPELINES = (
    "builtin.module(func.func(stablehlo-aggressive-simplification))",
    "builtin.module(stablehlo-aggressive-simplification)",
)


# -- models -----------------------------------------------------------------------------------------
def all_models() -> dict[str, Callable[[], str]]:
    """name -> a function giving its StableHLO text: the zoo's models, then the benchmark's own."""
    from stablehlo_eqsat.tools import bench_models, zoo

    names = [*zoo.model_names(), *bench_models.model_names()]
    return {name: functools.partial(zoo.lower_model, name) for name in names}


# -- the transformations ----------------------------------------------------------------------------
def simplification_pipeline() -> str | None:
    """The pipeline text that runs `stablehlo-aggressive-simplification`, or None if this jaxlib
    does not register the pass."""
    from stablehlo_eqsat.dialect_glue.context import make_context
    from stablehlo_eqsat.passes.registry import PipelineError, parse_pipeline

    for text in SIMPLIFICATION_PIPELINES:
        try:
            parse_pipeline(text, make_context())
            return text
        except PipelineError:
            continue
    return None


def run_simplification(text: str, pipeline: str | None) -> Transformed:
    """(c): upstream StableHLO's aggressive simplification, where jaxlib has it."""
    if pipeline is None:
        return Transformed(None, note="n/a (not in this jaxlib)")
    return transform(text, pipeline)


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
def time_pooled(
    executables: dict[str, list[Any]], args: list[Any], rounds: int, sample_seconds: float
) -> tuple[dict[str, xla.Samples], int]:
    """Time each variant's executables (separate compilations of the same module) together in the
    one timer's interleaved rounds, waiting for every execution; returns each variant's samples
    over all its copies, and the executions per sample. Pooling copies averages out what differs
    between two compilations of one program (where its code and buffers land in memory), which can
    move one executable's time by a few percent for good."""
    units = [(k, exe) for k, exes in executables.items() for exe in exes]
    samples, batch = xla.time_interleaved(
        [exe for _, exe in units], args, rounds=rounds, sample_seconds=sample_seconds, max_batch=1000,
        warmup=3, wait_each=True,
    )  # fmt: skip
    pooled = {k: xla.Samples() for k in executables}
    for (k, _), s in zip(units, samples, strict=True):
        pooled[k].wall += s.wall
        pooled[k].cpu += s.cpu
    return pooled, batch


def compile_variants(
    transformed: dict[str, Transformed], backend: str, log: Callable[[str], None]
) -> tuple[dict[str, VariantResult], dict[str, Any]]:
    """Each variant compiled, with its op and fusion counts and XLA's cost analysis; the ones not
    available or that XLA rejects are reported, not compiled."""
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
            exe = xla.compile_module(t.text, backend)
        except xla.XlaError as e:
            variants[v] = VariantResult(False, str(e))
            continue
        variants[v] = VariantResult(
            True,
            t.note,
            ops=xla.count_ops(t.text),
            transform_s=t.seconds if v != "a" else None,
            compile_s=time.perf_counter() - start,
            fusions=xla.fusions(exe),
        )
        try:
            analysis = exe.cost_analysis()
            variants[v].xla_flops = float(analysis.get("flops", 0.0))
            variants[v].xla_bytes = float(analysis.get("bytes accessed", 0.0))
        except Exception:  # cost analysis is optional on some backends
            pass
        executables[v] = exe
    return variants, executables


# -- one model --------------------------------------------------------------------------------------
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
    device = "gpu" if backend in ("gpu", "cuda", "rocm") else "cpu"
    log("optimize (stablehlo-eqsat)")
    transformed: dict[str, Transformed] = {"a": Transformed(text)}
    with tempfile.TemporaryDirectory(prefix="stablehlo-eqsat-bench-") as cache:
        # Cold: an empty measurement cache of the model's own (what a first optimization of the
        # model on this machine pays, in a process where jax and the rule library are loaded);
        # warm: the same right after, with what the first measured and decided.
        pipeline = eqsat_pipeline(f"fp-mode={fp_mode} device={device} measure-cache={cache}/measure.json")
        transformed["b"] = transform(text, pipeline)
        warm = transform(text, pipeline)
    log("optimize (stablehlo-aggressive-simplification, enzyme-hlo-opt)")
    transformed["c"] = run_simplification(text, simplification)
    transformed["d"] = run_enzyme(text)
    variants, executables = compile_variants(transformed, backend, log)
    if variants["b"].available:
        variants["b"].transform_warm_s = warm.seconds

    inputs = xla.random_inputs(xla.arg_types_of(text), seed=0)
    reference = xla.run(executables["a"], inputs)
    fingerprint_a = xla.hlo_fingerprint(executables["a"])
    for v, exe in executables.items():
        variants[v].rel_error = xla.relative_error(reference, xla.run(exe, inputs))
        variants[v].same_hlo_as_a = xla.hlo_fingerprint(exe) == fingerprint_a

    # The control: XLA alone compiled a second time and timed alongside. a/a' shows the noise of
    # the measurement itself (the two are the same program).
    texts = {v: transformed[v].text or "" for v in executables}
    timed = {
        **{
            v: [exe, *(xla.compile_module(texts[v], backend) for _ in range(copies - 1))]
            for v, exe in executables.items()
        },
        CONTROL: [xla.compile_module(text, backend) for _ in range(copies)],
    }
    log(f"time ({', '.join(timed)}; {copies} compilations each; {repeats} interleaved rounds)")
    args = xla.device_arrays(executables["a"], inputs)
    timings, batch = time_pooled(timed, args, repeats, target_s)
    ta = timings["a"]
    for v in executables:
        tv, vr = timings[v], variants[v]
        vr.time_s, vr.min_time_s, vr.spread, vr.cpu_time_s = tv.median, tv.minimum, tv.spread, tv.cpu_median
        vr.speedup = ta.median / tv.median
        vr.speedup_min = ta.minimum / tv.minimum
        vr.speedup_cpu = ta.cpu_median / tv.cpu_median if tv.cpu_median > 0 else None

    result = ModelResult(name, variants, batch=batch, control_speedup=ta.median / timings[CONTROL].median)
    add_eqsat_reports(result, transformed["b"].reports)
    return result


def add_eqsat_reports(result: ModelResult, reports: list[FunctionReport]) -> None:
    """The pass's reports, summed: per function its status, and over every graph the predicted
    costs and fusions and the rules that fired most."""
    rules: dict[str, int] = {}
    for rep in reports:
        result.functions.append(
            {
                "name": rep.name,
                "status": rep.status,
                "reason": rep.reason,
                # a function with rewritten convolutions, timed whole: candidate -> time after/before
                "measured_candidates": dict(rep.measured_candidates),
                "measured_choice": rep.measured_choice,
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


# -- the command ------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="stablehlo-eqsat-bench",
        description="Time XLA alone against XLA after stablehlo-eqsat (and others) on the model zoo.",
    )
    p.add_argument("--out", help="output folder: bench.md, bench.json and plots (required)")
    p.add_argument("--models", action="append", default=None, metavar="A,B", help="only these models")
    p.add_argument(
        "--real-models",
        type=Path,
        default=None,
        metavar="DIR",
        help="also the modules `stablehlo-eqsat-real-models` wrote to DIR (keras-hub backbones)",
    )
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
    xla.add_dispatch_option(p)
    args = p.parse_args(argv)
    xla.use_dispatch(args.dispatch)  # before anything creates JAX's CPU client

    models = all_models()
    if args.real_models is not None:
        real = load_models(args.real_models)
        if not real:
            p.error(f"no .mlir files in {args.real_models} (write them with stablehlo-eqsat-real-models)")
        models.update(real)
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

    backend = xla.backend_name()
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
            progress(f"[{i}/{len(names)}] {name}: {stage}")

        log("lower")
        text = models[name]()
        r = bench_model(
            name, text, fp_mode=args.fp_mode, repeats=repeats, target_s=target_s, backend=backend,
            simplification=simplification, log=log, copies=copies,
        )  # fmt: skip
        b = r.variants["b"]
        agreement = f"max rel err {fmt_error(b.rel_error)}, same HLO {b.same_hlo_as_a}"
        log(f"speedup {fmt_ratio(b.speedup)}, {agreement}")
        if status(r) != "ok":
            log(f"warning: stablehlo-eqsat: {status(r)}")
        results.append(r)

    for path in write_outputs(results, meta, out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
