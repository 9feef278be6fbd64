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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from egglog import Fact, RewriteOrRule, String, eq
from stablehlo_eqsat.dialect_glue.graph import Term, TermGraph
from stablehlo_eqsat.dialect_glue.schema import Tensor, splat_of

EXACT = "exact"
REASSOC = "reassoc"
FINITE = "finite"
NO_SIGNED_ZERO = "no-signed-zero"
FP_CLASSES = (EXACT, REASSOC, FINITE, NO_SIGNED_ZERO)


class ExpansionContext:
    """What a Python-side rule sees: the term graph, to which it may add terms."""

    def __init__(self, graph: TermGraph):
        self.graph = graph

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
    commands: tuple[RewriteOrRule, ...]
    expand: Expand | None = None  # rules whose index arithmetic is easier in Python than in egglog

    def enabled(self, mode: str) -> bool:
        if mode == "fast":
            return True
        if self.fp == frozenset({EXACT}):
            return True
        return mode == "xla" and self.xla


@dataclass
class RuleFamily:
    """The rules of one concern (one file in `rules/`)."""

    name: str
    rules: list[RuleInfo] = field(default_factory=list)

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
        self, name: str, *, fp: str | Iterable[str] = EXACT, xla: bool = False
    ) -> Callable[[Expand], Expand]:
        """Register a Python-side rule: `fn(ctx, tid)` returns ids of new terms equal to term `tid`.

        Expansions run once, before saturation, on the input terms; egglog then unions each
        alternative with the original, and the rules and the extractor take it from there.
        """

        def wrap(fn: Expand) -> Expand:
            classes = frozenset([fp] if isinstance(fp, str) else fp)
            self.rules.append(RuleInfo(name, self.name, classes, xla, (), fn))
            return fn

        return wrap

    def register(self, fn: Callable[..., Iterable[RuleInfo]]) -> Callable[..., Iterable[RuleInfo]]:
        """Run `fn` with fresh pattern variables named after its parameters and keep its rules."""
        import inspect

        from egglog import var

        hints = inspect.get_annotations(fn, eval_str=True)
        params = inspect.signature(fn).parameters
        args = [var(p, hints[p]) for p in params]
        for info in fn(*args):
            if any(r.name == info.name for r in self.rules):
                # The same name may be yielded several times (e.g. once per rank): merge, but a
                # name stands for one floating-point contract.
                old = next(r for r in self.rules if r.name == info.name)
                if (old.fp, old.xla) != (info.fp, info.xla):
                    raise ValueError(f"rule {info.name!r} yielded with different fp classes or xla flags")
                self.rules[self.rules.index(old)] = RuleInfo(
                    old.name, old.family, old.fp, old.xla, old.commands + info.commands
                )
            else:
                self.rules.append(info)
        return fn


def is_splat(x: Tensor, key: str) -> Fact:
    """Condition: every element of `x` is the value `key` names (`"s:0"`, `"s:1"`, ...)."""
    return eq(splat_of(x)).to(String(key))
