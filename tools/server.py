"""`stablehlo-eqsat-server`: the driver kept warm between calls.

    stablehlo-eqsat-server start            # returns once the server answers
    stablehlo-eqsat-opt in.mlir --stablehlo-eqsat -o out.mlir   # now served by it
    stablehlo-eqsat-server status           # pid, age, calls served
    stablehlo-eqsat-server stop

A driver process pays ~0.3 s before it does any work (Python, the MLIR bindings, the rule
library replayed into egglog) and, when it measures, waits for XLA's runtime to load in a worker
(~0.5 s). A build that calls the driver per file pays that every time. The server is one process
that has loaded all of it, with a measuring worker (`xla.worker`) kept for every call. While it
runs, `stablehlo-eqsat-opt` hands its whole call to it: the arguments, the working directory and
its own standard input, output and error (passed as file descriptors over a Unix socket), so the
output, the diagnostics and the exit code are those of a local run, byte for byte. Caches work
as in a local run: the measurement cache is read from its file at every call (an empty one is
cold: nothing timed is kept in the server's memory), the rule library stays built.

A server only serves the environment it was started in: the socket's name is a digest of the
Python interpreter, the installed code (this package's files and jax, jaxlib and egglog, by size
and modification time) and the environment variables that can change what the pass does. A
driver that finds no server for its own digest (none started, the code edited since, another
environment) runs locally, as it does without a server; so does one whose server dies during the
call (the call is run again locally) and any call with `STABLEHLO_EQSAT_SERVER=off`. The socket
lives in a directory only its user can open (`$XDG_RUNTIME_DIR/stablehlo-eqsat`, else
`/tmp/stablehlo-eqsat-<uid>`), and the server answers only its own user. It serves one call at a
time and exits after `--idle-timeout` seconds without one (15 minutes by default).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import io
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path

OFF = "STABLEHLO_EQSAT_SERVER"  # `off`: never use a server
# Environment variables that can change what a call does (besides the code): a server serves only
# callers whose values of these equal its own.
_ENV_PREFIXES = ("STABLEHLO_EQSAT", "XLA_", "JAX_", "TF_", "XDG_", "PYTHON", "LD_", "OMP_", "MKL_")
_ENV_NAMES = ("HOME", "TMPDIR")
_PACKAGES = ("stablehlo_eqsat", "jax", "jaxlib", "egglog")
_HEADER = struct.Struct("<I")
IDLE_TIMEOUT = 900.0
# Unix sockets that carry file descriptors (Linux, macOS): elsewhere the driver always runs locally.
SUPPORTED = hasattr(socket, "AF_UNIX") and hasattr(socket, "send_fds")


# -- where the server listens -----------------------------------------------------------------------
_SUBPACKAGES = ("xla", "passes", "rules", "dialect_glue", "tools")
_CODE = (*_PACKAGES, *(f"stablehlo_eqsat.{sub}" for sub in _SUBPACKAGES))


def _code_files() -> Iterator[Path]:
    """The files a call runs: the modules of this package and of jax, jaxlib and egglog (their top
    folders), and the device profiles."""
    for name in _CODE:
        spec = importlib.util.find_spec(name)
        for location in (spec.submodule_search_locations or []) if spec else []:
            yield from sorted(Path(location).glob("*.py"))
            if name == "stablehlo_eqsat.passes":
                yield from sorted(Path(location, "profiles").glob("*.json"))


def digest() -> str:
    """What a server must share with its callers: the interpreter, the code (by size and
    modification time: a stat per file, ~2 ms) and the environment that matters."""
    h = hashlib.sha256(f"{os.path.realpath(sys.executable)}|{sys.version}".encode())
    for path in _code_files():
        st = path.stat()
        h.update(f"{path}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    for name in sorted(os.environ):
        if (name.startswith(_ENV_PREFIXES) or name in _ENV_NAMES) and name != OFF:
            h.update(f"{name}={os.environ[name]}\n".encode())
    return h.hexdigest()[:20]


def socket_directory() -> Path:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime):
        return Path(runtime) / "stablehlo-eqsat"
    return Path(tempfile.gettempdir()) / f"stablehlo-eqsat-{os.getuid()}"


def _private_directory(create: bool) -> Path | None:
    """The socket directory, if it is this user's alone (made so when `create`)."""
    folder = socket_directory()
    if create:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        st = folder.stat()
    except OSError:
        return None
    if st.st_uid != os.getuid() or st.st_mode & 0o077:
        return None  # someone else's, or open to others: never trusted
    return folder


def socket_path(key: str | None = None) -> Path:
    return socket_directory() / f"{key or digest()}.sock"


# -- messages -------------------------------------------------------------------------------------
def _send(sock: socket.socket, message: dict[str, object], fds: Sequence[int] = ()) -> None:
    data = json.dumps(message).encode()
    payload = _HEADER.pack(len(data)) + data
    sent = socket.send_fds(sock, [payload], list(fds)) if fds else 0
    sock.sendall(payload[sent:])  # (the descriptors go with the first bytes; the rest, if any, after)


def _receive(sock: socket.socket, max_fds: int = 0) -> tuple[dict[str, object], list[int]]:
    """The next message and the descriptors that came with it; EOFError when the peer is gone."""
    if max_fds:
        data, fds, _, _ = socket.recv_fds(sock, 1 << 16, max_fds)
    else:
        data, fds = sock.recv(1 << 16), []
    while len(data) < _HEADER.size or len(data) < _HEADER.size + _HEADER.unpack_from(data)[0]:
        more = sock.recv(1 << 16)
        if not more:
            raise EOFError
        data += more
    size = _HEADER.unpack_from(data)[0]
    message = json.loads(data[_HEADER.size : _HEADER.size + size])
    if not isinstance(message, dict):
        raise ValueError("a message is a JSON object")
    return message, fds


def _connect(path: Path, timeout: float | None = None) -> socket.socket | None:
    if _private_directory(create=False) is None:
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(path))
    except OSError:
        sock.close()
        return None
    return sock


def ask(
    message: dict[str, object], key: str | None = None, timeout: float = 10.0
) -> dict[str, object] | None:
    """A control message (`ping`, `stop`) to the server for this environment; None if none answers."""
    sock = _connect(socket_path(key), timeout)
    if sock is None:
        return None
    with sock:
        try:
            _send(sock, message)
            return _receive(sock)[0]
        except (OSError, EOFError, ValueError):
            return None


# -- the driver's side ----------------------------------------------------------------------------
def forward(argv: Sequence[str]) -> int | None:
    """Run the driver call `argv` in this environment's server, with this process's standard
    streams and working directory; its exit code, or None when no server took it (none running,
    `STABLEHLO_EQSAT_SERVER=off`, or it died before answering: run the call locally then)."""
    if os.environ.get(OFF, "").lower() in ("off", "0", "no") or not SUPPORTED:
        return None
    sock = _connect(socket_path())
    if sock is None:
        return None
    with sock:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            _send(sock, {"op": "run", "argv": list(argv), "cwd": os.getcwd()}, fds=[0, 1, 2])
            reply = _receive(sock)[0]
        except (OSError, EOFError, ValueError):
            return None
    code = reply.get("exit")
    return code if isinstance(code, int) else None


# -- the server -----------------------------------------------------------------------------------
@contextlib.contextmanager
def _streams(fds: list[int]) -> Iterator[None]:
    """The caller's standard streams as this process's `sys.std*` (the descriptors are closed after)."""
    saved = sys.stdin, sys.stdout, sys.stderr
    files: list[io.TextIOWrapper] = [
        io.TextIOWrapper(os.fdopen(fds[0], "rb"), encoding="utf-8"),
        io.TextIOWrapper(os.fdopen(fds[1], "wb"), encoding="utf-8", write_through=True),
        io.TextIOWrapper(
            os.fdopen(fds[2], "wb"), encoding="utf-8", errors="backslashreplace", write_through=True
        ),
    ]
    sys.stdin, sys.stdout, sys.stderr = files
    try:
        yield
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
        for f in files:
            with contextlib.suppress(OSError, ValueError):
                f.close()


def _run_call(argv: list[str], cwd: str) -> int:
    """One driver call, as `stablehlo-eqsat-opt` would run it."""
    from stablehlo_eqsat.tools import opt

    try:
        os.chdir(cwd)
    except OSError as e:
        print(f"stablehlo-eqsat-opt: error: working directory {cwd}: {e.strerror}", file=sys.stderr)
        return 1
    try:
        return opt.main(argv)
    except SystemExit as e:  # argparse: --help, --version, a usage error
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except Exception:  # (a caller gone mid-call: its streams are closed; this server goes on)
        with contextlib.suppress(OSError, ValueError):
            traceback.print_exc()
        return 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()


def _warm_up() -> None:
    """Load what a first call would: the MLIR bindings, the pipeline and the default rule
    library (one small module optimized, nothing measured)."""
    from stablehlo_eqsat.passes.pipeline import run_pipeline

    text = (
        "func.func @main(%a: tensor<4xf32>) -> tensor<4xf32> {\n"
        "  %0 = stablehlo.add %a, %a : tensor<4xf32>\n  return %0 : tensor<4xf32>\n}\n"
    )
    run_pipeline(text, "builtin.module(stablehlo-eqsat{measure=off})")


def serve(key: str, idle_timeout: float) -> None:
    """Answer calls on this environment's socket until `idle_timeout` seconds pass without one
    (or a `stop`)."""
    from stablehlo_eqsat.passes import measure

    folder = _private_directory(create=True)
    if folder is None:
        raise SystemExit(f"stablehlo-eqsat-server: error: {socket_directory()} is not private to this user")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # (so that the socket is removed)
    _warm_up()
    measure.keep_worker_resident()
    path = folder / f"{key}.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # a server that died left it (a live one was asked first)
    listener.bind(str(path))
    os.chmod(path, 0o600)
    listener.listen(16)
    started, calls = time.time(), 0
    last_call = time.monotonic()  # (a status or stop message is not a call: it keeps nothing alive)
    try:
        while True:
            idle_left = idle_timeout - (time.monotonic() - last_call)
            if idle_left <= 0:
                return
            listener.settimeout(idle_left)
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                if not _same_user(conn):
                    continue
                conn.settimeout(10.0)  # (a caller that connects and says nothing holds no one up)
                try:
                    message, fds = _receive(conn, max_fds=3)
                except (OSError, EOFError, ValueError):
                    continue
                conn.settimeout(None)
                op = message.get("op")
                if op == "run" and len(fds) == 3:
                    with _streams(fds):
                        argv = message.get("argv")
                        argv = [str(a) for a in argv] if isinstance(argv, list) else []
                        code = _run_call(argv, str(message.get("cwd", "/")))
                    calls += 1
                    last_call = time.monotonic()
                    reply: dict[str, object] = {"exit": code}
                else:
                    for fd in fds:
                        os.close(fd)
                    worker = measure.resident_worker()
                    reply = {
                        "pid": os.getpid(), "key": key, "calls": calls, "age_s": time.time() - started,
                        "worker_pid": worker.pid if worker is not None else None,
                    }  # fmt: skip
                with contextlib.suppress(OSError):
                    _send(conn, reply)
                if op == "stop":
                    return
    finally:
        listener.close()
        with contextlib.suppress(OSError):
            if path.exists():
                path.unlink()
        measure.release_resident_worker()


def _same_user(conn: socket.socket) -> bool:
    """Whether the peer runs as this user (Linux's SO_PEERCRED; elsewhere the socket's private
    directory is the check)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return True
    creds = conn.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    _, uid, _ = struct.unpack("3i", creds)
    return uid == os.getuid()


def start(idle_timeout: float, wait: float = 120.0) -> dict[str, object]:
    """Start this environment's server (unless one answers already); its `ping` reply once it
    answers."""
    key = digest()
    folder = _private_directory(create=True)
    if folder is None:
        raise SystemExit(f"stablehlo-eqsat-server: error: {socket_directory()} is not private to this user")
    with open(folder / f"{key}.lock", "w") as lock:
        import fcntl  # (POSIX only, as the server is)

        fcntl.flock(lock, fcntl.LOCK_EX)  # (two starts at once: the second finds the first's server)
        return _start_locked(key, folder, idle_timeout, wait)


def _start_locked(key: str, folder: Path, idle_timeout: float, wait: float) -> dict[str, object]:
    reply = ask({"op": "ping"}, key)
    if reply is not None:
        return reply
    log = folder / f"{key}.log"
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "stablehlo_eqsat.tools.server", "serve", "--key", key,
             "--idle-timeout", str(idle_timeout)],
            stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        reply = ask({"op": "ping"}, key)
        if reply is not None:
            return reply
        if process.poll() is not None:
            raise SystemExit(f"stablehlo-eqsat-server: error: the server exited at start (see {log})")
        time.sleep(0.05)
    process.kill()
    raise SystemExit(f"stablehlo-eqsat-server: error: the server did not answer within {wait:.0f} s")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="stablehlo-eqsat-server", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("start", help="start the server for this environment (if none runs)")
    s.add_argument(
        "--idle-timeout", type=float, default=IDLE_TIMEOUT, help="exit after this many idle seconds"
    )
    sub.add_parser("status", help="say whether a server runs for this environment")
    sub.add_parser("stop", help="stop this environment's server")
    s = sub.add_parser("serve", help=argparse.SUPPRESS)
    s.add_argument("--key", required=True)
    s.add_argument("--idle-timeout", type=float, default=IDLE_TIMEOUT)
    args = p.parse_args(argv)
    if not SUPPORTED:
        print("stablehlo-eqsat-server: error: needs Unix sockets that pass file descriptors", file=sys.stderr)
        return 1
    if args.command == "serve":
        serve(args.key, args.idle_timeout)
        return 0
    if args.command == "start":
        started = start(args.idle_timeout)
        print(f"stablehlo-eqsat-server: running (pid {started['pid']}, {socket_path()})")
        return 0
    reply = ask({"op": "ping" if args.command == "status" else "stop"})
    if reply is None:
        print("stablehlo-eqsat-server: no server for this environment")
        return 1 if args.command == "status" else 0
    what = "stopped" if args.command == "stop" else "running"
    age = float(reply["age_s"])  # type: ignore[arg-type]
    print(
        f"stablehlo-eqsat-server: {what} (pid {reply['pid']}, {reply['calls']} calls, up {age:.0f} s, "
        f"measuring worker pid {reply['worker_pid']})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
