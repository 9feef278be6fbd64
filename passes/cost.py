"""The fusion-aware cost model: what XLA will fuse, and what each kernel costs on a device.

Two views of one model:

* `CostModel.node_cost` prices one e-node on its own, for the extractors (which need costs
  that add up): elementwise and layout ops are priced as if fused into a consumer (compute
  only, plus a little for the values they may force to memory); kernels (dot, reduce, opaque
  ops) pay launch overhead plus their memory traffic or their flops, whichever is slower.
* `CostModel.estimate` prices a whole program: `xla_simplify` first drops what XLA's algebraic
  simplifier, constant folding and CSE would delete anyway (`x*1`, `x+0`, `c1*c2`, transposes
  that cancel, reshape chains, same-type reshapes and converts; `node_cost` prices the
  node-local ones at zero too), then `fuse` groups the ops into the kernels XLA would form (loop
  fusion of elementwise chains into their consumer, producers fused into reductions, cheap
  producers duplicated into several consumers, expensive ones written out once, dots and opaque
  ops as kernels of their own), and each kernel costs `launch + max(bytes / bandwidth,
  flops / rate)`. The profile carries what a backend does differently: on XLA CPU a loop fusion
  split across the thread pool (`parallel_tasks`) pays a hand-off (and the first of a program a
  wake-up), a concatenate of many operands is a copy of its own, and a long reduction of a small
  operand becomes a tree of reduce-windows that fuses no producer.

The pieces: what each op costs alone is `op_cost.py`, what XLA fuses is `fusion.py`. Device
profiles (`profile.py`: bandwidth, rates, launch overhead, those limits) are data:
`passes/profiles/*.json`, written for the current machine by `stablehlo-eqsat-calibrate` and
checked (or fitted) against measured programs by `stablehlo-eqsat-bench-cost --rescore [--fit]`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.graph import TensorTy, Term, TermGraph, Ty
from stablehlo_eqsat.passes.dot_cost import dot_form, dot_seconds
from stablehlo_eqsat.passes.egraph import EGraphData, ENode
from stablehlo_eqsat.passes.fusion import Kernel, Source, broadcast_source, fuse, parallel_tasks, xla_simplify
from stablehlo_eqsat.passes.op_cost import (
    ELEMENTWISE,
    FREE,
    LIBRARY,
    ONE,
    ZERO,
    fusible,
    is_iota,
    nbytes,
    numel,
    op_work,
)
from stablehlo_eqsat.passes.profile import DeviceProfile, tree_levels, unfused_concat


def _class_splat(data: EGraphData, eclass: str) -> str | None:
    for i in data.classes.get(eclass, ()):
        if data.nodes[i].ctor == O.SPLAT:
            return O.text(data.nodes[i], "value")
    return None


def _is_identity_node(node: ENode, data: EGraphData) -> bool:
    """The node-local part of `_identity_operand`: an e-node XLA's simplifier would delete."""
    ctor = node.ctor
    if ctor in ("Mul", "Add", "Sub", "Div"):
        units = ONE if ctor in ("Mul", "Div") else ZERO
        a, b = str(O.arg(node, "x")), str(O.arg(node, "y"))
        if data.class_type(a) == node.ty and _class_splat(data, b) in units:
            return True
        return ctor in ("Mul", "Add") and data.class_type(b) == node.ty and _class_splat(data, a) in units
    if ctor in ("Reshape", "Convert") or (ctor == "Bcast" and is_iota(O.vec(node, "broadcast_dimensions"))):
        return data.class_type(str(O.arg(node, "x"))) == node.ty
    if ctor == "Transpose":
        return is_iota(O.vec(node, "permutation"))
    return False


@dataclass
class Estimate:
    seconds: float
    kernels: list[Kernel]
    graph: TermGraph | None = None  # the program as XLA compiles it (`xla_simplify`): the kernels' terms
    # XLA runs its kernels one after the other (`DeviceProfile.sequential_max_thunks`)
    sequential: bool = False

    @property
    def fusions(self) -> int:
        """Kernels XLA emits as `fusion` instructions: loop and reduction fusions, and dots.

        XLA CPU wraps even a lone elementwise op or reduction in a loop fusion, and every dot in a
        `kCustom` (YNNPACK) fusion; only opaque ops (calls, loops, custom calls) and unfused
        concatenates are not counted.
        """
        return sum(k.parts for k in self.kernels if k.kind in ("loop", "reduce", "tree", "dot"))


@dataclass
class Judgement:
    """Two programs priced for the choice between them: `after` is taken over `before` only if it
    is cheaper by more than `error_seconds`, what the model may be wrong by on what differs."""

    before: Estimate
    after: Estimate
    error_seconds: float = 0.0

    @property
    def take_after(self) -> bool:
        if self.error_seconds > 0:
            return self.after.seconds + self.error_seconds < self.before.seconds
        return self.after.seconds <= self.before.seconds * (1 + 1e-9)


def keyed_dot_kernels(est: Estimate) -> list[tuple[Kernel, tuple[object, ...]]]:
    """The dot kernels of a priced program, each with what identifies the dot XLA runs (operand and
    result types, dimension numbers)."""
    graph = est.graph
    if graph is None:
        return []
    found: list[tuple[Kernel, tuple[object, ...]]] = []
    for k in est.kernels:
        term = graph.terms[k.members[0]] if k.members else None
        if k.kind == "dot" and term is not None and term.ctor == "Dot":
            found.append((k, dot_key(graph, term)))
    return found


def dot_key(graph: TermGraph, term: Term) -> tuple[object, ...]:
    """What identifies the dot XLA runs for a `Dot` term: operand and result types, dimension
    numbers."""
    return (tuple(graph.terms[c].ty for c in term.children()), term.ty, O.dot_dims(term))


def dot_kernels(est: Estimate) -> Counter[tuple[object, ...]]:
    """The dots of a priced program as XLA runs them, each with how many times it occurs."""
    return Counter(key for _, key in keyed_dot_kernels(est))


def changed_dot_seconds(est: Estimate, other: Estimate) -> float:
    """The time `est` spends in dots that `other` does not run."""
    extra = dot_kernels(est) - dot_kernels(other)
    total = 0.0
    for k, key in keyed_dot_kernels(est):
        if extra[key] > 0:
            extra[key] -= 1
            total += k.seconds
    return total


_ESTIMATES_KEPT = 16


@dataclass
class CostModel:
    profile: DeviceProfile
    # What the analytical model may be wrong by on a dot it prices (a fraction of its time): its
    # kernel-class rates are within ~30% of measured dots across shapes (`bench-cost --dots`).
    dot_error: float = 0.3
    # Estimates of the programs priced last, by content: choosing prices the same program more
    # than once (refinement's start and best, then `judge`). Not a field of the model's identity.
    _estimates: dict[tuple[object, ...], Estimate] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def for_function(self, graphs: list[TermGraph]) -> CostModel:
        """The model that prices the programs of one function with these graphs: every program of
        a function (its input, the candidates) is priced by the same model, whatever was priced
        before it (`MeasuredCostModel` decides here whether the function's ops are measured)."""
        return self

    def anticipate(self, functions: list[list[TermGraph]]) -> None:
        """Told the graphs of every function of a module before any is optimized (a model that
        measures starts what measuring needs; this one needs nothing)."""

    # ---- node-local (for extractors) ----
    def node_cost(self, node: ENode, data: EGraphData) -> float:
        ctor = node.ctor
        if ctor in FREE:
            return 0.0
        p = self.profile
        out = nbytes(node.ty)
        if ctor == O.CONST:
            return out / p.bandwidth_bytes_per_s
        if _is_identity_node(node, data):
            return 0.0  # XLA's simplifier deletes it (as `estimate` does, through `xla_simplify`)
        child_tys = [data.class_type(c) for c in node.children()]
        work = op_work(ctor, node.ty, child_tys, node.args)
        compute = work.flops / p.elementwise_flops_per_s + work.transcendentals / p.transcendental_per_s
        if unfused_concat(p, ctor, node.args, node.ty):
            reads = sum(nbytes(t) for t in child_tys)
            return p.launch_overhead_s + (reads + out) / p.bandwidth_bytes_per_s
        if fusible(ctor, node.args):
            # Fused into its consumer: compute, and a share of a possible materialization.
            return compute + 0.05 * out / p.bandwidth_bytes_per_s + 1e-9
        reads = sum(nbytes(t) for t in child_tys)
        if ctor == "Dot" and (dot := self._dot_seconds(node, child_tys, reads + out)) is not None:
            return dot
        if ctor in LIBRARY:
            memory = (reads + out) / p.bandwidth_bytes_per_s
            return p.launch_overhead_s + max(work.matmul_flops / p.matmul_flops_per_s, memory)
        if ctor == "Reduce":
            launches = 1 + tree_levels(p, child_tys[0], O.vec(node, "dimensions"))
            return launches * p.launch_overhead_s + max((reads + out) / p.bandwidth_bytes_per_s, compute)
        return p.launch_overhead_s + (reads + out) / p.opaque_bytes_per_s

    def extraction_cost(self, data: EGraphData):  # type: ignore[no-untyped-def]
        return lambda node: self.node_cost(node, data)

    # ---- whole programs ----
    def judge(self, before: TermGraph, after: TermGraph) -> Judgement:
        """Both programs priced for choosing between them. Where their dots differ, the model's
        error on those dots is what `after` must gain by: where the model cannot tell them apart,
        the input's form stays."""
        b, a = self.estimate(before), self.estimate(after)
        changed = max(changed_dot_seconds(b, a), changed_dot_seconds(a, b))
        return Judgement(b, a, self.dot_error * changed)

    def estimate(self, graph: TermGraph) -> Estimate:
        """Whole-program cost: XLA's cleanup (`xla_simplify`), `fuse`, then each kernel's time.

        Kernel members are term ids of `graph` (identities XLA removes belong to no kernel).
        The same program (the same terms and roots) gets the same `Estimate` back: do not change it.
        """
        key = (tuple(graph.terms), tuple(graph.roots))
        est = self._estimates.get(key)
        if est is None:
            est = self._estimates[key] = self._estimate(graph)
            if len(self._estimates) > _ESTIMATES_KEPT:
                del self._estimates[next(iter(self._estimates))]
        return est

    def _estimate(self, graph: TermGraph) -> Estimate:
        graph = xla_simplify(graph)
        kernels = fuse(graph, self.profile)
        total = 0.0
        sources: dict[int, Source] = {}  # `_broadcast_source` of the terms seen so far
        for k in kernels:
            k.seconds = self._kernel_seconds(graph, k, sources)
            total += k.seconds
        if any(k.split for k in kernels):
            total += self.profile.parallel_wakeup_s
        p = self.profile
        launches = [self.launches(graph, k) for k in kernels]
        sequential = 0 < sum(launches) <= p.sequential_max_thunks
        if sequential:  # each launch costs less than the dataflow executor's task it was priced as
            for k, n in zip(kernels, launches, strict=True):
                cheaper = n * (p.launch_overhead_s - p.sequential_launch_s)
                k.seconds -= cheaper
                total -= cheaper
        return Estimate(total, kernels, graph, sequential)

    def launches(self, graph: TermGraph, kernel: Kernel) -> int:
        """The kernels XLA launches for `kernel`: a tree reduction's parts, a dot with the copies
        of its operands XLA makes first (`dot_cost.dot_form`), one for the others."""
        if kernel.kind == "dot" and kernel.members:
            root = graph.terms[kernel.members[0]]
            if root.ctor == "Dot":
                lhs, rhs = (graph.terms[c].ty for c in root.children())
                if isinstance(lhs, TensorTy) and isinstance(rhs, TensorTy):
                    return 1 + dot_form(lhs, rhs, O.dot_dims(root)).copies
        return kernel.parts

    def _dot_seconds(self, dot: Term | ENode, child_tys: list[Ty], io_bytes: float) -> float | None:
        """A dot's analytical time in the form XLA runs it (`dot_cost.py`); None for operands of
        unknown shape."""
        lhs, rhs = child_tys
        if not isinstance(lhs, TensorTy) or not isinstance(rhs, TensorTy):
            return None
        return dot_seconds(self.profile, dot_form(lhs, rhs, O.dot_dims(dot)), io_bytes)

    def _kernel_seconds(self, graph: TermGraph, kernel: Kernel, sources: dict[int, Source]) -> float:
        p = self.profile
        members = set(kernel.members)
        whole: set[int] = set()  # operands read in full
        sliced: dict[int, float] = {}  # operands only sliced: the bytes of the slices
        flops = trans = mm = divides = converts = 0.0
        for t in kernel.members:
            term = graph.terms[t]
            kids = term.children()
            for j, c in enumerate(kids):
                if c in members or graph.terms[c].ctor in (O.SPLAT, "Iota"):
                    continue
                if j == 0 and term.ctor in ("Slice", "DSlice"):  # a fused slice reads only its part
                    sliced[c] = sliced.get(c, 0.0) + nbytes(term.ty)
                else:
                    whole.add(c)
            ty = term.ty
            if term.ctor in ELEMENTWISE:
                source = broadcast_source(t, graph, sources)
                if source is not None:  # XLA computes it before the broadcast, on fewer elements
                    ty = graph.terms[source[0]].ty
            w = op_work(term.ctor, ty, [graph.terms[c].ty for c in kids], term.args)
            flops += w.flops
            trans += w.transcendentals
            mm += w.matmul_flops
            if term.ctor == "Div":
                divides += w.transcendentals
            elif term.ctor == "Convert":
                converts += numel(term.ty)
        root = graph.terms[kernel.members[0]]
        bytes_moved = nbytes(root.ty) + sum(nbytes(graph.terms[r].ty) for r in whole)
        bytes_moved += sum(min(b, nbytes(graph.terms[r].ty)) for r, b in sliced.items() if r not in whole)
        if kernel.kind == "dot":
            kids_ty = [graph.terms[c].ty for c in root.children()]
            if root.ctor == "Dot" and (dot := self._dot_seconds(root, kids_ty, bytes_moved)) is not None:
                return dot
            return p.launch_overhead_s + max(mm / p.matmul_flops_per_s, bytes_moved / p.bandwidth_bytes_per_s)
        if kernel.kind == "opaque":
            return p.launch_overhead_s + bytes_moved / p.opaque_bytes_per_s
        if kernel.kind == "copy":
            return p.launch_overhead_s + bytes_moved / p.bandwidth_bytes_per_s
        if kernel.kind == "tree":
            return kernel.parts * p.launch_overhead_s + max(
                bytes_moved / p.bandwidth_bytes_per_s, flops / p.elementwise_flops_per_s
            )
        compute = flops / p.elementwise_flops_per_s + trans / p.transcendental_per_s
        memory = bytes_moved / p.bandwidth_bytes_per_s
        # XLA counts a divide and a convert as a flop, and only the rest as transcendentals.
        tasks = parallel_tasks(p, flops + divides + converts, trans - divides, bytes_moved, nbytes(root.ty))
        if tasks > 1:
            kernel.split = True
            return p.launch_overhead_s + p.parallel_overhead_s + max(memory, compute / tasks)
        return p.launch_overhead_s + max(memory, compute)


__all__ = ["CostModel", "Estimate", "Judgement", "changed_dot_seconds", "dot_kernels"]
