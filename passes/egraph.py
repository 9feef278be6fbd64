"""The e-graph stage: term graph -> egglog, saturation under limits, serialized e-graph back.

Terms are inserted as egglog text, one `(set (N i) ...)` command per term (much faster than
building Python expression objects, and linear in memory). Saturation runs one iteration at a
time so that node, iteration and time limits can be enforced between iterations: egglog has
no limits of its own. The result is read back from egglog's JSON serialization into
`EGraphData`, which the extractors work on (egglog's own extraction scores trees and overflows
on program-sized DAGs).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from egglog import EGraph, back_off, run
from egglog.declarations import HasDeclarations
from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue import schema
from stablehlo_eqsat.dialect_glue.graph import Arg, OtherTy, TensorTy, Term, TermGraph, Ty
from stablehlo_eqsat.rules.registry import RuleSchedule

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
    """Bounds on saturation; whichever is hit first ends it (the best program so far is kept)."""

    iterations: int = 8
    nodes: int = 200_000
    seconds: float = 10.0
    match_limit: int = 1000  # back-off: a rule matching more often than this in one iteration is banned
    ban_length: int = 5  # for this many iterations (doubling each time)
    multi_iterations: int = 1  # iterations that run the multi-pattern rules


@dataclass
class SaturationReport:
    iterations: int = 0
    stop_reason: str = "saturated"
    seconds: float = 0.0
    nodes_before: int = 0
    nodes_after: int = 0
    matches: dict[str, int] = field(default_factory=dict)


def _declarations() -> list[HasDeclarations]:
    return [
        schema.Ty, schema.TList, schema.Tensor, schema.node, schema.type_of, schema.splat_of,
        schema.float_dtype, schema.int_dtype, schema.bool_dtype,
    ]  # type: ignore[list-item]  # fmt: skip


class EGraphSession:
    """One egglog e-graph holding one term graph (one block of StableHLO)."""

    def __init__(self, schedule: RuleSchedule | None = None):
        self.egraph = EGraph()
        self.schedule = schedule
        self._declare()
        self._register_rules()

    def _register_rules(self) -> None:
        # egglog compiles a ruleset the first time it runs. Run every ruleset once on the empty
        # e-graph now, outside any push/pop scope, so that graphs optimized later in `scope()`
        # do not pay for it again (a pop would throw the compiled rules away).
        sched = self.schedule
        if sched is None:
            return
        for rs in (sched.analysis, sched.rewrites, sched.multi):
            if rs is not None:
                self.egraph.run(run(rs))

    def _declare(self) -> None:
        # Constructors are declared lazily by egglog-python; text insertion needs all of them now.
        eg = self.egraph
        eg._add_decls(*_declarations())
        for cls in (schema.Ty, schema.TList, schema.Tensor):
            for name in dir(cls):
                member = getattr(cls, name)
                ref = getattr(member, "__egg_ref__", None) if not name.startswith("__") else None
                if ref is not None:
                    eg._state.callable_ref_to_egg(ref)
        for fn in (schema.node, schema.type_of, schema.splat_of):
            eg._state.callable_ref_to_egg(fn.__egg_ref__)  # type: ignore[attr-defined]
        # Relations get module-qualified egglog names: remember them for text insertion.
        self._dtype_relations = {
            kind: eg._state.callable_ref_to_egg(fn.__egg_ref__)[0]  # type: ignore[attr-defined]
            for kind, fn in (
                ("float", schema.float_dtype),
                ("int", schema.int_dtype),
                ("bool", schema.bool_dtype),
            )
        }

    @contextmanager
    def scope(self) -> Iterator[EGraphSession]:
        """Work on one graph, then forget it: declarations and compiled rules are kept."""
        self.egraph.push()
        try:
            yield self
        finally:
            self.egraph.pop()

    def insert(self, graph: TermGraph, dtypes: Iterable[str] = (), offset: int = 0) -> None:
        """Add `graph`'s terms, term `i` as `(N offset+i)` (the children of a term are term ids)."""
        raw = self.egraph._egraph

        def command(text: str) -> None:
            raw.run_program(*raw.parse_program(text))

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
        raw = self.egraph._egraph
        for a, b in pairs:
            raw.run_program(*raw.parse_program(f"(union (N {offset + a}) (N {offset + b}))"))

    def size(self) -> int:
        return sum(n for _, n in self.egraph.all_function_sizes())

    def saturate(self, limits: Limits) -> SaturationReport:
        report = SaturationReport(nodes_before=self.size())
        start = time.perf_counter()
        report.stop_reason = "saturated"
        sched = self.schedule
        if sched is None or (sched.rewrites is None and sched.multi is None) or limits.iterations <= 0:
            report.nodes_after = report.nodes_before
            return report
        # Back-off keeps explosive rules (associativity, distributivity) from flooding an iteration.
        scheduler = back_off(match_limit=limits.match_limit, ban_length=limits.ban_length)
        analysis = run(sched.analysis).saturate()
        single = (
            analysis + run(sched.rewrites, scheduler=scheduler) if sched.rewrites is not None else analysis
        )
        for i in range(limits.iterations):
            step = single
            if sched.multi is not None and i < limits.multi_iterations:
                step = step + analysis + run(sched.multi)
            result = self.egraph.run(step)
            report.iterations = i + 1
            for decl, n in result.num_matches_per_rule.items():
                name = sched.rule_names.get(decl)
                if name is not None and n:
                    report.matches[name] = report.matches.get(name, 0) + n
            if not result.updated:
                break
            if self.size() > limits.nodes:
                report.stop_reason = "node limit"
                break
            if time.perf_counter() - start > limits.seconds:
                report.stop_reason = "time limit"
                break
        else:
            report.stop_reason = "iteration limit"
        report.seconds = time.perf_counter() - start
        report.nodes_after = self.size()
        return report

    def serialize(self) -> EGraphData:
        js = json.loads(self.egraph._serialize(split_primitive_outputs=False).to_json())
        return _decode(js)


_SHARED: dict[tuple[int, int], tuple[RuleSchedule | None, EGraphSession]] = {}


def shared_session(schedule: RuleSchedule | None) -> EGraphSession:
    """A session for `schedule`, reused by every graph this thread optimizes with it.

    Building one costs seconds (declaring the schema and compiling the rules); graphs use it
    through `scope()`, which leaves it as it found it. egglog e-graphs are bound to the thread
    that made them, so the cache is per thread.
    """
    import threading

    key = (threading.get_ident(), id(schedule))
    cached = _SHARED.get(key)
    if cached is None or cached[0] is not schedule:  # (an id may be reused after collection)
        cached = _SHARED[key] = (schedule, EGraphSession(schedule))
    return cached[1]


def class_of_terms(data: EGraphData, term_ids: Iterable[int]) -> list[str]:
    return [data.term_class[t] for t in term_ids]
