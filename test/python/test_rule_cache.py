"""The rule library as cached egglog text: a cold build and a warm load give the same program,
the replayed program saturates exactly as the Python API did, a process with a warm cache never
imports the DSL, and a damaged cache entry is rebuilt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from stablehlo_eqsat.passes.egraph import EGraphSession, Limits, _decode
from stablehlo_eqsat.rules import cache, program, registry

# A few rules that fire on the graph below; `a + b` and `b + a` meet through the commutation.
ONLY = ("add-commute", "mul-commute", "mul-two", "neg-neg", "add-zero")  # add-zero: not in strict
GRAPH = [
    '(set (N 0) (Input (TT (vec-of 4) "f32") 0 0))',
    '(set (N 1) (Input (TT (vec-of 4) "f32") 0 1))',
    '(set (N 2) (Add (TT (vec-of 4) "f32") (N 0) (N 1) ""))',
    '(set (N 3) (Add (TT (vec-of 4) "f32") (N 1) (N 0) ""))',
    '(set (N 4) (Mul (TT (vec-of 4) "f32") (N 2) (N 3) ""))',
    '(set (N 5) (Neg (TT (vec-of 4) "f32") (Neg (TT (vec-of 4) "f32") (N 4) "") ""))',
    '(set (N 6) (Add (TT (vec-of 4) "f32") (N 5) (N 5) ""))',
    '(set (N 7) (Add (TT (vec-of 4) "f32") (N 6) (N 0) ""))',
]
LIMITS = Limits(iterations=4, match_limit=3, ban_length=2)  # small enough for back-off to ban


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache directory, and no schedule remembered in this process."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(registry, "_CACHE", {})
    return tmp_path / "stablehlo-eqsat" / "rules"


def _schedule() -> registry.RuleSchedule:
    registry._CACHE.clear()
    return registry.rulesets_for("strict", ONLY)


def _saturate(schedule: registry.RuleSchedule) -> tuple[object, ...]:
    session = EGraphSession(schedule)
    with session.scope():
        session.egraph.run("\n".join(GRAPH))
        report = session.saturate(LIMITS)
        data = session.serialize()
    return report.matches, report.iterations, report.nodes_after, data.nodes, data.term_class


def test_cold_build_and_warm_load_agree(cache_home: Path) -> None:
    cold = _schedule()
    assert [r.name for r in cold.rules] == ["add-commute", "mul-commute", "mul-two", "neg-neg"]
    assert len(list(cache_home.glob("strict-*.json"))) == 1
    warm = _schedule()
    assert warm is not cold and warm.program == cold.program
    assert set(warm.rule_names.values()) == {"add-commute", "mul-commute", "mul-two", "neg-neg"}
    assert ":match-limit {match_limit} :ban-length {ban_length}" in warm.program.step
    assert _saturate(cold) == _saturate(warm)


def test_replayed_text_saturates_as_the_python_api(cache_home: Path) -> None:
    """The replayed program and schedule text do what egglog-python's API does with the same
    rules: the same matches per rule and serialized e-graph, after one run of
    `LIMITS.iterations` iterations under one back-off scheduler."""
    from egglog import EGraph, back_off, ruleset, run
    from stablehlo_eqsat.rules.analysis import analysis_ruleset

    schedule = _schedule()
    egraph = EGraph()
    program._declare(egraph)
    rewrites = ruleset(*(c for r in schedule.rules for c in r.commands), name="reference")
    for rs in (analysis_ruleset, rewrites):
        egraph.run(run(rs))
    names = {c.decl: r.name for r in schedule.rules for c in r.commands}
    egraph.push()
    raw = egraph._egraph
    raw.run_program(*raw.parse_program("\n".join(GRAPH)))
    scheduler = back_off(match_limit=LIMITS.match_limit, ban_length=LIMITS.ban_length)
    step = run(analysis_ruleset).saturate() + run(rewrites, scheduler=scheduler)
    result = egraph.run(step * LIMITS.iterations)
    matches: dict[str, int] = {}
    for decl, n in result.num_matches_per_rule.items():
        name = names.get(decl)  # (None: an analysis rule)
        if name is not None and n:
            matches[name] = matches.get(name, 0) + n
    size = sum(n for _, n in egraph.all_function_sizes())
    data = _decode(json.loads(egraph._serialize(split_primitive_outputs=False).to_json()))
    assert matches, "the graph should make some rules fire"
    replayed_matches, iterations, replayed_size, nodes, term_class = _saturate(schedule)
    replayed = (replayed_matches, replayed_size, nodes, term_class)
    assert replayed == (matches, size, data.nodes, data.term_class)
    assert 1 <= iterations <= LIMITS.iterations


@dataclass
class _Report:  # what `Saturation.iterations` reads of egglog's per-run reports
    changed: bool

    @property
    def rule_set_report(self) -> _Report:
        return self


def test_iterations_are_counted_from_the_run_reports() -> None:
    """A `saturate` item reports until a run that changed nothing, a `run` item once; the count
    stops at the first iteration that changed nothing (saturated) or at the limit."""
    sat = program.Saturation("", ((1, ("saturate", "run", "saturate", "run")), (3, ("saturate", "run"))))
    T, F = _Report(True), _Report(False)
    # a multi iteration (analyses, rewrites, analyses, multi rules), a single one, a no-op one
    reports = [*(T, F, T, F, T), *(T, T, F, T), *(F, F)]
    assert sat.iterations(reports) == (3, True)
    assert sat.iterations(reports[:-2]) == (2, False)  # the reports end: not saturated
    busy = [*(T, F, T, F, T), *(F, T) * 3]
    assert sat.iterations(busy) == (4, False)  # every iteration changed something: the limit
    assert sat.iterations([F, F]) == (0, False)  # (reports shorter than a body)


def test_saturation_composes_the_templates() -> None:
    step = (
        "(run-schedule (seq (let-scheduler _scheduler_0 (back-off :match-limit {match_limit} "
        ":ban-length {ban_length})) (saturate (run a)) (run-with _scheduler_0 r)))"
    )
    multi = step[: -len("))")] + " (saturate (run a)) (run m)))"
    prog = program.EgglogProgram((), {}, {}, frozenset(), step, multi, True)
    sat = prog.saturation(iterations=4, multi_iterations=1, match_limit=7, ban_length=2)
    assert sat.text == (
        "(run-schedule (seq (let-scheduler _scheduler_0 (back-off :match-limit 7 :ban-length 2)) "
        "(repeat 1 (saturate (run a)) (run-with _scheduler_0 r) (saturate (run a)) (run m)) "
        "(repeat 3 (saturate (run a)) (run-with _scheduler_0 r))))"
    )
    assert sat.bodies == ((1, ("saturate", "run", "saturate", "run")), (3, ("saturate", "run")))


def test_warm_process_does_not_run_the_dsl(cache_home: Path) -> None:
    """With the cache filled, choosing the rules and saturating imports neither egglog's Python
    DSL nor the schema it needs; listing the rules does not either."""
    code = (
        "import sys\n"
        "from stablehlo_eqsat.rules import registry\n"
        "from stablehlo_eqsat.passes.egraph import EGraphSession, Limits\n"
        "s = registry.rulesets_for('xla')\n"
        "assert len(registry.all_rules()) > 100\n"
        "session = EGraphSession(s)\n"
        "with session.scope():\n"
        "    session.egraph.run('(set (N 0) (Input (TT (vec-of 4) \"f32\") 0 0))')\n"
        "    session.saturate(Limits(iterations=1))\n"
        "print(sorted(m for m in ('egglog', 'egglog.egraph', 'stablehlo_eqsat.dialect_glue.schema',"
        " 'stablehlo_eqsat.rules.arith') if m in sys.modules))\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home.parent.parent)}
    cold = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert "egglog" in cold.stdout  # the first process built the rules
    warm = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert warm.stdout.strip() == "[]", warm.stdout + warm.stderr
    # A damaged catalog is rebuilt (running the DSL once more), not an error.
    (catalog,) = cache_home.glob("catalog-*.json")
    catalog.write_text(catalog.read_text()[:100])
    subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    warm = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert warm.stdout.strip() == "[]", warm.stdout + warm.stderr


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # truncated
        lambda text: "not json",
        lambda text: text.replace("rules-strict", "rules-other", 1),  # checksum no longer matches
        lambda text: json.dumps({"name": "x", "sha256": "0", "content": {}}),  # another entry
    ],
)
def test_a_damaged_entry_is_rebuilt(cache_home: Path, damage) -> None:  # type: ignore[no-untyped-def]
    built = _schedule()
    (entry,) = cache_home.glob("strict-*.json")
    entry.write_text(damage(entry.read_text()))
    rebuilt = _schedule()
    assert rebuilt.program == built.program
    assert cache.load(entry.stem) is not None  # and stored again


def test_a_valid_entry_of_the_wrong_shape_is_rebuilt(cache_home: Path) -> None:
    built = _schedule()
    (entry,) = cache_home.glob("strict-*.json")
    cache.store(entry.stem, {"commands": "not a list"})
    assert _schedule().program == built.program


def test_concurrent_writers_leave_a_whole_entry(tmp_path: Path) -> None:
    """Writers racing on one entry (lit runs many processes) leave one whole entry, never a mix."""
    contents = [{"commands": [str(i) * 1000] * 50} for i in range(8)]

    def write(content: dict[str, list[str]]) -> None:
        for _ in range(20):
            cache.store("race", content, tmp_path)

    threads = [threading.Thread(target=write, args=(c,)) for c in contents]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.load("race", tmp_path) in contents
    assert [p.name for p in tmp_path.iterdir()] == ["race.json"]


def test_commands_split_top_level_forms() -> None:
    text = '(a "x ) ;" (b))\n; a comment (\n(c)\n\n(d "\\"")'
    assert list(program.commands(text)) == ['(a "x ) ;" (b))', "(c)", '(d "\\"")']
    assert list(program.chunks(text, size=12)) == ['(a "x ) ;" (b))', '(c)\n(d "\\"")']


def test_rules_are_defined_for_what_the_graph_is_made_of(cache_home: Path) -> None:
    """A session defines only the rules that can fire on the constructors it is given (and on
    those those rules add), below the scope, so that they outlive it; the e-graph saturates to
    the same result as with every rule defined."""
    schedule = registry.rulesets_for("xla")
    prog = schedule.program
    on = prog.closure({"Input", "Add", "Neg"})
    assert 0 < len(on) < len(prog.rules)
    assert all(
        prog.rules[i].needs <= {"Input", "Add", "Neg", *prog.rules[i].makes} | _made(prog, on) for i in on
    )
    assert not any("Dot" in prog.rules[i].needs for i in on)  # nothing there makes a dot

    lazy = EGraphSession(schedule)
    with lazy.scope():
        lazy.require({"Input", "Add", "Neg", "Mul"})
        lazy.egraph.run("\n".join(GRAPH))
        report = lazy.saturate(LIMITS)
        data = lazy.serialize()
    assert lazy.egraph.defined == set(prog.closure({"Input", "Add", "Neg", "Mul"}))  # kept after the pop
    full = EGraphSession(schedule)
    with full.scope():
        full.egraph.run("\n".join(GRAPH))  # no `require`: every rule, when it saturates
        full_report = full.saturate(LIMITS)
        full_data = full.serialize()
    assert full.egraph.defined == set()  # defined inside the scope: gone with it
    assert (report.matches, report.nodes_after, data.nodes) == (
        full_report.matches,
        full_report.nodes_after,
        full_data.nodes,
    )


def _made(prog: program.EgglogProgram, on: list[int]) -> set[str]:
    return {c for i in on for c in prog.rules[i].makes}


def test_rule_constructors_are_read_from_the_pattern() -> None:
    rewrite = program.ProgramRule.of('(rewrite (Neg _t (Neg _t2 _x _e2) _e) _x :ruleset r :name "neg-neg")')
    assert (rewrite.needs, rewrite.makes) == ({"Neg"}, frozenset())
    rule = program.ProgramRule.of(
        "(rule ((= a (Dot _t _x _y _d _e)) (= b (Dot _t2 _x _z _d _e2))) "
        '((union a (Slice _t (Dot _t3 _x (Concat _t4 _l _k _e3) _d _e) _s _l2 _st _e4))) :name "m")'
    )
    assert (rule.needs, rule.makes) == ({"Dot"}, {"Slice", "Dot", "Concat"})
    prog = program.EgglogProgram((), {}, {}, frozenset(), rules=(rewrite, rule))
    assert prog.closure({"Input"}) == []
    assert prog.closure({"Neg"}) == [0]
    assert prog.closure({"Dot", "Neg"}) == [0, 1]


def test_a_rule_about_one_kind_of_reduction_needs_that_kind() -> None:
    """A rule whose pattern spells out the reduction's kind needs a `Reduce:<kind>` token, which
    a graph has for each kind of reduction in it (`graph_tokens`): a graph of sums never defines
    the rules about max or `and` reductions."""
    from stablehlo_eqsat.dialect_glue.graph import TensorTy, Term

    text = (
        '(rewrite (Reduce _t (Reshape _t2 _x _e2) _init (vec-of 0) "max" _e) '
        '(Reduce _t _x _init (vec-of 0 1) "max" _e) :ruleset r :name "m")'
    )
    rule = program.ProgramRule.of(text)
    assert rule.needs == {"Reduce", "Reshape", "Reduce:max"} and rule.makes == {"Reduce", "Reduce:max"}
    generic = program.ProgramRule.of('(rewrite (Reduce _t (Neg _t2 _x _e2) _i _d _k _e) _x :name "g")')
    assert generic.needs == {"Reduce", "Neg"}
    prog = program.EgglogProgram((), {}, {}, frozenset(), rules=(rule, generic))
    ty = TensorTy((4,), "f32")
    sums = [
        Term("Reduce", ty, (0, 1, (0,), "add", "")),
        Term("Reshape", ty, (0, "")),
        Term("Neg", ty, (0, "")),
    ]
    assert program.graph_tokens(sums) == {"Reduce", "Reduce:add", "Reshape", "Neg"}
    assert prog.closure(program.graph_tokens(sums)) == [1]
    maxes = [*sums, Term("Reduce", ty, (0, 1, (0,), "max", ""))]
    assert prog.closure(program.graph_tokens(maxes)) == [0, 1]
