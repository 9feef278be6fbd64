"""Every rule, on each of its lit test functions: it fires alone, and XLA agrees with it.

For each function in `test/lit/rules/*.mlir` (named after its rule, see `rule_harness`), the
function is rewritten by `stablehlo-eqsat` with only that rule enabled, under the strictest
`--fp-mode` that enables it. Then the original (LHS) and the rewritten (RHS) function are
compiled by XLA for CPU and run on the same inputs, chosen for what the rule's floating-point
class promises (`rule_harness.Policy`): an `exact` rule must give bit-identical results on NaN,
±Inf, ±0, huge values and integer extremes, a `reassoc` rule must stay within a float32
tolerance on moderate inputs, and so on.

A rule that fails here is a finding about the rule or its class, not about the test: such cases
are listed in `NUMERIC_FINDINGS` / `DENORMAL_FINDINGS` with the counterexample, and are
`xfail(strict=True)` so that the suite stays green until the rule or its class is fixed.
"""

from __future__ import annotations

import functools

import pytest
import rule_harness as H
from stablehlo_eqsat.rules.registry import all_rules

RULES = {r.name: r for r in all_rules()}
CASES = H.lit_cases(list(RULES))
FLOATS = {"f16", "bf16", "f32", "f64"}

# lit case id -> why its numeric check fails (a finding to fix in the rule or its fp class).
NUMERIC_FINDINGS: dict[str, str] = {
    "constant_fold:fold_multiply_denormal": (
        "numpy folds 1e-39 * 1.5 to the denormal 1.5e-39; XLA on CPU computes the same product "
        "at run time as 0 (denormals flushed), so folding changes the result"
    ),
}

# XLA on CPU flushes denormal inputs and results to zero (FTZ/DAZ) in arithmetic ops, but not in
# ops that only move bits (negate, abs, select, copies). A rule that removes an arithmetic op on
# x therefore returns a denormal x where the original program returned ±0. That is the IEEE
# answer, but not bit-identical to what XLA computed before the rewrite.
_FTZ = "XLA CPU flushes denormals: the LHS's {op} returns ±0 for a denormal x, the RHS returns x"
DENORMAL_FINDINGS: dict[str, str] = {
    "arith:add_neg_zero": _FTZ.format(op="x + -0"),
    "arith:add_zero": _FTZ.format(op="x + 0"),
    "arith:add_zero_broadcast_scalar": _FTZ.format(op="x + 0"),
    "arith:sub_zero": _FTZ.format(op="x - 0"),
    "arith:mul_one": _FTZ.format(op="x * 1"),
    "arith:div_one": _FTZ.format(op="x / 1"),
    "arith:div_neg_one": _FTZ.format(op="x / -1").replace("returns x", "returns -x"),
    "arith:pow_one": _FTZ.format(op="pow(x, 1)"),
    "arith:mul_neg_one": (
        "XLA CPU flushes denormals in multiply but not in negate: x * -1 returns ∓0 for a "
        "denormal x, negate(x) returns -x"
    ),
    "arith:max_neg_inf": _FTZ.format(op="maximum(x, -inf)"),
    "arith:min_inf": _FTZ.format(op="minimum(x, inf)"),
    "arith:select_to_minmax": (
        "XLA CPU flushes denormals in maximum/minimum but not in select: select(x >= y, x, y) "
        "returns a denormal x, maximum(x, y) returns ±0"
    ),
}


def _mark(case: H.LitCase, findings: dict[str, str]):  # type: ignore[no-untyped-def]
    reason = findings.get(case.id)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, id=f"{case.rule}/{case.func}", marks=marks)


@functools.cache
def rewritten(case: H.LitCase) -> H.Rewritten:
    info = RULES[case.rule]
    return H.rewrite_with_rule(case.text, case.rule, H.mode_for(info))


@functools.cache
def compiled(case: H.LitCase) -> H.CompiledPair:
    rw = rewritten(case)
    return H.CompiledPair(H.lift_constants(rw.before, case.func), H.lift_constants(rw.after, case.func))


def _describe(case: H.LitCase, policy: H.Policy, result: H.NumericResult) -> str:
    info = RULES[case.rule]
    lines = [
        f"rule {case.rule} (fp: {', '.join(sorted(info.fp))}) disagrees with XLA on @{case.func} "
        f"({case.path.name}:{case.line}); {len(result.counterexamples)}+ of {result.checked} elements:",
        *(f"  {c}" for c in result.counterexamples),
        "RHS:",
        rewritten(case).after,
    ]
    return "\n".join(lines)


@pytest.mark.parametrize("case", [pytest.param(c, id=f"{c.rule}/{c.func}") for c in CASES])
def test_rule_fires(case: H.LitCase) -> None:
    """The rule alone rewrites its test function (it matched, and the program changed)."""
    rw = rewritten(case)
    assert rw.status == "optimized", f"@{case.func}: {rw.status} {rw.reason}"
    assert rw.matches > 0, f"{case.rule} never matched @{case.func}"
    assert rw.after != rw.before, f"{case.rule} matched @{case.func} but the extracted program is the input"


@pytest.mark.parametrize("case", [_mark(c, NUMERIC_FINDINGS) for c in CASES])
def test_rule_numerics(case: H.LitCase) -> None:
    """LHS and RHS agree under XLA on inputs the rule's fp class says it survives."""
    rw = rewritten(case)
    if rw.after == rw.before:
        pytest.skip("the rule did not change the function (see test_rule_fires)")
    policy = H.Policy.for_classes(RULES[case.rule].fp)
    result = H.compare_programs(compiled(case), policy, case.id)
    assert result.checked > 0
    assert not result.counterexamples, _describe(case, policy, result)


def _bit_level_on_floats(case: H.LitCase) -> bool:
    """Rules compared bit for bit (all but `reassoc`) on functions that take floats."""
    params = H.signature(case.text, case.func).split(") ->")[0]
    takes_floats = any(f"x{t}>" in params or f"<{t}>" in params for t in FLOATS)
    return takes_floats and not H.Policy.for_classes(RULES[case.rule].fp).tolerance


@pytest.mark.parametrize("case", [_mark(c, DENORMAL_FINDINGS) for c in CASES if _bit_level_on_floats(c)])
def test_rule_numerics_denormals(case: H.LitCase) -> None:
    """Bit-level rules on denormal-heavy float inputs (XLA on CPU flushes denormals)."""
    rw = rewritten(case)
    if rw.after == rw.before:
        pytest.skip("the rule did not change the function (see test_rule_fires)")
    policy = H.Policy.for_classes(RULES[case.rule].fp).with_denormals()
    result = H.compare_programs(compiled(case), policy, case.id + ":denormals")
    assert not result.counterexamples, _describe(case, policy, result)
