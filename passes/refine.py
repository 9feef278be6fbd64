"""Moves on an extraction: local search with the whole-program cost model (`refine`), and the
variants of a choice that keep or rewrite the convolutions (the candidates the pass measures).
Every result is a choice that `extract.check_extraction` accepts."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence

from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.passes.egraph import EGraphData, ENode
from stablehlo_eqsat.passes.extract import (
    Choice,
    CostFn,
    ExtractionError,
    check_extraction,
    list_items,
    postorder,
    restrict,
)


def _change_reached(
    data: EGraphData,
    roots: Sequence[str],
    choice: Choice,
    table: Choice,
    pick: Callable[[str, Choice], int | None],
) -> Choice | None:
    """`choice` with `pick(c, merged)` applied to every e-class it reaches (a new node for `c`, or
    None to leave it), including classes a change makes reachable; `table` gives choices for the
    classes `choice` does not reach. None when nothing changes or the result is not a valid
    extraction."""
    merged = {**table, **choice}
    visited: set[str] = set()
    try:
        while True:  # a change can make other classes reachable
            reached = restrict(data, roots, merged)
            todo = [c for c in reached if c not in visited]
            if not todo:
                break
            for c in todo:
                visited.add(c)
                node = pick(c, merged)
                if node is not None:
                    merged[c] = node
        if all(reached.get(c) == choice.get(c) for c in set(reached) | set(choice)):
            return None
        check_extraction(data, roots, reached)
    except ExtractionError:
        return None
    return reached


def keep_convolutions(
    data: EGraphData,
    roots: Sequence[str],
    choice: Choice,
    table: Choice,
    cost: CostFn,
    min_gain: float | None = None,
) -> Choice | None:
    """`choice` changed so that chosen e-classes that hold a convolution choose one (the cheapest):
    all of them, or with `min_gain` only those whose chosen rewrite is not predicted at least
    `min_gain` times cheaper than the convolution (its node cost against the cost of the nodes it
    needs down to the convolution's operands). `table` gives choices for classes `choice` does
    not reach. None when nothing changes or the result is not a valid extraction."""

    def pick(c: str, merged: Choice) -> int | None:
        convs = [i for i in data.classes[c] if data.nodes[i].ctor == "Conv"]
        if not convs or data.nodes[merged[c]].ctor == "Conv":
            return None
        conv = min(convs, key=lambda i: cost(data.nodes[i]))
        if min_gain is not None:
            stop = set(data.nodes[conv].children())
            if cost(data.nodes[conv]) >= min_gain * _cost_down_to(data, merged, c, stop, cost):
                return None  # a confident rewrite: keep it
        return conv

    return _change_reached(data, roots, choice, table, pick)


def rewrite_convolutions(
    data: EGraphData, roots: Sequence[str], choice: Choice, table: Choice, cost: CostFn
) -> Choice | None:
    """`choice` changed so that every chosen convolution is replaced by the cheapest of its rewrites
    (by the node costs down to the convolution's operands). None when nothing changes or the
    result is not a valid extraction."""

    def pick(c: str, merged: Choice) -> int | None:
        node = data.nodes[merged[c]]
        if node.ctor != "Conv":
            return None
        stop = set(node.children())
        best, best_cost = None, float("inf")
        for i in data.classes[c]:
            if data.nodes[i].ctor == "Conv":
                continue
            try:
                trial_cost = _cost_down_to(data, {**merged, c: i}, c, stop, cost)
            except KeyError:  # a class without a choice: not extractable this way
                continue
            if trial_cost < best_cost:
                best, best_cost = i, trial_cost
        return best

    return _change_reached(data, roots, choice, table, pick)


def _cost_down_to(data: EGraphData, choice: Choice, top: str, stop: set[str], cost: CostFn) -> float:
    """Node costs of the chosen nodes `top` needs, not looking below the classes in `stop`."""
    seen: set[str] = set()
    stack, total = [top], 0.0
    while stack:
        c = stack.pop()
        if c in seen or c in stop:
            continue
        seen.add(c)
        node = data.nodes[choice[c]]
        total += cost(node)
        stack.extend(node.children())
    return total


WindowScore = Callable[[Choice, Collection[str], Sequence[str]], float]
"""The model's time for the classes `inside` a window of a choice, the window's `roots` its
outputs (`extract.build_graph` with `inside`)."""

# How far a window reaches from the classes a move changes (the classes it adds and those it leaves
# unused included), in producer and consumer steps. The fusion model's decisions about a kernel
# depend on its members' producers and consumers, so two steps cover every kernel a move can change
# but the ones it joins through long fusible chains.
WINDOW_HOPS = 2
# A whole-program score of a program of this many classes costs about one window score (measured:
# ~0.4-1.8 ms a window, 8-15 ms for a whole 500-800-op program).
WHOLE_SCORE_CLASSES = 40
_LEAVES = frozenset({O.INPUT, O.CONST, O.SPLAT, "Iota"})


class _Program:
    """A chosen program's shape for moves on it: each class's tensor operands and consumers, and
    the classes below each class (bit sets, for the cycle check)."""

    def __init__(self, data: EGraphData, roots: Sequence[str], choice: Choice) -> None:
        self.data, self.roots, self.choice = data, set(roots), choice
        self.operands: dict[str, list[str]] = {
            c: self.tensor_operands(c, choice)
            for c, i in choice.items()
            if data.nodes[i].ctor not in (O.CONS, O.NIL)
        }
        self.position = {c: i for i, c in enumerate(self.operands)}  # (a window's outputs in order)
        self.consumers: dict[str, list[str]] = {c: [] for c in self.operands}
        for c, kids in self.operands.items():
            for k in kids:
                self.consumers[k].append(c)
        bit = {c: 1 << i for i, c in enumerate(choice)}
        self.below: dict[str, int] = {}
        for c in postorder(data, choice, list(roots)):
            mask = 0
            for k in self.operands.get(c, ()):
                mask |= bit[k] | self.below[k]
            self.below[c] = mask
        self.bit = bit

    def tensor_operands(self, c: str, choice: Choice) -> list[str]:
        """The tensor classes `c`'s chosen node reads (lists of operands flattened)."""
        node = self.data.nodes[choice[c]]
        out: list[str] = []
        for kind, a in zip(O.kinds_of(node.ctor), node.args, strict=True):
            if kind == "T":
                out.append(str(a))
            elif kind == "L":
                out.extend(list_items(self.data, choice, str(a)))
        return out

    def tensor_operands_or_none(self, c: str, choice: Choice) -> list[str] | None:
        """`tensor_operands`, or None where a class it needs has no choice."""
        try:
            return self.tensor_operands(c, choice)
        except KeyError:
            return None

    def is_leaf(self, c: str) -> bool:
        """Whether `c` is an input, a constant or an iota in the program (what a window reads
        but does not look past)."""
        return self.data.nodes[self.choice[c]].ctor in _LEAVES

    def new_classes(self, c: str, merged: Choice) -> list[str] | None:
        """The classes a move of `c` to `merged[c]` adds to the program (their nodes from
        `merged`); None when the move makes a cycle or needs a class without a choice."""
        added: list[str] = []
        seen: set[str] = set()
        stack = self.tensor_operands_or_none(c, merged)
        if stack is None:
            return None
        while stack:
            k = stack.pop()
            if k == c or (k in self.below and self.below[k] & self.bit[c]):
                return None  # `c` is below its own new node
            if k in seen or k in self.choice:
                continue
            seen.add(k)
            added.append(k)
            kids = self.tensor_operands_or_none(k, merged)
            if kids is None:
                return None
            stack.extend(kids)
        return added

    def removed_classes(self, c: str, added: list[str], merged: Choice) -> set[str]:
        """The classes of the program that a move of `c` to `merged[c]` leaves unused: read only
        by `c`'s old node or by other such classes."""
        still_read = set(self.tensor_operands(c, merged))
        for k in added:
            still_read.update(self.tensor_operands(k, merged))
        dead: set[str] = set()
        stack = [k for k in self.operands[c] if k not in still_read]
        while stack:
            k = stack.pop()
            if k in dead or k in still_read or k in self.roots:
                continue
            if all(u == c or u in dead for u in self.consumers[k]):
                dead.add(k)
                stack.extend(self.operands.get(k, ()))
        return dead

    def window(self, c: str, added: list[str], merged: Choice) -> tuple[set[str], list[str]]:
        """The classes a move of `c` changes (`c`, those it adds and those it leaves unused) and
        those within `WINDOW_HOPS` of them (before or after the move), with the leaves they read;
        and the window's outputs: its classes that the program returns or that a class outside the
        window reads. The outputs are the same before and after the move."""
        inside = {c, *added, *self.removed_classes(c, added, merged)}
        frontier = set(inside)
        for _ in range(WINDOW_HOPS):
            step: set[str] = set()
            for k in frontier:
                if k in self.operands:
                    step.update(self.operands[k])
                    if k == c or not self.is_leaf(k):
                        step.update(self.consumers[k])
                if k == c or k not in self.choice:
                    step.update(self.tensor_operands(k, merged))
            frontier = step - inside
            inside |= frontier
        for k in list(inside):
            for j in self.operands.get(k, ()):
                if self.is_leaf(j):
                    inside.add(j)
        outputs = [
            k
            for k in inside
            if k in self.operands and (k in self.roots or any(u not in inside for u in self.consumers[k]))
        ]
        return inside, sorted(outputs, key=self.position.__getitem__)


def _reordered(a: ENode, b: ENode) -> bool:
    """Whether `b` is `a` with its tensor operands in another order (a commuted add, ...)."""
    if a.ctor != b.ctor or a.ty != b.ty:
        return False
    slots = {i for i, _ in O.child_slots(a.ctor)}
    return sorted(a.children()) == sorted(b.children()) and all(
        x == y for i, (x, y) in enumerate(zip(a.args, b.args, strict=True)) if i not in slots
    )


def refine(
    data: EGraphData,
    roots: Sequence[str],
    start: Choice,
    fallback: Choice,
    score: Callable[[Choice], float],
    seconds: float,
    max_moves: int | None = None,
    window_score: WindowScore | None = None,
) -> tuple[Choice, float]:
    """Local search over e-class choices with a whole-program score (fusion is not additive).

    Starting from `start`, try each alternative node of each class in the current program
    (children without a choice take theirs from `fallback`) and keep every move that lowers the
    score, going round the program until a round keeps none, `max_moves` moves have been scored
    or the time is up. Returns the best choice found and its score. With `max_moves` (and time
    to spare) the result does not depend on the machine's speed: the same input gives the same
    program.

    With `window_score`, a move is first scored on a window of the program around it (the
    classes it adds or leaves unused and those within `WINDOW_HOPS` steps of them, before and
    after the move; `_Program.window`): only a move that lowers the window's time is scored
    whole, and kept only if it lowers the whole program's score. A window is a few dozen terms,
    so every move of a large program gets looked at. Moves that only reorder a node's operands
    are not tried.
    """

    deadline = time.perf_counter() + seconds
    moves = 0

    def out_of_budget() -> bool:
        return time.perf_counter() >= deadline or (max_moves is not None and moves >= max_moves)

    best = dict(start)
    best_score = score(best)
    program = _Program(data, roots, best)
    improved = True
    while improved and not out_of_budget():
        improved = False
        for c in list(best):
            for n in data.classes[c]:
                if c not in best or n == best[c] or out_of_budget():
                    continue
                if _reordered(data.nodes[best[c]], data.nodes[n]):
                    continue  # the model prices what a node reads, not in which order
                merged = {**fallback, **best, c: n}
                added = program.new_classes(c, merged)
                if added is None:
                    continue
                moves += 1
                if window_score is not None:
                    inside, outputs = program.window(c, added, merged)
                    before = window_score(best, inside, outputs)
                    if window_score(merged, inside, outputs) >= before * (1 - 1e-9):
                        continue  # no better where it changes anything
                try:
                    moved = restrict(data, roots, merged)
                    check_extraction(data, roots, moved)
                except ExtractionError:
                    continue
                # Scoring the whole program (and restricting and checking it) costs what scoring
                # about one window per WHOLE_SCORE_CLASSES classes does: counted as that many moves,
                # so that the budget of moves, not the time, ends a search of a large program
                # (and the program does not depend on the machine's speed or load).
                moves += len(best) // WHOLE_SCORE_CLASSES
                s = score(moved)
                if s < best_score * (1 - 1e-9):
                    best, best_score, improved = moved, s, True
                    program = _Program(data, roots, best)
    return best, best_score
