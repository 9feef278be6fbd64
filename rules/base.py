"""Named rules with declared floating-point assumptions, grouped in families.

A rule file defines one `RuleFamily` and registers small generator functions whose typed
parameters are the pattern variables; each `yield family.rule(name, rewrite, fp=..., xla=...)`
is one named rule:

    arith = RuleFamily("arith")

    @arith.register
    def _neg(x: Tensor, t: Ty, e: String, e2: String):
        # Pattern: negate(negate(x)) -> x
        yield arith.rule("neg-neg", rewrite(Tensor.negate(t, Tensor.negate(t, x, e2), e)).to(x))

`fp` is the set of assumptions the rule makes about arithmetic (see `rules/__init__.py`);
`xla=True` marks rules that XLA's own algebraic simplifier also applies, which the default
`--fp-mode=xla` therefore allows whatever their class.

Registered generators run when a family's `rules` are first needed, not at import: running
egglog-python's DSL takes seconds, and a process that finds the rule library's egglog text in
the cache (`rules/cache.py`) never needs it. This module imports no egglog.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from stablehlo_eqsat.dialect_glue.graph import Term, TermGraph

if TYPE_CHECKING:
    from egglog import Fact, RewriteOrRule
    from stablehlo_eqsat.dialect_glue.schema import Tensor

EXACT = "exact"
REASSOC = "reassoc"
FINITE = "finite"
NO_SIGNED_ZERO = "no-signed-zero"
FP_CLASSES = (EXACT, REASSOC, FINITE, NO_SIGNED_ZERO)


class ExpansionContext:
    """What a Python-side rule sees: the term graph, to which it may add terms, and the MLIR
    attributes a term's `extra` key stands for (`importer.Tables.extras`)."""

    def __init__(self, graph: TermGraph, extras: dict[str, dict[str, Any]] | None = None):
        self.graph = graph
        self.extras = extras or {}

    def extra_attributes(self, key: str) -> dict[str, Any]:
        """The attributes behind a term's `extra` key ({} for "")."""
        return self.extras.get(key, {}) if key else {}

    def term(self, tid: int) -> Term:
        return self.graph.terms[tid]

    def add(self, term: Term) -> int:
        return self.graph.add(term)


# A Python-side rule: for term `tid`, add terms equal to it and return their ids.
Expand = Callable[[ExpansionContext, int], Iterable[int]]


@dataclass(frozen=True)
class RuleInfo:
    name: str
    family: str
    fp: frozenset[str]
    xla: bool
    commands: Sequence[RewriteOrRule]
    expand: Expand | None = None  # rules whose index arithmetic is easier in Python than in egglog
    # (expansions) the terms its alternatives are built from get the Python-side rules too
    reexpand: bool = False

    def enabled(self, mode: str) -> bool:
        if mode == "fast":
            return True
        if self.fp == frozenset({EXACT}):
            return True
        return mode == "xla" and self.xla


class DeferredCommands(Sequence["RewriteOrRule"]):
    """The egglog commands of rule `name` of the family in module `rules/<family>.py`, built
    (running that family's DSL) on first use: what a `RuleInfo` read from the cached catalog
    (`registry.all_rules`) holds."""

    def __init__(self, family: str, name: str):
        self.family = family
        self.name = name

    @cached_property
    def _commands(self) -> Sequence[RewriteOrRule]:
        module = importlib.import_module(f"stablehlo_eqsat.rules.{self.family}")
        return next(r for r in module.FAMILY.rules if r.name == self.name).commands

    def __getitem__(self, index: Any) -> Any:
        return self._commands[index]

    def __len__(self) -> int:
        return len(self._commands)

    def __iter__(self) -> Iterator[RewriteOrRule]:
        return iter(self._commands)

    def __repr__(self) -> str:
        return f"DeferredCommands({self.family!r}, {self.name!r})"


# A registered generator of rules: its typed parameters are the pattern variables.
Generator = Callable[..., Iterable[RuleInfo]]


@dataclass
class RuleFamily:
    """The rules of one concern (one file in `rules/`)."""

    name: str
    # Rules and not yet run generators, in the order they were registered.
    _entries: list[RuleInfo | Generator] = field(default_factory=list, repr=False)
    _rules: list[RuleInfo] = field(default_factory=list, repr=False)

    @property
    def rules(self) -> list[RuleInfo]:
        """Every rule of the family, running the registered generators (the DSL) on first use."""
        while self._entries:
            entry = self._entries[0]
            if isinstance(entry, RuleInfo):
                self._rules.append(entry)
            else:
                self._build(entry)
            del self._entries[0]
        return self._rules

    @property
    def built(self) -> bool:
        """Whether every registered generator has run."""
        return all(isinstance(e, RuleInfo) for e in self._entries)

    def ready_rule(self, name: str) -> RuleInfo:
        """Rule `name` among those that need no generator run (expansions, listed rules)."""
        return next(r for r in (*self._rules, *self._entries) if isinstance(r, RuleInfo) and r.name == name)

    def rule(
        self,
        name: str,
        *commands: RewriteOrRule,
        fp: str | Iterable[str] = EXACT,
        xla: bool = False,
    ) -> RuleInfo:
        classes = frozenset([fp] if isinstance(fp, str) else fp)
        assert classes <= set(FP_CLASSES), classes
        return RuleInfo(name, self.name, classes, xla, commands)

    def expansion(
        self, name: str, *, fp: str | Iterable[str] = EXACT, xla: bool = False, reexpand: bool = False
    ) -> Callable[[Expand], Expand]:
        """Register a Python-side rule: `fn(ctx, tid)` returns ids of new terms equal to term `tid`.

        Expansions run before saturation, on the input terms, and with `reexpand` on the new
        terms its alternatives are built from (a transposed convolution's phases are convolutions
        with alternatives of their own; `passes/prepare.py`); egglog then unions each
        alternative with the original, and the rules and the extractor take it from there.
        """

        def wrap(fn: Expand) -> Expand:
            classes = frozenset([fp] if isinstance(fp, str) else fp)
            self._entries.append(RuleInfo(name, self.name, classes, xla, (), fn, reexpand))
            return fn

        return wrap

    def register(self, fn: Generator) -> Generator:
        """Keep `fn`; its rules are made when `rules` is first read (`_build`)."""
        self._entries.append(fn)
        return fn

    def _build(self, fn: Generator) -> None:
        """Run `fn` with fresh pattern variables named after its parameters and keep its rules."""
        import inspect

        from egglog import var

        hints = inspect.get_annotations(fn, eval_str=True)
        params = inspect.signature(fn).parameters
        args = [var(p, hints[p]) for p in params]
        for info in fn(*args):
            if any(r.name == info.name for r in self._rules):
                # The same name may be yielded several times (e.g. once per rank): merge, but a
                # name stands for one floating-point contract.
                old = next(r for r in self._rules if r.name == info.name)
                if (old.fp, old.xla) != (info.fp, info.xla):
                    raise ValueError(f"rule {info.name!r} yielded with different fp classes or xla flags")
                self._rules[self._rules.index(old)] = RuleInfo(
                    old.name, old.family, old.fp, old.xla, (*old.commands, *info.commands)
                )
            else:
                self._rules.append(info)


def is_splat(x: Tensor, key: str) -> Fact:
    """Condition: every element of `x` is the value `key` names (`"s:0"`, `"s:1"`, ...)."""
    from egglog import String, eq
    from stablehlo_eqsat.dialect_glue.schema import splat_of

    return eq(splat_of(x)).to(String(key))
