"""The fusion-aware cost model: how `fuse` groups ops into kernels, and how costs grow."""

from __future__ import annotations

import itertools

import pytest
from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.graph import TensorTy, Term, TermGraph
from stablehlo_eqsat.passes.cost import CostModel, Estimate
from stablehlo_eqsat.passes.egraph import EGraphData, ENode
from stablehlo_eqsat.passes.fusion import fuse
from stablehlo_eqsat.passes.op_cost import itemsize, nbytes
from stablehlo_eqsat.passes.profile import load_profile
from term_graphs import F32, Builder


def kernel_of(kernels, term: int) -> list[int]:  # type: ignore[no-untyped-def]
    return [i for i, k in enumerate(kernels) if term in k.members]


MODEL = CostModel(load_profile("cpu"))


def chain(ctors: list[str], n: int = 4096) -> TermGraph:
    b = Builder()
    x = b.input(n)
    for c in ctors:
        x = b.op(c, (n,), x) if c not in ("Add", "Mul", "Sub", "Max") else b.op(c, (n,), x, x)
    return b.done(x)


# -- fuse -------------------------------------------------------------------------------------------
def test_elementwise_chain_into_a_reduce_is_one_kernel() -> None:
    b = Builder()
    x, y = b.input(64, 128), b.input(64, 128)
    t = b.op("Mul", (64, 128), b.op("Neg", (64, 128), x), b.op("Add", (64, 128), x, y))
    r = b.reduce(b.op("Exp", (64, 128), t), (64,), (1,))
    g = b.done(r)
    kernels = fuse(g)
    assert len(kernels) == 1
    assert kernels[0].members[0] == r  # the reduction is the root of its fusion
    assert {g.terms[t].ctor for t in kernels[0].members} == {"Reduce", "Exp", "Mul", "Neg", "Add"}


def test_a_dot_is_its_own_kernel() -> None:
    b = Builder()
    a, w, bias = b.input(32, 64), b.input(64, 16), b.input(16)
    d = b.dot(b.op("Neg", (32, 64), a), w, (32, 16))
    out = b.op("Add", (32, 16), d, b.bcast(bias, (32, 16), (1,)))
    g = b.done(out)
    kernels = fuse(g)
    (k,) = kernel_of(kernels, d)
    assert kernels[k].kind == "dot" and kernels[k].members == [d]
    # neither the dot's producer nor its consumer joins it
    assert kernel_of(kernels, out) != [k]
    assert len(kernels) == 3


def test_a_convolution_is_a_library_kernel_priced_by_its_flops() -> None:
    b = Builder()
    x, w = b.input(2, 8, 8, 16), b.input(3, 3, 16, 32)
    dims = (0, 3, 1, 2, 2, 3, 0, 1, 0, 3, 1, 2)  # NHWC, HWIO, NHWC
    args = (x, w, (1, 1), (1, 1, 1, 1), (), (), (), dims, 1, 1, (), "")
    conv = b.g.add(Term("Conv", TensorTy((2, 8, 8, 32), F32), args))
    g = b.done(b.op("Neg", (2, 8, 8, 32), conv))
    kernels = fuse(g)
    (k,) = kernel_of(kernels, conv)
    assert kernels[k].kind == "dot" and kernels[k].members == [conv]
    flops = 2.0 * 2 * 8 * 8 * 32 * 3 * 3 * 16
    profile = load_profile("cpu")
    assert MODEL.estimate(g).seconds >= flops / profile.matmul_flops_per_s


def test_cheap_producer_with_two_consumers_is_duplicated() -> None:
    b = Builder()
    x = b.input(64, 128)
    p = b.op("Neg", (64, 128), x)
    r1 = b.reduce(b.op("Add", (64, 128), p, x), (64,), (1,))
    r2 = b.reduce(b.op("Mul", (64, 128), p, x), (128,), (0,), "max")
    kernels = fuse(b.done(r1, r2))
    assert len(kernels) == 2
    assert len(kernel_of(kernels, p)) == 2  # recomputed in both reductions


def test_expensive_producer_with_two_consumers_is_materialized() -> None:
    b = Builder()
    x = b.input(64, 128)
    p = b.op("Exp", (64, 128), x)
    r1 = b.reduce(b.op("Add", (64, 128), p, x), (64,), (1,))
    r2 = b.reduce(b.op("Mul", (64, 128), p, x), (128,), (0,), "max")
    kernels = fuse(b.done(r1, r2))
    (k,) = kernel_of(kernels, p)
    assert kernels[k].members[0] == p  # the root of a kernel of its own
    assert len(kernels) == 3


def test_graph_results_are_materialized() -> None:
    b = Builder()
    x = b.input(256)
    y = b.op("Neg", (256,), x)
    z = b.op("Abs", (256,), y)
    kernels = fuse(b.done(y, z))
    # y is written out by a kernel of its own (z's kernel may recompute it: it is cheap)
    assert any(kernels[k].members[0] == y for k in kernel_of(kernels, y))
    (kz,) = kernel_of(kernels, z)
    assert kernels[kz].members[0] == z and len(kernels) == 2


def test_expensive_graph_result_is_read_not_recomputed() -> None:
    b = Builder()
    x = b.input(256)
    y = b.op("Exp", (256,), x)
    z = b.op("Abs", (256,), y)
    kernels = fuse(b.done(y, z))
    assert len(kernel_of(kernels, y)) == 1
    assert kernel_of(kernels, y) != kernel_of(kernels, z)


def test_layout_ops_and_broadcasts_fuse_into_elementwise_consumers() -> None:
    b = Builder()
    x, v = b.input(64, 32), b.input(32)
    t = b.g.add(Term("Transpose", TensorTy((32, 64), F32), (x, (1, 0), "")))
    out = b.op("Add", (32, 64), t, b.bcast(v, (32, 64), (0,)))
    kernels = fuse(b.done(out))
    assert len(kernels) == 1


def test_estimate_counts_fusions() -> None:
    est = MODEL.estimate(chain(["Neg", "Abs", "Exp"]))
    assert isinstance(est, Estimate)
    assert len(est.kernels) == 1 and est.fusions == 1
    assert est.seconds == pytest.approx(sum(k.seconds for k in est.kernels))


# -- monotonicity -------------------------------------------------------------------------------------
@pytest.mark.parametrize("ctors", [["Neg"], ["Exp", "Add"], ["Mul", "Tanh", "Abs"]])
def test_bigger_tensors_cost_more(ctors: list[str]) -> None:
    sizes = [16, 256, 4096, 65536, 1 << 20]
    costs = [MODEL.estimate(chain(ctors, n)).seconds for n in sizes]
    assert all(a < b for a, b in itertools.pairwise(costs))


def test_bigger_tensors_have_higher_node_costs() -> None:
    for ctor in ("Neg", "Exp", "Add", "Dot", "Reduce"):
        costs = []
        for n in (16, 256, 4096):
            data = EGraphData()
            data.add(ENode(O.INPUT, TensorTy((n, n), F32), (0, 0), "x"))
            if ctor == "Dot":
                node = ENode("Dot", TensorTy((n, n), F32), ("x", "x", (), (), (1,), (0,), ""), "y")
            elif ctor == "Reduce":
                data.add(ENode(O.SPLAT, TensorTy((), F32), ("s:0",), "z"))
                node = ENode("Reduce", TensorTy((n,), F32), ("x", "z", (1,), "add", ""), "y")
            elif ctor == "Add":
                node = ENode(ctor, TensorTy((n, n), F32), ("x", "x", ""), "y")
            else:
                node = ENode(ctor, TensorTy((n, n), F32), ("x", ""), "y")
            data.add(node)
            costs.append(MODEL.node_cost(node, data))
        assert all(a < b for a, b in itertools.pairwise(costs)), ctor


@pytest.mark.parametrize("profile", ["cpu", "gpu"])
def test_removing_an_op_from_an_elementwise_chain_never_costs_more(profile: str) -> None:
    model = CostModel(load_profile(profile))
    ops = ["Neg", "Exp", "Add", "Abs", "Tanh", "Mul", "Log"]
    for length in range(1, len(ops) + 1):
        for n in (64, 1 << 18):
            full = model.estimate(chain(ops[:length], n)).seconds
            for drop in range(length):
                shorter = ops[:drop] + ops[drop + 1 : length]
                assert model.estimate(chain(shorter, n)).seconds <= full * (1 + 1e-12)


def test_node_cost_agrees_with_estimate_on_chains() -> None:
    """The extractors' node-local costs order elementwise chains like the whole-program model."""
    ops = ["Neg", "Exp", "Add", "Abs", "Tanh"]
    n = 1 << 16
    totals: list[float] = []
    for length in range(1, len(ops) + 1):
        data = EGraphData()
        data.add(ENode(O.INPUT, TensorTy((n,), F32), (0, 0), "c0"))
        total = 0.0
        for i, c in enumerate(ops[:length]):
            kids = (f"c{i}", f"c{i}") if c == "Add" else (f"c{i}",)
            node = ENode(c, TensorTy((n,), F32), (*kids, ""), f"c{i + 1}")
            data.add(node)
            total += MODEL.node_cost(node, data)
        totals.append(total)
    estimates = [MODEL.estimate(chain(ops[:length], n)).seconds for length in range(1, len(ops) + 1)]
    assert all(a < b for a, b in itertools.pairwise(totals))
    assert all(a <= b for a, b in itertools.pairwise(estimates))


def test_identities_xla_removes_are_free() -> None:
    """`x * 1` and a transpose pair cost nothing more, in `estimate` and in `node_cost`."""
    b = Builder()
    x = b.input(64, 64)
    y = b.op("Exp", (64, 64), x)
    plain = MODEL.estimate(b.done(y)).seconds
    one = b.g.add(Term(O.SPLAT, TensorTy((64, 64), F32), ("s:1",)))
    t = b.g.add(Term("Transpose", TensorTy((64, 64), F32), (y, (1, 0), "")))
    tt = b.g.add(Term("Transpose", TensorTy((64, 64), F32), (t, (1, 0), "")))
    noisy = b.op("Mul", (64, 64), tt, one)
    assert MODEL.estimate(b.done(noisy)).seconds == pytest.approx(plain)
    data = EGraphData()
    data.add(ENode(O.INPUT, TensorTy((64, 64), F32), (0, 0), "x"))
    data.add(ENode(O.SPLAT, TensorTy((64, 64), F32), ("s:1",), "one"))
    node = ENode("Mul", TensorTy((64, 64), F32), ("x", "one", ""), "y")
    data.add(node)
    assert MODEL.node_cost(node, data) == 0.0


def test_sizes() -> None:
    assert itemsize("f32") == 4 and itemsize("bf16") == 2 and itemsize("i1") == 1
    assert itemsize("complex<f64>") == 16
    assert nbytes(TensorTy((3, 5), "f16")) == 30


def test_cost_benchmark_runs_and_reports_distinct_programs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`stablehlo-eqsat-bench-cost` end to end on one small model (few variants, few samples)."""
    import json

    from stablehlo_eqsat.tools import bench_cost

    out = tmp_path / "cost"
    cache = tmp_path / "m.json"
    argv = ["--out", str(out), "--only", "mlp", "--variants", "2", "--runs", "4", "--save-variants"]
    assert bench_cost.main([*argv, "--measure-cache", str(cache)]) == 0
    report = json.loads((out / "report.json").read_text())
    row = report["per_model"]["mlp"]
    assert row["variants"] >= 3 and 1 <= row["distinct"] <= row["variants"]
    assert all(v["hlo"] and v["measured_s"] > 0 for v in report["variants"])
    assert "distinct XLA programs" in (out / "report.md").read_text()
    assert -1.0 <= row["rho_repeat"] <= 1.0 or row["rho_repeat"] != row["rho_repeat"]
    # The saved variants, predicted again (and the profile fitted to them) without timing anything.
    profile = tmp_path / "fitted.json"
    again = tmp_path / "again"
    rescore = ["--out", str(again), "--rescore", str(out), "--measure-cache", str(cache)]
    assert bench_cost.main([*rescore, "--fit", str(profile)]) == 0
    redone = json.loads((again / "report.json").read_text())
    assert [v["measured_s"] for v in redone["variants"]] == [v["measured_s"] for v in report["variants"]]
    fitted = load_profile(str(profile))
    assert fitted.bandwidth_bytes_per_s > 0 and fitted.concat_fusion_max_operands == 8
    try:
        import matplotlib  # noqa: F401  (the plot needs the `bench` extra)
    except ImportError:
        return
    assert (out / "cost_vs_time.png").stat().st_size > 0


def _gelu_like(flops: int) -> TermGraph:
    """dot -> (bias add, `flops` - 1 more elementwise ops and a tanh) on 32x128 -> dot."""
    b = Builder()
    x, w, bias = b.input(32, 64), b.input(64, 128), b.input(128)
    h = b.op("Add", (32, 128), b.dot(x, w, (32, 128)), b.bcast(bias, (32, 128), (1,)))
    y = h
    for i in range(flops - 1):
        y = b.op("Mul" if i % 2 else "Add", (32, 128), y, h)
    y = b.op("Tanh", (32, 128), y)
    return b.done(b.dot(y, b.input(128, 64), (32, 64)))


def test_xla_cpu_splits_loop_fusions_doing_more_flops_than_bytes() -> None:
    """XLA CPU's ParallelTaskAssigner: the fusion of a GELU-like chain on 32x128 floats (16 KiB in
    and out plus the bias) is split across the threads once it does more flops than it moves
    bytes, and the hand-off is priced (as measured in gpt2_block's variants: +11-18 us per program)."""
    from stablehlo_eqsat.passes.fusion import parallel_tasks

    p = MODEL.profile
    assert p.parallel_tasks == 2 and p.parallel_overhead_s > 0
    moved = (2 * 32 * 128 + 128) * 4.0
    assert parallel_tasks(p, 9 * 4096, 4096, moved, 32 * 128 * 4) == 2
    assert parallel_tasks(p, 7 * 4096, 4096, moved, 32 * 128 * 4) == 1
    # Fewer flops than bytes: split by the output's size only, 256 KiB a task.
    assert parallel_tasks(p, 1e6, 0, 8e6, 4 << 20) == 2 and parallel_tasks(p, 1e4, 0, 8e4, 4 << 10) == 1
    # Split, its compute is shared by two threads, but the hand-off costs more on a kernel this small.
    few, many = MODEL.estimate(_gelu_like(7)).seconds, MODEL.estimate(_gelu_like(9)).seconds
    assert many - few > 1e-6
    # A profile without thread-pool splitting (the GPU's) prices the two alike, up to the flops.
    gpu = CostModel(load_profile("gpu"))
    assert gpu.profile.parallel_tasks == 1
    assert gpu.estimate(_gelu_like(9)).seconds - gpu.estimate(_gelu_like(7)).seconds < 1e-7


def test_a_fused_slice_reads_only_its_part() -> None:
    """One tap of a 3x3x512x512 weight (as im2col's per-tap weights are cut out): the loop fusion
    reads 1 MiB of the 9 MiB operand, which the kernel's memory time shows."""
    b = Builder()
    w = b.input(3, 3, 512, 512)
    tap = b.g.add(
        Term("Slice", TensorTy((1, 1, 512, 512), F32), (w, (0, 0, 0, 0), (1, 1, 512, 512), (1, 1, 1, 1), ""))
    )
    flat = b.op("Reshape", (512, 512), tap)
    est = MODEL.estimate(b.done(flat))
    (kernel,) = est.kernels
    moved = 2 * 512 * 512 * 4  # the tap in, the result out
    p = MODEL.profile
    assert est.sequential  # one kernel, launched in sequence (see below)
    assert kernel.seconds == pytest.approx(
        p.sequential_launch_s + p.parallel_overhead_s + moved / p.bandwidth_bytes_per_s
    )
    # Read in full when something else in the kernel needs all of it.
    b2 = Builder()
    w2 = b2.input(3, 3, 512, 512)
    tap2 = b2.g.add(
        Term("Slice", TensorTy((1, 1, 512, 512), F32), (w2, (0, 0, 0, 0), (1, 1, 512, 512), (1, 1, 1, 1), ""))
    )
    total = b2.reduce(b2.op("Abs", (3, 3, 512, 512), w2), (), (0, 1, 2, 3))
    both = MODEL.estimate(b2.done(tap2, total))
    assert sum(k.seconds for k in both.kernels) > est.seconds


def test_xla_cpu_keeps_a_concatenate_of_many_operands_apart() -> None:
    """XLA CPU fuses a concatenate of up to 8 operands with its producers; one of more is a copy of
    its own, each computed operand written out by its own loop fusion first (as im2col's 9-tap
    concatenates compile). So is one along the minor dimension once that is 128 or longer."""

    def concat_of(n: int) -> tuple[TermGraph, list[int]]:
        b = Builder()
        parts = [b.op("Neg", (2, 8, 8, 16), b.input(2, 8, 8, 16)) for _ in range(n)]
        cat = b.g.add(Term("Concat", TensorTy((2, 8, 8, 16 * n), F32), (tuple(parts), 3, "")))
        return b.done(b.op("Abs", (2, 8, 8, 16 * n), cat)), parts

    few, _ = concat_of(7)
    est = MODEL.estimate(few)
    assert [k.kind for k in est.kernels] == ["loop"] and est.fusions == 1
    many, parts = concat_of(9)
    est = MODEL.estimate(many)
    kinds = sorted(k.kind for k in est.kernels)
    assert kinds == ["copy"] + ["loop"] * 10  # the consumer, the copy, one fusion per operand
    assert est.fusions == 10  # the copy is not a fusion in XLA's HLO
    assert all(len(kernel_of(est.kernels, p)) == 1 for p in parts)
    # Without the limit (the GPU profile) everything is one loop fusion.
    assert len(fuse(many)) == 1

    def two(width: int, dim: int) -> TermGraph:
        b = Builder()
        parts = tuple(b.op("Neg", (4, width), b.input(4, width)) for _ in range(2))
        shape = (4, 2 * width) if dim == 1 else (8, width)
        return b.done(b.g.add(Term("Concat", TensorTy(shape, F32), (parts, dim, ""))))

    assert [k.kind for k in MODEL.estimate(two(32, 1)).kernels] == ["loop"]  # minor dim 64
    assert sorted(k.kind for k in MODEL.estimate(two(64, 1)).kernels) == ["copy", "loop", "loop"]  # 128
    assert [k.kind for k in MODEL.estimate(two(64, 0)).kernels] == ["loop"]  # the major dimension


def test_xla_cpu_splits_long_small_reductions_into_a_tree() -> None:
    """XLA CPU's tree reduction rewriter: a reduction over more than 32 elements of a dimension, of
    an operand under 4096 elements (larger ones go to the library's reduction), becomes
    reduce-windows and a reduce that fuse no producer: the operand is written out first."""
    from stablehlo_eqsat.passes.profile import tree_levels

    p = MODEL.profile
    assert tree_levels(p, TensorTy((2, 16, 64), F32), (2,)) == 1
    assert tree_levels(p, TensorTy((2, 16, 32), F32), (2,)) == 0
    assert tree_levels(p, TensorTy((4000,), F32), (0,)) == 2  # 4000 -> 125 -> 4 -> 1
    assert tree_levels(p, TensorTy((64, 64), F32), (1,)) == 0  # 4096 elements: the library's

    def layer_norm_variance(n: int) -> TermGraph:
        b = Builder()
        x = b.input(2, 16, n)
        sq = b.op("Mul", (2, 16, n), x, x)
        return b.done(b.reduce(sq, (2, 16), (2,)))

    est = MODEL.estimate(layer_norm_variance(64))
    assert sorted(k.kind for k in est.kernels) == ["loop", "tree"]  # the square is written out
    assert est.fusions == 3  # multiply, reduce-window, reduce (as XLA compiles it)
    est = MODEL.estimate(layer_norm_variance(16))
    assert [k.kind for k in est.kernels] == ["reduce"] and est.fusions == 1


def test_chlo_elementwise_ops_fuse_like_stablehlo_ones() -> None:
    """`chlo.square` (JAX's lowering of `x ** 2`) stays an opaque op to the rules, but XLA sees a
    multiply: it fuses into the reduction that consumes it, and two equal ones are one."""
    from stablehlo_eqsat.dialect_glue.context import make_context
    from stablehlo_eqsat.dialect_glue.importer import import_function, pure_functions
    from stablehlo_eqsat.passes.constants import canonicalize_splats

    text = """
    func.func @main(%x: tensor<2x16xf32>) -> (tensor<2xf32>, tensor<2x16xf32>) {
      %s = chlo.square %x : tensor<2x16xf32> -> tensor<2x16xf32>
      %t = chlo.square %x : tensor<2x16xf32> -> tensor<2x16xf32>
      %e = chlo.erf %x : tensor<2x16xf32> -> tensor<2x16xf32>
      %z = stablehlo.constant dense<0.0> : tensor<f32>
      %r = stablehlo.reduce(%s init: %z) applies stablehlo.add across dimensions = [1]
          : (tensor<2x16xf32>, tensor<f32>) -> tensor<2xf32>
      %m = stablehlo.multiply %t, %e : tensor<2x16xf32>
      return %r, %m : tensor<2xf32>, tensor<2x16xf32>
    }
    """
    from jaxlib.mlir import ir

    with make_context():
        module = ir.Module.parse(text)
        fn = import_function(module.body.operations[0].operation, pure_functions(module))
        graph = canonicalize_splats(fn.body.graph, fn.tables)
    est = MODEL.estimate(graph)
    assert sorted(k.kind for k in est.kernels) == ["loop", "reduce"]
    opaque = [t for t in graph.live() if graph.terms[t].ctor == O.OPAQUE]
    assert len(opaque) == 2  # the two squares are one term (chlo ops are pure), and the erf
    erf = next(t for t in opaque if str(graph.terms[t].args[0]).startswith(O.TRANSCENDENTAL_KEY))
    square = next(t for t in opaque if t != erf)
    assert str(graph.terms[square].args[0]).startswith(O.ELEMENTWISE_KEY)
    assert len(kernel_of(est.kernels, square)) == 2  # cheap: recomputed in both kernels


def test_constant_subexpressions_and_broadcast_operands_count_as_xla_computes_them() -> None:
    """Before deciding a split, XLA folds `c1 * c2` on constants and computes `bcast(b) * c` on `b`
    (its simplifier moves the multiply before the broadcast): a GELU-like fusion with those is no
    costlier than without them, and is not split."""
    p = MODEL.profile

    def gelu(extra: bool) -> TermGraph:
        b = Builder()
        x, w, bias = b.input(32, 64), b.input(64, 128), b.input(128)
        bb = b.bcast(bias, (32, 128), (1,))
        h = b.op("Add", (32, 128), b.dot(x, w, (32, 128)), bb)
        y = h
        for i in range(6 if extra else 7):
            y = b.op("Mul" if i % 2 else "Add", (32, 128), y, h)
        if extra:  # the 7th add, of (bias * c) and (c * c) at full size: XLA computes 128 and 0 elements
            c = b.g.add(Term(O.SPLAT, TensorTy((32, 128), F32), ("s:0.5",)))
            y = b.op("Add", (32, 128), y, b.op("Mul", (32, 128), bb, b.op("Mul", (32, 128), c, c)))
        y = b.op("Tanh", (32, 128), y)
        return b.done(b.dot(y, b.input(128, 64), (32, 64)))

    plain, extra = MODEL.estimate(gelu(False)), MODEL.estimate(gelu(True))
    assert not any(k.split for k in plain.kernels) and not any(k.split for k in extra.kernels)
    # the same full-size work, plus 128 elements
    assert extra.seconds - plain.seconds < 200 / p.elementwise_flops_per_s + 1e-12


def test_io_bound_fusions_split_by_bytes_accessed_and_the_first_split_wakes_the_pool() -> None:
    """XLA CPU splits a fusion doing fewer flops than bytes by the bytes it reads and writes (one
    task per 256 KiB, at most sqrt(cores)); the first split kernel of a program pays the wake-up."""
    from stablehlo_eqsat.passes.fusion import parallel_tasks

    p = MODEL.profile
    # 320 KiB out, 640 KiB moved: split (by the output alone it would not be)
    assert parallel_tasks(p, 80 * 1024, 0, 640 * 1024, 320 * 1024) == 2
    assert parallel_tasks(p, 16 * 1024, 0, 128 * 1024, 64 * 1024) == 1

    def negs(n: int) -> TermGraph:
        b = Builder()
        xs = [b.op("Neg", (256, 256), b.input(256, 256)) for _ in range(n)]
        return b.done(*xs)

    one, two = MODEL.estimate(negs(1)), MODEL.estimate(negs(2))
    assert all(k.split for k in two.kernels)
    assert p.parallel_wakeup_s > 0
    assert two.seconds - 2 * one.seconds == pytest.approx(-p.parallel_wakeup_s)


def test_the_cpu_profile_has_this_xla_s_fusion_limits() -> None:
    """`stablehlo-eqsat-calibrate` reads XLA CPU's fusion limits from its optimized HLO of probe
    programs; the shipped profile must agree with the XLA installed (a new jaxlib that changes
    them fails here rather than silently mispricing concatenates and reductions)."""
    import jax
    from stablehlo_eqsat.tools.calibrate import fusion_limits

    if jax.default_backend() != "cpu":
        pytest.skip("the limits are XLA CPU's")
    p = load_profile("cpu")
    assert fusion_limits() == {
        "concat_fusion_max_operands": p.concat_fusion_max_operands,
        "concat_minor_dim_limit": p.concat_minor_dim_limit,
        "tree_reduction_window": p.tree_reduction_window,
        "library_reduce_min_elements": p.library_reduce_min_elements,
    }


def test_calibration_times_the_dot_kernels_the_model_prices_apart() -> None:
    """`stablehlo-eqsat-calibrate` writes the dot efficiencies `dot_cost.py` uses, each the GEMM's
    time over the form's on the same arithmetic; a profile with them loads."""
    import dataclasses
    import json

    import jax
    from stablehlo_eqsat.passes.profile import DeviceProfile
    from stablehlo_eqsat.tools.calibrate import dot_efficiencies

    if jax.default_backend() != "cpu":
        pytest.skip("XLA CPU's dot kernels")
    found = dot_efficiencies(repeats=3, quick=True)
    fields = {f.name for f in dataclasses.fields(DeviceProfile)}
    assert set(found) <= fields and {"dot_generic_efficiency", "dot_generic_vector_efficiency"} <= set(found)
    assert all(0 < v <= 1 for k, v in found.items() if k.endswith("efficiency"))
    shipped = json.loads(json.dumps(dataclasses.asdict(load_profile("cpu"))))
    assert DeviceProfile(**{**shipped, **found}).dot_generic_narrow == 64


def _independent_dots(n: int) -> TermGraph:
    """`n` matrix products of one input: `n` kernels, none of which fuses with another."""
    b = Builder()
    x = b.input(64, 64)
    return b.done(*(b.dot(x, b.input(64, 64), (64, 64)) for _ in range(n)))


def test_a_small_program_runs_its_kernels_in_sequence() -> None:
    """XLA CPU's thunk executor runs a program of at most 8 kernel launches one after the other in
    the calling thread, and schedules a larger one on its thread pool, each launch a task: the
    ninth kernel makes every launch cost the task's overhead."""
    p = MODEL.profile
    assert p.sequential_max_thunks == 8 and p.sequential_launch_s < p.launch_overhead_s
    eight, nine = MODEL.estimate(_independent_dots(8)), MODEL.estimate(_independent_dots(9))
    assert eight.sequential and not nine.sequential
    one_dot = nine.seconds / 9
    assert eight.seconds == pytest.approx(8 * (one_dot - p.launch_overhead_s + p.sequential_launch_s))
    # A profile without the distinction (the GPU's) prices every launch alike.
    gpu = CostModel(load_profile("gpu"))
    assert not gpu.estimate(_independent_dots(2)).sequential
    assert gpu.estimate(_independent_dots(9)).seconds == pytest.approx(
        4.5 * gpu.estimate(_independent_dots(2)).seconds
    )


def test_a_dot_operand_copy_is_a_launch_of_its_own() -> None:
    """A dot XLA runs after copying an operand (a batch dimension not leading) is two launches."""
    b = Builder()
    x, w = b.input(64, 8, 32), b.input(8, 32, 16)
    dot = b.dot(x, w, (8, 64, 16), O.DotDims((1,), (0,), (2,), (1,)))
    graph = b.done(dot)
    est = MODEL.estimate(graph)
    (kernel,) = [k for k in est.kernels if k.kind == "dot"]
    assert MODEL.launches(est.graph, kernel) == 2  # type: ignore[arg-type]
