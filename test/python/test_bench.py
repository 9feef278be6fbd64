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
