"""Every rule has a lit test, in its family's file, and every lit rule test names a rule.

The lit tests in `test/lit/rules/<family>.mlir` name their functions after the rule they show
(`add-zero` -> `@add_zero`, or `@add_zero_<case>` for several cases); see `rule_harness`.
"""

from __future__ import annotations

import pytest
import rule_harness as H
from stablehlo_eqsat.rules.registry import all_rules

RULES = {r.name: r for r in all_rules()}
FUNCTIONS = list(H.lit_functions())


def _cases_of(rule: str) -> list[tuple[str, str]]:
    names = list(RULES)
    return [(path.stem, func) for path, func, _, _ in FUNCTIONS if H.rule_of_function(func, names) == rule]


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_has_lit_test(rule: str) -> None:
    family = RULES[rule].family
    cases = _cases_of(rule)
    assert cases, (
        f"rule '{rule}' ({family}) has no lit test: add a function @{H.snake(rule)} (or "
        f"@{H.snake(rule)}_<case>) to test/lit/rules/{family}.mlir that shows it firing"
    )
    elsewhere = [f"{stem}.mlir:@{func}" for stem, func in cases if stem != family]
    assert not elsewhere, f"tests of '{rule}' belong in test/lit/rules/{family}.mlir, not {elsewhere}"


def test_every_lit_function_names_a_rule() -> None:
    names = list(RULES)
    orphans = [
        f"{path.name}:@{func}" for path, func, _, _ in FUNCTIONS if H.rule_of_function(func, names) is None
    ]
    assert not orphans, f"lit functions named after no rule (renamed or removed rule?): {orphans}"


def test_every_family_has_a_lit_file() -> None:
    families = sorted({r.family for r in RULES.values()})
    missing = [f for f in families if not (H.LIT_RULES / f"{f}.mlir").exists()]
    assert not missing, f"no test/lit/rules/<family>.mlir for: {missing}"
