"""`stablehlo-eqsat-bench-startup`: the floor process does what it claims (parses and prints the
module), and a round of the benchmark reports both processes and their ratio."""

from __future__ import annotations

import subprocess

import pytest
from stablehlo_eqsat.tools import bench_startup


def test_floor_parses_and_prints_the_module() -> None:
    cmd = bench_startup.commands(bench_startup.EXAMPLE)["floor"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    assert "func.func public @main" in out and "stablehlo.dot_general" in out


def test_one_round_reports_the_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_startup.main(["--rounds", "1", "--importtime", "--served"]) == 0
    out = capsys.readouterr().out
    assert "| floor |" in out and "| driver |" in out and "| served |" in out
    assert "driver / floor:" in out and "served / floor:" in out
    assert "stablehlo_eqsat" in out  # the import table lists the package's own modules


def test_cold_reports_first_optimizations_local_and_served(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_startup.main(["--cold", str(bench_startup.EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "| mlp |" in out and "geometric mean over XLA's compile: local" in out
