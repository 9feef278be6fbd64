"""`stablehlo-eqsat-bench-dots`: does the cost model price dot alternatives the way XLA runs them?

    stablehlo-eqsat-bench-dots --out bench-dots/                      # the zoo's transformer and MLP blocks
    stablehlo-eqsat-bench-dots --out bench-dots/ --only gpt2_block --rounds 30
    stablehlo-eqsat-bench-dots --out bench-dots/ --modules real/*.mlir   # keras-hub exports

For every distinct matrix product (batch, M, K, N) of the zoo's transformer and MLP blocks, the
alternatives the e-graph's dot rules choose between, in groups:

* `forms`: the product with each operand stored either way ([M,K] or [K,M], [K,N] or [N,K]) and
  computed as C or as its transpose (the swapped operands): the layouts the rewrites that absorb
  or move transposes leave a dot with. Eight programs, each over its own arguments.
* `chain` (unbatched products): `(x @ w1) @ w2` against `x @ (w1 @ w2)`, w2 of shape [N, K].
* `merged` (unbatched products): three projections of one `x` as three dots against one dot with
  the weights concatenated, then sliced.

Each program is priced twice: by the analytical model (`CostModel.estimate`, measuring off: the
model the extractor uses), and as the pass decides between programs whose dots differ
(`MeasuredCostModel`, measuring on: each dot timed alone with its shapes and dimension numbers,
as the pass times the dots of a change in `judge`, into a measurement cache of the run's own;
the other ops priced analytically). Each is timed under XLA CPU a group at a time, interleaved,
each program on its own random inputs, with a second compilation of the group's first program as
the control; by default inside a loop (`xla.loop`: the time per iteration, the cost of a call
gone, which at the zoo's sizes is ten times the kernels' and spreads by more than they differ),
or with `--timing call` a call at a time, less the time of a call that does almost nothing.
`--scale S` multiplies every M, K and N by S (the zoo's blocks are small: hidden 64). Reported:
Spearman's rho of each price against measured time within each group and pooled over groups as
ratios to the group's first program, over the alternatives that differ from it by more than the
measurement's noise (twice the control's deviation, at least 3%); and, per form, whether the
model's kernel (`dot_cost.py`) is the one in XLA's optimized HLO (the library's GEMM is a
YNNPACK fusion there).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from stablehlo_eqsat.tools.cost_report import spearman
from stablehlo_eqsat.tools.report import load_average, machine_description, markdown_table, progress

import stablehlo_eqsat.xla as xla

if TYPE_CHECKING:
    from stablehlo_eqsat.passes.measure import Measurer

# The prices compared with the measurement: field of `Program` -> its name in the report.
# The last is the measurement's own repeatability: what the best model could reach.
PRICES = {"predicted_s": "analytical", "priced_s": "dots timed", "remeasured_s": "second timing"}
BLOCKS = ("mlp", "gpt2_block", "bert_layer", "llama_block", "vit_block", "mixer_block", "redundant_attention")
NOISE_FLOOR = 0.03


@dataclass
class Program:
    group: str
    name: str
    text: str
    predicted_s: float = math.nan  # the analytical model
    priced_s: float = math.nan  # as the pass decides: dots timed alone, the rest analytical
    measured_s: float = math.nan
    remeasured_s: float = math.nan  # a second timing, after every group's first
    kernel: str = ""  # the model's kernel for its dot (`forms` only)
    xla_library: bool | None = None  # XLA ran the dot as a library (YNNPACK) fusion


# -- the products of the zoo's blocks -------------------------------------------------------------
Product = tuple[int, int, int, int]  # batch, M, K, N


def products(text: str) -> set[Product]:
    """The (batch, M, K, N) of every f32 `dot_general` of a module that is a matrix product (M
    and N above 1), as XLA runs it (`dot_cost.dot_form`)."""
    from stablehlo_eqsat.dialect_glue import ops as O
    from stablehlo_eqsat.passes.dot_cost import dot_form
    from stablehlo_eqsat.tools.kernel_profile import dots_of

    found: set[Product] = set()
    for shape in dots_of(text):
        if shape.lhs.dtype != "f32":
            continue
        form = dot_form(shape.lhs, shape.rhs, O.DotDims(*shape.params))  # type: ignore[arg-type]
        if form.m > 1 and form.n > 1:
            found.add((form.batch, form.m, form.k, form.n))
    return found


# -- the alternatives ---------------------------------------------------------------------------
def _t(batch: int, *dims: int) -> str:
    shape = ([batch] if batch > 1 else []) + list(dims)
    return f"tensor<{'x'.join(map(str, shape))}xf32>"


def _dims(batch: int, lc: int, rc: int) -> str:
    b = 1 if batch > 1 else 0
    batching = "batching_dims = [0] x [0], " if b else ""
    return f"{batching}contracting_dims = [{lc + b}] x [{rc + b}]"


def form_program(p: Product, lhs_t: bool, rhs_t: bool, swap: bool) -> str:
    """C = A @ B with A stored [M,K] or [K,M] (`lhs_t`), B [K,N] or [N,K] (`rhs_t`); computed as
    C, or as C's transpose with the operands swapped."""
    batch, m, k, n = p
    a = _t(batch, k, m) if lhs_t else _t(batch, m, k)
    b = _t(batch, n, k) if rhs_t else _t(batch, k, n)
    ac, bc = (0 if lhs_t else 1), (1 if rhs_t else 0)
    if swap:
        dot = f"%b, %a, {_dims(batch, bc, ac)} : ({b}, {a}) -> {_t(batch, n, m)}"
        out = _t(batch, n, m)
    else:
        dot = f"%a, %b, {_dims(batch, ac, bc)} : ({a}, {b}) -> {_t(batch, m, n)}"
        out = _t(batch, m, n)
    return (
        f"func.func public @main(%a: {a}, %b: {b}) -> {out} {{\n"
        f"  %0 = stablehlo.dot_general {dot}\n  return %0 : {out}\n}}\n"
    )


def form_name(lhs_t: bool, rhs_t: bool, swap: bool) -> str:
    return (
        f"A {'[K,M]' if lhs_t else '[M,K]'}, B {'[N,K]' if rhs_t else '[K,N]'}{', swapped' if swap else ''}"
    )


def _matmul(res: str, lhs: str, rhs: str, lty: str, rty: str, out: str) -> str:
    dims = "contracting_dims = [1] x [0]"
    return f"  {res} = stablehlo.dot_general {lhs}, {rhs}, {dims} : ({lty}, {rty}) -> {out}\n"


def chain_programs(p: Product) -> list[tuple[str, str]]:
    _, m, k, n = p
    x, w1, w2, out, mid, kk = _t(1, m, k), _t(1, k, n), _t(1, n, k), _t(1, m, k), _t(1, m, n), _t(1, k, k)
    head = f"func.func public @main(%x: {x}, %w1: {w1}, %w2: {w2}) -> {out} {{\n"
    left = _matmul("%0", "%x", "%w1", x, w1, mid) + _matmul("%1", "%0", "%w2", mid, w2, out)
    right = _matmul("%0", "%w1", "%w2", w1, w2, kk) + _matmul("%1", "%x", "%0", x, kk, out)
    tail = f"  return %1 : {out}\n}}\n"
    return [("(x @ w1) @ w2", head + left + tail), ("x @ (w1 @ w2)", head + right + tail)]


def merged_programs(p: Product) -> list[tuple[str, str]]:
    _, m, k, n = p
    x, w, y = _t(1, m, k), _t(1, k, n), _t(1, m, n)
    head = f"func.func public @main(%x: {x}, %w1: {w}, %w2: {w}, %w3: {w}) -> ({y}, {y}, {y}) {{\n"
    separate = "".join(
        f"  %{i} = stablehlo.dot_general %x, %w{i + 1}, contracting_dims = [1] x [0] : ({x}, {w}) -> {y}\n"
        for i in range(3)
    )
    wide, z = _t(1, k, 3 * n), _t(1, m, 3 * n)
    merged = (
        f"  %w = stablehlo.concatenate %w1, %w2, %w3, dim = 1 : ({w}, {w}, {w}) -> {wide}\n"
        f"  %z = stablehlo.dot_general %x, %w, contracting_dims = [1] x [0] : ({x}, {wide}) -> {z}\n"
        + "".join(
            f"  %{i} = stablehlo.slice %z [0:{m}, {i * n}:{(i + 1) * n}] : ({z}) -> {y}\n" for i in range(3)
        )
    )
    tail = f"  return %0, %1, %2 : {y}, {y}, {y}\n}}\n"
    return [("three dots", head + separate + tail), ("one dot, weights concatenated", head + merged + tail)]


def groups_for(p: Product) -> dict[str, list[Program]]:
    label = "x".join(map(str, p[1:])) + (f" (batch {p[0]})" if p[0] > 1 else "")
    groups = {
        f"{label} forms": [
            Program(f"{label} forms", form_name(*f), form_program(p, *f))
            for f in itertools.product((False, True), repeat=3)
        ]
    }
    if p[0] == 1:
        groups[f"{label} chain"] = [Program(f"{label} chain", n, t) for n, t in chain_programs(p)]
        groups[f"{label} merged"] = [Program(f"{label} merged", n, t) for n, t in merged_programs(p)]
    return groups


# -- pricing and timing -------------------------------------------------------------------------
def predict(programs: Sequence[Program], device: str, measurer: Measurer) -> None:
    from stablehlo_eqsat.dialect_glue import ops as O
    from stablehlo_eqsat.dialect_glue.context import make_context
    from stablehlo_eqsat.passes.cost import CostModel
    from stablehlo_eqsat.passes.dot_cost import dot_form
    from stablehlo_eqsat.passes.measure import MeasuredCostModel
    from stablehlo_eqsat.passes.profile import load_profile
    from stablehlo_eqsat.tools.cost_variants import main_graph

    profile = load_profile(device)
    model = CostModel(profile)
    measured = MeasuredCostModel(profile, measurer=measurer, mode="on")
    for prog in programs:
        with make_context():
            graph = main_graph(prog.text)
        est = model.estimate(graph)
        prog.predicted_s = est.seconds
        priced = measured.for_function([graph]).estimate(graph)
        if not all(k.measured for k in priced.kernels if k.kind == "dot"):
            raise RuntimeError(f"{prog.group}, {prog.name}: a dot could not be timed alone")
        prog.priced_s = priced.seconds
        graph = est.graph
        dots = [graph.terms[k.members[0]] for k in est.kernels if k.kind == "dot"] if graph else []
        if len(dots) == 1 and prog.group.endswith("forms"):
            lhs, rhs = (graph.terms[c].ty for c in dots[0].children())  # type: ignore[union-attr]
            prog.kernel = dot_form(lhs, rhs, O.dot_dims(dots[0])).kernel  # type: ignore[arg-type]


BASELINE = (
    "func.func public @main(%a: tensor<4xf32>) -> tensor<4xf32> {\n"
    "  %0 = stablehlo.negate %a : tensor<4xf32>\n  return %0 : tensor<4xf32>\n}\n"
)


def measure(
    programs: Sequence[Program], rounds: int, field: str = "measured_s", looped: bool = True
) -> float:
    """Time one group (into `field` of each program), with a second compilation of its first
    program as the control; returns the control's ratio to the first. `looped`: each program
    timed inside a loop (`xla.loop`), the cost of a call gone; else a call at a time, less the
    time of a call that does almost nothing (~10 us here, which the model does not price and
    which would compress every ratio toward 1 at these sizes)."""
    from stablehlo_eqsat.xla.loop import loop_module, loop_seconds

    texts = [p.text for p in programs] + [programs[0].text]
    inputs = [xla.random_inputs(xla.arg_types_of(t)) for t in texts]
    if looped:
        exes = [xla.compile_module(loop_module(t)) for t in texts]
        net = [max(t, 1e-9) for t in loop_seconds(exes, inputs, rounds=rounds)]
        plain = [xla.compile_module(t) for t in texts] if programs[0].group.endswith("forms") else []
    else:
        exes = [xla.compile_module(t) for t in [*texts, BASELINE]]
        plain = exes if programs[0].group.endswith("forms") else []
        args = [
            xla.device_arrays(e, i) for e, i in zip(exes, [*inputs, [np.zeros(4, np.float32)]], strict=True)
        ]
        samples, _ = xla.time_interleaved(
            exes, args[0], rounds=rounds, sample_seconds=2e-3, min_batch=3, max_batch=50, args_each=args
        )
        call = samples[-1].median
        net = [max(s.median - call, 0.05 * s.median) for s in samples[:-1]]
    for i, (prog, seconds) in enumerate(zip(programs, net, strict=False)):
        setattr(prog, field, seconds)
        if plain:
            prog.xla_library = "__ynn_fusion" in plain[i].hlo_modules()[0].to_string()
    return net[-1] / net[0]


def summarize(groups: dict[str, list[Program]], controls: dict[str, float]) -> dict[str, object]:
    """Spearman's rho of each price (`PRICES`) against the measured times, within each group and
    pooled over the groups' alternatives that the measurement separates from the group's first."""
    pooled: dict[str, list[float]] = {price: [] for price in ("measured_s", *PRICES)}
    per_group = {}
    for name, progs in groups.items():
        base = progs[0]
        noise = max(NOISE_FLOOR, 2 * abs(math.log(controls[name])))
        kept = [p for p in progs[1:] if abs(math.log(p.measured_s / base.measured_s)) > noise]
        for p in kept:
            for price, ratios in pooled.items():
                # (a dot timed alone at the call's own cost is priced 0: a nanosecond here)
                ratios.append(max(getattr(p, price), 1e-9) / max(getattr(base, price), 1e-9))
        per_group[name] = {"noise": noise, "distinct": len(kept)}
        for price, label in PRICES.items():
            per_group[name][f"rho {label}"] = spearman(
                [getattr(p, price) for p in progs], [p.measured_s for p in progs]
            )
            # each pair the measurement separates, ordered the same way by that price
            per_group[name][f"agree {label}"] = all(
                (getattr(p, price) < getattr(base, price)) == (p.measured_s < base.measured_s) for p in kept
            )
    forms = [p for progs in groups.values() for p in progs if p.xla_library is not None]
    kernels_right = sum((p.kernel in ("gemm", "gemm-rhs-minor")) == p.xla_library for p in forms)
    return {
        "pooled_rho": {
            label: spearman(pooled[price], pooled["measured_s"]) for price, label in PRICES.items()
        },
        "pooled_points": len(pooled["measured_s"]),
        "kernels_right": kernels_right,
        "kernels": len(forms),
        "groups": per_group,
    }


def rho_line(summary: dict[str, object]) -> str:
    return ", ".join(f"{label} {rho:.3f}" for label, rho in summary["pooled_rho"].items())  # type: ignore[attr-defined]


def write(
    out: Path, argv: Sequence[str], groups: dict[str, list[Program]], summary: dict[str, object]
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rhos = rho_line(summary)
    lines = [
        "# stablehlo-eqsat: dot alternatives, the cost model against XLA",
        "",
        f"`stablehlo-eqsat-bench-dots {' '.join(argv)}`",
        "",
        f"Machine: {machine_description('cpu')}; load average {load_average()}.",
        "",
        f"**Pooled Spearman rho: {rhos}** over {summary['pooled_points']} alternatives that differ "
        "from their group's first by more than the noise (ratios to the first); "
        f"the model's dot kernel is XLA's for {summary['kernels_right']} of {summary['kernels']} forms.",
        "",
    ]
    rows = []
    per_group: dict[str, dict[str, object]] = summary["groups"]  # type: ignore[assignment]
    for name, progs in groups.items():
        g = per_group[name]
        for p in progs:
            rows.append([
                name, p.name, *(f"{getattr(p, price) * 1e6:.1f}" for price in PRICES),
                f"{p.measured_s * 1e6:.1f}", f"{p.measured_s / progs[0].measured_s:.2f}", p.kernel,
                "" if p.xla_library is None else ("library" if p.xla_library else "generic"),
            ])  # fmt: skip
        rhos = " / ".join(f"{g[f'rho {label}']:.2f}" for label in PRICES.values())
        rows.append(
            [name, f"rho {rhos}, noise {g['noise']:.3f}, {g['distinct']} distinct"] + [""] * (4 + len(PRICES))
        )
    headers = ["group", "program", *(f"{label} us" for label in PRICES.values()), "measured us", "vs first"]
    lines += markdown_table(
        [*headers, "model kernel", "XLA kernel"], rows, "ll" + "r" * (2 + len(PRICES)) + "ll"
    )
    (out / "report.md").write_text("\n".join(lines) + "\n")
    data = {"summary": summary, "programs": [{k: v for k, v in asdict(p).items() if k != "text"} for p in
            (p for progs in groups.values() for p in progs)]}  # fmt: skip
    (out / "report.json").write_text(json.dumps(data, indent=1))


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="stablehlo-eqsat-bench-dots", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="folder for report.md and report.json")
    p.add_argument(
        "--only", default="", help="comma-separated zoo models (default: the transformer and MLP blocks)"
    )
    p.add_argument(
        "--modules", nargs="+", type=Path, default=None, metavar="M.mlir",
        help="the products of these modules instead (e.g. `stablehlo-eqsat-real-models` exports)",
    )  # fmt: skip
    p.add_argument("--rounds", type=int, default=20, help="interleaved rounds per group")
    p.add_argument("--device", default="cpu", help="cost profile: cpu | gpu | path to a calibrated .json")
    p.add_argument("--scale", type=int, default=1, help="multiply M, K and N of every product by this")
    p.add_argument(
        "--timing", choices=("loop", "call"), default="loop",
        help="time each program inside a loop, the cost of a call gone (default), or a call at a time",
    )  # fmt: skip
    args = p.parse_args(argv)
    from stablehlo_eqsat.tools.zoo import lower_model

    if args.modules and args.only:
        p.error("--modules and --only exclude each other")
    found: set[Product] = set()
    if args.modules:
        for path in args.modules:
            found |= products(path.read_text())
    else:
        for name in [n for n in args.only.split(",") if n] or list(BLOCKS):
            found |= products(lower_model(name))
    groups: dict[str, list[Program]] = {}
    for prod in sorted((b, m * args.scale, k * args.scale, n * args.scale) for b, m, k, n in found):
        groups.update(groups_for(prod))
    from stablehlo_eqsat.passes.measure import Measurer

    out = Path(args.out)
    measurer = Measurer(cache_path=out / "measure-cache.json", budget_seconds=math.inf)
    controls = {}
    for i, (name, progs) in enumerate(groups.items()):
        progress(f"[{i + 1}/{len(groups)}] {name}")
        predict(progs, args.device, measurer)
        controls[name] = measure(progs, args.rounds, looped=args.timing == "loop")
    for i, (name, progs) in enumerate(groups.items()):
        progress(f"[{i + 1}/{len(groups)}] {name}, again")
        measure(progs, args.rounds, "remeasured_s", looped=args.timing == "loop")
    summary = summarize(groups, controls)
    write(out, argv if argv is not None else __import__("sys").argv[1:], groups, summary)
    print(
        f"{len(groups)} groups: pooled rho {rho_line(summary)} over {summary['pooled_points']} "
        f"alternatives; kernels right {summary['kernels_right']}/{summary['kernels']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
