"""`stablehlo-eqsat-perf-fuzz`: is XLA ever slower after `stablehlo-eqsat`, on programs nobody
tuned it for?

    stablehlo-eqsat-perf-fuzz --count 50 --seed 0 --out /tmp/pf
    stablehlo-eqsat-perf-fuzz --count 20 --families matmul_chain,attention --fp-mode strict \\
        --options 'extractor=ilp' --out /tmp/pf
    stablehlo-eqsat-perf-fuzz --cases /tmp/pf/losses --out /tmp/pf-again    # re-time saved losses

Each program is a random user-style JAX program (`perf_programs.py`: matmul chains, batched
einsums, projections sharing an operand, dense layers with reduction heads, attention), lowered to
StableHLO and optimized with `run_pipeline` (`stablehlo-eqsat{fp-mode=M OPTIONS}`). Input and
output are compiled by XLA CPU and run on the same random inputs: results that disagree beyond
the fp-mode's tolerance (bit for bit in strict, 1e-5 of the result's scale in xla and fast) are a
correctness finding. When XLA's optimized HLO of the two is the same program
(`xla.hlo_fingerprint`) it is a tie (ratio 1.0), not timed. Otherwise the two are timed with the
one timer (`xla.time_interleaved`: rotated rounds, two compilations of each pooled) and the ratio
is time(input) / time(output): above 1 is faster. A ratio below `--threshold` is timed again with
fresh compilations, and counts as a loss only if that run is below the threshold too.

A confirmed loss is shrunk (a piece of the program dropped or one dimension halved, kept while
the loss stays confirmed, `--shrink-tries` at most) and saved as a benchmark case,
`OUT/losses/<family>-seed<S>.mlir` (with its optimized form under `losses/optimized/`), whose
header says where it came from; `--cases` times such files again. The summary goes to
`OUT/perf_fuzz.md` and `OUT/perf_fuzz.json`; the last line printed is
`N programs: geomean G, worst W (family seed S), L confirmed losses`. Program generation is
deterministic: program `i` of `--seed s` is program `s + i` of its family (families taken in
turn), so that `--seed S --count 1 --families F` brings back "F seed S". The exit status is 1
when an output disagrees or the optimizer or XLA fails; losses alone do not change it (timing
is evidence, not proof).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stablehlo_eqsat.tools.bench import time_pooled
from stablehlo_eqsat.tools.fuzz_check import optimize_text
from stablehlo_eqsat.tools.isolate import run_tasks
from stablehlo_eqsat.tools.perf_programs import FAMILIES, PerfProgram, generate, rebuild, shrink_candidates
from stablehlo_eqsat.tools.perf_report import Record, last_line, shapes_text, summarize, write_outputs
from stablehlo_eqsat.tools.report import fmt_ratio, load_average, machine_description, progress

import stablehlo_eqsat.xla as xla

COPIES = 2  # compilations of each side, timed together
SAMPLE_SECONDS = 2e-3
RTOL = {"strict": None, "xla": 1e-5, "fast": 1e-5}
_HEADER = re.compile(r"^// perf-fuzz: family (\S+), seed (-?\d+)", re.MULTILINE)


@dataclass(frozen=True)
class Options:
    """How each program is optimized and judged (the command's flags)."""

    fp_mode: str = "xla"
    options: str = ""
    rounds: int = 20
    threshold: float = 0.97
    shrink_tries: int = 12


@dataclass
class Judged:
    """Input against output under XLA: the same HLO, whether they agree, the timing runs."""

    same_hlo: bool = False
    mismatch: str = ""
    error: str = ""
    ratios: list[float] = field(default_factory=list)
    confirmed: bool = False


# -- the optimizer (in worker processes with --jobs) ------------------------------------------------
def optimize(task: tuple[str, str, str]) -> tuple[str, str, float]:
    """(input text, fp-mode, options) -> (output text, error, seconds)."""
    text, mode, options = task
    start = time.perf_counter()
    out = optimize_text(text, mode, options)
    return out.text, out.error, time.perf_counter() - start


# -- timing -----------------------------------------------------------------------------------------
def time_ratio(text_in: str, text_out: str, inputs: list[Any], rounds: int) -> float:
    """time(input) / time(output): medians over fresh compilations of each, pooled."""
    exes = {
        k: [xla.compile_module(t) for _ in range(COPIES)] for k, t in (("in", text_in), ("out", text_out))
    }
    args = xla.device_arrays(exes["in"][0], inputs)
    pooled, _ = time_pooled(exes, args, rounds, SAMPLE_SECONDS)
    return pooled["in"].median / pooled["out"].median


def judge(text_in: str, text_out: str, opts: Options) -> Judged:
    """Compare input and output under XLA CPU; time them unless their HLO is the same; time a
    ratio below the threshold a second time."""
    j = Judged()
    try:
        exe_in, exe_out = xla.compile_module(text_in), xla.compile_module(text_out)
        inputs = xla.random_inputs(xla.arg_types_of(text_in), seed=0)
        diff = xla.compare_outputs(xla.run(exe_in, inputs), xla.run(exe_out, inputs), RTOL[opts.fp_mode])
        j.mismatch = diff or ""
        j.same_hlo = xla.hlo_fingerprint(exe_in) == xla.hlo_fingerprint(exe_out)
        if j.same_hlo:
            return j
        del exe_in, exe_out
        j.ratios.append(time_ratio(text_in, text_out, inputs, opts.rounds))
        if j.ratios[0] < opts.threshold:
            j.ratios.append(time_ratio(text_in, text_out, inputs, opts.rounds))
            j.confirmed = j.ratios[1] < opts.threshold
    except xla.XlaError as e:
        j.error = str(e)
    return j


# -- shrinking and saving ---------------------------------------------------------------------------
def shrink(prog: PerfProgram, ratios: list[float], opts: Options) -> tuple[PerfProgram, str, list[float]]:
    """The smallest variant found (at most `shrink_tries` tried) whose loss is confirmed; with its
    optimized text and timing runs."""
    best, best_out, best_ratios = prog, "", ratios
    tries, changed = 0, True
    while changed and tries < opts.shrink_tries:
        changed = False
        for params in shrink_candidates(best):
            if tries >= opts.shrink_tries:
                break
            cand = rebuild(best, params)
            if cand.text == best.text:
                continue
            tries += 1
            out, error, _ = optimize((cand.text, opts.fp_mode, opts.options))
            j = judge(cand.text, out, opts) if not error else Judged(error=error)
            runs = ", ".join(fmt_ratio(r) for r in j.ratios) or j.error or "same HLO"
            progress(f"    shrink {tries}: {shapes_text(cand.arg_shapes)}: {runs}")
            if j.confirmed and not j.error:
                best, best_out, best_ratios, changed = cand, out, j.ratios, True
                break
    return best, best_out, best_ratios


def save_case(
    out_dir: Path, prog: PerfProgram, text_out: str, ratios: list[float], rec: Record, opts: Options
) -> Path:
    """`losses/<family>-seed<S>.mlir`: the (shrunk) input with a header; its optimized form beside."""
    name = f"{prog.family}-seed{prog.seed}.mlir"
    header = [
        f"// perf-fuzz: family {prog.family}, seed {prog.seed}",
        f"// time(input) / time(optimized) under XLA CPU: {', '.join(fmt_ratio(r) for r in ratios)}"
        f" (as generated, {shapes_text(rec.arg_shapes)}: {', '.join(fmt_ratio(r) for r in rec.ratios)})",
        f"// fp-mode {opts.fp_mode}, pass options '{opts.options}'",
        f"// params: {json.dumps(prog.params, sort_keys=True)}",
    ]
    (out_dir / "optimized").mkdir(parents=True, exist_ok=True)
    (out_dir / "optimized" / name).write_text(text_out)
    path = out_dir / name
    path.write_text("\n".join(header) + "\n" + prog.text)
    return path


# -- one program ------------------------------------------------------------------------------------
def check_program(
    prog: PerfProgram, optimized: tuple[str, str, float], opts: Options, losses_dir: Path | None
) -> Record:
    text_out, error, seconds = optimized
    rec = Record(prog.family, prog.seed, prog.params, prog.arg_shapes, prog.flops, optimize_s=seconds)
    rec.ops_in = xla.count_ops(prog.text)
    if error:
        rec.error = f"optimizer: {error}"
        return rec
    rec.ops_out = xla.count_ops(text_out)
    j = judge(prog.text, text_out, opts)
    rec.same_hlo, rec.mismatch, rec.error, rec.ratios, rec.confirmed = (
        j.same_hlo, j.mismatch, j.error, j.ratios, j.confirmed
    )  # fmt: skip
    if rec.confirmed and losses_dir is not None:
        small, small_out, ratios = shrink(prog, j.ratios, opts) if opts.shrink_tries else (prog, "", j.ratios)
        rec.shrunk_shapes, rec.shrunk_ratios = small.arg_shapes, ratios
        rec.case = str(save_case(losses_dir, small, small_out or text_out, ratios, rec, opts))
    return rec


def describe(rec: Record) -> str:
    what = f"ops {rec.ops_in} -> {rec.ops_out}, "
    if rec.error:
        return what + f"error: {rec.error}"
    what += "same HLO" if rec.same_hlo else "ratio " + ", ".join(fmt_ratio(r) for r in rec.ratios)
    what += " (confirmed loss)" if rec.confirmed else ""
    return what + (f"; MISMATCH: {rec.mismatch}" if rec.mismatch else "")


def case_program(path: Path) -> PerfProgram:
    """A saved case as a program (family and seed from its header, `case` and -1 without one)."""
    text = path.read_text()
    m = _HEADER.search(text)
    shapes = [list(t.shape) for t in xla.arg_types_of(text)]
    return PerfProgram(
        m.group(1) if m else "case", int(m.group(2)) if m else -1, {"file": str(path)}, text, shapes, 0.0
    )


# -- the command ------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="stablehlo-eqsat-perf-fuzz",
        description="Time random user-style programs under XLA CPU before and after stablehlo-eqsat.",
    )
    p.add_argument("--count", type=int, default=20, help="programs (default 20)")
    p.add_argument("--seed", type=int, default=0, help="first program seed (default 0)")
    p.add_argument("--families", default="", metavar="A,B", help=f"only these ({', '.join(FAMILIES)})")
    p.add_argument("--fp-mode", default="xla", choices=tuple(RTOL), help="the pass's fp-mode (default xla)")
    p.add_argument("--options", default="", metavar="'K=V ...'", help="more stablehlo-eqsat options")
    p.add_argument("--rounds", type=int, default=20, help="interleaved timing rounds per run (default 20)")
    p.add_argument(
        "--threshold", type=float, default=0.97, help="a ratio below this is a loss (default 0.97)"
    )
    p.add_argument("--max-dim", type=int, default=1024, help="largest dimension drawn (default 1024)")
    p.add_argument("--shrink-tries", type=int, default=12, help="smaller variants tried per loss (0: none)")
    p.add_argument("--jobs", type=int, default=1, help="processes optimizing programs (timing is serial)")
    p.add_argument("--cases", nargs="+", metavar="PATH", help="time these .mlir files (or folders) instead")
    p.add_argument("--out", required=True, help="output folder: perf_fuzz.md, perf_fuzz.json, losses/")
    xla.add_dispatch_option(p)
    args = p.parse_args(argv)
    xla.use_dispatch(args.dispatch)
    families = [f for f in args.families.split(",") if f] or list(FAMILIES)
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        p.error(f"unknown famil{'y' if len(unknown) == 1 else 'ies'}: {', '.join(unknown)}")
    opts = Options(args.fp_mode, args.options, args.rounds, args.threshold, args.shrink_tries)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    if args.cases:
        files = [f for c in map(Path, args.cases) for f in (sorted(c.glob("*.mlir")) if c.is_dir() else [c])]
        programs = [case_program(f) for f in files]
    else:
        programs = []
        for i in range(args.count):
            fam = families[i % len(families)]
            progress(f"[{i + 1}/{args.count}] generate {fam} seed {args.seed + i}")
            programs.append(generate(fam, args.seed + i, args.max_dim))

    tasks = [(prog.text, opts.fp_mode, opts.options) for prog in programs]
    if args.jobs > 1:
        outcomes = run_tasks(optimize, tasks, jobs=args.jobs, timeout=900)
        optimized = [
            o.value if o and o.ok and o.value else ("", (o.error if o else "not run"), 0.0) for o in outcomes
        ]
    else:
        optimized = []
        for i, task in enumerate(tasks):
            progress(f"[{i + 1}/{len(tasks)}] optimize {programs[i].family} seed {programs[i].seed}")
            optimized.append(optimize(task))

    records: list[Record] = []
    for i, (prog, opt) in enumerate(zip(programs, optimized, strict=True)):
        rec = check_program(prog, opt, opts, None if args.cases else out / "losses")
        what = f"{prog.family} seed {prog.seed} ({shapes_text(prog.arg_shapes)})"
        progress(f"[{i + 1}/{len(programs)}] {what}: {describe(rec)}")
        records.append(rec)

    meta = {
        "command": "stablehlo-eqsat-perf-fuzz " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine_description(xla.backend_name()),
        "load": load_average(),
        "seed": args.seed,
        "count": len(programs),
        "families": families,
        "fp_mode": opts.fp_mode,
        "options": opts.options,
        "rounds": opts.rounds,
        "copies": COPIES,
        "threshold": opts.threshold,
        "max_dim": args.max_dim,
        "dispatch": args.dispatch,
    }
    for path in write_outputs(records, meta, out):
        print(path)
    s = summarize(records)
    for r in records:
        if r.case:
            print(f"loss: {r.family} seed {r.seed}: {r.case}")
    print(f"correctness: {s['mismatches']} output mismatches, {s['errors']} errors")
    print(last_line(s))
    return 1 if s["mismatches"] or s["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
