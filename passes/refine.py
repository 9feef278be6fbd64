"""Moves on an extraction: local search with the whole-program cost model (`refine`), and the
variants of a choice that keep or rewrite the convolutions (the candidates the pass measures).
Every result is a choice that `extract.check_extraction` accepts."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from stablehlo_eqsat.passes.egraph import EGraphData
from stablehlo_eqsat.passes.extract import Choice, CostFn, ExtractionError, check_extraction, restrict


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


def refine(
    data: EGraphData,
    roots: Sequence[str],
    start: Choice,
    fallback: Choice,
    score: Callable[[Choice], float],
    seconds: float,
    max_moves: int | None = None,
) -> tuple[Choice, float]:
    """Local search over e-class choices with a whole-program score (fusion is not additive).

    Starting from `start`, try each alternative node of each class in the current program
    (children without a choice take theirs from `fallback`); keep the first move that lowers
    the score, and repeat until no move helps, `max_moves` moves have been scored or the time is
    up. Returns the best choice found and its score. With `max_moves` (and time to spare) the
    result does not depend on the machine's speed: the same input gives the same program.
    """

    deadline = time.perf_counter() + seconds
    moves = 0

    def out_of_budget() -> bool:
        return time.perf_counter() >= deadline or (max_moves is not None and moves >= max_moves)

    best = dict(start)
    best_score = score(best)
    improved = True
    while improved and not out_of_budget():
        improved = False
        for c in list(best):
            for n in data.classes[c]:
                if n == best.get(c) or out_of_budget():
                    continue
                candidate = {**fallback, **best, c: n}
                try:
                    moved = restrict(data, roots, candidate)
                    check_extraction(data, roots, moved)
                except ExtractionError:
                    continue
                moves += 1
                s = score(moved)
                if s < best_score * (1 - 1e-9):
                    best, best_score, improved = moved, s, True
                    break
            if improved:
                break
    return best, best_score
