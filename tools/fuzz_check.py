"""The fuzzer's differential check: programs under XLA CPU before and after `stablehlo-eqsat`.

In each fp-mode the optimized results must match the original's:

  strict  bit-identical (NaN-aware), on inputs with NaN, ±Inf, -0.0, denormals and integer
          extremes;
  xla     the same inputs; NaN and ±Inf in the same places, integers exact, other floats within
          a relative tolerance like XLA's own simplifier's (1e-5 for f32, looser for f16/bf16);
  fast    finite inputs; where the original result is finite, within a loose tolerance. A
          difference is not a failure when the original program itself leaves the finite
          domain somewhere (the premise of the `finite` rules).

In xla and fast modes, rules may change rounding; a result that went through a discontinuous
op on floats (compare, floor, round, sign, convert to an integer, division, log, ...) can then
legitimately flip, so a difference confined to such results is *tolerated*, not a failure.
In xla mode, a difference confined to results computed through a convolution with a non-finite
operand value is tolerated too: how XLA compiles a convolution decides whether 0 x Inf in it
makes a NaN (its CPU kernels skip padding zeros in some layouts and not others; its simplifier
folds a convolution with a zero kernel to zeros).
The comparisons are `stablehlo_eqsat.xla`'s (`compare_outputs`); only the tolerances are the
fuzzer's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from stablehlo_eqsat.tools.random_programs import Op, Program, batch_text, is_float, program_text

import stablehlo_eqsat.xla as xla

MODES = ("strict", "xla", "fast")

# Ops at which a rounding difference can turn into a different value (or NaN/Inf).
DISCONTINUOUS = {
    "stablehlo.compare", "stablehlo.floor", "stablehlo.ceil", "stablehlo.round_nearest_even",
    "stablehlo.round_nearest_afz", "stablehlo.sign", "stablehlo.remainder", "stablehlo.is_finite",
    "stablehlo.divide", "stablehlo.atan2", "stablehlo.power", "stablehlo.log", "stablehlo.sqrt",
    "stablehlo.rsqrt", "stablehlo.log_plus_one",
}  # fmt: skip

RTOL_XLA = {"float16": 2e-3, "bfloat16": 1.6e-2, "float32": 1e-5, "float64": 1e-9}
RTOL_FAST = {"float16": 5e-2, "bfloat16": 1e-1, "float32": 1e-3, "float64": 1e-6}


# -- the optimizer ---------------------------------------------------------------------------------
@dataclass
class Optimized:
    text: str = ""
    error: str = ""  # the pipeline raised, or its output does not verify
    warnings: list[str] = field(default_factory=list)
    fired: dict[str, int] = field(default_factory=dict)


def pipeline_for(mode: str, options: str = "", only_rules: str = "") -> str:
    """`stablehlo-eqsat` in fp-mode `mode` (`stablehlo-eqsat-roundtrip` for mode `roundtrip`)."""
    if mode == "roundtrip":
        return "builtin.module(stablehlo-eqsat-roundtrip)"
    opts = f"fp-mode={mode} {options}"
    if only_rules:
        opts += f" only-rules='{only_rules}'"
    return f"builtin.module(stablehlo-eqsat{{{opts.strip()}}})"


def optimize_text(text: str, mode: str, options: str = "", only_rules: str = "") -> Optimized:
    """Run the pipeline of `mode` on `text` (`run_pipeline`); the output and what fired."""
    from stablehlo_eqsat.passes.pipeline import run_pipeline

    result = Optimized()
    try:
        done = run_pipeline(text, pipeline_for(mode, options, only_rules))
    except Exception as e:
        result.error = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        return result
    for report in done.pass_reports():
        for g in report.graphs:
            for k, n in g.saturation.matches.items():
                if n:
                    result.fired[k] = result.fired.get(k, 0) + n
    problems = [d.message for d in done.diagnostics if d.severity in ("warning", "error")]
    if done.errors or (done.passed_through and done.module is None):
        result.error = problems[0] if problems else "the pipeline produced no module"
    else:
        result.text = str(done.output())
        result.warnings = problems
    return result


# -- comparing -------------------------------------------------------------------------------------
def _float_kind(a: np.ndarray) -> bool:
    return a.dtype.kind == "f" or (a.dtype.kind == "V" and "float" in a.dtype.name)


def compare_values(ref: np.ndarray, out: np.ndarray, mode: str, scale: float = 1.0) -> str | None:
    """None when `out` is acceptable for `ref` under `mode`; else what differs. `scale` (fast mode):
    the magnitude the tolerance is relative to, at least (the program's largest value)."""
    if ref.dtype != out.dtype or ref.shape != out.shape:
        return f"{out.dtype}{list(out.shape)} instead of {ref.dtype}{list(ref.shape)}"
    if mode in ("strict", "roundtrip") or not _float_kind(ref):
        return _where(xla.compare_outputs([ref], [out]))
    r, o = ref.astype(np.float64).reshape(-1), out.astype(np.float64).reshape(-1)
    if mode == "fast":
        o = np.where(np.isfinite(r), o, r)  # only where the original is finite
    # `arrays_close` measures against the reference's largest finite magnitude: one more element,
    # equal in both, makes that at least `scale`.
    rtol = (RTOL_XLA if mode == "xla" else RTOL_FAST)[ref.dtype.name]
    return _where(xla.compare_outputs([np.append(r, scale)], [np.append(o, scale)], rtol))


def _where(diff: str | None) -> str | None:
    return None if diff is None else diff.removeprefix("result 0 ")


@dataclass
class Finding:
    """One program that failed in one mode."""

    index: int
    mode: str
    message: str
    tolerated: bool = False
    fallback: bool = False  # the pass left the function unchanged (a stage failed): lost work
    skipped: bool = False  # XLA rejects the program as generated: nothing to compare against
    fired: dict[str, int] = field(default_factory=dict)
    culprits: list[str] = field(default_factory=list)
    reproducer: str = ""
    ops_before: int = 0
    ops_after: int = 0


def program_inputs(programs: Sequence[Program], mode: str) -> list[np.ndarray]:
    out: list[np.ndarray] = []
    for p in programs:
        src = p.finite_inputs if mode == "fast" else p.inputs
        out += [src[a] for a in p.args]
    return out


def _downstream(p: Program, source: Callable[[Op], bool]) -> set[int]:
    """The values of the ops for which `source` holds, and of every op computed from them."""
    found: set[int] = set()
    for op in p.ops:
        if source(op) or any(v in found for v in op.operands):
            found.add(op.id)
    return found


def _tainted(p: Program) -> set[int]:
    """Values computed through an op where a rounding change may become a different value."""

    def discontinuous(op: Op) -> bool:
        float_in = any(is_float(p.types[v].dtype) for v in op.operands)
        disc = op.kind in DISCONTINUOUS or (op.kind == "stablehlo.convert" and not is_float(op.type.dtype))
        return disc and float_in

    return _downstream(p, discontinuous)


def _through_unspecified_zeros(p: Program, mode: str) -> set[int]:
    """Values computed through a convolution with a non-finite value in an operand. Whether a
    0 x Inf in a convolution makes a NaN is up to how XLA compiles it: its CPU kernels skip
    padding and inserted (lhs-dilation) zeros in some layouts and dtypes and multiply them in
    others (fuzz seed 12345 program 37: an f16 convolution in layout [f, b, 0, 1] makes NaNs
    where an NHWC one does not), and its simplifier folds a convolution with a constant zero
    kernel to zeros whatever the input (seed 200 program 752). The conv rules' forms skip such
    zeros, and constant folding can hand XLA that zero kernel."""
    if not any(op.kind == "stablehlo.convolution" for op in p.ops):
        return set()
    inputs = program_inputs([p], mode)
    values = {**dict(zip(p.args, inputs, strict=True)), **intermediates(p, inputs)}

    def nonfinite_convolution(op: Op) -> bool:
        operands = [values.get(v) for v in op.operands] if op.kind == "stablehlo.convolution" else []
        return any(a is not None and not np.isfinite(a.astype(np.float64)).all() for a in operands)

    return _downstream(p, nonfinite_convolution)


def intermediates(p: Program, inputs: Sequence[np.ndarray]) -> dict[int, np.ndarray]:
    """Every op's value in the (unoptimized) program, by op id."""
    q = p.copy()
    q.results = [o.id for o in q.ops]
    if not q.results:
        return {}
    outs = xla.compile_and_run(program_text(q), inputs)
    return dict(zip(q.results, outs, strict=True))


def check_outputs(
    p: Program, ref: Sequence[np.ndarray], out: Sequence[np.ndarray], mode: str
) -> tuple[str | None, bool]:
    """(first difference, whether it is tolerated) for one program's results."""
    problems: list[tuple[int, str]] = []
    for k, (r, o) in enumerate(zip(ref, out, strict=True)):
        msg = compare_values(r, o, mode)
        if msg is not None:
            problems.append((k, msg))
    if not problems:
        return None, False
    if mode == "fast":
        values = intermediates(p, program_inputs([p], mode))
        float_vals = [v for k, v in values.items() if is_float(p.types[k].dtype) and v.size]
        if any(not np.isfinite(v.astype(np.float64)).all() for v in float_vals):
            return f"result {problems[0][0]}: {problems[0][1]} (the program leaves the finite domain)", True
        scale = max([float(np.abs(v.astype(np.float64)).max()) for v in float_vals] + [1.0])
        problems = [
            (k, m) for k, m in ((k, compare_values(ref[k], out[k], mode, scale)) for k, _ in problems) if m
        ]
        if not problems:
            return None, False
    if mode not in ("strict", "roundtrip"):
        tainted = _tainted(p)
        if all(p.results[k] in tainted for k, _ in problems):
            k, msg = problems[0]
            return f"result {k}: {msg} (through a discontinuous op on floats)", True
    if mode == "xla":
        unspecified = _through_unspecified_zeros(p, mode)
        if all(p.results[k] in unspecified for k, _ in problems):
            k, msg = problems[0]
            return f"result {k}: {msg} (0 x Inf in a convolution: XLA's kernels differ on it)", True
    k, msg = problems[0]
    return f"result {k}: {msg}", False


# -- checking programs -----------------------------------------------------------------------------
@dataclass
class CheckOptions:
    modes: tuple[str, ...] = MODES
    pass_options: str = "refine=0"
    only_rules: str = ""


def check_programs(programs: Sequence[Program], indices: Sequence[int], opts: CheckOptions) -> list[Finding]:
    """Run the programs side by side before and after the pass in each mode; the findings.

    When the pass fails on the whole batch (a crash, or the function left unchanged), or XLA
    rejects its output, each program is checked alone to find the culprit. XLA compiles with
    jax's default options (not LLVM at -O0: that changes the bits of transcendental functions
    between fusion contexts, e.g. tanh, which strict mode would report as differences)."""
    text = batch_text(programs)
    try:
        ref_exe = xla.compile_module(text)
    except Exception as e:
        if len(programs) > 1:  # find the program XLA rejects; check the others
            return [f for j, p in enumerate(programs) for f in check_programs([p], [indices[j]], opts)]
        message = f"XLA rejects the program as generated: {str(e).splitlines()[0][:200]}"
        return [Finding(indices[0], "", message, skipped=True)]
    bounds = np.cumsum([0, *[len(p.results) for p in programs]])
    compiled: dict[str, Any] = {}
    findings: list[Finding] = []
    for mode in opts.modes:
        inputs = program_inputs(programs, mode)
        ref = xla.run(ref_exe, inputs)
        opt = optimize_text(text, mode, opts.pass_options, opts.only_rules)
        problem = ""
        if opt.error:
            problem = f"the pass crashed: {opt.error}"
        elif opt.warnings:
            problem = opt.warnings[0]
        out: list[np.ndarray] | None = None
        if not problem:
            try:
                exe = compiled.get(opt.text) or xla.compile_module(opt.text)
                compiled[opt.text] = exe
                out = xla.run(exe, inputs)
            except Exception as e:
                problem = f"XLA rejects the optimized module: {str(e).splitlines()[0][:300]}"
        if out is None:
            if len(programs) > 1:
                for j, p in enumerate(programs):
                    findings += check_programs([p], [indices[j]], dataclasses.replace(opts, modes=(mode,)))
            else:
                fallback = bool(opt.warnings) and not opt.error
                findings.append(Finding(indices[0], mode, problem, fallback=fallback, fired=opt.fired))
            continue
        for j, p in enumerate(programs):
            lo, hi = int(bounds[j]), int(bounds[j + 1])
            msg, tolerated = check_outputs(p, ref[lo:hi], out[lo:hi], mode)
            if msg is not None:
                findings.append(Finding(indices[j], mode, msg, tolerated, fired=dict(opt.fired)))
    return findings


def fails(p: Program, mode: str, opts: CheckOptions, fallback: bool = False) -> Finding | None:
    """The finding for `p` alone in `mode` if it fails in the same way: a wrong result (tolerated
    differences do not count) or, with `fallback`, the pass leaving the function unchanged."""
    try:
        found = check_programs([p], [0], dataclasses.replace(opts, modes=(mode,)))
    except Exception:
        return None
    for f in found:
        if not f.tolerated and not f.skipped and f.fallback == fallback:
            return f
    return None
