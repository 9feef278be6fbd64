"""The performance fuzzer: its programs are well-typed and seeded, and the command writes its
summary and saves and re-times a loss. No timing is asserted: where a loss is needed, the timer
is replaced by a fixed ratio."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
from stablehlo_eqsat.tools import perf_fuzz
from stablehlo_eqsat.tools.perf_programs import FAMILIES, generate, rebuild, shrink_candidates

import stablehlo_eqsat.xla as xla

LAST_LINE = r"^\d+ programs: geomean [\d.]+, worst [\d.]+ \(\w+ seed \d+\), \d+ confirmed losses$"


@pytest.mark.parametrize("family", list(FAMILIES))
def test_family_programs_verify_and_are_seeded(family: str) -> None:
    from jaxlib.mlir import ir
    from stablehlo_eqsat.dialect_glue.context import make_context

    prog = generate(family, 7, max_dim=32)
    assert prog.text == generate(family, 7, max_dim=32).text
    assert max(prog.params["dims"].values()) <= 32
    with make_context():
        module = ir.Module.parse(prog.text)
        module.operation.verify()
    assert [list(t.shape) for t in xla.arg_types_of(prog.text)] == prog.arg_shapes
    assert "func.func public @main" in prog.text
    # Every smaller variant still builds (the shrinker's moves keep the program well-typed).
    for params in shrink_candidates(prog)[:4]:
        rebuild(prog, params)


def test_seeds_give_different_programs() -> None:
    texts = {generate("attention", seed, max_dim=32).text for seed in range(4)}
    assert len(texts) > 1


def test_command_writes_the_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = perf_fuzz.main(["--count", "2", "--rounds", "3", "--max-dim", "32", "--out", str(tmp_path)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert rc == 0, lines
    assert lines[-1].startswith("2 programs: geomean")
    assert re.match(LAST_LINE, lines[-1]), lines[-1]
    data = json.loads((tmp_path / "perf_fuzz.json").read_text())
    assert [p["family"] for p in data["programs"]] == list(FAMILIES)[:2]
    assert {"count", "geomean", "worst", "quantiles", "histogram", "families"} <= set(data["summary"])
    assert "## Families" in (tmp_path / "perf_fuzz.md").read_text()


def test_a_confirmed_loss_is_shrunk_saved_and_retimed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With every program a different HLO and every timing run at 0.5, the program is a confirmed
    loss: it is shrunk, saved with its header and can be timed again with --cases."""
    counter = itertools.count()
    monkeypatch.setattr(xla, "hlo_fingerprint", lambda exe: str(next(counter)))
    monkeypatch.setattr(perf_fuzz, "time_ratio", lambda *args: 0.5)
    out = tmp_path / "run"
    argv = ["--count", "1", "--seed", "3", "--max-dim", "32", "--shrink-tries", "1", "--out", str(out)]
    perf_fuzz.main([*argv, "--families", "matmul_chain"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].endswith("1 confirmed losses"), lines
    cases = sorted((out / "losses").glob("*.mlir"))
    assert [c.name for c in cases] == ["matmul_chain-seed3.mlir"]
    assert cases[0].read_text().startswith("// perf-fuzz: family matmul_chain, seed 3\n")
    assert (out / "losses" / "optimized" / cases[0].name).is_file()
    program = json.loads((out / "perf_fuzz.json").read_text())["programs"][0]
    assert program["confirmed"] and program["ratios"] == [0.5, 0.5] and program["case"]

    again = tmp_path / "again"
    perf_fuzz.main(["--cases", str(out / "losses"), "--out", str(again)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == "1 programs: geomean 0.500, worst 0.500 (matmul_chain seed 3), 1 confirmed losses"
