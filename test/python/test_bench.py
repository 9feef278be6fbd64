"""`stablehlo-eqsat-bench` end to end on one small model (a quick run: few rounds)."""

from __future__ import annotations

import json
from pathlib import Path


def test_bench_times_every_variant_and_writes_the_table(tmp_path: Path) -> None:
    from stablehlo_eqsat.tools import bench

    out = tmp_path / "bench"
    assert bench.main(["--out", str(out), "--quick", "--models", "redundant_layers", "--copies", "2"]) == 0
    data = json.loads((out / "bench.json").read_text())
    assert data["meta"]["copies"] == 2
    (model,) = data["models"]
    a, b = model["variants"]["a"], model["variants"]["b"]
    assert a["available"] and b["available"]
    assert b["ops"] < a["ops"]  # the redundancy is gone
    assert b["rel_error"] == 0 and b["speedup"] > 0 and model["control_speedup"] > 0
    table = (out / "bench.md").read_text()
    assert "| redundant_layers |" in table and "2 compilations of each variant" in table
    # the optimizer's own time, cold (a measurement cache of its own) and warm, against XLA's compile
    assert b["transform_s"] > 0 and b["transform_warm_s"] > 0 and a["compile_s"] > 0
    assert "time cold over XLA's compile time: geometric mean" in table
    assert "time warm over XLA's compile time: geometric mean" in table


def test_compute_bound_counts_every_loop_iteration() -> None:
    """bench-conv's compute bound: a dot in a 5-trip loop body counts five times (XLA's own
    `cost_analysis` counts a loop body once), a convolution its multiply-adds."""
    from stablehlo_eqsat.tools.bench_conv import product_flops

    text = """
    func.func @main(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>,
                    %i: tensor<1x6x6x3xf32>, %k: tensor<3x3x3x2xf32>)
        -> (tensor<4x8xf32>, tensor<1x4x4x2xf32>) {
      %c0 = stablehlo.constant dense<0> : tensor<i32>
      %r:2 = stablehlo.while(%it = %c0, %h = %x) : tensor<i32>, tensor<4x8xf32>
      cond {
        %n = stablehlo.constant dense<5> : tensor<i32>
        %p = stablehlo.compare LT, %it, %n, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
        stablehlo.return %p : tensor<i1>
      } do {
        %d = stablehlo.dot_general %h, %w, contracting_dims = [1] x [0]
            : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
        %one = stablehlo.constant dense<1> : tensor<i32>
        %next = stablehlo.add %it, %one : tensor<i32>
        stablehlo.return %next, %d : tensor<i32>, tensor<4x8xf32>
      }
      %c = stablehlo.convolution(%i, %k) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f],
          window = {} {batch_group_count = 1 : i64, feature_group_count = 1 : i64}
          : (tensor<1x6x6x3xf32>, tensor<3x3x3x2xf32>) -> tensor<1x4x4x2xf32>
      return %r#1, %c : tensor<4x8xf32>, tensor<1x4x4x2xf32>
    }
    """
    dot, conv = 2 * 4 * 8 * 8, 2 * (4 * 4 * 2) * (3 * 3 * 3)
    assert product_flops(text) == 5 * dot + conv
    assert product_flops(text, loops=False) == dot + conv
