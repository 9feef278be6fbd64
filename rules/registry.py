"""The rule library as a whole: every family, and which rules run under which `--fp-mode`."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from egglog import Ruleset, ruleset
from stablehlo_eqsat.rules.base import RuleInfo

# One module per concern; each defines one `RuleFamily` named like the module.
FAMILIES = ("arith", "layout", "dot_general", "reduce", "slice_concat", "multi", "constant_fold", "conv")
FP_MODES = ("strict", "xla", "fast")


def all_rules() -> list[RuleInfo]:
    out: list[RuleInfo] = []
    for name in FAMILIES:
        try:
            module = importlib.import_module(f"stablehlo_eqsat.rules.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"stablehlo_eqsat.rules.{name}":
                continue
            raise
        out.extend(module.FAMILY.rules)
    return out


@dataclass
class RuleSchedule:
    """What one saturation iteration runs: the analyses to a fixpoint, then the rewrites once."""

    analysis: Ruleset
    rewrites: Ruleset | None
    multi: Ruleset | None = None  # multi-pattern rules: only in the first iterations (as TENSAT)
    rule_names: dict[object, str] = field(default_factory=dict)  # egglog rule decl -> rule name
    rules: list[RuleInfo] = field(default_factory=list)

    @property
    def expansions(self) -> list[RuleInfo]:
        return [r for r in self.rules if r.expand is not None]


_CACHE: dict[tuple[str, tuple[str, ...] | None], RuleSchedule] = {}


def rulesets_for(fp_mode: str, only: tuple[str, ...] | None = None) -> RuleSchedule:
    """The schedule for `fp_mode` (optionally restricted to the rules named in `only`)."""
    if fp_mode not in FP_MODES:
        raise ValueError(f"unknown fp-mode '{fp_mode}'")
    key = (fp_mode, only)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    from stablehlo_eqsat.rules.analysis import analysis_ruleset

    rules = [r for r in all_rules() if r.enabled(fp_mode) and (only is None or r.name in only)]
    single = [c for r in rules if r.family != "multi" for c in r.commands]
    multi = [c for r in rules if r.family == "multi" for c in r.commands]
    names = {c.decl: r.name for r in rules for c in r.commands}
    tag = f"{fp_mode}-{len(_CACHE)}"
    schedule = RuleSchedule(
        analysis_ruleset,
        ruleset(*single, name=f"rules-{tag}") if single else None,
        ruleset(*multi, name=f"multi-{tag}") if multi else None,
        names,
        rules,
    )
    _CACHE[key] = schedule
    return schedule
