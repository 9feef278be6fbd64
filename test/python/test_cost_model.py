"""The fusion-aware cost model: how `fuse` groups ops into kernels, and how costs grow."""

from __future__ import annotations

import itertools

import pytest
from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.graph import TensorTy, Term, TermGraph
from stablehlo_eqsat.passes.cost import CostModel, Estimate, fuse, itemsize, load_profile, nbytes
from stablehlo_eqsat.passes.egraph import EGraphData, ENode

F32 = "f32"


class Builder:
    """Term graphs by hand: `b.op("Add", shape, x, y)`."""

    def __init__(self) -> None:
        self.g = TermGraph()
        self.n_inputs = 0

    def input(self, *shape: int) -> int:
        self.n_inputs += 1
        return self.g.add(Term(O.INPUT, TensorTy(shape, F32), (0, self.n_inputs - 1)))

    def op(self, ctor: str, shape: tuple[int, ...], *kids: int) -> int:
        return self.g.add(Term(ctor, TensorTy(shape, F32), (*kids, "")))

    def splat(self, *shape: int) -> int:
        return self.g.add(Term(O.SPLAT, TensorTy(shape, F32), ("s:0",)))

    def reduce(self, x: int, shape: tuple[int, ...], dims: tuple[int, ...], kind: str = "add") -> int:
        return self.g.add(Term("Reduce", TensorTy(shape, F32), (x, self.splat(), dims, kind, "")))

    def bcast(self, x: int, shape: tuple[int, ...], dims: tuple[int, ...]) -> int:
        return self.g.add(Term("Bcast", TensorTy(shape, F32), (x, dims, "")))

    def dot(self, a: int, b: int, shape: tuple[int, ...]) -> int:
        return self.g.add(Term("Dot", TensorTy(shape, F32), (a, b, (), (), (1,), (0,), "")))

    def done(self, *roots: int) -> TermGraph:
        self.g.roots = list(roots)
        return self.g


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
    argv = ["--out", str(out), "--only", "mlp", "--variants", "2", "--runs", "3"]
    assert bench_cost.main([*argv, "--measure-cache", str(cache)]) == 0
    report = json.loads((out / "report.json").read_text())
    row = report["per_model"]["mlp"]
    assert row["variants"] >= 3 and 1 <= row["distinct"] <= row["variants"]
    assert all(v["hlo"] and v["measured_s"] > 0 for v in report["variants"])
    assert "distinct XLA programs" in (out / "report.md").read_text()
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
    from stablehlo_eqsat.passes.cost import parallel_tasks

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
    assert kernel.seconds == pytest.approx(
        p.launch_overhead_s + p.parallel_overhead_s + moved / p.bandwidth_bytes_per_s
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
