"""`stablehlo-eqsat-conformance`: run the optimizer over a corpus and check that nothing breaks.

    stablehlo-eqsat-conformance /work/shared/corpus/stablehlo_testdata --zoo --jobs 2
    stablehlo-eqsat-conformance corpus/ --fp-mode fast --tolerance 1e-5

Every `.mlir` file under the given paths (recursively; each `// -----` chunk is its own module) is
checked in two steps:

(a) the optimizer (default pipeline `builtin.module(stablehlo-eqsat-roundtrip)`) runs on the module
    as it is; the result must verify and parse again in a fresh context, and no function may have
    been left unchanged because a stage failed (unless `--allow-fallback`);
(b) for static modules that XLA can run, the runnable harness (`tools.harness.make_harness`: `@inputs`
    constants become parameters, `check.*` ops removed) is optimized too, both versions are compiled
    with XLA CPU and run on the same inputs, and the results must agree bit for bit (NaN = NaN), or
    within `--tolerance` for pipelines that may reassociate. With a tolerance, float32 results
    that differ by more still pass when they are as accurate as the input program's against the
    same program run in float64, or as the input program is on inputs one ulp off (`_referee`);
    the summary lists those cases.

Dynamic-shape and quantized modules only get (a). jaxlib's MLIR bindings have no quant dialect, so
modules with quantized types cannot be parsed at all: they are passed through unchanged and counted
apart. Every case runs in a worker process (`isolate.run_tasks`, recycled after a number of cases);
a case that kills its worker (e.g. an abort in the bindings) or runs past `--timeout` fails alone.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stablehlo_eqsat.tools.isolate import Outcome, run_tasks

if TYPE_CHECKING:
    from jaxlib.mlir import ir
    from stablehlo_eqsat.passes.diagnostics import Diagnostic

DEFAULT_PIPELINE = "builtin.module(stablehlo-eqsat-roundtrip)"
SPLIT_MARKER = re.compile(r"^// -----\s*$", re.MULTILINE)
_QUANT_HINT = re.compile(r"!quant\.")
_DYNAMIC = re.compile(r"tensor<[^>]*\?")
_GENERIC_CHECK = re.compile(r'"check\.')


@dataclass(frozen=True)
class Case:
    """One module to check: a file, or one `// -----` chunk of it."""

    name: str  # path, with `#k` for the k-th chunk of a split file
    text: str
    kind: str  # static | dynamic | quantized


@dataclass(frozen=True)
class Options:
    pipeline: str = DEFAULT_PIPELINE
    rtol: float | None = None  # None: bit for bit
    allow_fallback: bool = False  # a function left unchanged by a failing stage is not a failure


@dataclass
class CaseResult:
    name: str
    status: str  # passed | failed | passed-through
    reason: str = ""
    checked: str = ""  # xla (ran and compared) | parse (verify + re-parse only)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


# -- collecting cases ------------------------------------------------------------------------------
def _kind(path: Path, text: str) -> str:
    parts = set(path.parts)
    if "quantized" in parts or _QUANT_HINT.search(text) or _GENERIC_CHECK.search(text):
        return "quantized"  # (or an interpreter test with unregistered "check.*" ops: parse-only too)
    if "dynamic" in parts or _DYNAMIC.search(text):
        return "dynamic"
    return "static"


def split_chunks(text: str) -> list[str]:
    """The `// -----` chunks of a file (one chunk when there is no marker); blank chunks dropped."""
    chunks = SPLIT_MARKER.split(text)
    return [c for c in chunks if c.strip() and re.search(r"\bmodule\b|func\.func", c)]


def collect_cases(paths: Sequence[str | Path]) -> list[Case]:
    """Cases for the `.mlir` files under `paths` (files or folders, searched recursively), sorted."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(q for q in p.rglob("*.mlir") if q.is_file()))
        elif p.is_file():
            files.append(p)
        else:
            raise FileNotFoundError(f"{p}: no such file or folder")
    cases: list[Case] = []
    for f in files:
        text = f.read_text()
        chunks = split_chunks(text)
        for i, chunk in enumerate(chunks):
            name = str(f) if len(chunks) == 1 else f"{f}#{i}"
            cases.append(Case(name, chunk, _kind(f, chunk)))
    return cases


# -- checking one case (in a worker) ---------------------------------------------------------------
class _CaseFailure(Exception):
    pass


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return f"{type(e).__name__}: {text.splitlines()[0] if text else ''}"


def _diagnostic(d: Diagnostic) -> str:
    return d.message + (f" at {d.file}:{d.line}:{d.col}" if d.file else "")


def optimize_text(
    source: str | ir.Module, options: Options, *, allow_unregistered: bool, what: str
) -> tuple[str, list[str]]:
    """Run the pipeline on `source` (`run_pipeline`; a parsed module is changed in place); returns
    the printed result (verified, and parsed again in a fresh context) and the fallbacks."""
    from stablehlo_eqsat.dialect_glue.context import make_context
    from stablehlo_eqsat.passes.pipeline import parse_module, run_pipeline

    try:
        done = run_pipeline(source, options.pipeline, allow_unregistered=allow_unregistered)
    except Exception as e:  # a bad pipeline, or a pass that raised
        raise _CaseFailure(f"{what}: the pipeline raised {_first_line(e)}") from e
    if done.module is None:
        problem = done.errors or [d for d in done.diagnostics if d.severity == "warning"]
        if done.passed_through and done.reports:  # the passes ran, their result does not verify
            raise _CaseFailure(f"{what}: output does not verify: {_diagnostic(problem[-1])}")
        reason = _diagnostic(problem[0]) if problem else "no module came out"
        raise _CaseFailure(f"{what}: the pipeline failed: {reason}")
    fallbacks = [
        f"@{r.name} left unchanged: {r.reason}"
        for r in done.pass_reports()
        if getattr(r, "status", "") == "failed"
    ]
    out = str(done.output(debug_info=True))
    again, errors = parse_module(out, make_context(allow_unregistered=allow_unregistered))
    if again is None:
        raise _CaseFailure(f"{what}: output does not parse again: {_diagnostic(errors[0])}")
    return out, fallbacks


def check_case(case: Case, options: Options) -> CaseResult:
    """Steps (a) and (b) of the module docstring; never raises."""
    start = time.perf_counter()
    result = CaseResult(case.name, "passed")
    try:
        _check(case, options, result)
    except _CaseFailure as e:
        result.status, result.reason = "failed", str(e)
    except Exception as e:
        result.status = "failed"
        result.reason = f"unexpected {_first_line(e)}"
        result.notes.append(traceback.format_exc())
    result.seconds = time.perf_counter() - start
    return result


def _check(case: Case, options: Options, result: CaseResult) -> None:
    from stablehlo_eqsat.dialect_glue.context import make_context
    from stablehlo_eqsat.passes.pipeline import parse_module
    from stablehlo_eqsat.tools.harness import make_harness

    import stablehlo_eqsat.xla as xla

    allow_unregistered = case.kind == "quantized"  # "check.expect_*_const" ops are unregistered
    module, errors = parse_module(case.text, make_context(allow_unregistered=allow_unregistered))
    if module is None:
        if _QUANT_HINT.search(case.text) and "quant" in " ".join(d.message for d in errors):
            result.status, result.checked = "passed-through", "none"
            result.reason = "quant dialect unavailable in jaxlib's MLIR bindings"
            return
        raise _CaseFailure(f"input does not parse or verify: {_diagnostic(errors[0])}")

    # (a) the module as it is.
    _, fallbacks = optimize_text(module, options, allow_unregistered=allow_unregistered, what="module")
    result.checked = "parse"
    if fallbacks and not options.allow_fallback:
        raise _CaseFailure(f"module: {fallbacks[0]}")
    result.notes.extend(fallbacks)
    if case.kind != "static":
        return

    # (b) the runnable harness, before and after, under XLA.
    harness = make_harness(case.text)
    try:
        original = xla.compile_module(harness.text)
    except xla.XlaError as e:
        result.notes.append(f"XLA cannot compile the input ({e}); checked without running")
        return
    expected = xla.run(original, harness.inputs)
    optimized, fallbacks = optimize_text(harness.text, options, allow_unregistered=False, what="harness")
    if fallbacks and not options.allow_fallback:
        raise _CaseFailure(f"harness: {fallbacks[0]}")
    try:
        actual = xla.run(xla.compile_module(optimized), harness.inputs)
    except xla.XlaError as e:
        raise _CaseFailure(f"optimized harness: {e}") from None
    diff = xla.compare_outputs(expected, actual, options.rtol)
    if diff is not None and options.rtol is not None:
        refereed = _referee(harness, expected, actual, options.rtol)
        if refereed is not None:
            result.checked = "xla"
            result.notes.append(f"{_REFEREED}: {diff}; {refereed}")
            return
    if diff is not None:
        raise _CaseFailure(f"results differ under XLA: {diff}")
    result.checked = "xla"


_REFEREED = "accurate against float64"
_REFEREE_FACTOR = 2.0  # how much less accurate than the input the optimized program may be
_PERTURBED = 3  # draws of the input program on inputs one ulp off


def _referee(harness: Any, expected: list[Any], actual: list[Any], rtol: float) -> str | None:
    """For a pipeline that may reassociate, results that differ from the input program's by more
    than `rtol` still pass when they are as accurate: the same program run in float64 is the
    reference, and each float32 result of the optimized program must be within `rtol` of it (of its
    scale), or no more than `_REFEREE_FACTOR` times as far from it as the input program's result, or
    no farther than the input program's own results move when its float32 inputs move by one ulp
    (the median of `_PERTURBED` draws: how precisely float32 can state this problem at all).
    A recurrence that amplifies rounding (an RNN over many steps) differs from itself by more
    than `rtol` under any change of summation order; this tells that apart from a wrong rewrite.
    Returns what was found, or None when the referee cannot run or the optimized program is less
    accurate."""
    import statistics

    import numpy as np

    import stablehlo_eqsat.xla as xla

    if not all(e.dtype == np.float32 for e in expected if e.dtype.kind == "f"):
        return None
    wide = xla.widen_f32(harness.text)
    if wide is None:
        return None
    inputs = [a.astype(np.float64) if a.dtype == np.float32 else a for a in harness.inputs]
    try:
        reference = xla.run(xla.compile_module(wide), inputs)
        original = xla.compile_module(harness.text)
    except xla.XlaError:
        return None
    rng = np.random.default_rng(0)
    moved: list[list[float]] = [[] for _ in expected]  # per result: errors with inputs one ulp off
    for _ in range(_PERTURBED):
        nudged = []
        for a in harness.inputs:
            if a.dtype == np.float32:
                up = rng.random(a.shape) < 0.5
                a = np.where(up, np.nextafter(a, np.float32(np.inf)), np.nextafter(a, np.float32(-np.inf)))
            nudged.append(a)
        for i, (out, r) in enumerate(zip(xla.run(original, nudged), reference, strict=True)):
            if out.dtype == np.float32:
                moved[i].append(xla.normwise_error(out, r))
    found = []
    for i, (e, a, r) in enumerate(zip(expected, actual, reference, strict=True)):
        if e.dtype != np.float32:
            if not xla.arrays_equal(e, a):
                return None
            continue
        before, after = xla.normwise_error(e, r), xla.normwise_error(a, r)
        sensitivity = statistics.median(moved[i])
        if not (after <= rtol or after <= _REFEREE_FACTOR * before or after <= sensitivity):
            return None
        found.append(
            f"result {i} off float64 by {after:.2g} (input program {before:.2g}, "
            f"with its inputs one ulp off {sensitivity:.2g})"
        )
    return ", ".join(found)


# -- the worker pool -------------------------------------------------------------------------------
def _worker_init() -> None:
    import logging

    logging.disable(logging.WARNING)  # fallback warnings are collected from the pass reports


def _result(case: Case, out: Outcome[CaseResult]) -> CaseResult:
    if out.value is not None:
        return out.value
    return CaseResult(case.name, "failed", out.error, seconds=out.seconds)


def run_cases(
    cases: Sequence[Case],
    options: Options,
    *,
    jobs: int = 1,
    timeout: float = 300.0,
    tasks_per_worker: int = 100,
    on_result: Callable[[CaseResult, int, int], None] | None = None,
) -> list[CaseResult]:
    """Check `cases` in `jobs` worker processes (`isolate.run_tasks`: a case that kills its worker
    or runs past `timeout` fails alone); results in the order of `cases`."""

    def arrived(out: Outcome[CaseResult], index: int, done: int) -> None:
        if on_result is not None:
            on_result(_result(cases[index], out), done, len(cases))

    outcomes = run_tasks(
        functools.partial(check_case, options=options), cases, jobs=jobs, timeout=timeout,
        tasks_per_worker=tasks_per_worker, init=_worker_init, on_result=arrived,
    )  # fmt: skip
    return [_result(c, out) for c, out in zip(cases, outcomes, strict=True) if out is not None]


# -- the driver ------------------------------------------------------------------------------------
def _build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="stablehlo-eqsat-conformance",
        description="Optimize every module of a corpus; check it verifies, re-parses and computes the same "
        "results under XLA CPU.",
    )
    p.add_argument("paths", nargs="*", help=".mlir files or folders (searched recursively)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--pipeline", help=f"pass pipeline (default: {DEFAULT_PIPELINE})")
    group.add_argument("--fp-mode", help="run builtin.module(stablehlo-eqsat{fp-mode=M}) instead")
    p.add_argument("--zoo", action="store_true", help="also generate the model zoo and check it")
    p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, help="worker processes")
    p.add_argument("--limit", type=int, default=None, help="check only the first N cases")
    p.add_argument("--tolerance", type=float, default=None, metavar="RTOL",
                   help="compare results within RTOL instead of bit for bit")  # fmt: skip
    p.add_argument("--allow-fallback", action="store_true",
                   help="do not fail a module when a stage left one of its functions unchanged")  # fmt: skip
    p.add_argument("--timeout", type=float, default=300.0, help="seconds per case before it fails")
    p.add_argument("-v", "--verbose", action="store_true", help="print every case, not only failures")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    if not args.paths and not args.zoo:
        print("stablehlo-eqsat-conformance: error: give paths to check, or --zoo", file=sys.stderr)
        return 2
    pipeline = args.pipeline or (
        f"builtin.module(stablehlo-eqsat{{fp-mode={args.fp_mode}}})" if args.fp_mode else DEFAULT_PIPELINE
    )
    options = Options(pipeline=pipeline, rtol=args.tolerance, allow_fallback=args.allow_fallback)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="stablehlo-eqsat-zoo-") as zoo_dir:
        paths = list(args.paths)
        try:
            cases = collect_cases(paths)
            if args.zoo:
                from stablehlo_eqsat.tools.zoo import generate_zoo

                generate_zoo(Path(zoo_dir))
                cases += collect_cases([zoo_dir])
        except FileNotFoundError as e:
            print(f"stablehlo-eqsat-conformance: error: {e}", file=sys.stderr)
            return 2
        if args.limit is not None:
            cases = cases[: args.limit]
        print(f"checking {len(cases)} modules with {pipeline} ({args.jobs} jobs)", flush=True)

        def report(res: CaseResult, done: int, total: int) -> None:
            if res.status == "failed":
                print(f"[{done}/{total}] FAIL {res.name}: {res.reason}", flush=True)
            elif args.verbose:
                print(
                    f"[{done}/{total}] {res.status} ({res.checked}) {res.name} {res.seconds:.2f}s", flush=True
                )
            elif done % 100 == 0 or done == total:
                print(f"[{done}/{total}] {time.monotonic() - start:.0f}s", flush=True)

        results = run_cases(cases, options, jobs=max(1, args.jobs), timeout=args.timeout, on_result=report)
    return _summarize(results, time.monotonic() - start)


def _summarize(results: Sequence[CaseResult], seconds: float) -> int:
    failed = [r for r in results if r.status == "failed"]
    passed = [r for r in results if r.status == "passed"]
    through = [r for r in results if r.status == "passed-through"]
    by_xla = sum(r.checked == "xla" for r in passed)
    refereed = [r for r in passed if any(n.startswith(_REFEREED) for n in r.notes)]
    unrunnable = [r for r in passed if any(n.startswith("XLA cannot compile") for n in r.notes)]
    fallback = [r for r in passed if any("left unchanged" in n for n in r.notes)]
    if failed:
        print(f"\n{len(failed)} failures:")
        for r in failed:
            print(f"  {r.name}: {r.reason}")
    print(
        f"\n{by_xla} compared under XLA, {len(passed) - by_xla} checked by verify + re-parse only"
        f" ({len(unrunnable)} of them static modules XLA cannot compile)"
    )
    for r in refereed:
        note = next(n for n in r.notes if n.startswith(_REFEREED))
        print(f"{r.name}: passed as {note}")
    if fallback:
        print(f"{len(fallback)} passed with a function left unchanged by a failing stage (--allow-fallback)")
    if through:
        print(f"{len(through)} passed through unchanged, not checked: quant dialect unavailable in jaxlib")
    print(f"finished in {seconds:.0f} s")
    print(f"{len(passed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
