"""`stablehlo-eqsat-fuzz`: differential fuzzing of `stablehlo-eqsat` against XLA CPU.

    stablehlo-eqsat-fuzz --seed 0 --count 1000                 # all fp-modes, one process
    stablehlo-eqsat-fuzz --seed 7 --count 10000 --jobs 2 --time-budget 3600 --modes strict,xla

Each program is a small random, well-typed StableHLO function over every dtype, seeded to make
the rules fire (`fuzz_programs.py`, a configuration of the generator in `random_programs.py`).
Every program runs under XLA CPU before and after `stablehlo-eqsat` in each fp-mode, strict
(bit-identical), xla (XLA's tolerances) and fast (finite inputs, loose tolerances): see
`fuzz_check.py` for what each mode accepts and which differences are *tolerated* (printed, not
failures). Everything else that differs, and any crash, XLA rejection of the optimized module or
verifier error, is a failure: the program is shrunk (delta debugging over ops: drop results,
replace an op's uses by one of its operands or by a fresh argument that carries the op's
original value) and saved as a lit test under `--save-failures`.

Programs are packed `--batch` to a module (as independent slices of one `@main`) so that one
optimizer run and one XLA compile serve many programs; a failing program is re-checked alone.
With `--jobs` above 1, batches run in worker processes (`isolate.run_tasks`), so that a crash
fails its batch and not the campaign: the batch is checked again one program at a time, and a
program whose input XLA itself rejects or crashes on is skipped (and counted). The run is repeatable:
program `i` of `--seed s` is always the same program with the same inputs, whatever `--jobs`,
`--batch` and `--time-budget` are.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from stablehlo_eqsat.tools.fuzz_check import (
    MODES,
    CheckOptions,
    Finding,
    check_programs,
    fails,
    intermediates,
    optimize_text,
    program_inputs,
)
from stablehlo_eqsat.tools.fuzz_programs import generate_program
from stablehlo_eqsat.tools.isolate import Outcome, run_tasks
from stablehlo_eqsat.tools.random_programs import Program, canonical_text, dce, program_text

import stablehlo_eqsat.xla as xla

DEFAULT_SAVE_DIR = "test/lit/fuzz_regressions"


# -- shrinking -------------------------------------------------------------------------------------
def _replace_uses(p: Program, old: int, new: int) -> Program:
    q = p.copy()
    for op in q.ops:
        op.operands = [new if v == old else v for v in op.operands]
    q.results = [new if v == old else v for v in q.results]
    q.ops = [o for o in q.ops if o.id != old]
    return dce(q)


def shrink(
    p: Program, still_fails: Callable[[Program], bool], budget: float = 120.0, mode: str = "strict"
) -> Program:
    """Delta debugging over ops: a smaller program on which `still_fails` holds (fewer results,
    ops bypassed, a result's op replaced by one of its operands)."""
    deadline = time.monotonic() + budget
    best = dce(p.copy())
    changed = True
    while changed and time.monotonic() < deadline:
        changed = False
        # 1. Fewer results.
        if len(best.results) > 1:
            for r in list(best.results):
                q = best.copy()
                q.results = [r]
                q = dce(q)
                if still_fails(q):
                    best, changed = q, True
                    break
        # 2. Bypass ops, last first: uses go to an operand of the same type, or to a fresh
        #    argument holding the op's original value.
        try:
            values = intermediates(best, program_inputs([best], "strict"))
            finite_values = intermediates(best, program_inputs([best], "fast"))
        except Exception:
            values, finite_values = {}, {}
        for op in reversed(list(best.ops)):
            if time.monotonic() > deadline:
                break
            if op.id not in {o.id for o in best.ops}:
                continue
            candidates: list[int | None] = [v for v in dict.fromkeys(op.operands) if best.types[v] == op.type]
            candidates.append(None)
            for cand in candidates:
                q = best.copy()
                if cand is None:
                    if op.kind == "stablehlo.constant" or op.id not in values:
                        continue
                    cand = q.fresh(op.type)
                    q.args.append(cand)
                    q.inputs[cand] = values[op.id]
                    q.finite_inputs[cand] = finite_values.get(op.id, values[op.id])
                q = _replace_uses(q, op.id, cand)
                if not q.ops:
                    continue
                if still_fails(q):
                    best, changed = q, True
                    break
            if changed:
                break
        # 3. Return an operand of a result's op instead (of any type: the signature follows),
        #    which step 2 cannot do for an op whose operands' types differ from its result's.
        if not changed:
            producers = {o.id: o for o in best.ops}
            for i, r in enumerate(best.results):
                for v in dict.fromkeys(producers[r].operands if r in producers else []):
                    q = best.copy()
                    q.results = [*q.results[:i], v, *q.results[i + 1 :]]
                    q = dce(q)
                    if q.ops and still_fails(q):
                        best, changed = q, True
                        break
                if changed or time.monotonic() > deadline:
                    break
    return best


# -- reproducers -----------------------------------------------------------------------------------
def _short(a: np.ndarray) -> str:
    with np.printoptions(threshold=24, precision=9):
        return " ".join(str(a).split())


def find_culprits(p: Program, mode: str, fired: Iterable[str], opts: CheckOptions) -> list[str]:
    """The fired rules that make `p` fail on their own; `export` if the round trip alone fails."""
    if fails(p, "roundtrip", opts) is not None:
        return ["(none: the round trip with no rules already fails, an import/export bug)"]
    found = []
    for rule in sorted(fired):
        if fails(p, mode, dataclasses.replace(opts, only_rules=rule)) is not None:
            found.append(rule)
    return found


def write_reproducer(p: Program, finding: Finding, directory: Path, seed: int, opts: CheckOptions) -> Path:
    """Save the shrunk program as a lit test that pins the correct behaviour."""
    directory.mkdir(parents=True, exist_ok=True)
    text = program_text(p)
    bad = optimize_text(text, finding.mode, opts.pass_options, opts.only_rules)
    before, after = xla.op_histogram(text), xla.op_histogram(bad.text) if bad.text else {}
    lost = sorted(k for k, n in before.items() if after.get(k, 0) < n and k != "stablehlo.constant")
    gained = sorted(k for k, n in after.items() if n > before.get(k, 0) and k != "stablehlo.constant")
    options = f"fp-mode={finding.mode}"
    if opts.pass_options:
        options += " " + opts.pass_options
    found_by = f"/// Found by `stablehlo-eqsat-fuzz --seed {seed}`"
    found_by += f" (program {finding.index}, fp-mode={finding.mode})."
    if finding.fallback:
        lines = [
            f"// RUN: stablehlo-eqsat-opt %s '--stablehlo-eqsat={options}' -o /dev/null 2>&1 \\",
            "// RUN:   | FileCheck %s --allow-empty",
            "// The pass gives up on this function today; delete the XFAIL line once it is fixed.",
            "// XFAIL: *",
            "",
            found_by,
            f"/// The pass left the function unchanged (lost work): {finding.message}",
            "// CHECK-NOT: left unchanged",
        ]
    else:
        lines = [
            f"// RUN: stablehlo-eqsat-opt %s '--stablehlo-eqsat={options}' | FileCheck %s",
            "// The optimizer is wrong on this program today; delete the XFAIL line once it is fixed.",
            "// XFAIL: *",
            "",
            found_by,
            f"/// XLA CPU before vs after the pass: {finding.message}",
        ]
        if finding.fired:
            lines.append(
                "/// Rules that fired: " + ", ".join(f"{k}×{v}" for k, v in sorted(finding.fired.items()))
            )
        if finding.culprits:
            lines.append("/// Rules that alone reproduce it: " + ", ".join(finding.culprits))
        src = p.finite_inputs if finding.mode == "fast" else p.inputs
        for i, a in enumerate(p.args):
            lines.append(f"/// Input %arg{i} = {_short(src[a])}")
        if bad.text:
            lines.append("/// The wrong output:")
            lines += ["///   " + x for x in bad.text.strip().splitlines()]
        lines.append("")
        lines.append("// CHECK-LABEL: func.func public @main")
        for k in lost:
            lines.append(f"/// `{k}` was rewritten away wrongly: it must remain.")
            lines.append(f"// CHECK: {k}")
        for k in gained:
            lines.append(f"// CHECK-NOT: {k}")
        if not lost and not gained:
            lines.append(
                "/// The wrong output has the same ops as the input (a wrong attribute or operand order):"
            )
            lines.append("/// no CHECK line can pin that; the comparison above is the specification.")
    lines.append("")
    name = f"{'fallback_' if finding.fallback else ''}{finding.mode}_seed{seed}_prog{finding.index}.mlir"
    path = directory / name
    path.write_text("\n".join(lines) + canonical_text(text))
    return path


# -- the campaign ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Campaign:
    """What every batch of a run shares."""

    seed: int
    opts: CheckOptions
    save_dir: str = ""
    shrink_budget: float = 120.0


@dataclass
class BatchResult:
    indices: list[int]
    findings: list[Finding]
    error: str = ""


_SEEN_FALLBACKS: set[tuple[str, str]] = set()


def run_batch(campaign: Campaign, indices: Sequence[int]) -> BatchResult:
    """Check programs `indices`; shrink each failure and save its reproducer."""
    seed, opts = campaign.seed, campaign.opts
    programs = [generate_program(seed, i) for i in indices]
    print(f"worker {os.getpid()}: programs {indices[0]}..{indices[-1]}", file=sys.stderr, flush=True)
    try:
        findings = check_programs(programs, indices, opts)
    except Exception as e:
        return BatchResult(list(indices), [], f"{type(e).__name__}: {e}")
    for f in findings:
        if f.tolerated or f.skipped:
            continue
        if f.fallback:  # shrink each distinct reason once per worker
            key = (f.mode, f.message.split(":", 2)[-1][:80])
            if key in _SEEN_FALLBACKS:
                continue
            _SEEN_FALLBACKS.add(key)
        p = generate_program(seed, f.index)
        f.ops_before = len(p.ops)

        def still(q: Program, mode: str = f.mode, fb: bool = f.fallback) -> bool:
            return fails(q, mode, opts, fb) is not None

        small = shrink(p, still, campaign.shrink_budget, f.mode)
        f.ops_after = len(small.ops)
        again = fails(small, f.mode, opts, f.fallback)
        if again is not None:
            f.message, f.fired = again.message, again.fired
        if not f.fallback:
            f.culprits = find_culprits(small, f.mode, f.fired, opts)
        if campaign.save_dir:
            f.reproducer = str(write_reproducer(small, f, Path(campaign.save_dir), seed, opts))
    return BatchResult(list(indices), findings)


def input_compiles(campaign: Campaign, index: int) -> bool:
    """Compile program `index` as generated (no optimization): run in a worker of its own, a crash
    here is XLA's on the input, not the pass's."""
    import stablehlo_eqsat.xla as xla

    xla.compile_module(program_text(generate_program(campaign.seed, index)))
    return True


def _worker_init() -> None:
    import faulthandler
    import logging
    import warnings

    logging.getLogger("stablehlo_eqsat").setLevel(logging.ERROR)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # XLA's start-up chatter (in this process)
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    with contextlib.suppress(Exception):  # no real stderr under pytest's capture
        faulthandler.enable()  # a crash in native code prints the Python stack of the worker


@dataclass
class _Tally:
    """The running totals, and the lines printed as batches finish."""

    count: int
    quiet: bool
    start: float = dataclasses.field(default_factory=time.monotonic)
    done: int = 0
    passed: int = 0
    failed: int = 0
    tolerated: int = 0
    fell_back: int = 0
    skipped: int = 0  # programs whose input XLA itself cannot compile (it crashes)
    failures: list[Finding] = dataclasses.field(default_factory=list)

    def add(self, r: BatchResult) -> None:
        self.done += len(r.indices)
        skipped = {f.index for f in r.findings if f.skipped}
        self.skipped += len(skipped)
        bad = {f.index for f in r.findings if not f.tolerated and not f.fallback and not f.skipped}
        self.tolerated += len({f.index for f in r.findings if f.tolerated} - bad)
        self.fell_back += len({f.index for f in r.findings if f.fallback} - bad)
        if r.error:
            self.failed += len(r.indices)
        else:
            self.passed += len(r.indices) - len(bad) - len(skipped)
            self.failed += len(bad)
        for f in r.findings:
            if f.skipped:
                print(f"SKIPPED: program {f.index}: {f.message}", flush=True)
                continue
            tag = "tolerated" if f.tolerated else "FALLBACK" if f.fallback else "FAIL"
            line = f"{tag}: program {f.index} fp-mode={f.mode}: {f.message}"
            if not f.tolerated and f.ops_before:
                line += f"; shrunk {f.ops_before} -> {f.ops_after} ops"
                if f.culprits:
                    line += f"; culprit rule(s): {', '.join(f.culprits)}"
                if f.reproducer:
                    line += f"; reproducer: {f.reproducer}"
                if not f.fallback:
                    self.failures.append(f)
            print(line, flush=True)
        if r.error:
            print(f"ERROR in programs {r.indices[0]}..{r.indices[-1]}: {r.error}", flush=True)
        if not self.quiet:
            rate = self.done / max(time.monotonic() - self.start, 1e-9)
            print(
                f"[{self.done}/{self.count}] {self.passed} passed, {self.failed} failed, "
                f"{self.tolerated} tolerated, {self.fell_back} fell back ({rate:.1f} programs/s)",
                flush=True,
            )


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="stablehlo-eqsat-fuzz", description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0, help="campaign seed (program i is a function of seed, i)")
    ap.add_argument("--count", type=int, default=100, help="number of programs")
    ap.add_argument("--start", type=int, default=0, help="first program index")
    ap.add_argument(
        "--time-budget", type=float, default=0.0, help="stop starting batches after this many seconds"
    )
    ap.add_argument("--modes", default=",".join(MODES), help="comma-separated fp-modes (strict,xla,fast)")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes")
    ap.add_argument("--batch", type=int, default=16, help="programs per module")
    ap.add_argument(
        "--pass-options", default="refine=0", help="extra stablehlo-eqsat options ('' for defaults)"
    )
    ap.add_argument(
        "--save-failures", default=DEFAULT_SAVE_DIR, help="folder for shrunk lit reproducers ('' : none)"
    )
    ap.add_argument("--shrink-budget", type=float, default=120.0, help="seconds of shrinking per failure")
    ap.add_argument("--quiet", action="store_true", help="no per-batch progress lines")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    ap = _parser()
    args = ap.parse_args(argv)
    modes = tuple(m for m in args.modes.split(",") if m)
    for m in modes:
        if m not in MODES:
            ap.error(f"unknown mode '{m}'")
    campaign = Campaign(
        args.seed, CheckOptions(modes, args.pass_options), args.save_failures, args.shrink_budget
    )
    end = args.start + args.count
    batches = [list(range(s, min(s + args.batch, end))) for s in range(args.start, end, args.batch)]
    tally = _Tally(args.count, args.quiet)

    def out_of_time() -> bool:
        return bool(args.time_budget) and time.monotonic() - tally.start > args.time_budget

    if args.jobs <= 1:
        _worker_init()
        for b in batches:
            if out_of_time():
                break
            tally.add(run_batch(campaign, b))
    else:
        # A batch whose worker died is checked again one program at a time; a program that still
        # kills its worker is compiled as generated, alone: if XLA crashes on the input too, the
        # program is skipped (an XLA bug the generator ran into), else it is a failure.
        died: list[list[int]] = []

        def arrived(tasks: list[list[int]], out: Outcome[BatchResult], index: int, _done: int) -> None:
            if out.value is not None:
                tally.add(out.value)
            else:
                died.append(tasks[index])

        check = functools.partial(run_batch, campaign)
        run_tasks(check, batches, jobs=args.jobs, init=_worker_init,
                  on_result=functools.partial(arrived, batches), stop=out_of_time)  # fmt: skip
        singles, died = [[i] for b in died for i in b], []
        run_tasks(
            check, singles, jobs=args.jobs, init=_worker_init, on_result=functools.partial(arrived, singles)
        )
        crashed = [b[0] for b in died]
        inputs = run_tasks(
            functools.partial(input_compiles, campaign), crashed, jobs=args.jobs, init=_worker_init
        )
        for i, compiled in zip(crashed, inputs, strict=True):
            if compiled is not None and compiled.value is None:
                tally.skipped += 1
                tally.done += 1
                print(f"SKIPPED: program {i}: XLA CPU crashes compiling the program as generated", flush=True)
            else:
                tally.add(BatchResult([i], [], "its worker died; XLA compiles the program as generated"))
    elapsed = time.monotonic() - tally.start
    print(
        f"seed {args.seed}, programs {args.start}..{args.start + tally.done - 1}, "
        f"modes {','.join(modes)}, {elapsed:.0f} s"
    )
    if tally.tolerated:
        print(
            f"{tally.tolerated} programs had only tolerated differences (rounding through a discontinuous op)"
        )
    if tally.fell_back:
        print(
            f"{tally.fell_back} programs were left unchanged by the pass in some mode "
            "(lost work, not a miscompile)"
        )
    for f in tally.failures:
        print(f"failure: program {f.index} fp-mode={f.mode}: {f.message} -> {f.reproducer or '(not saved)'}")
    skipped = f", {tally.skipped} skipped (XLA rejects or crashes on the input)" if tally.skipped else ""
    print(f"{tally.passed} passed, {tally.failed} failed{skipped}")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
