"""Extractors: choose one e-node per needed e-class, and turn the choice back into terms.

All extractors share one interface (`Extractor`) and are looked up by name (`EXTRACTORS`),
each saying whether its answer is optimal for the cost it optimizes. Every extraction goes
through `check_extraction` (all roots chosen, each chosen node in its class, children chosen,
no cycles) before it is used.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.exporter import ExtractedGraph
from stablehlo_eqsat.dialect_glue.graph import Arg, Term, TermGraph
from stablehlo_eqsat.passes.egraph import EGraphData, ENode

CostFn = Callable[[ENode], float]
Choice = dict[str, int]  # e-class -> index of the chosen node in EGraphData.nodes


class ExtractionError(Exception):
    """An extraction is incomplete or cyclic."""


class Extractor(Protocol):
    name: str
    optimal: bool  # optimal for the cost it optimizes (tree cost for `greedy`, DAG cost for `ilp`)

    def extract(self, data: EGraphData, roots: Sequence[str], cost: CostFn) -> Choice: ...


@dataclass(frozen=True)
class GreedyTree:
    """Bottom-up fixpoint on tree cost (each use of a shared subterm counted again)."""

    name: str = "greedy"
    optimal: bool = True  # for tree cost

    def extract(self, data: EGraphData, roots: Sequence[str], cost: CostFn) -> Choice:
        best: dict[str, float] = {}
        choice: Choice = {}
        parents = _users(data)
        node_cost = [cost(n) for n in data.nodes]
        queue = [i for i, n in enumerate(data.nodes) if not n.children()]
        in_queue = set(queue)
        while queue:
            i = queue.pop()
            in_queue.discard(i)
            node = data.nodes[i]
            kids = node.children()
            if any(c not in best for c in kids):
                continue
            total = node_cost[i] + sum(best[c] for c in kids)
            if total < best.get(node.eclass, float("inf")):
                best[node.eclass] = total
                choice[node.eclass] = i
                for p in parents.get(node.eclass, ()):
                    if p not in in_queue:
                        queue.append(p)
                        in_queue.add(p)
        return restrict(data, roots, choice)


@dataclass(frozen=True)
class GreedyDag:
    """Greedy on DAG cost: a node's cost is the sum over the set of distinct nodes it needs.

    Like extraction-gym's `faster-greedy-dag`: not optimal, but counts shared subterms once.
    """

    name: str = "greedy-dag"
    optimal: bool = False
    exact_sets_below: int = 4000  # above this many e-classes, share costs by use count instead

    def extract(self, data: EGraphData, roots: Sequence[str], cost: CostFn) -> Choice:
        return restrict(data, roots, self.table(data, cost))

    def table(self, data: EGraphData, cost: CostFn) -> Choice:
        """The greedy choice for every e-class that has a finite cost."""
        if len(data.classes) > self.exact_sets_below:
            return self._amortized(data, cost)
        node_cost = [cost(n) for n in data.nodes]
        best_set: dict[str, dict[str, float]] = {}  # e-class -> {class: node cost} of its cheapest DAG
        best_total: dict[str, float] = {}
        choice: Choice = {}
        parents = _users(data)
        kids_of = [sorted(set(n.children())) for n in data.nodes]
        # Worklist to a fixpoint: a node is reconsidered whenever one of its children improves.
        work = deque(i for i, kids in enumerate(kids_of) if not kids)
        queued = set(work)
        while work:
            i = work.popleft()
            queued.discard(i)
            node = data.nodes[i]
            kids = kids_of[i]
            if any(c not in best_set for c in kids) or node.eclass in kids:
                continue
            if len(kids) == 1:
                merged = dict(best_set[kids[0]])
            else:
                merged = {}
                for c in sorted(kids, key=lambda k: -len(best_set[k])):
                    merged.update(best_set[c])
            if node.eclass in merged:
                continue  # choosing this node would make a cycle
            merged[node.eclass] = node_cost[i]
            total = sum(merged.values())
            if total < best_total.get(node.eclass, float("inf")) - 1e-9:
                best_total[node.eclass] = total
                best_set[node.eclass] = merged
                choice[node.eclass] = i
                for p in parents.get(node.eclass, ()):
                    if p not in queued:
                        queued.add(p)
                        work.append(p)
        return choice

    @staticmethod
    def _amortized(data: EGraphData, cost: CostFn) -> Choice:
        """Bottom-up fixpoint where a child's cost is divided among the nodes that use it.

        Linear in the e-graph (the exact per-class sets are quadratic on deep programs).
        """
        parents = _users(data)
        uses = {c: len(users) for c, users in parents.items()}
        node_cost = [cost(n) for n in data.nodes]
        best: dict[str, float] = {}
        choice: Choice = {}
        work = deque(i for i, n in enumerate(data.nodes) if not n.children())
        queued = set(work)
        while work:
            i = work.popleft()
            queued.discard(i)
            node = data.nodes[i]
            kids = set(node.children())
            if node.eclass in kids or any(c not in best for c in kids):
                continue
            total = node_cost[i] + sum(best[c] / uses[c] for c in kids)
            if total < best.get(node.eclass, float("inf")) - 1e-15:
                best[node.eclass] = total
                choice[node.eclass] = i
                for p in parents.get(node.eclass, ()):
                    if p not in queued:
                        queued.add(p)
                        work.append(p)
        return choice


EXTRACTORS: dict[str, Extractor] = {e.name: e for e in (GreedyTree(), GreedyDag())}  # type: ignore[misc]


def _users(data: EGraphData) -> dict[str, list[int]]:
    """For each e-class, the nodes that have it as a child (each node once)."""
    users: dict[str, list[int]] = {}
    for i, node in enumerate(data.nodes):
        for c in set(node.children()):
            users.setdefault(c, []).append(i)
    return users


def only_choice(data: EGraphData, roots: Sequence[str]) -> Choice | None:
    """The choice when no needed e-class has an alternative (nothing was rewritten), else None."""
    out: Choice = {}
    stack = list(roots)
    while stack:
        c = stack.pop()
        if c in out:
            continue
        nodes = data.classes.get(c, [])
        if len(nodes) != 1:
            return None
        out[c] = nodes[0]
        stack.extend(data.nodes[nodes[0]].children())
    return out


def restrict(data: EGraphData, roots: Sequence[str], choice: Choice) -> Choice:
    """Keep only the classes reachable from the roots through the chosen nodes."""
    out: Choice = {}
    stack = list(roots)
    while stack:
        c = stack.pop()
        if c in out:
            continue
        if c not in choice:
            raise ExtractionError(f"no finite-cost node for e-class {c}")
        out[c] = choice[c]
        stack.extend(data.nodes[choice[c]].children())
    return out


def check_extraction(data: EGraphData, roots: Sequence[str], choice: Choice) -> None:
    """Raise `ExtractionError` unless `choice` is a complete, acyclic selection for `roots`."""
    for r in roots:
        if r not in choice:
            raise ExtractionError(f"root e-class {r} has no chosen node")
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    for r in roots:
        stack: list[tuple[str, bool]] = [(r, False)]
        while stack:
            c, done = stack.pop()
            if done:
                state[c] = 2
                continue
            if state.get(c) == 2:
                continue
            if state.get(c) == 1:
                raise ExtractionError(f"cycle through e-class {c}")
            idx = choice.get(c)
            if idx is None:
                raise ExtractionError(f"e-class {c} is needed but has no chosen node")
            node = data.nodes[idx]
            if node.eclass != c:
                raise ExtractionError(f"chosen node {idx} is not in e-class {c}")
            state[c] = 1
            stack.append((c, True))
            for k in node.children():
                if state.get(k) == 1:
                    raise ExtractionError(f"cycle through e-class {k}")
                if state.get(k) != 2:
                    stack.append((k, False))


def dag_cost(data: EGraphData, choice: Choice, cost: CostFn) -> float:
    """Cost of an extraction with each chosen node counted once."""
    return sum(cost(data.nodes[i]) for i in choice.values())


# The graph number of the inputs that stand for the classes outside a window (`build_graph`).
WINDOW_INPUT = -(10**9)


def list_items(data: EGraphData, choice: Choice, c: str) -> list[str]:
    """The classes of the tensors in list class `c` (a chain of `TCons` cells ending in `TNil`),
    in order, under `choice`."""
    items: list[str] = []
    node = data.nodes[choice[c]]
    while node.ctor != O.NIL:
        items.append(str(O.arg(node, "head")))
        node = data.nodes[choice[str(O.arg(node, "tail"))]]
    return items


def build_graph(
    data: EGraphData, choice: Choice, roots: Sequence[str], inside: Collection[str] | None = None
) -> ExtractedGraph:
    """Turn a checked choice into a term graph (and the original term each new term stands for).

    With `inside`, only the tensor classes in it are built: any other class the choice reaches
    becomes an input of its type (graph `WINDOW_INPUT`), the way a window of a program sees it.
    """
    first_term: dict[str, int] = {}
    for term_id, c in data.term_class.items():
        if c not in first_term or term_id < first_term[c]:
            first_term[c] = term_id
    graph = TermGraph()
    origin: dict[int, int] = {}
    term_of: dict[str, int] = {}

    order = postorder(data, choice, roots, inside)
    for c in order:
        node = data.nodes[choice[c]]
        if node.ctor in (O.CONS, O.NIL):
            continue
        if inside is not None and c not in inside:
            term_of[c] = graph.add(Term(O.INPUT, node.ty, (WINDOW_INPUT, len(graph))))
            continue
        args: list[Arg] = []
        for kind, a in zip(O.kinds_of(node.ctor), node.args, strict=True):
            if kind == "T":
                args.append(term_of[a])  # type: ignore[index]
            elif kind == "L":
                args.append(tuple(term_of[k] for k in list_items(data, choice, str(a))))
            else:
                args.append(a)
        tid = graph.add(Term(node.ctor, node.ty, tuple(args)))
        term_of[c] = tid
        if c in first_term:
            origin.setdefault(tid, first_term[c])
    graph.roots = [term_of[r] for r in roots]
    return ExtractedGraph(graph, origin)


def postorder(
    data: EGraphData, choice: Choice, roots: Sequence[str], inside: Collection[str] | None = None
) -> list[str]:
    """The chosen classes the roots reach, children first; with `inside`, not looking below the
    tensor classes outside it."""
    seen: set[str] = set()
    order: list[str] = []
    for r in roots:
        stack: list[tuple[str, bool]] = [(r, False)]
        while stack:
            c, done = stack.pop()
            if done:
                order.append(c)
                continue
            if c in seen:
                continue
            seen.add(c)
            stack.append((c, True))
            node = data.nodes[choice[c]]
            if inside is None or c in inside or node.ctor in (O.CONS, O.NIL):
                stack.extend((k, False) for k in node.children() if k not in seen)
    return order


@dataclass(frozen=True)
class IlpExtractor:
    """Optimal DAG-cost extraction as an integer program (HiGHS), warm-started from greedy-dag.

    One binary per e-node, one order variable per e-class for acyclicity (TENSAT's
    formulation): a chosen node's class must come after each of its children's classes. Within
    the time limit the answer is the solver's best, which is never worse than the warm start;
    `optimal` is claimed for the formulation, reached when the solver proves it in time.
    """

    name: str = "ilp"
    optimal: bool = True
    time_limit: float = 10.0

    def extract(self, data: EGraphData, roots: Sequence[str], cost: CostFn) -> Choice:
        import highspy
        import numpy as np

        greedy = GreedyDag().extract(data, roots, cost)
        classes = _reachable_classes(data, roots)
        cls_index = {c: i for i, c in enumerate(classes)}
        node_ids = [i for c in classes for i in data.classes[c]]
        col = {n: j for j, n in enumerate(node_ids)}
        n_x, n_t = len(node_ids), len(classes)
        big_m = float(n_t + 1)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", float(self.time_limit))
        h.setOptionValue("threads", 1)
        costs = np.array([cost(data.nodes[n]) for n in node_ids] + [0.0] * n_t)
        lower = np.zeros(n_x + n_t)
        upper = np.array([1.0] * n_x + [big_m] * n_t)
        for n in node_ids:
            if data.nodes[n].eclass in data.nodes[n].children():
                upper[col[n]] = 0.0  # a node that is its own descendant can never be chosen
        h.addCols(
            n_x + n_t,
            costs,
            lower,
            upper,
            0,
            np.zeros(n_x + n_t, dtype=np.int32),
            np.array([], dtype=np.int32),
            np.array([]),
        )
        h.changeColsIntegrality(
            n_x, np.arange(n_x, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * n_x)
        )
        rows_lo: list[float] = []
        rows_hi: list[float] = []
        starts: list[int] = []
        idx: list[int] = []
        val: list[float] = []

        def row(lo: float, hi: float, entries: list[tuple[int, float]]) -> None:
            starts.append(len(idx))
            rows_lo.append(lo)
            rows_hi.append(hi)
            for j, v in entries:
                idx.append(j)
                val.append(v)

        inf = highspy.kHighsInf
        for r in set(roots):
            row(1.0, inf, [(col[n], 1.0) for n in data.classes[r]])
        for n in node_ids:
            node = data.nodes[n]
            ci = cls_index[node.eclass]
            for k in set(node.children()):
                if k == node.eclass:
                    continue
                # chosen node -> some node of each child class is chosen
                row(-inf, 0.0, [(col[n], 1.0)] + [(col[m], -1.0) for m in data.classes[k]])
                # chosen node -> its class is ordered after the child's class
                row(1.0 - big_m, inf, [(n_x + ci, 1.0), (n_x + cls_index[k], -1.0), (col[n], -big_m)])
        h.addRows(
            len(rows_lo), np.array(rows_lo), np.array(rows_hi), len(idx),
            np.array(starts, dtype=np.int32), np.array(idx, dtype=np.int32), np.array(val),
        )  # fmt: skip
        # Warm start: the greedy answer, with class order from its topological order.
        start = np.zeros(n_x + n_t)
        order = postorder(data, greedy, roots)
        for pos, c in enumerate(order):
            start[col[greedy[c]]] = 1.0
            start[n_x + cls_index[c]] = float(pos)
        h.setSolution(n_x + n_t, np.arange(n_x + n_t, dtype=np.int32), start)
        h.run()
        sol = h.getSolution()
        if not sol.value_valid:
            return greedy
        values = list(sol.col_value)
        choice: Choice = {}
        for c in classes:
            picked = [n for n in data.classes[c] if values[col[n]] > 0.5]
            if picked:
                choice[c] = min(picked, key=lambda n: costs[col[n]])
        try:
            out = restrict(data, roots, choice)
            check_extraction(data, roots, out)
        except ExtractionError:
            return greedy
        return out if dag_cost(data, out, cost) <= dag_cost(data, greedy, cost) else greedy


def _reachable_classes(data: EGraphData, roots: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    stack = list(roots)
    order: list[str] = []
    while stack:
        c = stack.pop()
        if c in seen:
            continue
        seen.add(c)
        order.append(c)
        for n in data.classes[c]:
            stack.extend(k for k in data.nodes[n].children() if k not in seen)
    return order


EXTRACTORS["ilp"] = IlpExtractor()  # type: ignore[assignment]
