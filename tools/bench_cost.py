"""`stablehlo-eqsat-bench-cost`: does the cost model rank equivalent programs the way XLA runs them?

    stablehlo-eqsat-bench-cost --out bench-cost/                 # all zoo models, plot + report
    stablehlo-eqsat-bench-cost --out bench-cost/ --only mlp --variants 8 --runs 30
    stablehlo-eqsat-bench-cost --out bench-cost/ --ilp           # also: ilp vs greedy-dag on every e-graph

For each zoo model the body of `@main` goes through the pass's stages (`prepare`, `saturate`) with
the `fast` rules (the most rewrites, so the most variety), and several equivalent programs are
drawn from the e-graph (`tools/cost_variants.py`): the input, the `greedy`, `greedy-dag` and `ilp`
extractions, and random extractions (each needed e-class picks a random node, or perturbs the
greedy-dag answer or the costliest node of each class; every one passes `check_extraction`).
Each variant is exported to StableHLO (`replace_function` on a fresh parse of the module),
compiled by XLA CPU and timed: all variants of a model are timed together by the one timer
(`xla.time_interleaved`: interleaved rounds, each sample a batch of executions), and a variant's
time is the median of its samples. The report (`tools/cost_report.py`) gives Spearman's rank
correlation between the predicted `estimate().seconds` and the measured time, per model and
overall, the predicted vs XLA's fusion counts (`xla.fusions`), a log-log scatter plot
(`cost_vs_time.png`), `report.md` and `report.json`.

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
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from stablehlo_eqsat.tools.cost_report import IlpRow, Variant, plot_if_possible, spearman, write_report
from stablehlo_eqsat.tools.report import fmt_or_na, load_average, progress

import stablehlo_eqsat.xla as xla

if TYPE_CHECKING:
    from stablehlo_eqsat.dialect_glue.graph import TermGraph
    from stablehlo_eqsat.passes.cost import CostModel
    from stablehlo_eqsat.passes.profile import DeviceProfile


def measure(variants: list[Variant], runs: int, seed: int) -> None:
    """Compile every variant, then time them together (the one timer, `runs` interleaved rounds);
    fills `samples`, `measured_s`, `fastest_s`, `xla_fusions` and `hlo`."""
    exes = [xla.compile_module(v.text) for v in variants]
    inputs = xla.random_inputs(xla.arg_types_of(variants[0].text), seed=seed)
    for v, exe in zip(variants, exes, strict=True):
        v.xla_fusions = xla.fusions(exe)
        v.hlo = xla.hlo_fingerprint(exe)
    # One batch size for all variants of a model: a sample is 5-50 executions dispatched back to
    # back, then one wait (a wait per execution would add a fixed ~40 µs hand-off to each).
    samples, _ = xla.time_interleaved(
        exes, xla.device_arrays(exes[0], inputs), rounds=runs, sample_seconds=2e-3, min_batch=5, max_batch=50,
        warmup=3,
    )  # fmt: skip
    for v, s in zip(variants, samples, strict=True):
        v.samples, v.measured_s, v.fastest_s = list(s.wall), s.median, s.minimum


FITTED = (
    "bandwidth_bytes_per_s",
    "launch_overhead_s",
    "parallel_overhead_s",
    "elementwise_flops_per_s",
    "transcendental_per_s",
    "matmul_flops_per_s",
    "opaque_bytes_per_s",
)


def fit_profile(
    variants: list[Variant], graphs: list[TermGraph], model: CostModel, sweeps: int = 2
) -> DeviceProfile:
    """The profile whose predictions rank saved variants (`saved_variants`) closest to their
    measured times: coordinate search over `FITTED`, each field scaled by factors of 1/4 to 8 in
    turn, keeping the best mean of the per-model ρ plus the overall ρ (the smaller change on
    ties). A fit is only as good as the run it is fitted to: check it on another run."""
    from stablehlo_eqsat.tools.cost_variants import estimates

    models = list(dict.fromkeys(v.model for v in variants))
    measured = [v.measured_s for v in variants]

    def objective(profile: DeviceProfile) -> float:
        trial = dataclasses.replace(model, profile=profile)
        predicted = [e.seconds for e in estimates(variants, graphs, trial)]
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
            progress(f"fit: {name} = {getattr(best, name):.3g} (score {score:.3f})")
    return best


def main(argv: Sequence[str] | None = None) -> int:
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
    xla.add_dispatch_option(p)
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
    xla.use_dispatch(args.dispatch)

    from stablehlo_eqsat.dialect_glue.context import make_context
    from stablehlo_eqsat.passes.cost import CostModel
    from stablehlo_eqsat.passes.measure import MeasuredCostModel, Measurer
    from stablehlo_eqsat.passes.profile import load_profile
    from stablehlo_eqsat.tools.cost_variants import ilp_check, model_variants, predict, saved_variants
    from stablehlo_eqsat.tools.zoo import lower_model, model_names

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = args.only or model_names()
    model: CostModel = CostModel(load_profile(args.device))
    if args.measure != "off":  # the pass's own model: measured convolutions and dots
        # Its own cache by default: timings taken under other XLA_FLAGS (threads) do not apply.
        cache = Path(args.measure_cache or Path(args.rescore or out) / "measure-cache.json")
        measurer = Measurer(cache, budget_seconds=600)
        model = MeasuredCostModel(load_profile(args.device), measurer=measurer, mode=args.measure)
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
                model = dataclasses.replace(model, profile=fit_profile(rescored, graphs, model))
                Path(args.fit).write_text(json.dumps(dataclasses.asdict(model.profile), indent=2) + "\n")
                progress(f"wrote {args.fit}")
            predict(rescored, graphs, model)
        meta.update(command=f"{meta['command']} (times from {args.rescore})", load_after="n/a")
        write_report(out, rescored, [], meta, copies)
        plot_if_possible(rescored, out)
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
                    progress(f"ilp {name} {mode}: {ilp_rows[-1]}")
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
            progress(f"{name}: {len(vs)} variants, rho={fmt_or_na(rho)}")
            meta["load_after"] = load_average()
            write_report(out, variants, ilp_rows, meta, controls)  # so far (a long run can be cut short)
            variants += vs
    meta["load_after"] = load_average()
    if variants:
        plot_if_possible(variants, out)
    write_report(out, variants, ilp_rows, meta, controls)
    print((out / "report.md").read_text().split("\n## Variants")[0])
    if ilp_rows and any(r.ilp_cost > r.greedy_dag_cost * (1 + 1e-9) for r in ilp_rows):
        print("stablehlo-eqsat-bench-cost: error: ilp worse than greedy-dag", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
