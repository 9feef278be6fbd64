"""`stablehlo-eqsat-kernel-profile`: every dot of a module found with its count and kernel, timed
alone, and the report's shares add up."""

from __future__ import annotations

from pathlib import Path

from stablehlo_eqsat.passes.measure import Measurer
from stablehlo_eqsat.tools import kernel_profile as K

MODULE = """
func.func public @main(%x: tensor<64x128xf32>, %w: tensor<128x256xf32>, %v: tensor<256x128xf32>)
    -> tensor<64x128xf32> {
  %h = stablehlo.dot_general %x, %w, contracting_dims = [1] x [0]
    : (tensor<64x128xf32>, tensor<128x256xf32>) -> tensor<64x256xf32>
  %t = stablehlo.tanh %h : tensor<64x256xf32>
  %o = stablehlo.dot_general %t, %v, contracting_dims = [1] x [0]
    : (tensor<64x256xf32>, tensor<256x128xf32>) -> tensor<64x128xf32>
  %h2 = stablehlo.dot_general %o, %w, contracting_dims = [1] x [0]
    : (tensor<64x128xf32>, tensor<128x256xf32>) -> tensor<64x256xf32>
  %o2 = stablehlo.dot_general %w, %w, contracting_dims = [0] x [0]
    : (tensor<128x256xf32>, tensor<128x256xf32>) -> tensor<256x256xf32>
  %s = stablehlo.slice %o2 [0:64, 0:128] : (tensor<256x256xf32>) -> tensor<64x128xf32>
  %s2 = stablehlo.slice %h2 [0:64, 0:128] : (tensor<64x256xf32>) -> tensor<64x128xf32>
  %r0 = stablehlo.add %o, %s : tensor<64x128xf32>
  %r = stablehlo.add %r0, %s2 : tensor<64x128xf32>
  return %r : tensor<64x128xf32>
}
"""


def test_dots_are_found_by_shape_with_their_counts() -> None:
    found = K.dots_of(MODULE)
    assert sorted(found.values()) == [1, 1, 2]  # x @ w and o @ w have the same shapes
    assert sum(found.values()) == 4


def test_profile_reports_each_dot_and_the_whole(tmp_path: Path) -> None:
    measurer = Measurer(cache_path=tmp_path / "m.json", budget_seconds=60)
    p = K.profile("m", MODULE, measurer, rounds=3)
    assert p.seconds > 0 and len(p.dots) == 3
    assert all(r.seconds is not None and r.seconds > 0 for r in p.dots)
    kernels = {r.kernel for r in p.dots}
    assert "gemm" in kernels and kernels - {"gemm"}  # the last dot contracts the lhs's major dim
    text = K.report([p], rate=100e9, top=5)
    assert "| m |" in text and all(r.shape.describe() in text for r in p.dots)


def test_programs_with_the_same_parameters_are_timed_together(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import stablehlo_eqsat.xla as xla

    calls: list[int] = []
    real = xla.time_interleaved

    def recording(exes, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(exes))
        return real(exes, *args, **kwargs)

    monkeypatch.setattr(xla, "time_interleaved", recording)
    other = MODULE.replace("64x128xf32>, %w", "32x128xf32>, %w").replace("64x", "32x").replace("0:64", "0:32")
    seconds = K.programs_seconds([MODULE, other, MODULE], rounds=3)
    assert sorted(calls) == [1, 2]  # MODULE and its copy together, the other alone
    assert all(s > 0 for s in seconds)
