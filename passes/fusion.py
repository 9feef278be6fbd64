"""What XLA fuses into what: `xla_simplify` drops what XLA's algebraic simplifier would delete
anyway, `fuse` groups the remaining ops into the kernels XLA would form, and `parallel_tasks`
says how XLA CPU splits a loop fusion across its thread pool."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.graph import TensorTy, Term, TermGraph
from stablehlo_eqsat.passes.op_cost import (
    ELEMENTWISE,
    FREE,
    LIBRARY,
    ONE,
    TRANSCENDENTAL,
    ZERO,
    elementwise_opaque,
    fusible,
    is_iota,
    numel,
)
from stablehlo_eqsat.passes.profile import DeviceProfile, tree_levels, unfused_concat


# -- the model -----------------------------------------------------------------------------------
@dataclass
class Kernel:
    """One kernel XLA would launch: a fusion or a single op."""

    # loop | reduce | tree (a split reduction) | dot (a library call: dot or convolution)
    # | copy (an unfused concatenate) | opaque
    kind: str
    members: list[int] = field(default_factory=list)
    seconds: float = 0.0
    split: bool = False  # XLA CPU runs it as several tasks on its thread pool
    parts: int = 1  # kernels XLA launches for it (a tree reduction: its reduce-windows and the reduce)
    measured: bool = False  # `seconds` is the measured time of the op alone (`measure.py`)


def parallel_tasks(
    p: DeviceProfile, flops: float, transcendentals: float, bytes_accessed: float, out: float
) -> int:
    """How many tasks XLA CPU splits a loop fusion into (`ParallelTaskAssigner`): a kernel doing
    more than a flop per byte it touches is split by its cost in cycles (flops, transcendentals
    twice, bytes ten times) at one task per 100k; any other by the bytes it reads and writes, one
    task per 256 KiB and at most sqrt(cores) of them."""
    if p.parallel_tasks <= 1:
        return 1
    if flops > bytes_accessed:
        return int(
            min(p.parallel_tasks, max(1, (flops + 2 * transcendentals + 10 * bytes_accessed) // 100_000))
        )
    io_bound = min(p.parallel_tasks, math.ceil(math.sqrt(p.parallel_tasks)))
    return int(min(io_bound, max(1, bytes_accessed // (256 << 10))))


# -- what XLA's algebraic simplifier removes before fusion ---------------------------------------------


def _splat_value(term: Term, graph: TermGraph) -> str | None:
    """The `"s:<v>"` key of a splat constant (or of a broadcast of one), else None."""
    if term.ctor == O.SPLAT:
        return O.text(term, "value")
    if term.ctor == "Bcast":
        return _splat_value(graph.terms[O.operand(term, "x")], graph)
    return None


def _identity_operand(term: Term, graph: TermGraph) -> int | None:
    """The operand `term` equals when XLA's simplifier deletes it (`x*1`, `x+0`, `transpose` by the
    identity or of a transpose that undoes it, `reshape`/`convert`/`broadcast` to the same type,
    `-(-x)`), else None."""
    ctor, ty = term.ctor, term.ty
    terms = graph.terms
    if ctor in ("Mul", "Add", "Sub", "Div"):
        a, b = O.operand(term, "x"), O.operand(term, "y")
        units = ONE if ctor in ("Mul", "Div") else ZERO
        if terms[a].ty == ty and _splat_value(terms[b], graph) in units:
            return a
        if ctor in ("Mul", "Add") and terms[b].ty == ty and _splat_value(terms[a], graph) in units:
            return b
        return None
    if ctor in ("Reshape", "Convert", "Bcast") and terms[O.operand(term, "x")].ty == ty:
        if ctor != "Bcast" or is_iota(O.vec(term, "broadcast_dimensions")):
            return O.operand(term, "x")
        return None
    if ctor == "Transpose":
        perm = O.vec(term, "permutation")
        if is_iota(perm):
            return O.operand(term, "x")
        inner = terms[O.operand(term, "x")]
        if inner.ctor == "Transpose":
            p1 = O.vec(inner, "permutation")
            if is_iota(tuple(p1[i] for i in perm)):
                return O.operand(inner, "x")
        return None
    if ctor == "Neg" and terms[O.operand(term, "x")].ctor == "Neg":
        return O.operand(terms[O.operand(term, "x")], "x")
    return None


def _swaps_matrix_dims(perm: tuple[int, ...], batch: int) -> bool:
    """`perm` keeps `batch` leading dimensions and swaps the two after them (and there are no more)."""
    return perm == (*range(batch), batch + 1, batch)


def _fold_operand_transposes(dot: Term, graph: TermGraph) -> Term:
    """XLA's transpose folding: an operand of `dot` that transposes the two matrix dimensions of
    its own operand (batch dimensions leading) is read untransposed, the dot's contracting
    dimension moved instead."""
    dims = O.dot_dims(dot)
    named: dict[str, object] = {}
    for side, batch, contracting in (
        ("x", dims.lhs_batching_dimensions, dims.lhs_contracting_dimensions),
        ("y", dims.rhs_batching_dimensions, dims.rhs_contracting_dimensions),
    ):
        operand = graph.terms[O.operand(dot, side)]
        if operand.ctor != "Transpose" or batch != tuple(range(len(batch))):
            continue
        perm = O.vec(operand, "permutation")
        if not _swaps_matrix_dims(perm, len(batch)):
            continue
        named[side] = O.operand(operand, "x")
        prefix = "lhs" if side == "x" else "rhs"
        named[f"{prefix}_contracting_dimensions"] = tuple(perm[c] for c in contracting)
    return Term("Dot", dot.ty, O.replaced(dot, **named)) if named else dot  # type: ignore[arg-type]


def _swapped_dot(transpose: Term, dot: Term, graph: TermGraph) -> Term | None:
    """XLA's simplifier on `transpose(dot(a, b))`, the transpose swapping the two matrix dimensions
    of the result (one of each operand): `dot(b, a)`, which computes the transposed product."""
    dims = O.dot_dims(dot)
    batch = len(dims.lhs_batching_dimensions)
    if not _swaps_matrix_dims(O.vec(transpose, "permutation"), batch):
        return None
    for side, contracting in (("x", dims.lhs_contracting_dimensions), ("y", dims.rhs_contracting_dimensions)):
        ty = graph.terms[O.operand(dot, side)].ty
        if not isinstance(ty, TensorTy) or len(ty.shape) - batch - len(contracting) != 1:
            return None
    return Term(
        "Dot",
        transpose.ty,
        O.replaced(
            dot,
            x=O.operand(dot, "y"),
            y=O.operand(dot, "x"),
            lhs_batching_dimensions=dims.rhs_batching_dimensions,
            rhs_batching_dimensions=dims.lhs_batching_dimensions,
            lhs_contracting_dimensions=dims.rhs_contracting_dimensions,
            rhs_contracting_dimensions=dims.lhs_contracting_dimensions,
        ),
    )


def xla_simplify(graph: TermGraph) -> TermGraph:
    """`graph` as XLA will compile it: identities removed, chains merged, common subterms shared,
    matrix transposes folded into dots.

    XLA's AlgebraicSimplifier, constant folding and CSE run before fusion, so the cost of an `x*1`,
    of `c1*c2` on constants or of a pair of transposes that cancel is nothing, whatever the
    extraction; and a dot is run in the form XLA brings it to, its operands' and its user's matrix
    transposes folded into its dimension numbers (`dot_cost.py`). Term ids are kept (a removed
    term is no longer reachable; a transpose folded with its dot becomes that dot); children and
    roots are renamed to the terms that stand for them.
    """
    out = TermGraph(terms=list(graph.terms))
    rep: dict[int, int] = {}
    seen: dict[Term, int] = {}
    live = graph.live()
    uses = dict.fromkeys(live, 0)
    for t in live:
        for c in graph.terms[t].children():
            uses[c] += 1
    for r in graph.roots:
        uses[r] += 1
    for t in live:
        term = graph.terms[t]
        if any(c != rep[c] for c in term.children()):
            term = term.map_children(rep)
        if term.ctor == "Dot":
            term = _fold_operand_transposes(term, out)
        elif term.ctor == "Transpose" and uses[O.operand(graph.terms[t], "x")] == 1:
            inner = out.terms[O.operand(term, "x")]
            if inner.ctor == "Dot" and (swapped := _swapped_dot(term, inner, out)) is not None:
                term = _fold_operand_transposes(swapped, out)
        if term.ctor == "Reshape" and (inner := out.terms[O.operand(term, "x")]).ctor == "Reshape":
            term = Term("Reshape", term.ty, O.replaced(term, x=O.operand(inner, "x")))
        kids = term.children()
        if term.ctor in ELEMENTWISE and kids and all(_splat_value(out.terms[c], out) for c in kids):
            # Constant folding: an elementwise op on splat constants is a constant (its value does
            # not matter to the cost; the key keeps it apart from every other constant).
            term = Term(O.SPLAT, term.ty, (f"s:?{t}",))
        out.terms[t] = term
        same = _identity_operand(term, out)
        if same is not None:
            rep[t] = same
            continue
        rep[t] = seen.setdefault(term, t)
    out.roots = [rep[r] for r in graph.roots]
    out.index = {term: t for t, term in enumerate(out.terms)}
    return out


Source = tuple[int, tuple[int, ...]] | None  # a broadcast's operand and dimensions, or None


def broadcast_source(t: int, graph: TermGraph, memo: dict[int, Source]) -> Source:
    """The operand (and broadcast dimensions) of the broadcast that an elementwise term on
    broadcasts and splats equals once XLA's simplifier has moved the op before the broadcast
    (`bcast(x) * c` -> `bcast(x * c)`), so that it is computed on `x`'s elements; else None.
    `memo` keeps the answers of one graph (a chain of elementwise ops is walked once)."""
    if t not in memo:
        memo[t] = _findbroadcast_source(t, graph, memo)
    return memo[t]


def _findbroadcast_source(t: int, graph: TermGraph, memo: dict[int, Source]) -> Source:
    term = graph.terms[t]
    if term.ctor == "Bcast":
        if _splat_value(term, graph) is not None:
            return None
        return O.operand(term, "x"), O.vec(term, "broadcast_dimensions")
    if term.ctor not in ELEMENTWISE:
        return None
    found: Source = None
    for c in term.children():
        if _splat_value(graph.terms[c], graph) is not None:
            continue
        src = broadcast_source(c, graph, memo)
        if src is None:
            return None
        if found is not None and (graph.terms[src[0]].ty, src[1]) != (graph.terms[found[0]].ty, found[1]):
            return None
        found = src
    if found is None or numel(graph.terms[found[0]].ty) >= numel(term.ty):
        return None
    return found


def _expensive(term: Term, graph: TermGraph) -> bool:
    """Not recomputed in several consumers (XLA's `IsExpensive`): transcendentals and divisions,
    except a division by a constant, which XLA's simplifier turns into a multiplication."""
    if term.ctor == "Div":
        return _splat_value(graph.terms[O.operand(term, "y")], graph) is None
    return term.ctor in TRANSCENDENTAL or elementwise_opaque(term.ctor, term.args) == O.TRANSCENDENTAL_KEY


def fuse(graph: TermGraph, profile: DeviceProfile | None = None) -> list[Kernel]:
    """Group the live terms of `graph` into kernels the way XLA's fusion passes would.

    Consumers are visited before producers. An elementwise or layout op joins its consumer's
    kernel when all its consumers are in one kernel that takes producers (a loop fusion or a
    reduction); when its consumers are in several such kernels and it is cheap, it is duplicated
    into each (XLA recomputes cheap producers rather than materializing them); otherwise it
    becomes the root of a new loop fusion. Dots and opaque ops are kernels of their own and read
    their operands from memory, and graph results are always materialized: a cheap op that must be
    written out for those is still duplicated into the consumers that can fuse it (XLA's
    producer-consumer fusion does not care that the producer has other users). With a device
    `profile`, its limits apply: concatenates of many operands are copy kernels of their own and
    reductions XLA CPU splits into a tree take no producers. The first member of each kernel is
    its root.
    """
    live = graph.live()
    roots = set(graph.roots)
    consumers: dict[int, set[int]] = {t: set() for t in live}
    for t in live:
        for c in graph.terms[t].children():
            consumers[c].add(t)
    kernels: list[Kernel] = []
    kernel_of: dict[int, list[int]] = {}  # term -> indices of the kernels it is part of
    for t in reversed(live):
        term = graph.terms[t]
        ctor = term.ctor
        if ctor in FREE or ctor == O.CONST:
            continue
        if profile is not None and unfused_concat(profile, ctor, term.args, term.ty):
            kernel_of[t] = [len(kernels)]
            kernels.append(Kernel("copy", [t]))
            continue
        if ctor in LIBRARY or (ctor != "Reduce" and not fusible(ctor, term.args)):
            kernel_of[t] = [len(kernels)]
            kernels.append(Kernel("dot" if ctor in LIBRARY else "opaque", [t]))
            continue
        if ctor == "Reduce":
            levels = 0
            if profile is not None:
                levels = tree_levels(profile, graph.terms[O.operand(term, "x")].ty, O.vec(term, "dimensions"))
            kernel_of[t] = [len(kernels)]
            kernels.append(Kernel("tree", [t], parts=levels + 1) if levels else Kernel("reduce", [t]))
            continue
        targets: set[int] = set()  # kernels of the consumers that can take it in
        stored = t in roots  # a graph result, or an operand of a dot or opaque op, is written out
        for c in consumers[t]:
            ks = kernel_of.get(c, [])
            into = [k for k in ks if kernels[k].kind in ("loop", "reduce")]
            stored |= not ks or len(into) < len(ks)
            targets.update(into)
        if not stored and len(targets) == 1:
            k = targets.pop()
            kernels[k].members.append(t)
            kernel_of[t] = [k]
        elif targets and not _expensive(term, graph) and len(targets) <= 8:
            kernel_of[t] = sorted(targets)
            for k in targets:  # duplicated into each consumer's kernel
                kernels[k].members.append(t)
            if stored:  # and also computed once to be written out
                kernel_of[t].append(len(kernels))
                kernels.append(Kernel("loop", [t]))
        else:
            kernel_of[t] = [len(kernels)]
            kernels.append(Kernel("loop", [t]))
    return kernels
