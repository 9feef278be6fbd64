"""`stablehlo-eqsat-server`: a driver call it serves gives what a local one gives (output,
diagnostics, exit code), and a driver finds only a server of its own environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "mlp.mlir"
DRIVER = [sys.executable, "-m", "stablehlo_eqsat.tools.opt"]
SERVER = [sys.executable, "-m", "stablehlo_eqsat.tools.server"]


@pytest.fixture
def env() -> Iterator[dict[str, str]]:
    """An environment of its own (a socket directory nobody else uses; short: a socket's path
    has at most 107 bytes)."""
    runtime = tempfile.mkdtemp(prefix="se-")
    os.chmod(runtime, 0o700)
    e = {**os.environ, "XDG_RUNTIME_DIR": runtime}
    e.pop("STABLEHLO_EQSAT_SERVER", None)
    yield e
    subprocess.run([*SERVER, "stop"], env=e, capture_output=True, timeout=60)
    shutil.rmtree(runtime, ignore_errors=True)


def _run(cmd: list[str], env: dict[str, str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, **kw)  # type: ignore[call-overload, no-any-return]


def _calls(env: dict[str, str]) -> int | None:
    out = _run([*SERVER, "status"], env)
    if out.returncode:
        return None
    return int(out.stdout.split(" calls")[0].rsplit(" ", 1)[1])


def _start(env: dict[str, str], *extra: str) -> None:
    out = _run([*SERVER, "start", *extra], env)
    assert out.returncode == 0, out.stderr
    assert _calls(env) == 0


def test_a_served_call_gives_what_a_local_call_gives(env: dict[str, str], tmp_path: Path) -> None:
    local = _run([*DRIVER, str(EXAMPLE), "--stablehlo-eqsat", "-o", str(tmp_path / "local.mlir")], env)
    _start(env)
    served = _run([*DRIVER, str(EXAMPLE), "--stablehlo-eqsat", "-o", str(tmp_path / "served.mlir")], env)
    assert _calls(env) == 1
    assert (served.returncode, served.stdout, served.stderr) == (local.returncode, local.stdout, local.stderr)
    assert (tmp_path / "served.mlir").read_text() == (tmp_path / "local.mlir").read_text()
    # Standard input and output are the caller's own; so is the working directory.
    piped = _run([*DRIVER, "--stablehlo-eqsat"], env, input=EXAMPLE.read_text())
    assert piped.returncode == 0 and piped.stdout == (tmp_path / "local.mlir").read_text()
    relative = _run(
        [*DRIVER, EXAMPLE.name, "--stablehlo-eqsat", "-o", "rel.mlir"],
        env,
        cwd=EXAMPLE.parent.parent / "examples",
    )
    assert relative.returncode == 0, relative.stderr
    out = EXAMPLE.parent / "rel.mlir"
    try:
        assert out.read_text() == (tmp_path / "local.mlir").read_text()
    finally:
        out.unlink(missing_ok=True)
    assert _calls(env) == 3
    stopped = _run([*SERVER, "stop"], env)
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    assert _calls(env) is None


def test_bad_input_through_the_server_is_a_located_error_and_no_output(
    env: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.mlir"
    bad.write_text("func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {\n  %0 = stablehlo.bogus %a\n}\n")
    local = _run([*DRIVER, str(bad), "--stablehlo-eqsat", "-o", str(tmp_path / "a.mlir")], env)
    _start(env)
    served = _run([*DRIVER, str(bad), "--stablehlo-eqsat", "-o", str(tmp_path / "b.mlir")], env)
    assert _calls(env) == 1
    assert served.returncode == local.returncode == 1
    assert served.stderr == local.stderr and served.stderr.startswith(f"{bad}:2:")
    assert not (tmp_path / "b.mlir").exists()
    usage = _run([*DRIVER, "--no-such-option", "-o"], env)  # argparse's own exit code
    assert usage.returncode == 2 and "stablehlo-eqsat-opt" in usage.stderr
    assert _run([*DRIVER, "--version"], env).stdout.startswith("stablehlo-eqsat-opt ")


def test_a_driver_uses_only_a_server_of_its_own_environment(env: dict[str, str], tmp_path: Path) -> None:
    _start(env)
    other = {**env, "STABLEHLO_EQSAT_TEST_ONLY": "1"}  # a variable the pass could read
    out = _run([*DRIVER, str(EXAMPLE), "--stablehlo-eqsat", "-o", str(tmp_path / "o.mlir")], other)
    assert out.returncode == 0 and _calls(env) == 0
    off = {**env, "STABLEHLO_EQSAT_SERVER": "off"}
    out = _run([*DRIVER, str(EXAMPLE), "--stablehlo-eqsat", "-o", str(tmp_path / "o.mlir")], off)
    assert out.returncode == 0 and _calls(env) == 0
    # A socket directory others could open is not trusted: the call runs locally.
    folder = Path(env["XDG_RUNTIME_DIR"]) / "stablehlo-eqsat"
    folder.chmod(0o755)
    try:
        out = _run([*DRIVER, str(EXAMPLE), "--stablehlo-eqsat", "-o", str(tmp_path / "o.mlir")], env)
        assert out.returncode == 0
        assert "not private" in _run([*SERVER, "start"], env).stderr
    finally:
        folder.chmod(0o700)
    assert _calls(env) == 0


def test_a_socket_nobody_answers_on_leaves_the_call_local(env: dict[str, str], tmp_path: Path) -> None:
    """A server that died left its socket: the driver runs the call itself, and `start` replaces it."""
    from stablehlo_eqsat.tools import server

    _start(env)
    pid = int(_run([*SERVER, "status"], env).stdout.split("pid ")[1].split(",")[0])
    os.kill(pid, 9)
    deadline = time.monotonic() + 30
    while _calls(env) is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    sockets = list((Path(env["XDG_RUNTIME_DIR"]) / "stablehlo-eqsat").glob("*.sock"))
    assert len(sockets) == 1  # left behind
    out = _run([*DRIVER, str(EXAMPLE), "--stablehlo-eqsat", "-o", str(tmp_path / "o.mlir")], env)
    assert out.returncode == 0 and "func.func" in (tmp_path / "o.mlir").read_text()
    _start(env)
    assert server.IDLE_TIMEOUT > 0


def test_an_idle_server_exits(env: dict[str, str]) -> None:
    _start(env, "--idle-timeout", "1")
    deadline = time.monotonic() + 30
    while _calls(env) is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _calls(env) is None
    assert not list((Path(env["XDG_RUNTIME_DIR"]) / "stablehlo-eqsat").glob("*.sock"))


CONV = """
func.func @main(%x: tensor<1x8x8x4xf32>, %w: tensor<3x3x4x8xf32>) -> tensor<1x8x8x8xf32> {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f],
      window = {stride = [1, 1], pad = [[1, 1], [1, 1]]}
      {batch_group_count = 1 : i64, feature_group_count = 1 : i64}
      : (tensor<1x8x8x4xf32>, tensor<3x3x4x8xf32>) -> tensor<1x8x8x8xf32>
  return %0 : tensor<1x8x8x8xf32>
}
"""


def test_served_calls_measure_in_one_resident_worker_and_start_cold(
    env: dict[str, str], tmp_path: Path
) -> None:
    """Each call reads its own measurement cache (an empty one is timed afresh: cold), and all
    calls measure in the worker the server keeps."""
    src = tmp_path / "conv.mlir"
    src.write_text(CONV)
    _start(env)
    pids = []
    for i in range(2):
        cache = tmp_path / f"m{i}.json"
        pipeline = f"builtin.module(stablehlo-eqsat{{measure-cache={cache}}})"
        out = _run([*DRIVER, str(src), "--pass-pipeline", pipeline, "--explain", "-o", "/dev/null"], env)
        assert out.returncode == 0, out.stderr
        assert "in a worker process" in out.stderr and " 0 ops" not in out.stderr
        assert cache.is_file()
        pids.append(_run([*SERVER, "status"], env).stdout.split("worker pid ")[1].rstrip(")\n"))
    assert pids[0] == pids[1] != "None"


def test_a_caller_whose_output_is_gone_does_not_stop_the_server(env: dict[str, str]) -> None:
    """Output and errors to a pipe nobody reads any more (a killed caller) fail that call only."""
    _start(env)
    read, write = os.pipe()
    os.close(read)
    try:
        out = subprocess.run(
            [*DRIVER, str(EXAMPLE), "--stablehlo-eqsat"],
            env=env,
            stdout=write,
            stderr=subprocess.PIPE,
            timeout=300,
        )
    finally:
        os.close(write)
    assert out.returncode == 1
    assert _calls(env) == 1
    again = _run([*DRIVER, str(EXAMPLE), "--stablehlo-eqsat"], env)
    assert again.returncode == 0 and "func.func" in again.stdout and _calls(env) == 2


def test_a_malformed_message_is_refused_and_the_server_goes_on(env: dict[str, str]) -> None:
    import json
    import socket
    import struct

    _start(env)
    path = next((Path(env["XDG_RUNTIME_DIR"]) / "stablehlo-eqsat").glob("*.sock"))
    for payload in (json.dumps(["not", "an", "object"]).encode(), b"{not json"):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(str(path))
            sock.sendall(struct.pack("<I", len(payload)) + payload)
            sock.settimeout(30)
            assert sock.recv(1 << 10) == b""  # no reply: the connection is closed
    assert _calls(env) == 0
    out = _run([*DRIVER, str(EXAMPLE), "--stablehlo-eqsat"], env)
    assert out.returncode == 0 and _calls(env) == 1


def test_where_sockets_cannot_pass_descriptors_the_driver_runs_locally(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from stablehlo_eqsat.tools import server

    monkeypatch.setattr(server, "SUPPORTED", False)
    assert server.forward([str(EXAMPLE), "--stablehlo-eqsat"]) is None
    assert server.main(["start"]) == 1 and "needs Unix sockets" in capsys.readouterr().err
