"""Device profiles: the rates and limits of one backend on one machine, as data
(`passes/profiles/*.json`, written by `stablehlo-eqsat-calibrate`), and the limits of XLA's
fusion that depend on them."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.graph import TensorTy, Ty

_CONCAT_INPUTS, _CONCAT_DIM = O.index("Concat", "xs"), O.index("Concat", "dimension")


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
    # The share of `matmul_flops_per_s` a dot reaches in each of XLA's dot kernels other than the
    # library's GEMM (`dot_cost.py`): with the rhs contracting its minor dimension, and in XLA's
    # generic emitter (an lhs contracting its major dimension). 1.0: no difference (cuBLAS takes
    # either operand transposed).
    dot_rhs_minor_efficiency: float = 1.0
    dot_generic_efficiency: float = 1.0
    # The generic emitter vectorizes along the output's minor dimension: where that is the rhs's
    # own minor dimension and at least `dot_cost.VECTOR_MIN` long, its loops run at this share
    # instead. Where they cannot, they slow down further as the output narrows: below
    # `dot_generic_narrow` rows or columns, by sqrt(min(M, N) / dot_generic_narrow). 0: off.
    dot_generic_vector_efficiency: float = 1.0
    dot_generic_narrow: int = 0
    # XLA CPU's thunk executor runs a program of at most `sequential_max_thunks` kernel launches
    # one after the other in the calling thread (`ThunkExecutor`: its
    # `execute_sequential_num_thunks_threshold`, 8); a larger one is scheduled as a dataflow
    # graph on the thread pool, each launch a task (`launch_overhead_s`). Launched in sequence, a
    # kernel costs `sequential_launch_s` besides its work. 0: one launch cost for all programs.
    sequential_max_thunks: int = 0
    sequential_launch_s: float = 0.0


def unfused_concat(p: DeviceProfile, ctor: str, args: tuple[object, ...], ty: Ty) -> bool:
    """A concatenate XLA does not fuse: of more than `concat_fusion_max_operands` operands, or along
    the minor (last) dimension of a tensor of rank 2 or more once that dimension reaches
    `concat_minor_dim_limit` (XLA CPU then materializes the operands and copies them, which
    vectorizes better than the branches of a fused concatenate)."""
    if ctor != "Concat":
        return False
    limit, minor = p.concat_fusion_max_operands, p.concat_minor_dim_limit
    if limit > 0 and len(args[_CONCAT_INPUTS]) > limit:  # type: ignore[arg-type]
        return True
    if minor > 0 and isinstance(ty, TensorTy) and len(ty.shape) >= 2:
        return args[_CONCAT_DIM] == len(ty.shape) - 1 and ty.shape[-1] >= minor
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
