"""XLA's runtime in a process of its own, started ahead of the first measurement.

A driver process that has not imported jax pays for the import (0.35-0.5 s here) at its first
measurement, after it has parsed, saturated and extracted, while the machine's other cores sit
idle. `Worker.start()` launches a Python process that imports jax and creates the backend's
client at once, in parallel with that work; calls then run there:

    worker = Worker.start()                  # returns at once; the import runs in the child
    seconds = worker.call(time_op, text, ...) # any module-level function, by reference
    worker.close()                           # (also at exit)

Arguments and results travel pickled over the child's stdin and stdout (a function pickles as its
module and name, so the child imports what the call needs). The child's own output and XLA's log
go to /dev/null; its stdout is kept for the replies. An exception in a call comes back as
`XlaError` with its first line; a child that dies (XLA aborting on a module, say) is
`WorkerDied`, and the worker is then unusable. A timing taken in the child is the same as one
taken in-process: the parent waits, idle, for the reply.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import struct
import subprocess
import sys
from collections.abc import Callable
from typing import IO, Any

from stablehlo_eqsat.xla.runtime import XlaError

_HEADER = struct.Struct("<Q")  # the length of each pickled message


class WorkerDied(XlaError):
    """The worker process exited (or could not be reached) before it replied."""


def _send(stream: IO[bytes], value: object) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read(stream: IO[bytes]) -> bytes:
    """The next message, still pickled; EOFError when the other side is gone."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    size = _HEADER.unpack(header)[0]
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return data


class Worker:
    """One child process running XLA's runtime; calls are answered one at a time, in order."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self.calls = 0

    @classmethod
    def start(cls, backend: str = "cpu") -> Worker:
        """Launch the child (it imports jax and creates `backend`'s client right away)."""
        process = subprocess.Popen(
            [sys.executable, "-m", "stablehlo_eqsat.xla.worker", backend],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        worker = cls(process)
        atexit.register(worker.close)
        return worker

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)` run in the child; its result, or `XlaError` with the child's exception, or
        `WorkerDied`."""
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None
        try:
            _send(stdin, (fn, args))
            status, value = pickle.loads(_read(stdout))
        except (EOFError, OSError) as e:
            try:
                code = self._process.wait(timeout=10)  # it closed its end: it is exiting
            except subprocess.TimeoutExpired:
                self._process.kill()
                raise WorkerDied(f"the XLA worker process stopped answering: {e!r}") from e
            raise WorkerDied(f"the XLA worker process exited (code {code})") from e
        self.calls += 1
        if status != "ok":
            raise XlaError(value)
        return value

    def close(self) -> None:
        """Stop the child now (it may still be importing jax: nothing waits for that)."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):  # a request still buffered for a child that is gone
                    stream.close()


def main() -> None:
    """The child: keep stdout for replies, send everything else to stderr, load XLA's runtime,
    then answer calls until stdin closes."""
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    backend = sys.argv[1] if len(sys.argv) > 1 else "cpu"
    import jax.extend

    jax.extend.backend.get_backend(backend)
    while True:
        try:
            request = _read(requests)
        except EOFError:
            return
        try:
            fn, args = pickle.loads(request)
            reply = ("ok", fn(*args))
            pickle.dumps(reply)
        except Exception as e:  # the caller gets it as XlaError
            first = str(e).splitlines()[0] if str(e) else ""
            reply = ("error", f"{type(e).__name__}: {first}" if first else type(e).__name__)
        _send(replies, reply)


if __name__ == "__main__":
    main()
