"""The rule library as a whole: every family, and which rules run under which `--fp-mode`.

The rules reach egglog as text (`rules/program.py`), built once by running the DSL and then
read from the cache (`rules/cache.py`): per selection of rules, the program; for the library,
a catalog of the rules' names and floating-point classes, so that listing the rules
(`all_rules`) does not run the DSL either.
"""

from __future__ import annotations

import functools
import importlib
import sys
from dataclasses import dataclass, field

from stablehlo_eqsat.rules import cache
from stablehlo_eqsat.rules.base import DeferredCommands, RuleInfo
from stablehlo_eqsat.rules.program import EgglogProgram, build

# One module per concern; each defines one `RuleFamily` named like the module.
FAMILIES = (
    "arith", "layout", "dot_general", "dot_layout", "reduce", "slice_concat", "multi", "constant_fold",
    "conv", "pool",
)  # fmt: skip
FP_MODES = ("strict", "xla", "fast")


def all_rules() -> list[RuleInfo]:
    """Every rule of the library, in family order. Read from the cached catalog where there is
    one (then a rule's egglog commands are built when first used); otherwise the families are
    built, running the DSL, and the catalog is written."""
    if _all_built():
        return _built_rules()
    name = cache.key("catalog")
    listed = _from_catalog(cache.load(name))
    if listed is None:
        listed = _built_rules()
        cache.store(
            name,
            [[r.family, r.name, sorted(r.fp), r.xla, r.expand is not None or not r.commands] for r in listed],
        )
    return listed


def _built_rules() -> list[RuleInfo]:
    out: list[RuleInfo] = []
    for name in FAMILIES:
        module = _family_module(name)
        if module is not None:
            out.extend(module.FAMILY.rules)
    return out


def _family_module(name: str):  # type: ignore[no-untyped-def]
    try:
        return importlib.import_module(f"stablehlo_eqsat.rules.{name}")
    except ModuleNotFoundError as e:
        if e.name == f"stablehlo_eqsat.rules.{name}":
            return None
        raise


def _all_built() -> bool:
    """Whether every family is imported and built already (then listing them costs nothing)."""
    modules = [sys.modules.get(f"stablehlo_eqsat.rules.{name}") for name in FAMILIES]
    return all(m is not None and m.FAMILY.built for m in modules)


def _from_catalog(catalog: object) -> list[RuleInfo] | None:
    """The rules the catalog lists; a family module is imported only for the rules that have no
    egglog commands (expansions and constant folds: Python, cheap to import), the others get
    commands built on first use. None when the catalog is missing or does not fit the code."""
    if not isinstance(catalog, list):
        return None
    out: list[RuleInfo] = []
    try:
        for family, name, fp, xla, python in catalog:
            if python:
                module = _family_module(family)
                out.append(module.FAMILY.ready_rule(name))
            else:
                out.append(RuleInfo(name, family, frozenset(fp), bool(xla), DeferredCommands(family, name)))
    except (ValueError, TypeError, AttributeError, StopIteration) as e:
        cache.log.info("ignoring the cached rule catalog: %s", e)
        return None
    return out


@dataclass
class RuleSchedule:
    """What saturation runs, as egglog text (`program`): one iteration saturates the analyses,
    then runs the rewrites once (and the multi-pattern rules in the first iterations only, as
    TENSAT does); and the rules it was made from (the Python-side ones run before saturation)."""

    program: EgglogProgram
    rules: list[RuleInfo] = field(default_factory=list)

    @property
    def rule_names(self) -> dict[str, str]:
        """egglog rule name -> library rule name (for the per-rule match counts)."""
        return self.program.rule_names

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
    rules = [r for r in all_rules() if r.enabled(fp_mode) and (only is None or r.name in only)]
    schedule = RuleSchedule(_program(fp_mode, rules), rules)
    _CACHE[key] = schedule
    return schedule


def _program(fp_mode: str, rules: list[RuleInfo]) -> EgglogProgram:
    """The program for `rules`: from the cache, or built (and stored) when it is not there.
    Rules from outside the library's families (tests add some) are never cached."""
    cacheable = all(r.family in FAMILIES for r in rules)
    name = cache.key(fp_mode, *(r.name for r in rules))
    if cacheable:
        hit = _load_program(name)
        if hit is not None:
            return hit
    built = build(rules, fp_mode)
    if cacheable:
        cache.store(name, built.to_json())
    return built


@functools.cache
def schema_program() -> EgglogProgram:
    """The program of a session without rules: the schema's declarations alone."""
    name = cache.key("schema")
    hit = _load_program(name)
    if hit is None:
        hit = build(None)
        cache.store(name, hit.to_json())
    return hit


def _load_program(name: str) -> EgglogProgram | None:
    js = cache.load(name)
    if js is None:
        return None
    try:
        return EgglogProgram.from_json(js)
    except (KeyError, TypeError, ValueError) as e:
        cache.log.info("ignoring the rule cache entry %s: %s", name, e)
        return None
