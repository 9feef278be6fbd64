"""Extractors on small hand-built e-graphs: DAG optimality, cycles, the checker, local search."""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Sequence

import pytest
from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.graph import TensorTy
from stablehlo_eqsat.passes.egraph import EGraphData, ENode
from stablehlo_eqsat.passes.extract import (
    EXTRACTORS,
    WINDOW_INPUT,
    Choice,
    ExtractionError,
    GreedyDag,
    GreedyTree,
    IlpExtractor,
    build_graph,
    check_extraction,
    dag_cost,
)
from stablehlo_eqsat.passes.refine import WindowScore, refine

TY = TensorTy((4,), "f32")


# Attributes of the constructors that have some, as the schema lists them (dimension numbers...).
ATTRIBUTES: dict[str, tuple[object, ...]] = {"Conv": ((),) * 6 + (1, 1, ()), "Dot": ((),) * 4}


def egraph(spec: list[tuple[str, str, tuple[str, ...]]]) -> EGraphData:
    """Build an e-graph from (class, ctor, child classes) rows; leaves are `Input`s."""
    data = EGraphData()
    for i, (cls, ctor, kids) in enumerate(spec):
        # "": no extra attributes
        args: tuple[object, ...] = (0, i) if ctor == "Input" else (*kids, *ATTRIBUTES.get(ctor, ()), "")
        data.add(ENode(ctor, TY, args, cls))  # type: ignore[arg-type]
    return data


def cost_by(table: dict[tuple[str, str], float]):  # type: ignore[no-untyped-def]
    """A cost function keyed by (class, ctor)."""
    return lambda n: table[(n.eclass, n.ctor)]


def tree_cost(data: EGraphData, choice: Choice, roots: list[str], cost) -> float:  # type: ignore[no-untyped-def]
    def go(c: str) -> float:
        node = data.nodes[choice[c]]
        return cost(node) + sum(go(k) for k in node.children())

    return sum(go(r) for r in roots)


# A shared subterm `s` (cost 8) used by two cheap nodes, or two independent nodes of cost 6:
# tree cost prefers the independent ones (6 + 6 < 9 + 9), DAG cost the shared one (8+1+1 < 6+6).
SHARED = [
    ("x", "Input", ()),
    ("s", "Sqrt", ("x",)),
    ("p", "Neg", ("s",)),
    ("p", "Exp", ("x",)),
    ("q", "Abs", ("s",)),
    ("q", "Log", ("x",)),
    ("r", "Add", ("p", "q")),
]
SHARED_COST = {
    ("x", "Input"): 0.0,
    ("s", "Sqrt"): 8.0,
    ("p", "Neg"): 1.0,
    ("p", "Exp"): 6.0,
    ("q", "Abs"): 1.0,
    ("q", "Log"): 6.0,
    ("r", "Add"): 1.0,
}

# Cycles: `a` refers to itself; `b` and `c` refer to each other; the cyclic nodes are free, so an
# extractor that ignored acyclicity would pick them.
CYCLIC = [
    ("x", "Input", ()),
    ("a", "Neg", ("a",)),
    ("a", "Exp", ("x",)),
    ("b", "Neg", ("c",)),
    ("b", "Log", ("x",)),
    ("c", "Abs", ("b",)),
    ("c", "Sqrt", ("x",)),
    ("r", "Add", ("a", "b")),
    ("r2", "Mul", ("c", "r")),
]
CYCLIC_COST = {
    ("x", "Input"): 0.0,
    ("a", "Neg"): 0.0,
    ("a", "Exp"): 5.0,
    ("b", "Neg"): 0.0,
    ("b", "Log"): 5.0,
    ("c", "Abs"): 0.0,
    ("c", "Sqrt"): 5.0,
    ("r", "Add"): 1.0,
    ("r2", "Mul"): 1.0,
}


def test_tree_optimal_is_not_dag_optimal_and_ilp_finds_the_optimum() -> None:
    data = egraph(SHARED)
    cost = cost_by(SHARED_COST)
    roots = ["r"]
    greedy = GreedyTree().extract(data, roots, cost)
    ilp = IlpExtractor(time_limit=5.0).extract(data, roots, cost)
    for choice in (greedy, ilp):
        check_extraction(data, roots, choice)
    # greedy is optimal for tree cost ...
    assert tree_cost(data, greedy, roots, cost) == 13.0
    assert tree_cost(data, greedy, roots, cost) <= tree_cost(data, ilp, roots, cost)
    # ... but not for DAG cost, which counts the shared `s` once.
    assert dag_cost(data, greedy, cost) == 13.0
    assert dag_cost(data, ilp, cost) == 11.0
    assert data.nodes[ilp["p"]].ctor == "Neg" and data.nodes[ilp["q"]].ctor == "Abs"
    assert dag_cost(data, ilp, cost) <= dag_cost(data, GreedyDag().extract(data, roots, cost), cost)


def test_ilp_matches_brute_force_on_random_egraphs() -> None:
    rng = random.Random(1)
    ctors = ["Neg", "Exp", "Abs", "Log", "Sqrt"]
    for _ in range(15):
        spec: list[tuple[str, str, tuple[str, ...]]] = [("x", "Input", ())]
        classes = ["x"]
        for k in range(5):
            cls = f"c{k}"
            for j in range(2):
                if j == 1 and rng.random() < 0.5:
                    spec.append((cls, "Add", (rng.choice(classes), rng.choice(classes))))
                else:
                    spec.append((cls, ctors[(k + j) % len(ctors)], (rng.choice(classes),)))
            classes.append(cls)
        data = egraph(spec)
        weights = {i: float(rng.randint(1, 9)) for i in range(len(data.nodes))}
        index = {id(n): i for i, n in enumerate(data.nodes)}
        cost = lambda n, w=weights, ix=index: w[ix[id(n)]]  # noqa: E731
        roots = ["c4", "c3"]
        best = _brute_force(data, roots, cost)
        ilp = IlpExtractor(time_limit=5.0).extract(data, roots, cost)
        check_extraction(data, roots, ilp)
        assert dag_cost(data, ilp, cost) == pytest.approx(best)


def _brute_force(data: EGraphData, roots: list[str], cost) -> float:  # type: ignore[no-untyped-def]
    import itertools

    from stablehlo_eqsat.passes.extract import restrict

    classes = sorted(data.classes)
    best = float("inf")
    for picks in itertools.product(*(data.classes[c] for c in classes)):
        try:
            choice = restrict(data, roots, dict(zip(classes, picks, strict=True)))
            check_extraction(data, roots, choice)
        except ExtractionError:
            continue
        best = min(best, dag_cost(data, choice, cost))
    return best


@pytest.mark.parametrize("name", sorted(EXTRACTORS))
def test_cycles_never_extracted(name: str) -> None:
    data = egraph(CYCLIC)
    cost = cost_by(CYCLIC_COST)
    for roots in (["r"], ["r2"], ["a", "c"]):
        choice = EXTRACTORS[name].extract(data, roots, cost)
        check_extraction(data, roots, choice)
        graph = build_graph(data, choice, roots).graph
        assert len(graph.live()) == len({t for t in graph.live()})


@pytest.mark.parametrize("name", sorted(EXTRACTORS))
def test_every_extractor_passes_the_checker(name: str) -> None:
    for spec, table, roots in ((SHARED, SHARED_COST, ["r"]), (CYCLIC, CYCLIC_COST, ["r2", "a"])):
        data = egraph(spec)
        choice = EXTRACTORS[name].extract(data, roots, cost_by(table))
        check_extraction(data, roots, choice)
        assert set(roots) <= set(choice)


def test_checker_rejects_incomplete_choices() -> None:
    data = egraph(SHARED)
    ok = {"x": 0, "s": 1, "p": 2, "q": 4, "r": 6}
    check_extraction(data, ["r"], ok)
    with pytest.raises(ExtractionError, match="root"):
        check_extraction(data, ["r"], {k: v for k, v in ok.items() if k != "r"})
    with pytest.raises(ExtractionError, match="no chosen node"):
        check_extraction(data, ["r"], {k: v for k, v in ok.items() if k != "s"})


def test_checker_rejects_cycles() -> None:
    data = egraph(CYCLIC)
    with pytest.raises(ExtractionError, match="cycle"):
        check_extraction(data, ["a"], {"a": 1})  # a -> Neg(a)
    with pytest.raises(ExtractionError, match="cycle"):
        check_extraction(data, ["b"], {"b": 3, "c": 5})  # b -> Neg(c), c -> Abs(b)
    with pytest.raises(ExtractionError, match="cycle"):
        check_extraction(data, ["r2"], {"r2": 8, "r": 7, "a": 2, "b": 3, "c": 5, "x": 0})


def test_checker_rejects_nodes_of_the_wrong_class() -> None:
    data = egraph(SHARED)
    with pytest.raises(ExtractionError, match="not in e-class"):
        check_extraction(data, ["r"], {"x": 0, "s": 1, "p": 4, "q": 4, "r": 6})  # node 4 is in q


def test_refine_never_returns_a_worse_score() -> None:
    rng = random.Random(0)
    data = egraph([*CYCLIC, ("r3", "Sub", ("r2", "a"))])
    table = {**CYCLIC_COST, ("r3", "Sub"): 1.0}
    roots = ["r3"]
    fallback = GreedyDag().table(data, cost_by(table))
    for _ in range(20):
        weights = {i: rng.uniform(0.0, 10.0) for i in range(len(data.nodes))}

        def score(c: Choice, w: dict[int, float] = weights) -> float:
            # not additive: a bonus when `a` and `b` are computed the same way
            same = data.nodes[c["a"]].children() == data.nodes[c["b"]].children() if "b" in c else False
            return sum(w[i] for i in c.values()) - (3.0 if same else 0.0)

        for start in (
            GreedyDag().extract(data, roots, cost_by(table)),
            GreedyTree().extract(data, roots, cost_by(table)),
        ):
            before = score(start)
            choice, after = refine(data, roots, start, fallback, score, seconds=1.0)
            check_extraction(data, roots, choice)
            assert after <= before
            assert score(choice) == pytest.approx(after)
            # A budget of moves instead of time: the same answer every time, none with no moves.
            by_moves = [refine(data, roots, start, fallback, score, 60.0, max_moves=3) for _ in range(2)]
            assert by_moves[0] == by_moves[1] and by_moves[0][1] <= before
            assert refine(data, roots, start, fallback, score, 60.0, max_moves=0) == (start, before)


# Two convolutions, each with a rewrite (`Dot` of a reshape): one predicted 10x cheaper, the other
# only 1.25x. `keep_convolutions` pins every convolution, or with `min_gain=2` only the doubtful one.
CONVS = [
    ("x", "Input", ()),
    ("w", "Input", ()),
    ("c1", "Conv", ("x", "w")),
    ("c1", "Dot", ("r1", "w")),
    ("r1", "Reshape", ("x",)),
    ("c2", "Conv", ("c1", "w")),
    ("c2", "Dot", ("r2", "w")),
    ("r2", "Reshape", ("c1",)),
]
CONVS_COST = {
    ("x", "Input"): 0.0,
    ("w", "Input"): 0.0,
    ("c1", "Conv"): 10.0,
    ("c1", "Dot"): 0.5,
    ("r1", "Reshape"): 0.5,
    ("c2", "Conv"): 10.0,
    ("c2", "Dot"): 7.0,
    ("r2", "Reshape"): 1.0,
}


def test_keep_convolutions_all_or_only_the_doubtful_ones() -> None:
    from stablehlo_eqsat.passes.refine import keep_convolutions

    data = egraph(CONVS)
    cost = cost_by(CONVS_COST)
    roots = ["c2"]
    rewritten = GreedyDag().extract(data, roots, cost)
    assert {data.nodes[rewritten[c]].ctor for c in ("c1", "c2")} == {"Dot"}
    table = GreedyDag().table(data, cost)
    kept = keep_convolutions(data, roots, rewritten, table, cost)
    assert kept is not None and {data.nodes[kept[c]].ctor for c in ("c1", "c2")} == {"Conv"}
    assert "r1" not in kept and "r2" not in kept  # the rewrites' own classes are no longer needed
    check_extraction(data, roots, kept)
    confident = keep_convolutions(data, roots, rewritten, table, cost, min_gain=2.0)
    assert confident is not None
    assert data.nodes[confident["c1"]].ctor == "Dot" and data.nodes[confident["c2"]].ctor == "Conv"
    assert keep_convolutions(data, roots, kept, table, cost) is None  # nothing left to pin


def test_rewrite_convolutions_takes_the_cheapest_rewrite_of_every_convolution() -> None:
    """The opposite of `keep_convolutions`: from a program that keeps both convolutions (the second
    priced as a tie with its rewrite), every convolution replaced by its rewrite."""
    from stablehlo_eqsat.passes.refine import keep_convolutions, rewrite_convolutions

    data = egraph(CONVS)
    costs = {**CONVS_COST, ("c2", "Dot"): 9.5}  # the second rewrite barely cheaper
    cost = cost_by(costs)
    roots = ["c2"]
    table = GreedyDag().table(data, cost)
    kept = keep_convolutions(data, roots, GreedyDag().extract(data, roots, cost), table, cost)
    assert kept is not None and {data.nodes[kept[c]].ctor for c in ("c1", "c2")} == {"Conv"}
    rewritten = rewrite_convolutions(data, roots, kept, table, cost)
    assert rewritten is not None
    check_extraction(data, roots, rewritten)
    assert {data.nodes[rewritten[c]].ctor for c in ("c1", "c2")} == {"Dot"}
    assert rewrite_convolutions(data, roots, rewritten, table, cost) is None  # nothing left to rewrite


def test_a_window_of_a_program_reads_the_classes_outside_it_as_inputs() -> None:
    data = egraph(SHARED)
    choice = {"x": 0, "s": 1, "p": 2, "q": 4, "r": 6}
    graph = build_graph(data, choice, ["r"], inside={"p", "q", "r"}).graph
    assert sorted(t.ctor for t in graph.terms) == ["Abs", "Add", "Input", "Neg"]
    (cut,) = [t for t in graph.terms if t.ctor == "Input"]
    assert O.num(cut, "graph") == WINDOW_INPUT  # `s`, read by both `p` and `q`: one input


def priced_by_ctor(
    data: EGraphData, price: dict[str, float], roots: list[str]
) -> tuple[Callable[[Choice], float], WindowScore]:
    """A whole-program score and the window score `refine` takes with it: the sum of the built
    terms' prices by constructor (additive, so a window sees all of a move's change)."""

    def of_graph(choice: Choice, outputs: Sequence[str], inside: Collection[str] | None = None) -> float:
        return sum(price[t.ctor] for t in build_graph(data, choice, outputs, inside).graph.terms)

    return (lambda c: of_graph(c, roots)), (lambda c, inside, outputs: of_graph(c, outputs, inside))


def test_refine_on_windows_keeps_the_moves_the_whole_program_score_keeps() -> None:
    """Scored on windows first, refinement finds the move that scoring whole programs finds (here
    the score is a sum over terms, so a window sees all of a move's change)."""
    data = egraph(SHARED)
    price = {**{ctor: c for (_, ctor), c in SHARED_COST.items()}, "Exp": 20.0}  # one move helps: q -> Abs
    score, on_window = priced_by_ctor(data, price, ["r"])
    start = {"x": 0, "s": 1, "p": 2, "q": 5, "r": 6}  # `s` computed, and `q` does not use it
    fallback = GreedyDag().table(data, cost_by(SHARED_COST))
    whole = refine(data, ["r"], start, fallback, score, 60.0)
    seen: list[set[str]] = []

    def window_score(choice: Choice, inside: Collection[str], outputs: Sequence[str]) -> float:
        seen.append(set(inside))
        return on_window(choice, inside, outputs)

    windowed = refine(data, ["r"], start, fallback, score, 60.0, None, window_score)
    assert windowed == whole and whole[1] < score(start)
    assert data.nodes[whole[0]["q"]].ctor == "Abs" and seen


def test_a_window_holds_what_a_move_leaves_unused_however_far() -> None:
    """A move that frees a chain of classes gains what the whole chain cost, not only what lies
    within two steps of it: here `p -> Exp(x)` costs more than the two nearest classes it frees,
    and less than the expensive `Log` three steps down."""
    data = egraph(
        [
            ("x", "Input", ()),
            ("s3", "Log", ("x",)),
            ("s2", "Sqrt", ("s3",)),
            ("s1", "Sqrt", ("s2",)),
            ("p", "Neg", ("s1",)),
            ("p", "Exp", ("x",)),
            ("r", "Abs", ("p",)),
        ]
    )
    price = {"Input": 0.0, "Log": 20.0, "Sqrt": 1.0, "Neg": 1.0, "Exp": 5.0, "Abs": 1.0}
    score, window_score = priced_by_ctor(data, price, ["r"])
    start = {"x": 0, "s3": 1, "s2": 2, "s1": 3, "p": 4, "r": 6}
    fallback = {**start, "p": 5}
    choice, best = refine(data, ["r"], start, fallback, score, 60.0, None, window_score)
    assert data.nodes[choice["p"]].ctor == "Exp" and best == 6.0 and "s3" not in choice


def test_refine_counts_a_whole_program_score_as_the_windows_it_costs() -> None:
    """On a large program, scoring the whole program after a window says a move helps costs many
    windows' worth: the budget of moves counts it so, and ends the search (not the time, which
    would make the program depend on the machine's load). Here every move helps."""
    from stablehlo_eqsat.passes.refine import WHOLE_SCORE_CLASSES

    spec = [("x", "Input", ())]
    for i in range(120):
        prev = "x" if i == 0 else f"c{i - 1}"
        spec += [(f"c{i}", "Neg", (prev,)), (f"c{i}", "Abs", (prev,))]
    data = egraph(spec)
    score, window_score = priced_by_ctor(data, {"Input": 0.0, "Neg": 2.0, "Abs": 1.0}, ["c119"])
    whole: list[float] = []

    def counted(choice: Choice) -> float:
        whole.append(score(choice))
        return whole[-1]

    start = {"x": 0, **{f"c{i}": 1 + 2 * i for i in range(120)}}  # every class Neg
    choice, best = refine(data, ["c119"], start, start, counted, 60.0, 60, window_score)
    per_score = 1 + len(start) // WHOLE_SCORE_CLASSES
    assert per_score == 4 and len(whole) - 1 <= 60 // per_score + 1  # (the first: the start's score)
    assert best < score(start) and sum(data.nodes[n].ctor == "Abs" for n in choice.values()) == len(whole) - 1
