"""The `stablehlo-eqsat-opt` driver on bad input, in-process and as a subprocess.

Every failure must exit with 1, print one `file:line:col: error: ...` line (or `file: error: ...`
where there is no location) and leave `-o` alone: not created, or, if it exists, not truncated.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from jaxlib.mlir import ir
from stablehlo_eqsat.dialect_glue.context import make_context
from stablehlo_eqsat.tools import opt

GOOD = """\
func.func public @main(%x: tensor<8xf32>) -> tensor<8xf32> {
  %z = stablehlo.constant dense<0.000000e+00> : tensor<8xf32>
  %0 = stablehlo.add %x, %z : tensor<8xf32>
  return %0 : tensor<8xf32>
}
"""
UNPARSABLE = "func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {\n  %0 = stablehlo.add %x\n  return %0\n}\n"
# One error line: `<file>:<line>:<col>: error: ...` or `<file>: error: ...`.
ERROR_LINE = re.compile(r"^(?P<file>[^\s:]+)(:(?P<line>\d+):(?P<col>\d+))?: error: \S.*$")


def _write(tmp_path: Path, name: str, data: bytes | None) -> Path:
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    return path


# name -> (input bytes or None for a missing file, extra flags, expected location: (line, col) or None)
CASES: dict[str, tuple[bytes | None, list[str], tuple[int, int] | None]] = {
    "missing-file": (None, ["--stablehlo-eqsat"], None),
    "empty-file": (b"", ["--stablehlo-eqsat"], (1, 1)),
    "unparsable": (UNPARSABLE.encode(), ["--stablehlo-eqsat"], (2, 0)),
    "non-utf8": (b"\xff\xfe\xfa garbage \x80\x81\n", ["--stablehlo-eqsat"], None),
    "bad-option-value": (GOOD.encode(), ["--stablehlo-eqsat=fp-mode=bogus"], None),
    "unknown-pass": (GOOD.encode(), ["--no-such-pass"], None),
}


def _run_in_process(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = opt.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _run_subprocess(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "stablehlo_eqsat.tools.opt", *argv],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr


RUNNERS: dict[str, Callable[[list[str], pytest.CaptureFixture[str]], tuple[int, str, str]]] = {
    "in-process": _run_in_process,
    "subprocess": _run_subprocess,
}


@pytest.mark.parametrize("existing_output", [False, True], ids=["no-output", "existing-output"])
@pytest.mark.parametrize("runner", sorted(RUNNERS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_cleanly(
    case: str, runner: str, existing_output: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, flags, loc = CASES[case]
    src = _write(tmp_path, "in.mlir", data)
    out = tmp_path / "out.mlir"
    if existing_output:
        out.write_text("// keep me\n")
    code, stdout, stderr = RUNNERS[runner]([str(src), *flags, "-o", str(out)], capsys)

    assert code == 1
    assert stdout == ""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    m = ERROR_LINE.match(lines[0])
    assert m, lines[0]
    if loc is not None:
        assert m.group("file") == str(src)
        assert m.group("line") is not None and int(m.group("line")) == loc[0], lines[0]
    if existing_output:
        assert out.read_text() == "// keep me\n"
    else:
        assert not out.exists()
    # No temporary file is left next to the output either.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["in.mlir"] * (data is not None) + ["out.mlir"] * existing_output
    )


def test_missing_file_names_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "nope.mlir"
    code, _, err = _run_in_process([str(src), "--stablehlo-eqsat"], capsys)
    assert code == 1
    assert err.startswith(f"{src}: error:")


@pytest.mark.parametrize(
    "flag", ["--stablehlo-eqsat", "--stablehlo-eqsat-roundtrip", "--stablehlo-eqsat=fp-mode=strict"]
)
def test_output_file_is_written_and_parses(
    flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _write(tmp_path, "in.mlir", GOOD.encode())
    out = tmp_path / "out.mlir"
    out.write_text("// old contents\n")
    code, stdout, stderr = _run_in_process([str(src), flag, "-o", str(out)], capsys)
    assert code == 0, stderr
    assert stdout == ""
    text = out.read_text()
    assert "func.func public @main" in text
    with make_context():
        ir.Module.parse(text).operation.verify()


def test_output_to_stdout_as_subprocess(tmp_path: Path) -> None:
    src = _write(tmp_path, "in.mlir", GOOD.encode())
    proc = subprocess.run(
        [sys.executable, "-m", "stablehlo_eqsat.tools.opt", str(src), "--stablehlo-eqsat"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    with make_context():
        ir.Module.parse(proc.stdout).operation.verify()
