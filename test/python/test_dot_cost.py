"""Dots priced as XLA runs them (`passes/dot_cost.py`): the form and kernel of a dot, the
transposes XLA folds into dots (`xla_simplify`), and the rule that a tie keeps the input."""

from __future__ import annotations

import dataclasses

import pytest
from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.graph import TensorTy, Term, TermGraph
from stablehlo_eqsat.dialect_glue.ops import DotDims
from stablehlo_eqsat.passes.cost import CostModel, changed_dot_seconds, dot_kernels
from stablehlo_eqsat.passes.dot_cost import (
    GEMM,
    GEMM_RHS_MINOR,
    GENERIC,
    VECTOR,
    dot_form,
    dot_seconds,
    kernel_efficiency,
)
from stablehlo_eqsat.passes.fusion import xla_simplify
from stablehlo_eqsat.passes.profile import load_profile
from term_graphs import Builder

MODEL = CostModel(load_profile("cpu"))


def ty(*shape: int, dtype: str = "f32") -> TensorTy:
    return TensorTy(shape, dtype)


def dims(lc: int, rc: int, lb: tuple[int, ...] = (), rb: tuple[int, ...] = ()) -> DotDims:
    return DotDims(lb, rb, (lc,), (rc,))


@pytest.mark.parametrize(
    ("lhs", "rhs", "d", "kernel"),
    [
        (ty(256, 512), ty(512, 24), dims(1, 0), GEMM),  # [M,K] x [K,N]
        (ty(256, 512), ty(24, 512), dims(1, 1), GEMM_RHS_MINOR),  # [M,K] x [N,K]
        (ty(512, 256), ty(512, 24), dims(0, 0), GENERIC),  # [K,M] x [K,N]: lhs contracts its major dim
        (ty(512, 24), ty(256, 512), dims(0, 1), GENERIC),  # the swapped operands of a matmul
        (ty(1, 512), ty(512, 24), dims(1, 0), VECTOR),  # M = 1
        (TensorTy((512,), "f32"), ty(512, 24), dims(0, 0), VECTOR),  # a vector lhs
        (ty(128, 1), ty(1, 16), dims(1, 0), VECTOR),  # K = 1: an outer product (RoPE's angles)
        (ty(4, 6), ty(6, 5), dims(1, 0), GENERIC),  # every dimension below 8: not the library's
        (ty(64, 64, dtype="f16"), ty(64, 64, dtype="f16"), dims(1, 0), GENERIC),  # no f16 GEMM
        (ty(2, 8, 64, 32), ty(2, 8, 32, 64), dims(3, 2, (0, 1), (0, 1)), GEMM),  # batched, canonical
    ],
)
def test_dot_kernel(lhs: TensorTy, rhs: TensorTy, d: DotDims, kernel: str) -> None:
    form = dot_form(lhs, rhs, d)
    assert form.kernel == kernel
    assert form.copies == 0


def test_a_dot_xla_decomposes_copies_its_transposed_operands() -> None:
    """Batch dimensions not leading (keras-hub's attention einsum): `DotDecomposer` transposes
    both operands to [batch, M, K] and [batch, K, N], then runs the GEMM."""
    q, k = ty(2, 128, 8, 32), ty(2, 128, 8, 32)
    form = dot_form(q, k, DotDims((0, 2), (0, 2), (3,), (3,)))
    assert (form.batch, form.m, form.k, form.n) == (16, 128, 32, 128)
    assert form.kernel == GEMM and form.copies == 2
    assert form.copied_bytes == 2 * q.numel * 4
    # Batch dims leading but two contracting dims: only an operand out of order is copied.
    form = dot_form(ty(4, 8, 16), ty(8, 16, 32), DotDims((), (), (1, 2), (0, 1)))
    assert (form.m, form.k, form.n, form.copies) == (4, 128, 32, 0)


def test_generic_dots_are_priced_above_the_gemm() -> None:
    """Same arithmetic, different dimension numbers: the model orders them as XLA runs them."""

    def seconds(lhs: TensorTy, rhs: TensorTy, d: DotDims, out: TensorTy) -> float:
        g = TermGraph()
        a = g.add(Term(O.INPUT, lhs, (0, 0)))
        b = g.add(Term(O.INPUT, rhs, (0, 1)))
        g.roots = [g.add(Term("Dot", out, (a, b, *d, "")))]
        return MODEL.estimate(g).seconds

    gemm = seconds(ty(256, 512), ty(512, 24), dims(1, 0), ty(256, 24))
    rhs_minor = seconds(ty(256, 512), ty(24, 512), dims(1, 1), ty(256, 24))
    generic = seconds(ty(512, 256), ty(512, 24), dims(0, 0), ty(256, 24))
    assert gemm <= rhs_minor < generic


def only_dot(graph: TermGraph) -> Term:
    simple = xla_simplify(graph)
    dots = [simple.terms[t] for t in simple.live() if simple.terms[t].ctor == "Dot"]
    assert len(dots) == 1
    assert not any(simple.terms[t].ctor == "Transpose" for t in simple.live())
    return dots[0]


def test_xla_folds_an_operand_transpose_into_the_dot() -> None:
    b = Builder()
    x, w = b.input(512, 256), b.input(512, 24)
    dot = only_dot(b.done(b.dot(b.transpose(x, (1, 0)), w, (256, 24), dims(1, 0))))
    assert O.operand(dot, "x") == x and O.dot_dims(dot) == dims(0, 0)


def test_xla_swaps_the_operands_of_a_transposed_dot() -> None:
    """`transpose(x @ w)` is `dot(w, x)` to XLA (checked in its optimized HLO): the slow form."""
    b = Builder()
    x, w = b.input(256, 512), b.input(512, 24)
    dot = only_dot(b.done(b.transpose(b.dot(x, w, (256, 24), dims(1, 0)), (1, 0))))
    assert (O.operand(dot, "x"), O.operand(dot, "y")) == (w, x)
    assert O.dot_dims(dot) == dims(0, 1) and dot.ty == ty(24, 256)


def test_a_transposed_dot_with_other_users_is_not_swapped() -> None:
    b = Builder()
    x, w = b.input(256, 512), b.input(512, 24)
    d = b.dot(x, w, (256, 24), dims(1, 0))
    simple = xla_simplify(b.done(b.transpose(d, (1, 0)), d))
    assert [simple.terms[t].ctor for t in simple.live()].count("Transpose") == 1


def test_a_transpose_of_batch_dims_is_not_folded() -> None:
    b = Builder()
    x, w = b.input(2, 8, 16), b.input(8, 2, 16)
    t = b.transpose(w, (1, 0, 2))  # moves the batch dimension: XLA copies it
    simple = xla_simplify(b.done(b.dot(x, t, (2, 8, 2), dims(2, 2, (0,), (0,)))))
    assert "Transpose" in [simple.terms[i].ctor for i in simple.live()]


def test_the_perf_fuzz_loss_is_no_longer_chosen() -> None:
    """perf-fuzz's shrunk loss: `transpose(relu(x @ w))` was turned into `relu(dot(w, x))`
    contracting [0] x [1] (0.40x under XLA, measured); the model now prices that above the input."""
    b = Builder()
    x, w = b.input(256, 512), b.input(512, 24)
    before = b.done(b.transpose(b.relu(b.dot(x, w, (256, 24), dims(1, 0))), (1, 0)))
    a = Builder()
    x, w = a.input(256, 512), a.input(512, 24)
    after = a.done(a.relu(a.dot(w, x, (24, 256), dims(0, 1))))
    judgement = MODEL.judge(before, after)
    assert judgement.after.seconds > judgement.before.seconds
    assert not judgement.take_after


def test_a_tie_on_dots_keeps_the_input() -> None:
    """Where the dots differ, the new program must be cheaper by more than the model's error on
    them; where only the rest differs, not being dearer is enough."""
    b = Builder()
    x, w = b.input(256, 512), b.input(512, 24)
    before = b.done(b.dot(x, w, (256, 24), dims(1, 0)))
    a = Builder()
    x, w = a.input(256, 512), a.input(24, 512)
    after = a.done(a.dot(x, w, (256, 24), dims(1, 1)))  # another dot of the same arithmetic
    profile = dataclasses.replace(MODEL.profile, dot_rhs_minor_efficiency=1.02)
    loose = dataclasses.replace(MODEL, profile=profile)
    judgement = loose.judge(before, after)
    assert judgement.after.seconds < judgement.before.seconds  # predicted faster, but by too little
    assert judgement.error_seconds > 0 and not judgement.take_after
    assert changed_dot_seconds(judgement.after, judgement.before) == pytest.approx(judgement.after.seconds)
    same = MODEL.judge(before, before)
    assert same.error_seconds == 0 and same.take_after
    assert sum(dot_kernels(same.before).values()) == 1


def test_moving_a_dimension_of_size_one_is_no_copy() -> None:
    """DotDecomposer's transposes that only move size-1 dimensions are bitcasts in XLA's HLO
    (keras-hub's attention probabilities, [1, batch, heads, s, t]): no copy is priced."""
    probs, v = ty(1, 2, 8, 128, 128), ty(2, 128, 8, 4)
    as_read = dot_form(probs, v, DotDims((1, 2), (0, 2), (4,), (1,)))
    assert as_read.copies == 1 and as_read.copied_bytes == v.numel * 4  # only v moves its heads
    written = dot_form(v, probs, DotDims((0, 2), (1, 2), (1,), (4,)))
    assert written.copies == 2 and written.copied_bytes == (v.numel + probs.numel) * 4


def test_judging_times_only_the_dots_that_differ(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Of two programs that share a dot, only the dots one runs and the other does not are timed
    (a cold cache pays for what can change the choice); the shared one keeps its price."""
    from stablehlo_eqsat.passes.measure import MeasuredCostModel, Measurer

    timed: list[tuple[object, ...]] = []

    class Recording(Measurer):
        def _time(self, text: str, child_tys: list[TensorTy], looped: bool) -> float:  # type: ignore[override]
            timed.append(tuple(child_tys))
            return 1e-3

        def _baseline(self) -> float:
            return 0.0

    def program(swapped: bool) -> TermGraph:
        b = Builder()
        x, w, v = b.input(256, 512), b.input(512, 24), b.input(24, 512)
        shared = b.dot(x, w, (256, 24), dims(1, 0))
        other = b.dot(x, v, (256, 24), dims(1, 1)) if swapped else b.dot(x, w, (256, 24), dims(1, 0))
        return b.done(shared, b.relu(other))

    model = MeasuredCostModel(load_profile("cpu"), measurer=Recording(tmp_path / "m.json"), mode="on")
    judgement = model.judge(program(False), program(True))
    assert judgement.error_seconds > 0  # the two programs' dots differ, and were timed
    assert timed == [(ty(256, 512), ty(24, 512))]  # the dot only the second program runs


def test_the_generic_emitter_is_priced_by_whether_its_loops_vectorize() -> None:
    """XLA's generic dot emitter vectorizes along the output's minor dimension when that is the
    rhs's minor dimension too: [K,M] x [K,N] runs near the GEMM's rate, [K,M] x [N,K] does not,
    and a two-row output whose loops cannot vectorize is slower still (measured: 1.5x, 11x)."""
    profile = MODEL.profile
    seconds = {}
    for name, lhs, rhs, d in [
        ("gemm", ty(2, 256), ty(256, 256), dims(1, 0)),
        ("vectorized", ty(256, 2), ty(256, 256), dims(0, 0)),  # [K,M] x [K,N]
        ("strided", ty(256, 2), ty(256, 256), dims(0, 1)),  # [K,M] x [N,K]
        ("wide strided", ty(256, 256), ty(256, 256), dims(0, 1)),
    ]:
        form = dot_form(lhs, rhs, d)
        seconds[name] = form.flops / (profile.matmul_flops_per_s * kernel_efficiency(profile, form))
        assert (form.kernel == GENERIC) == (name != "gemm")
        assert form.vectorized == (name == "vectorized")
    assert seconds["gemm"] < seconds["vectorized"] < seconds["strided"] / 4
    assert seconds["wide strided"] / 2**15 < seconds["strided"] / 2**8  # the narrow one, per flop


def test_an_empty_dot_costs_a_launch() -> None:
    """A dot with a dimension of size 0 (found by the fuzzer: `tensor<0x3xi32>` times a constant)
    does no arithmetic; pricing it must not divide by its empty rows."""
    form = dot_form(ty(0, 3, dtype="i32"), ty(3, 2, dtype="i32"), dims(1, 0))
    assert form.kernel == GENERIC and not form.vectorized
    assert dot_seconds(MODEL.profile, form, 0.0) == pytest.approx(MODEL.profile.launch_overhead_s)


def test_a_timed_dot_pays_a_task_launch_in_a_program_run_on_the_thread_pool(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A dot timed alone ran in sequence; in a program of more than 8 kernels XLA schedules each
    kernel as a task, and the timed dot is priced with that launch, as the analytical kernels are."""
    from stablehlo_eqsat.passes.measure import MeasuredCostModel, Measurer

    class Fixed(Measurer):
        def _time(self, text: str, child_tys: list[TensorTy], looped: bool) -> float:  # type: ignore[override]
            return 1e-3

    def dots(n: int) -> TermGraph:
        b = Builder()
        x = b.input(64, 64)
        return b.done(*(b.dot(x, b.input(64, 64), (64, 64)) for _ in range(n)))

    profile = load_profile("cpu")
    model = MeasuredCostModel(profile, measurer=Fixed(tmp_path / "m.json"), mode="on").for_function([dots(1)])
    assert model.estimate(dots(2)).seconds == pytest.approx(2e-3)
    assert model.estimate(dots(9)).seconds == pytest.approx(
        9 * (1e-3 + profile.launch_overhead_s - profile.sequential_launch_s)
    )
