"""The fusion-aware cost model: what XLA will fuse, and what each kernel costs on a device.

Two views of one model:

* `CostModel.node_cost` prices one e-node on its own, for the extractors (which need costs
  that add up): elementwise and layout ops are priced as if fused into a consumer (compute
  only, plus a little for the values they may force to memory); kernels (dot, reduce, opaque
  ops) pay launch overhead plus their memory traffic or their flops, whichever is slower.
* `CostModel.estimate` prices a whole program: `fuse` groups its ops into the kernels XLA would
  form (loop fusion of elementwise chains into their consumer, producers fused into reductions,
  cheap producers duplicated into several consumers, dots and opaque ops as kernels of their
  own), and each kernel costs `launch + max(bytes / bandwidth, flops / rate)`.

Device profiles (bandwidth, rates, launch overhead) are data: `passes/profiles/*.json`,
written for the current machine by `stablehlo-eqsat-calibrate`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.graph import TermGraph, TensorTy, Ty
from stablehlo_eqsat.passes.egraph import EGraphData, ENode

# -- op classes ---------------------------------------------------------------------------------
FREE = frozenset({O.INPUT, O.PROJ, O.SPLAT, "TCons", "TNil", "Tuple", "GTE"})
FUSIBLE = frozenset(
    {s.ctor for s in O.ALL_SPECS if s.elementwise}
    | {"Bcast", "Reshape", "Transpose", "Slice", "Concat", "Pad", "Reverse", "Iota", "DSlice", "DUS"}
)
TRANSCENDENTAL = frozenset(
    {"Exp", "Expm1", "Log", "Log1p", "Logistic", "Tanh", "Sin", "Cos", "Tan", "Pow", "Atan2", "Rsqrt", "Sqrt",
     "Cbrt", "Div"}
)  # fmt: skip
MOVES_ONLY = frozenset({"Bcast", "Reshape", "Transpose", "Slice", "Reverse", "Convert", "BitcastConvert"})


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
    if ctor == "Dot" and child_tys and isinstance(child_tys[0], TensorTy):
        lhs = child_tys[0]
        contracting = args[4] if len(args) > 4 else ()
        k = 1.0
        for d in contracting:  # type: ignore[union-attr]
            k *= lhs.shape[d]  # type: ignore[index]
        return Work(matmul_flops=2.0 * n * k)
    if ctor == "Reduce" and child_tys:
        return Work(flops=numel(child_tys[0]))
    if ctor in MOVES_ONLY or ctor in FREE or ctor in (O.CONST, "Iota", "Concat", "Pad", "DSlice", "DUS"):
        return Work()
    if ctor in TRANSCENDENTAL:
        return Work(transcendentals=n)
    return Work(flops=n)


# -- the model -----------------------------------------------------------------------------------
@dataclass
class Kernel:
    """One kernel XLA would launch: a fusion or a single op."""

    kind: str  # loop | reduce | dot | opaque
    members: list[int] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class Estimate:
    seconds: float
    kernels: list[Kernel]

    @property
    def fusions(self) -> int:
        """Kernels that fuse more than one op (what XLA reports as fusions)."""
        return sum(1 for k in self.kernels if len(k.members) > 1 or k.kind in ("loop", "reduce"))


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
        child_tys = [data.class_type(c) for c in node.children()]
        work = op_work(ctor, node.ty, child_tys, node.args)
        compute = work.flops / p.elementwise_flops_per_s + work.transcendentals / p.transcendental_per_s
        if ctor in FUSIBLE:
            # Fused into its consumer: compute, and a share of a possible materialization.
            return compute + 0.05 * out / p.bandwidth_bytes_per_s + 1e-9
        reads = sum(nbytes(t) for t in child_tys)
        if ctor == "Dot":
            memory = (reads + out) / p.bandwidth_bytes_per_s
            return p.launch_overhead_s + max(work.matmul_flops / p.matmul_flops_per_s, memory)
        if ctor == "Reduce":
            return p.launch_overhead_s + max((reads + out) / p.bandwidth_bytes_per_s, compute)
        return p.launch_overhead_s + (reads + out) / p.opaque_bytes_per_s

    def extraction_cost(self, data: EGraphData):  # type: ignore[no-untyped-def]
        return lambda node: self.node_cost(node, data)

    # ---- whole programs ----
    def estimate(self, graph: TermGraph) -> Estimate:
        kernels = fuse(graph)
        total = 0.0
        for k in kernels:
            k.seconds = self._kernel_seconds(graph, k)
            total += k.seconds
        return Estimate(total, kernels)

    def _kernel_seconds(self, graph: TermGraph, kernel: Kernel) -> float:
        p = self.profile
        members = set(kernel.members)
        reads: set[int] = set()
        flops = trans = mm = 0.0
        for t in kernel.members:
            term = graph.terms[t]
            kids = list(term.children())
            for c in kids:
                if c not in members and graph.terms[c].ctor not in (O.SPLAT, "Iota"):
                    reads.add(c)
            w = op_work(term.ctor, term.ty, [graph.terms[c].ty for c in kids], term.args)
            flops += w.flops
            trans += w.transcendentals
            mm += w.matmul_flops
        root = graph.terms[kernel.members[0]]
        bytes_moved = sum(nbytes(graph.terms[r].ty) for r in reads) + nbytes(root.ty)
        if kernel.kind == "dot":
            return p.launch_overhead_s + max(mm / p.matmul_flops_per_s, bytes_moved / p.bandwidth_bytes_per_s)
        if kernel.kind == "opaque":
            return p.launch_overhead_s + bytes_moved / p.opaque_bytes_per_s
        compute = flops / p.elementwise_flops_per_s + trans / p.transcendental_per_s
        return p.launch_overhead_s + max(bytes_moved / p.bandwidth_bytes_per_s, compute)


def fuse(graph: TermGraph) -> list[Kernel]:
    """Group the live terms of `graph` into kernels the way XLA's fusion passes would.

    Consumers are visited before producers. An elementwise or layout op joins its consumer's
    kernel when all its consumers are in one kernel that takes producers (a loop fusion or a
    reduction); when its consumers are in several such kernels and it is cheap, it is duplicated
    into each (XLA recomputes cheap producers rather than materializing them); otherwise it
    becomes the root of a new loop fusion. Dots and opaque ops are kernels of their own, and
    graph results are always materialized. The first member of each kernel is its root.
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
        if ctor == "Dot" or ctor == O.OPAQUE or ctor not in FUSIBLE | {"Reduce"}:
            kernel_of[t] = [len(kernels)]
            kernels.append(Kernel("dot" if ctor == "Dot" else "opaque", [t]))
            continue
        if ctor == "Reduce":
            kernel_of[t] = [len(kernels)]
            kernels.append(Kernel("reduce", [t]))
            continue
        targets: set[int] = set()
        fusible = t not in roots
        for c in consumers[t]:
            ks = kernel_of.get(c)
            if not ks or any(kernels[k].kind not in ("loop", "reduce") for k in ks):
                fusible = False
                break
            targets.update(ks)
        if fusible and len(targets) == 1:
            k = targets.pop()
            kernels[k].members.append(t)
            kernel_of[t] = [k]
        elif fusible and targets and ctor not in TRANSCENDENTAL and len(targets) <= 8:
            for k in targets:  # duplicated into each consumer's kernel
                kernels[k].members.append(t)
            kernel_of[t] = sorted(targets)
        else:
            kernel_of[t] = [len(kernels)]
            kernels.append(Kernel("loop", [t]))
    return kernels
