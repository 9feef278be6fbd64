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

Device profiles (bandwidth, rates, launch overhead, those limits) are data:
`passes/profiles/*.json`, written for the current machine by `stablehlo-eqsat-calibrate` and
checked (or fitted) against measured programs by `stablehlo-eqsat-bench-cost --rescore [--fit]`.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.graph import TensorTy, Term, TermGraph, Ty
from stablehlo_eqsat.passes.egraph import EGraphData, ENode

# -- op classes ---------------------------------------------------------------------------------
FREE = frozenset({O.INPUT, O.PROJ, O.SPLAT, "TCons", "TNil", "Tuple", "GTE"})
ELEMENTWISE = frozenset(s.ctor for s in O.ALL_SPECS if s.elementwise)
FUSIBLE = frozenset(
    {s.ctor for s in O.ALL_SPECS if s.elementwise}
    | {"Bcast", "Reshape", "Transpose", "Slice", "Concat", "Pad", "Reverse", "Iota", "DSlice", "DUS"}
)
TRANSCENDENTAL = frozenset(
    {"Exp", "Expm1", "Log", "Log1p", "Logistic", "Tanh", "Sin", "Cos", "Tan", "Pow", "Atan2", "Rsqrt", "Sqrt",
     "Cbrt", "Div"}
)  # fmt: skip
MOVES_ONLY = frozenset({"Bcast", "Reshape", "Transpose", "Slice", "Reverse", "Convert", "BitcastConvert"})
LIBRARY = frozenset({"Dot", "Conv"})  # library calls (YNNPACK/oneDNN, cuBLAS/cuDNN): kernels of their own
EXPANDED_FLOPS = 50  # flops per element of a CHLO special function once expanded (erf, lgamma, ...)
ONE, ZERO = ("s:1",), ("s:0", "s:-0")  # splat keys of the units of `*`, `/` and of `+`, `-`


def elementwise_opaque(ctor: str, args: tuple[object, ...]) -> str | None:
    """The class of an opaque op XLA fuses as elementwise (`chlo.square`, `chlo.erf`, ...; see
    `ops.ELEMENTWISE_OPAQUE`): its key prefix, or None for any other op."""
    if ctor != O.OPAQUE or not args:
        return None
    key = str(args[0])
    for prefix in (O.ELEMENTWISE_KEY, O.TRANSCENDENTAL_KEY):
        if key.startswith(prefix):
            return prefix
    return None


def fusible(ctor: str, args: tuple[object, ...]) -> bool:
    """Elementwise and layout ops: XLA fuses them into loop fusions and into their consumers."""
    return ctor in FUSIBLE or elementwise_opaque(ctor, args) is not None


def itemsize(dtype: str) -> int:
    """Bytes per element of an element type name (`f32` -> 4, `i1` -> 1, `complex<f64>` -> 16)."""
    m = re.search(r"(\d+)", dtype)
    bits = int(m.group(1)) if m else 32
    if dtype.startswith("complex"):
        bits *= 2
    return max(1, bits // 8)


def nbytes(ty: Ty) -> float:
    if isinstance(ty, TensorTy):
        return float(ty.numel * itemsize(ty.dtype))
    return 0.0


def numel(ty: Ty) -> float:
    return float(ty.numel) if isinstance(ty, TensorTy) else 0.0


# -- device profiles ------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeviceProfile:
    name: str
    bandwidth_bytes_per_s: float
    elementwise_flops_per_s: float
    transcendental_per_s: float
    matmul_flops_per_s: float
    launch_overhead_s: float
    opaque_bytes_per_s: float
    description: str = ""
    # XLA CPU splits a loop fusion it judges costly into tasks run on its thread pool
    # (`parallel_tasks`: its maximum parallelism, the core count; 1: never, as on GPU), and each
    # split kernel pays a hand-off (`parallel_overhead_s`) that dwarfs small kernels.
    parallel_tasks: int = 1
    parallel_overhead_s: float = 0.0
    # The first split kernel of a program also wakes the pool's sleeping workers; later ones find
    # them still spinning (in gpt2_block one split fusion costs 13-30 us, a fourth of that when a
    # program splits several in a row).
    parallel_wakeup_s: float = 0.0
    # XLA CPU fuses a concatenate like any elementwise op unless it has more than
    # `concat_fusion_max_operands` operands or joins along the minor dimension of a rank >= 2
    # tensor at least `concat_minor_dim_limit` long: such a concatenate is a kernel of its own (a
    # copy), neither fused into its consumer nor taking its producers in, so that each computed
    # operand is written out by a loop fusion first. 0: no limit.
    concat_fusion_max_operands: int = 0
    concat_minor_dim_limit: int = 0
    # XLA CPU's TreeReductionRewriter: a reduction over fewer than `library_reduce_min_elements`
    # elements (larger ones go to the library's reduction, which fuses its producers) with a reduced
    # dimension longer than `tree_reduction_window` becomes reduce-windows of that width and a final
    # reduce, kernels that fuse no producer: the reduced operand is written out first. 0: off.
    tree_reduction_window: int = 0
    library_reduce_min_elements: int = 0


def unfused_concat(p: DeviceProfile, ctor: str, args: tuple[object, ...], ty: Ty) -> bool:
    """A concatenate XLA does not fuse: of more than `concat_fusion_max_operands` operands, or along
    the minor (last) dimension of a tensor of rank 2 or more once that dimension reaches
    `concat_minor_dim_limit` (XLA CPU then materializes the operands and copies them, which
    vectorizes better than the branches of a fused concatenate)."""
    if ctor != "Concat":
        return False
    limit, minor = p.concat_fusion_max_operands, p.concat_minor_dim_limit
    if limit > 0 and len(args[0]) > limit:  # type: ignore[arg-type]
        return True
    if minor > 0 and isinstance(ty, TensorTy) and len(ty.shape) >= 2:
        return args[1] == len(ty.shape) - 1 and ty.shape[-1] >= minor
    return False


def tree_levels(p: DeviceProfile, operand: Ty, dims: tuple[int, ...]) -> int:
    """How many reduce-window kernels XLA CPU splits a reduction of `operand` over `dims` into
    (0: none, it stays one reduction fusion)."""
    w = p.tree_reduction_window
    if w <= 0 or not isinstance(operand, TensorTy):
        return 0
    if p.library_reduce_min_elements and operand.numel >= p.library_reduce_min_elements:
        return 0
    levels = 0
    sizes = [operand.shape[d] for d in dims]
    while any(n > w for n in sizes):
        sizes = [math.ceil(n / w) for n in sizes]
        levels += 1
    return levels


def load_profile(name_or_path: str = "cpu") -> DeviceProfile:
    """A shipped profile by name (`cpu`, `gpu`) or a JSON file written by the calibration tool."""
    path = Path(name_or_path)
    if path.suffix == ".json" and path.exists():
        data = json.loads(path.read_text())
    else:
        text = resources.files("stablehlo_eqsat.passes").joinpath(f"profiles/{name_or_path}.json")
        if not text.is_file():
            raise ValueError(f"unknown device profile '{name_or_path}' (shipped: cpu, gpu; or a .json path)")
        data = json.loads(text.read_text())
    fields = DeviceProfile.__dataclass_fields__
    return DeviceProfile(**{k: v for k, v in data.items() if k in fields})


# -- per-op work ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Work:
    flops: float = 0.0  # elementwise operations
    transcendentals: float = 0.0
    matmul_flops: float = 0.0


def op_work(ctor: str, ty: Ty, child_tys: list[Ty], args: tuple[object, ...]) -> Work:
    """Arithmetic done by one op (memory traffic is counted per kernel, not per op)."""
    n = numel(ty)
    kind = elementwise_opaque(ctor, args)
    if kind is not None:
        if kind == O.TRANSCENDENTAL_KEY:  # JAX expands `chlo.erfc` into ~55 flops, an exp and divides
            return Work(flops=EXPANDED_FLOPS * n, transcendentals=n)
        return Work(flops=n)
    if ctor == "Dot" and child_tys and isinstance(child_tys[0], TensorTy):
        lhs = child_tys[0]
        contracting = args[4] if len(args) > 4 else ()
        k = 1.0
        for d in contracting:  # type: ignore[attr-defined,union-attr]
            k *= lhs.shape[d]  # type: ignore[index]
        return Work(matmul_flops=2.0 * n * k)
    if ctor == "Conv" and len(child_tys) > 1 and isinstance(child_tys[1], TensorTy) and len(args) > 7:
        # each output element: one multiply-add per kernel element of its output feature
        kernel = child_tys[1]
        flat: tuple[int, ...] = tuple(args[7])  # type: ignore[arg-type]
        out_feature = flat[len(flat) // 3 + 1] if flat else len(kernel.shape) - 1
        per_output = kernel.numel / max(1, kernel.shape[out_feature])
        return Work(matmul_flops=2.0 * n * per_output)
    if ctor == "Reduce" and child_tys:
        return Work(flops=numel(child_tys[0]))
    if ctor in MOVES_ONLY or ctor in FREE or ctor in (O.CONST, "Iota", "Concat", "Pad", "DSlice", "DUS"):
        return Work()
    if ctor in TRANSCENDENTAL:
        return Work(transcendentals=n)
    return Work(flops=n)


def _class_splat(data: EGraphData, eclass: str) -> str | None:
    for i in data.classes.get(eclass, ()):
        if data.nodes[i].ctor == O.SPLAT:
            return str(data.nodes[i].args[0])
    return None


def _is_identity_node(node: ENode, data: EGraphData) -> bool:
    """The node-local part of `_identity_operand`: an e-node XLA's simplifier would delete."""
    ctor, args = node.ctor, node.args
    if ctor in ("Mul", "Add", "Sub", "Div"):
        units = ONE if ctor in ("Mul", "Div") else ZERO
        a, b = str(args[0]), str(args[1])
        if data.class_type(a) == node.ty and _class_splat(data, b) in units:
            return True
        return ctor in ("Mul", "Add") and data.class_type(b) == node.ty and _class_splat(data, a) in units
    if ctor in ("Reshape", "Convert") or (
        ctor == "Bcast" and tuple(args[1]) == tuple(range(len(args[1])))  # type: ignore[arg-type]
    ):
        return data.class_type(str(args[0])) == node.ty
    if ctor == "Transpose":
        return tuple(args[1]) == tuple(range(len(args[1])))  # type: ignore[arg-type]
    return False


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


@dataclass
class Estimate:
    seconds: float
    kernels: list[Kernel]

    @property
    def fusions(self) -> int:
        """Kernels XLA emits as `fusion` instructions: loop and reduction fusions, and dots.

        XLA CPU wraps even a lone elementwise op or reduction in a loop fusion, and every dot in a
        `kCustom` (YNNPACK) fusion; only opaque ops (calls, loops, custom calls) and unfused
        concatenates are not counted.
        """
        return sum(k.parts for k in self.kernels if k.kind in ("loop", "reduce", "tree", "dot"))


@dataclass
class CostModel:
    profile: DeviceProfile

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
        if ctor in LIBRARY:
            memory = (reads + out) / p.bandwidth_bytes_per_s
            return p.launch_overhead_s + max(work.matmul_flops / p.matmul_flops_per_s, memory)
        if ctor == "Reduce":
            launches = 1 + tree_levels(p, child_tys[0], tuple(node.args[2]))  # type: ignore[arg-type]
            return launches * p.launch_overhead_s + max((reads + out) / p.bandwidth_bytes_per_s, compute)
        return p.launch_overhead_s + (reads + out) / p.opaque_bytes_per_s

    def extraction_cost(self, data: EGraphData):  # type: ignore[no-untyped-def]
        return lambda node: self.node_cost(node, data)

    # ---- whole programs ----
    def estimate(self, graph: TermGraph) -> Estimate:
        """Whole-program cost: XLA's cleanup (`xla_simplify`), `fuse`, then each kernel's time.

        Kernel members are term ids of `graph` (identities XLA removes belong to no kernel).
        """
        graph = xla_simplify(graph)
        kernels = fuse(graph, self.profile)
        total = 0.0
        sources: dict[int, Source] = {}  # `_broadcast_source` of the terms seen so far
        for k in kernels:
            k.seconds = self._kernel_seconds(graph, k, sources)
            total += k.seconds
        if any(k.split for k in kernels):
            total += self.profile.parallel_wakeup_s
        return Estimate(total, kernels)

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
                source = _broadcast_source(t, graph, sources)
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
        return str(term.args[0])
    if term.ctor == "Bcast":
        return _splat_value(graph.terms[term.args[0]], graph)  # type: ignore[index]
    return None


def _identity_operand(term: Term, graph: TermGraph) -> int | None:
    """The operand `term` equals when XLA's simplifier deletes it (`x*1`, `x+0`, `transpose` by the
    identity or of a transpose that undoes it, `reshape`/`convert`/`broadcast` to the same type,
    `-(-x)`), else None."""
    ctor, ty, args = term.ctor, term.ty, term.args
    terms = graph.terms
    if ctor in ("Mul", "Add", "Sub", "Div"):
        a, b = args[0], args[1]
        units = ONE if ctor in ("Mul", "Div") else ZERO
        if terms[a].ty == ty and _splat_value(terms[b], graph) in units:  # type: ignore[index]
            return a  # type: ignore[return-value]
        if ctor in ("Mul", "Add") and terms[b].ty == ty and _splat_value(terms[a], graph) in units:  # type: ignore[index]
            return b  # type: ignore[return-value]
        return None
    if ctor in ("Reshape", "Convert", "Bcast") and terms[args[0]].ty == ty:  # type: ignore[index]
        if ctor != "Bcast" or tuple(args[1]) == tuple(range(len(args[1]))):  # type: ignore[arg-type]
            return args[0]  # type: ignore[return-value]
        return None
    if ctor == "Transpose":
        perm = tuple(args[1])  # type: ignore[arg-type]
        if perm == tuple(range(len(perm))):
            return args[0]  # type: ignore[return-value]
        inner = terms[args[0]]  # type: ignore[index]
        if inner.ctor == "Transpose":
            p1 = tuple(inner.args[1])  # type: ignore[arg-type]
            if tuple(p1[i] for i in perm) == tuple(range(len(perm))):
                return inner.args[0]  # type: ignore[return-value]
        return None
    if ctor == "Neg" and terms[args[0]].ctor == "Neg":  # type: ignore[index]
        return terms[args[0]].args[0]  # type: ignore[index,return-value]
    return None


def xla_simplify(graph: TermGraph) -> TermGraph:
    """`graph` as XLA will compile it: identities removed, chains merged, common subterms shared.

    XLA's AlgebraicSimplifier, constant folding and CSE run before fusion, so the cost of an `x*1`,
    of `c1*c2` on constants or of a pair of transposes that cancel is nothing, whatever the
    extraction. Term ids are kept (a removed term
    is no longer reachable); children and roots are renamed to the terms that stand for them.
    """
    out = TermGraph(terms=list(graph.terms))
    rep: dict[int, int] = {}
    seen: dict[Term, int] = {}
    for t in graph.live():
        term = graph.terms[t]
        if any(c != rep[c] for c in term.children()):
            term = term.map_children(rep)
        if term.ctor == "Reshape" and out.terms[term.args[0]].ctor == "Reshape":  # type: ignore[index]
            term = Term("Reshape", term.ty, (out.terms[term.args[0]].args[0], *term.args[1:]))  # type: ignore[index]
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


def _broadcast_source(t: int, graph: TermGraph, memo: dict[int, Source]) -> Source:
    """The operand (and broadcast dimensions) of the broadcast that an elementwise term on
    broadcasts and splats equals once XLA's simplifier has moved the op before the broadcast
    (`bcast(x) * c` -> `bcast(x * c)`), so that it is computed on `x`'s elements; else None.
    `memo` keeps the answers of one graph (a chain of elementwise ops is walked once)."""
    if t not in memo:
        memo[t] = _find_broadcast_source(t, graph, memo)
    return memo[t]


def _find_broadcast_source(t: int, graph: TermGraph, memo: dict[int, Source]) -> Source:
    term = graph.terms[t]
    if term.ctor == "Bcast":
        if _splat_value(term, graph) is not None:
            return None
        return term.args[0], tuple(term.args[1])  # type: ignore[return-value,arg-type]
    if term.ctor not in ELEMENTWISE:
        return None
    found: Source = None
    for c in term.children():
        if _splat_value(graph.terms[c], graph) is not None:
            continue
        src = _broadcast_source(c, graph, memo)
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
        return _splat_value(graph.terms[term.args[1]], graph) is None  # type: ignore[index]
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
                levels = tree_levels(profile, graph.terms[term.args[0]].ty, tuple(term.args[2]))  # type: ignore[index,arg-type]
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
