"""The rule library as egglog text: what an e-graph session replays instead of running the DSL.

egglog-python turns the schema (`dialect_glue.schema`) and the rules into egglog commands by
running its Python DSL, seconds for the whole library. `build` does that once, in an e-graph
that records the text it generates (`EGraph(save_egglog_string=True)`), and keeps everything a
session needs as plain data (`EgglogProgram`), which `rules/cache.py` stores on disk: a later
process replays the text through egglog's bindings and never imports the DSL.

`build` runs exactly what a session built with the Python API used to run, in the same order:
the declarations, every ruleset once on the empty e-graph (egglog compiles a ruleset the first
time it runs; doing it here keeps that out of the `push`/`pop` scope of each graph), then one
saturation iteration of each kind, whose `run-schedule` text it keeps as the template of an
iteration. `EgglogProgram.saturation` composes the templates into the one `run-schedule` that
saturates a graph (`EGraphSession.saturate`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.graph import Term
from stablehlo_eqsat.rules.base import RuleInfo

FORMAT = 5  # of `EgglogProgram.to_json`; part of the cache key

# Stand-ins for the back-off parameters while the schedule text is captured; they become
# `{match_limit}` and `{ban_length}` in the template.
_MATCH_SENTINEL = 977_000_001
_BAN_SENTINEL = 977_000_002
# Commands are replayed a few at a time: egglog 13.2's parser copies the source into every span,
# so one call on the whole program (~100 kB) takes seconds and gigabytes.
_CHUNK_CHARS = 2000
_CALL = re.compile(r"\(([A-Za-z][\w-]*)")
# Constructors of terms: what a graph is made of (lists are spelled inline, not tracked).
_TERM_CTORS = O.ALL_CTORS


@dataclass(frozen=True)
class ProgramRule:
    """One rule's egglog text (an analysis or a rewrite), and the constructors its pattern needs
    (it can match only where all of them are in the e-graph) and those it may add."""

    text: str
    needs: frozenset[str]
    makes: frozenset[str]

    @classmethod
    def of(cls, command: str) -> ProgramRule:
        """`(rewrite LHS RHS ...)`: needs LHS's constructors, makes the rest's; `(rule (query)
        (actions) ...)`: needs the query's, makes the actions'."""
        keyword, _, rest = command[1:-1].partition(" ")
        assert keyword in ("rewrite", "rule"), command
        first = next(commands(rest))
        return cls(command, _ctors(first), _ctors(rest[len(first) :]))


@dataclass(frozen=True)
class EgglogProgram:
    """An e-graph's schema and rulesets as egglog text, with what the Python side needs about it.

    The rules (the analyses and the rewrites) are kept apart (`rules`): a session defines only
    those that can fire on the graphs it is given (`closure`), as egglog typechecks and compiles
    each rule when it is defined (~0.25 ms a rule here: a tenth of a second for the library)."""

    commands: tuple[str, ...]  # declarations and rulesets, a few commands each
    relations: dict[str, str]  # dtype kind (float, int, bool) -> egglog relation (for `insert`)
    op_names: dict[str, str]  # egglog function -> the Python name egglog-python serializes it as
    sized: frozenset[str]  # functions whose rows count as the e-graph's size (as egglog-python counts)
    step: str = ""  # one iteration (`run-schedule`), with `{match_limit}` and `{ban_length}` to fill
    multi_step: str = ""  # the same plus the multi-pattern rules ("" when there are none)
    has_rewrites: bool = False  # whether `step` runs any rewrite rule
    rule_names: dict[str, str] = field(default_factory=dict)  # egglog rule name -> library rule name
    rules: tuple[ProgramRule, ...] = ()  # the analyses, then the rewrites in the library's order
    warmups: tuple[str, ...] = ()  # the first run of each ruleset (egglog compiles it then)

    def closure(self, ctors: Iterable[str]) -> list[int]:
        """The rules that can fire on an e-graph of `ctors`: those whose pattern needs only
        constructors that are there or that rules in the set add; by index, in order."""
        have = set(ctors)
        on: set[int] = set()
        grew = True
        while grew:
            grew = False
            for i, rule in enumerate(self.rules):
                if i not in on and rule.needs <= have:
                    on.add(i)
                    have |= rule.makes
                    grew = True
        return sorted(on)

    def saturation(
        self, iterations: int, multi_iterations: int, match_limit: int, ban_length: int
    ) -> Saturation:
        """One `run-schedule` of up to `iterations` iterations (the first `multi_iterations` of
        them with the multi-pattern rules) under one back-off scheduler.

        One scheduler for the whole run: its bans last across iterations (back-off as egg
        defines it), and it is built once. egglog compiles every rule again for each scheduler
        (~30 ms for the library here) and frees them at the next `pop`, which made a scheduler
        per iteration the largest cost of optimizing a small graph. The iterations stop early
        when the scheduler says the rules are saturated (nothing changed and nothing banned).
        """
        single = _step_parts(self.step)
        multi = _step_parts(self.multi_step) if self.multi_step else None
        n_multi = min(multi_iterations, iterations) if multi is not None else 0
        lets = {single[0], *([multi[0]] if multi is not None else [])}
        assert len(lets) == 1, "the two templates should declare the same scheduler"
        parts = [single[0]]
        bodies: list[tuple[int, tuple[str, ...]]] = []
        for n, step in ((n_multi, multi), (iterations - n_multi, single)):
            if n > 0 and step is not None:
                parts.append(f"(repeat {n} {' '.join(step[1])})")
                bodies.append((n, tuple(_kind(item) for item in step[1])))
        text = f"(run-schedule (seq {' '.join(p for p in parts if p)}))"
        return Saturation(text.format(match_limit=match_limit, ban_length=ban_length), tuple(bodies))

    def to_json(self) -> dict[str, Any]:
        return {
            "commands": list(self.commands),
            "relations": self.relations,
            "op_names": self.op_names,
            "sized": sorted(self.sized),
            "step": self.step,
            "multi_step": self.multi_step,
            "has_rewrites": self.has_rewrites,
            "rule_names": self.rule_names,
            "rules": [[r.text, sorted(r.needs), sorted(r.makes)] for r in self.rules],
            "warmups": list(self.warmups),
        }

    @classmethod
    def from_json(cls, js: dict[str, Any]) -> EgglogProgram:
        """The program `to_json` wrote; `TypeError`, `KeyError` or `ValueError` if `js` is not one."""

        def strings(x: object) -> dict[str, str]:
            if not isinstance(x, dict) or not all(isinstance(v, str) for v in (*x, *x.values())):
                raise TypeError("expected a map of strings")
            return dict(x)

        commands, sized = js["commands"], js["sized"]
        texts = [*commands, *sized, js["step"], js["multi_step"]]
        if (
            not isinstance(commands, list)
            or not isinstance(sized, list)
            or not all(isinstance(t, str) for t in texts)
        ):
            raise TypeError("expected lists of strings")
        if not isinstance(js["has_rewrites"], bool):
            raise TypeError("has_rewrites")
        rules = []
        for text, needs, makes in js["rules"]:
            if not all(isinstance(t, str) for t in (text, *needs, *makes)):
                raise TypeError("expected rules as strings")
            rules.append(ProgramRule(text, frozenset(needs), frozenset(makes)))
        warmups = js["warmups"]
        if not isinstance(warmups, list) or not all(isinstance(w, str) for w in warmups):
            raise TypeError("warmups")
        return cls(
            tuple(commands),
            strings(js["relations"]),
            strings(js["op_names"]),
            frozenset(sized),
            js["step"],
            js["multi_step"],
            js["has_rewrites"],
            strings(js["rule_names"]),
            tuple(rules),
            tuple(warmups),
        )


@dataclass(frozen=True)
class Saturation:
    """A saturation's `run-schedule` text, and for each of its `repeat`s the iterations it
    allows and the kinds of its body's items (`saturate`, `run`): to count the iterations run."""

    text: str
    bodies: tuple[tuple[int, tuple[str, ...]], ...]

    def iterations(self, reports: Sequence[Any]) -> tuple[int, bool]:
        """How many iterations ran until the rules saturated, and whether they did, from
        egglog's per-run reports (`RunReport.iterations`): a `run` item makes one report, a
        `saturate` item reports until one that changed nothing. (egglog may run iterations past
        saturation: its back-off scheduler does not count as saturated while it has matches.)"""
        left = iter(reports)
        done = 0
        for n, body in self.bodies:
            for _ in range(n):
                changed = False
                for kind in body:
                    while True:
                        report = next(left, None)
                        if report is None:
                            return done, False
                        changed = changed or report.rule_set_report.changed
                        if kind == "run" or not report.rule_set_report.changed:
                            break
                done += 1
                if not changed:
                    return done, True
        return done, False


def _step_parts(template: str) -> tuple[str, list[str]]:
    """A recorded iteration, `(run-schedule (seq (let-scheduler ...) items...))` or
    `(run-schedule item)`, as its scheduler declaration ("" without one) and its items."""
    prefix = "(run-schedule "
    assert template.startswith(prefix) and template.endswith(")"), template
    items = _flat(template[len(prefix) : -1])
    if items and items[0].startswith("(let-scheduler "):
        return items[0], items[1:]
    return "", items


def _flat(text: str) -> list[str]:
    """The schedules in `text`, nested `seq`s spliced in (a `seq` is the items in order)."""
    out: list[str] = []
    for item in commands(text):
        out.extend(_flat(item[len("(seq ") : -1]) if item.startswith("(seq ") else [item])
    return out


def _kind(item: str) -> str:
    kind = item[1:].split(" ", 1)[0]
    assert kind in ("saturate", "run", "run-with"), item
    return "saturate" if kind == "saturate" else "run"


def build(rules: Sequence[RuleInfo] | None, tag: str = "") -> EgglogProgram:
    """Run the DSL for `rules` (None: the schema alone, for sessions without rules) and keep the
    egglog text it generates. `tag` names the rulesets (`rules-<tag>`, `multi-<tag>`)."""
    from egglog import EGraph, back_off, ruleset, run
    from stablehlo_eqsat.rules.analysis import analysis_ruleset

    from stablehlo_eqsat.compat import close_recording, generated_rule_names

    egraph = EGraph(save_egglog_string=True)
    try:
        relations = _declare(egraph)
        if rules is None:
            text = egraph.as_egglog_string
            return EgglogProgram(tuple(chunks(text)), relations, *_names(egraph))
        single = [c for r in rules if r.family != "multi" for c in r.commands]
        multi = [c for r in rules if r.family == "multi" for c in r.commands]
        rewrites = ruleset(*single, name=f"rules-{tag}") if single else None
        multi_rs = ruleset(*multi, name=f"multi-{tag}") if multi else None
        for rs in (analysis_ruleset, rewrites, multi_rs):
            if rs is not None:
                egraph.run(run(rs))
        # egglog prints a rewrite without the name egglog-python gave it; put the names back, so
        # that the replayed rules are named as they were (the run reports count matches by name).
        given = generated_rule_names(egraph)
        text = _named(egraph.as_egglog_string, list(given))
        # One iteration of each kind, as `EGraphSession.saturate` composed them with the Python
        # API: the analyses saturated, the rewrites under back-off, then (in the first
        # iterations) the analyses again and the multi-pattern rules.
        egraph.push()
        mark = len(egraph.as_egglog_string)
        scheduler = back_off(match_limit=_MATCH_SENTINEL, ban_length=_BAN_SENTINEL)
        analysis = run(analysis_ruleset).saturate()
        single_step = analysis + run(rewrites, scheduler=scheduler) if rewrites is not None else analysis
        steps = [single_step, *([single_step + analysis + run(multi_rs)] if multi_rs is not None else [])]
        templates = []
        for step in steps:
            egraph.run(step)
            recorded = egraph.as_egglog_string
            templates.append(_template(recorded[mark:].strip(), rewrites is not None))
            mark = len(recorded)
        op_names, sized = _names(egraph)
        decl_names = {c.decl: r.name for r in rules for c in r.commands}
        rule_names = {egg: decl_names[decl] for egg, decl in given.items() if decl in decl_names}
        egraph.pop()
        preamble, program_rules, warmups = _split(text, (".analysis", f"rules-{tag}", f"multi-{tag}"))
        return EgglogProgram(
            tuple(joined(preamble)),
            relations,
            op_names,
            sized,
            templates[0],
            templates[1] if len(templates) > 1 else "",
            rewrites is not None,
            rule_names,
            program_rules,
            warmups,
        )
    finally:
        close_recording(egraph)


def _split(
    text: str, rulesets: tuple[str, ...]
) -> tuple[list[str], tuple[ProgramRule, ...], tuple[str, ...]]:
    """`text`'s commands as the preamble (all but what follows), the rules of `rulesets` (egglog
    names end with one of them) and those rulesets' first runs."""
    preamble: list[str] = []
    rules: list[ProgramRule] = []
    warmups: list[str] = []
    for command in commands(text):
        if command.startswith(("(rewrite ", "(rule ")):
            ruleset = command.split(":ruleset ", 1)[1].split(None, 1)[0].rstrip(")")
            if ruleset.endswith(rulesets):
                rules.append(ProgramRule.of(command))
                continue
        elif command.startswith("(run-schedule (run ") and command[: -len("))")].endswith(rulesets):
            warmups.append(command)
            continue
        preamble.append(command)
    return preamble, tuple(rules), tuple(warmups)


def _ctors(text: str) -> frozenset[str]:
    """The term constructors (`Add`, `Dot`, ... `Input`, `Splat`) called in egglog `text`, and
    for each string argument spelled out (a reduction's kind, a comparison's direction, an opaque
    op's key, but not `extra`) a token `Ctor:value`: a rule about max reductions
    (`(Reduce t x init dims "max" e)`) needs `Reduce:max` in the e-graph (`graph_tokens`)."""
    found: set[str] = set()
    for m in _CALL.finditer(text):
        ctor = m.group(1)
        if ctor not in _TERM_CTORS:
            continue
        found.add(ctor)
        if _LITERALS[ctor]:
            args = _arguments(text, m.end() + 1)[1:]  # (after the type: the term's arguments)
            found.update(
                f"{ctor}:{args[j][1:-1]}"
                for j in _LITERALS[ctor]
                if j < len(args) and args[j].startswith('"')
            )
    return frozenset(found)


def _literal_positions(ctor: str) -> tuple[int, ...]:
    """The string arguments of `ctor` that a rule may spell out: all but `extra`, and none of a
    splat's or constant's (their values come from the splat analysis and the folder, not only
    from rule text: a rule can make a splat whose value no token names)."""
    if ctor in (O.SPLAT, O.CONST):
        return ()
    extra = O.index(ctor, "extra") if ctor in O.BY_CTOR else -1
    return tuple(i for i, kind in enumerate(O.kinds_of(ctor)) if kind == "S" and i != extra)


_LITERALS = {ctor: _literal_positions(ctor) for ctor in _TERM_CTORS}


def _arguments(text: str, i: int) -> list[str]:
    """The arguments of the call whose first argument starts at `text[i]`, as text."""
    args: list[str] = []
    depth, start, quoted = 0, i, False
    while i < len(text):
        c = text[i]
        if quoted:
            quoted = c != '"'
        elif c == '"':
            quoted = True
        elif c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                break
            depth -= 1
        elif c == " " and depth == 0:
            if i > start:
                args.append(text[start:i])
            start = i + 1
        i += 1
    if i > start:
        args.append(text[start:i])
    return args


def graph_tokens(terms: Iterable[Term]) -> set[str]:
    """What `EgglogProgram.closure` takes for a graph: its constructors, and a `Ctor:value` token
    per string argument a rule may spell out (`Reduce:add`, `Compare:LT`, ...; see `_ctors`)."""
    out: set[str] = set()
    for term in terms:
        out.add(term.ctor)
        out.update(f"{term.ctor}:{term.args[j]}" for j in _LITERALS[term.ctor])
    return out


def _declare(egraph: Any) -> dict[str, str]:
    """Declare the whole schema (egglog-python declares constructors lazily, on first use; text
    insertion needs all of them); the egglog names of the dtype relations."""
    from stablehlo_eqsat.dialect_glue import schema

    egraph._add_decls(
        schema.Ty, schema.TList, schema.Tensor, schema.node, schema.type_of, schema.splat_of,
        schema.float_dtype, schema.int_dtype, schema.bool_dtype,
    )  # fmt: skip
    state = egraph._state
    for cls in (schema.Ty, schema.TList, schema.Tensor):
        for name in dir(cls):
            member = getattr(cls, name)
            ref = getattr(member, "__egg_ref__", None) if not name.startswith("__") else None
            if ref is not None:
                state.callable_ref_to_egg(ref)
    for fn in (schema.node, schema.type_of, schema.splat_of):
        state.callable_ref_to_egg(fn.__egg_ref__)
    # Relations get module-qualified egglog names: remember them for text insertion.
    return {
        kind: state.callable_ref_to_egg(fn.__egg_ref__)[0]
        for kind, fn in (
            ("float", schema.float_dtype),
            ("int", schema.int_dtype),
            ("bool", schema.bool_dtype),
        )
    }


def _names(egraph: Any) -> tuple[dict[str, str], frozenset[str]]:
    """The serialization's op names and the functions egglog-python counts in
    `all_function_sizes` (those it has a Python callable for), as its state has them now."""
    state = egraph._state
    return dict(state.op_mapping()), frozenset(k for k, v in state.egg_fn_to_callable_refs.items() if v)


def _named(text: str, names: list[str]) -> str:
    """`text` with the rules named by `names` in the order they were added (`:name` is
    printed for a `rule` but not for a `rewrite`)."""
    out = []
    left = iter(names)
    for command in commands(text):
        if command.startswith("(rewrite "):
            command = f'{command[:-1]} :name "{next(left)}")'
        elif command.startswith("(rule "):
            name = next(left)
            assert command.endswith(f':name "{name}")'), (name, command)
        else:
            assert not command.startswith("(birewrite "), command  # two names each: not used
        out.append(command)
    assert next(left, None) is None, "more rule names than rules"
    return "\n".join(out)


def _template(text: str, has_scheduler: bool) -> str:
    """The recorded schedule text with the back-off parameters as `str.format` fields."""
    assert "{" not in text and "}" not in text, text
    if has_scheduler:
        for sentinel, name in ((_MATCH_SENTINEL, "match_limit"), (_BAN_SENTINEL, "ban_length")):
            assert text.count(str(sentinel)) == 1, text
            text = text.replace(str(sentinel), "{" + name + "}")
    return text


def commands(text: str) -> Iterator[str]:
    """The top-level commands (parenthesized s-expressions) of egglog `text`, comments dropped."""
    depth = 0
    start = 0
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c == ";":
            while i < n and text[i] != "\n":
                i += 1
        elif c == "(":
            if depth == 0:
                start = i
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                yield text[start : i + 1]
        i += 1
    if depth:
        raise ValueError("unbalanced egglog text")


def chunks(text: str, size: int = _CHUNK_CHARS) -> Iterator[str]:
    """`text`'s commands, joined into pieces of about `size` characters."""
    return joined(commands(text), size)


def joined(texts: Iterable[str], size: int = _CHUNK_CHARS) -> Iterator[str]:
    """Commands joined into pieces of about `size` characters (what one egglog call is given)."""
    batch: list[str] = []
    length = 0
    for command in texts:
        if batch and length + len(command) > size:
            yield "\n".join(batch)
            batch, length = [], 0
        batch.append(command)
        length += len(command) + 1
    if batch:
        yield "\n".join(batch)
