"""`stablehlo-eqsat-bench-dots`'s programs: each group's alternatives compute the same product."""

from __future__ import annotations

import numpy as np
import pytest
from stablehlo_eqsat.tools.bench_dots import form_program, groups_for, summarize

import stablehlo_eqsat.xla as xla


@pytest.mark.parametrize("product", [(1, 8, 16, 12), (3, 8, 16, 12)])
def test_the_forms_compute_the_same_product(product: tuple[int, int, int, int]) -> None:
    batch, m, k, n = product
    rng = np.random.default_rng(0)
    a = rng.standard_normal((batch, m, k)).astype(np.float32)
    b = rng.standard_normal((batch, k, n)).astype(np.float32)
    expected = a @ b
    for lhs_t in (False, True):
        for rhs_t in (False, True):
            for swap in (False, True):
                text = form_program(product, lhs_t, rhs_t, swap)
                x = np.swapaxes(a, 1, 2) if lhs_t else a
                y = np.swapaxes(b, 1, 2) if rhs_t else b
                if batch == 1:
                    x, y = x[0], y[0]
                (out,) = xla.compile_and_run(text, [x, y])
                got = np.swapaxes(out, -1, -2) if swap else out
                np.testing.assert_allclose(got.reshape(expected.shape), expected, rtol=1e-5, atol=1e-5)


def test_chain_and_merged_alternatives_agree() -> None:
    groups = groups_for((1, 8, 16, 12))
    assert len(groups) == 3
    for name, programs in groups.items():
        if name.endswith("forms"):
            continue
        inputs = xla.random_inputs(xla.arg_types_of(programs[0].text))
        first, second = (xla.compile_and_run(p.text, inputs) for p in programs)
        for u, v in zip(first, second, strict=True):
            np.testing.assert_allclose(u, v, rtol=1e-4, atol=1e-4)


def test_summary_pools_only_alternatives_above_the_noise() -> None:
    groups = groups_for((1, 8, 16, 12))
    for programs in groups.values():
        for i, p in enumerate(programs):
            p.predicted_s = 1.0 + i
            p.priced_s = 10.0 - i  # ranks them the other way round
            p.measured_s = 1.0 + (i if i != 1 else 0.01)  # the second within noise of the first
            p.remeasured_s = p.measured_s
    summary = summarize(groups, dict.fromkeys(groups, 1.0))
    assert summary["pooled_points"] == 6 + 0 + 0  # forms: 7 alternatives, one within the noise
    assert summary["pooled_rho"] == {
        "analytical": pytest.approx(1.0),
        "dots timed": pytest.approx(-1.0),
        "second timing": pytest.approx(1.0),
    }


@pytest.mark.parametrize("looped", [True, False])
def test_a_group_is_timed_and_only_the_forms_read_xla_kernel(looped: bool) -> None:
    """Timed inside a loop (the default) or a call at a time, every program of a group gets a
    positive time, and only the forms (one dot each) say whether XLA ran the library's GEMM."""
    from stablehlo_eqsat.tools.bench_dots import measure

    for name, programs in groups_for((1, 8, 16, 12)).items():
        control = measure(programs, rounds=3, looped=looped)
        assert control > 0 and all(p.measured_s > 0 for p in programs)
        assert all((p.xla_library is not None) == name.endswith("forms") for p in programs)
