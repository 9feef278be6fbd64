"""The e-graph stage: term graph -> egglog, saturation under limits, serialized e-graph back.

Terms are inserted as egglog text, one `(set (N i) ...)` command per term (much faster than
building Python expression objects, and linear in memory). Saturation is one egglog run of at
most `Limits.iterations` iterations under one back-off scheduler; egglog has no node or time
limits of its own, so those are checked when it returns. The result is read back from egglog's
JSON serialization into `EGraphData`, which the extractors work on (egglog's own extraction
scores trees and overflows on program-sized DAGs). The schema and the rules come as egglog text
too (`rules/program.py`, cached on disk by `rules/cache.py`): a session never runs egglog-python's
DSL.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.graph import Arg, OtherTy, TensorTy, Term, TermGraph, Ty
from stablehlo_eqsat.rules.program import EgglogProgram, joined
from stablehlo_eqsat.rules.registry import RuleSchedule, schema_program

from stablehlo_eqsat.compat import egglog_bindings

log = logging.getLogger(__name__)


# -- egglog text for terms ------------------------------------------------------------------------
def _ty_text(ty: Ty) -> str:
    if isinstance(ty, TensorTy):
        return f'(TT (vec-of {" ".join(map(str, ty.shape))}) "{ty.dtype}")'
    return f'(OT "{ty.key}")'


def term_text(term: Term, offset: int = 0) -> str:
    """`term` as an egglog expression whose children are `(N offset+i)` lookups."""
    parts = [term.ctor, _ty_text(term.ty)]
    for kind, arg in zip(O.kinds_of(term.ctor), term.args, strict=True):
        if kind == "T":
            assert isinstance(arg, int)
            parts.append(f"(N {offset + arg})")
        elif kind == "L":
            assert isinstance(arg, tuple)
            parts.append("".join(f"(TCons (N {offset + a}) " for a in arg) + "(TNil)" + ")" * len(arg))
        elif kind == "V":
            assert isinstance(arg, tuple)
            parts.append(f"(vec-of {' '.join(map(str, arg))})")
        elif kind == "I":
            parts.append(str(arg))
        else:
            assert isinstance(arg, str) and '"' not in arg and "\\" not in arg
            parts.append(f'"{arg}"')
    return "(" + " ".join(parts) + ")"


# -- the serialized e-graph -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ENode:
    """One e-node: like a `Term`, but its tensor arguments are e-class ids.

    For `L` arguments the value is the id of a `TList` e-class.
    """

    ctor: str
    ty: Ty
    args: tuple[Arg | str, ...]
    eclass: str

    def children(self) -> list[str]:
        args = self.args
        return [args[i] for i, _ in O.child_slots(self.ctor)]  # type: ignore[misc]


@dataclass
class EGraphData:
    """The e-graph as extractors see it: e-classes of `Tensor` and `TList` e-nodes."""

    nodes: list[ENode] = field(default_factory=list)
    classes: dict[str, list[int]] = field(default_factory=dict)  # e-class -> node indices
    term_class: dict[int, str] = field(default_factory=dict)  # imported term id -> e-class

    def add(self, node: ENode) -> None:
        self.classes.setdefault(node.eclass, []).append(len(self.nodes))
        self.nodes.append(node)

    @property
    def num_nodes(self) -> int:
        return len(self.nodes)

    def class_type(self, eclass: str) -> Ty:
        """The result type shared by the nodes of an e-class."""
        nodes = self.classes.get(eclass)
        return self.nodes[nodes[0]].ty if nodes else OtherTy("")


# Python method names (as egglog-python serializes them) -> egglog constructor names.
def _method_to_ctor() -> dict[str, str]:
    return {f"{s.sort}.{s.method}": s.ctor for s in O.CTOR_SPECS}


_METHOD_TO_CTOR = _method_to_ctor()


def _decode(js: dict) -> EGraphData:  # type: ignore[type-arg]
    """Decode egglog's JSON serialization (`split_primitive_outputs=False`)."""
    raw = js["nodes"]
    # A child id may name any node of the child's e-class, e.g. an analysis row whose output is
    # that value: decode literals and types through their e-class.
    literal_of: dict[str, str] = {}
    for node_id, n in raw.items():
        if node_id.startswith("primitive-") or n["op"] in ("Ty.tensor", "Ty.other"):
            literal_of.setdefault(n["eclass"], node_id)
    prim_cache: dict[str, Arg] = {}

    def prim(child_id: str) -> Arg:
        node_id = literal_of[raw[child_id]["eclass"]]
        v = prim_cache.get(node_id)
        if v is None:
            n = raw[node_id]
            op = n["op"]
            if op == "Vec":
                v = tuple(int(prim(c)) for c in n["children"])  # type: ignore[arg-type]
            elif op.startswith('"'):
                v = op[1:-1]
            else:
                v = int(op)
            prim_cache[node_id] = v
        return v

    ty_cache: dict[str, Ty] = {}

    def ty_of(child_id: str) -> Ty:
        node_id = literal_of[raw[child_id]["eclass"]]
        t = ty_cache.get(node_id)
        if t is None:
            n = raw[node_id]
            if n["op"] == "Ty.tensor":
                shape, dtype = (prim(c) for c in n["children"])
                t = TensorTy(shape, dtype)  # type: ignore[arg-type]
            else:
                t = OtherTy(prim(n["children"][0]))  # type: ignore[arg-type]
            ty_cache[node_id] = t
        return t

    data = EGraphData()
    for node in raw.values():
        op = node["op"]
        if op == "node":  # the `N` table: imported term id -> e-class
            term_id = prim(node["children"][0])
            data.term_class[term_id] = node["eclass"]  # type: ignore[index]
            continue
        ctor = _METHOD_TO_CTOR.get(op)
        if ctor is None or node.get("subsumed"):
            continue
        children = node["children"]
        if ctor in (O.CONS, O.NIL):
            args = tuple(raw[c]["eclass"] for c in children)
            data.add(ENode(ctor, OtherTy(""), args, node["eclass"]))
            continue
        ty = ty_of(children[0])
        args_out: list[Arg | str] = []
        for kind, c in zip(O.kinds_of(ctor), children[1:], strict=True):
            args_out.append(raw[c]["eclass"] if kind in "TL" else prim(c))
        data.add(ENode(ctor, ty, tuple(args_out), node["eclass"]))
    return data


# -- the session ----------------------------------------------------------------------------------
@dataclass
class Limits:
    """Bounds on saturation. The iterations bound egglog's run; the node and time limits are
    checked when it returns and reported as the stop reason (egglog cannot stop mid-run)."""

    iterations: int = 8
    nodes: int = 200_000
    seconds: float = 10.0
    match_limit: int = 1000  # back-off: a rule matching more often than this in one iteration is banned
    ban_length: int = 5  # for this many iterations (both doubling with each ban)
    multi_iterations: int = 1  # iterations that run the multi-pattern rules


@dataclass
class SaturationReport:
    iterations: int = 0
    stop_reason: str = "saturated"
    seconds: float = 0.0
    nodes_before: int = 0
    nodes_after: int = 0
    matches: dict[str, int] = field(default_factory=dict)


class TextEGraph:
    """An egglog e-graph driven by egglog text through egglog's bindings: no Python DSL.

    It starts from a program (`rules/program.py`: the schema and the rulesets), defines the
    program's rules (analyses and rewrites) when asked (`define`), and offers what the session
    uses; `_serialize` is named and called as on egglog-python's `EGraph`.

    `push` is deferred to the next command, so that rules defined right after it (`define`) go
    below the scope and outlive its `pop`; rules defined inside a scope are forgotten with it."""

    def __init__(self, program: EgglogProgram):
        self._egraph = egglog_bindings().EGraph()
        self.program = program
        self.defined: set[int] = set()  # indices into `program.rules`
        self._deferred = 0  # pushes not made yet
        self._scopes: list[set[int]] = []  # per pushed scope, the rules defined in it
        for text in program.commands:
            self._run(text)

    def run(self, text: str) -> list[Any]:
        """Run egglog commands, their outputs. Pass a few at a time: egglog's parser copies the
        text into each span, so its time and memory grow with the square of the text's length."""
        while self._deferred:
            self._deferred -= 1
            self._run("(push)")
            self._scopes.append(set())
        return self._run(text)

    def _run(self, text: str) -> list[Any]:
        raw = self._egraph
        return raw.run_program(*raw.parse_program(text))  # type: ignore[no-any-return]

    def define(self, rules: Iterable[int]) -> None:
        """Define the program's rules of these indices (those not defined yet), then run their
        rulesets once if no scope is open (egglog compiles a ruleset on its first run)."""
        new = [i for i in rules if i not in self.defined]
        if not new:
            return
        for chunk in joined(self.program.rules[i].text for i in new):
            self._run(chunk)
        self.defined.update(new)
        if self._scopes:
            self._scopes[-1].update(new)
        else:
            for warmup in self.program.warmups:  # (on the empty e-graph: it changes nothing)
                self._run(warmup)

    def push(self) -> None:
        self._deferred += 1

    def pop(self) -> None:
        if self._deferred:
            self._deferred -= 1
            return
        self._run("(pop)")
        self.defined -= self._scopes.pop()

    def size(self) -> int:
        """Rows in the schema's tables (the functions egglog-python counts in `all_function_sizes`)."""
        (output,) = self.run("(print-size)")
        sized = self.program.sized
        return sum(n for name, n in output.sizes if name in sized)

    def _serialize(self, split_primitive_outputs: bool = False) -> Any:
        """egglog's serialized e-graph, ops named as egglog-python names them (`Tensor.add`)."""
        assert not split_primitive_outputs, "only the unsplit form is supported"
        serialized = self._egraph.serialize([])
        serialized.map_ops(self.program.op_names)
        return serialized


class EGraphSession:
    """One egglog e-graph holding one term graph (one block of StableHLO)."""

    def __init__(self, schedule: RuleSchedule | None = None):
        # The program declares the schema and the rulesets; the rules are defined when a graph
        # needs them (`require`), outside its push/pop scope, so that later graphs reuse them: a
        # pop would throw them away.
        self.schedule = schedule
        self.egraph = TextEGraph(schedule.program if schedule is not None else schema_program())
        self._dtype_relations = self.egraph.program.relations
        self._required: list[bool] = []  # per open scope: whether `require` was called in it

    @contextmanager
    def scope(self) -> Iterator[EGraphSession]:
        """Work on one graph, then forget it: declarations and defined rules are kept."""
        self.egraph.push()
        self._required.append(False)
        try:
            yield self
        finally:
            self._required.pop()
            self.egraph.pop()

    def require(self, ctors: Iterable[str]) -> None:
        """Define the rules that can fire on graphs made of `ctors` (constructors and the other
        tokens of `rules.program.graph_tokens`; call it in a scope before
        inserting: they are then defined below it and kept). A scope that never calls it gets
        every rule when it saturates."""
        if self._required:
            self._required[-1] = True
        self.egraph.define(self.egraph.program.closure(ctors))

    def _all_rules_unless_required(self) -> None:
        if not self._required or not self._required[-1]:
            if self._required:
                self._required[-1] = True
            self.egraph.define(range(len(self.egraph.program.rules)))

    def insert(self, graph: TermGraph, dtypes: Iterable[str] = (), offset: int = 0) -> None:
        """Add `graph`'s terms, term `i` as `(N offset+i)` (the children of a term are term ids).
        Without `require` in this scope first, every rule is defined (below the scope) first."""
        self._all_rules_unless_required()
        command = self.egraph.run
        for dtype in dtypes:
            kind = "bool" if dtype == "i1" else "int" if dtype.startswith(("i", "ui")) else "float"
            if not dtype.startswith("complex"):
                command(f'({self._dtype_relations[kind]} "{dtype}")')
        # A few dozen commands per parse: far fewer calls than one per term, while parsing a whole
        # program at once makes egglog's memory grow with the square of its length.
        batch: list[str] = []
        for i, term in enumerate(graph.terms):
            batch.append(f"(set (N {offset + i}) {term_text(term, offset)})")
            if len(batch) == 64:
                command("\n".join(batch))
                batch.clear()
        if batch:
            command("\n".join(batch))

    def union(self, pairs: Iterable[tuple[int, int]], offset: int = 0) -> None:
        """Assert that inserted terms `a` and `b` are equal (Python-side rules)."""
        for a, b in pairs:
            self.egraph.run(f"(union (N {offset + a}) (N {offset + b}))")

    def size(self) -> int:
        return self.egraph.size()

    def saturate(self, limits: Limits) -> SaturationReport:
        report = SaturationReport(nodes_before=self.size())
        start = time.perf_counter()
        report.stop_reason = "saturated"
        sched = self.schedule
        if (
            sched is None
            or not (sched.program.has_rewrites or sched.program.multi_step)
            or limits.iterations <= 0
        ):
            report.nodes_after = report.nodes_before
            return report
        self._all_rules_unless_required()
        # One run of the schedule text egglog-python generated (`rules/program.py`): in each
        # iteration the analyses saturated, then the rewrites under back-off, which keeps
        # explosive rules (associativity, distributivity) from flooding an iteration; the
        # multi-pattern rules in the first ones. egglog cannot stop a run at a node count or a
        # deadline, so the node and time limits are checked when it returns: the graphs are
        # small (`window` bounds them) and back-off bounds what an iteration adds.
        saturation = sched.program.saturation(
            limits.iterations, limits.multi_iterations, limits.match_limit, limits.ban_length
        )
        ran = []
        for output in self.egraph.run(saturation.text):
            run_report = output.report
            ran.extend(run_report.iterations)
            for rule, n in run_report.num_matches_per_rule.items():
                name = sched.rule_names.get(rule)
                if name is not None and n:
                    report.matches[name] = report.matches.get(name, 0) + n
        report.iterations, saturated = saturation.iterations(ran)
        if not saturated:
            report.stop_reason = "iteration limit"
        if self.size() > limits.nodes:
            report.stop_reason = "node limit"
        elif time.perf_counter() - start > limits.seconds:
            report.stop_reason = "time limit"
        report.seconds = time.perf_counter() - start
        report.nodes_after = self.size()
        return report

    def serialize(self) -> EGraphData:
        js = json.loads(self.egraph._serialize(split_primitive_outputs=False).to_json())
        return _decode(js)


_SHARED: dict[tuple[int, int], tuple[RuleSchedule | None, EGraphSession]] = {}


def shared_session(schedule: RuleSchedule | None) -> EGraphSession:
    """A session for `schedule`, reused by every graph this thread optimizes with it.

    Building one costs a tenth of a second or more (egglog declaring the schema and compiling
    some 500 rules from their text); graphs use it through `scope()`, which leaves it as it
    found it. egglog e-graphs are bound to the thread that made them, so the cache is per thread.
    """
    import threading

    key = (threading.get_ident(), id(schedule))
    cached = _SHARED.get(key)
    if cached is None or cached[0] is not schedule:  # (an id may be reused after collection)
        cached = _SHARED[key] = (schedule, EGraphSession(schedule))
    return cached[1]


def class_of_terms(data: EGraphData, term_ids: Iterable[int]) -> list[str]:
    return [data.term_class[t] for t in term_ids]
