"""Run work in other processes, so that a crash or a hang fails one task and not the tool.

    out = run_child("stablehlo_eqsat.tools.bench_scale:optimize_file", [path, pipeline], timeout=600)
    out.value, out.error, out.peak_rss           # the JSON result, why there is none, bytes

    for out in run_tasks(check_one, cases, jobs=2, timeout=300): ...

Two shapes, for two costs of a process:

  `run_child`   one call in a fresh interpreter, arguments and result as JSON. Its peak RSS is that
                call's own (`os.wait4`, even when it is killed): what the benchmarks report.
  `run_tasks`   many tasks over a few worker processes that live for many tasks, since starting one
                (importing jax and XLA) takes seconds. A task past its timeout, or one that kills its
                worker (an abort in the MLIR bindings, a signal from XLA), fails alone: the worker
                is replaced. Its peak RSS is its worker's so far.

Both start clean interpreters (never `fork`: XLA's threads do not survive it) with XLA's start-up
chatter turned down, and describe a failure the same way (`Outcome.error`, `describe_exit`).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import multiprocessing
import multiprocessing.connection
import os
import resource
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_QUIET_XLA = {"TF_CPP_MIN_LOG_LEVEL": "2"}


@dataclass
class Outcome(Generic[R]):
    """What one isolated call gave: its value, or why there is none."""

    value: R | None = None
    error: str = ""  # "" when the call returned; else a timeout, a signal or the exception
    detail: str = ""  # the crash report: the traceback, or the end of the child's stderr
    peak_rss: int = 0  # bytes
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error


def describe_exit(code: int | None) -> str:
    """A process's exit status (negative: the signal that killed it) in words."""
    import signal

    if code is None:
        return "process died"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "?"
        return f"process killed by signal {-code} ({name})"
    return f"process exited with code {code}"


def _peak_rss_self() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# -- one call in a fresh interpreter ---------------------------------------------------------------
def run_child(target: str, args: Sequence[Any] = (), *, timeout: float | None = None) -> Outcome[Any]:
    """Call `target` (`"package.module:function"`) with `args` in a fresh Python process; the
    function's JSON-serializable result, or the reason there is none."""
    cmd = [sys.executable, "-m", "stablehlo_eqsat.tools.isolate", target, json.dumps(list(args))]
    start = time.monotonic()
    # Output goes to files, not pipes: a child that writes much cannot block on a full pipe while
    # this process polls `wait4` (which gives the child's own peak RSS).
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env={**os.environ, **_QUIET_XLA})
        deadline = None if timeout is None else start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.monotonic() > deadline:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                seconds = time.monotonic() - start
                error = f"timed out after {timeout:g} s"
                return Outcome(error=error, peak_rss=usage.ru_maxrss * 1024, seconds=seconds)
            time.sleep(0.05)
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        outcome: Outcome[Any] = Outcome(peak_rss=usage.ru_maxrss * 1024, seconds=time.monotonic() - start)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if code != 0:
        lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith("I1")]
        outcome.error = lines[-1] if lines and code > 0 else describe_exit(code)
        outcome.detail = "\n".join(lines[-30:])
        return outcome
    outcome.value = json.loads(stdout.strip().splitlines()[-1])
    return outcome


def _resolve(target: str) -> Callable[..., Any]:
    module, _, name = target.partition(":")
    fn: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return fn


def _child_main(argv: Sequence[str]) -> int:
    target, args = argv[0], json.loads(argv[1])
    result = _resolve(target)(*args)
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    return 0


# -- many tasks over reused workers ----------------------------------------------------------------
def _worker_main(
    conn: multiprocessing.connection.Connection, fn: Callable[[Any], Any], init: Callable[[], None] | None
) -> None:
    os.environ.update(_QUIET_XLA)
    if init is not None:
        init()
    while True:
        msg = conn.recv()
        if msg is None:
            return
        index, task = msg
        start = time.monotonic()
        try:
            out: Outcome[Any] = Outcome(fn(task))
        except Exception as e:
            text = str(e).strip()
            out = Outcome(
                error=f"{type(e).__name__}: {text.splitlines()[0] if text else ''}",
                detail=traceback.format_exc(),
            )
        out.seconds, out.peak_rss = time.monotonic() - start, _peak_rss_self()
        conn.send((index, out))


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: multiprocessing.connection.Connection
    task: int | None = None
    started: float = 0.0
    done: int = 0


def run_tasks(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    *,
    jobs: int = 1,
    timeout: float | None = None,
    tasks_per_worker: int = 100,
    init: Callable[[], None] | None = None,
    on_result: Callable[[Outcome[R], int, int], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> list[Outcome[R] | None]:
    """`fn(task)` for each task in `jobs` worker processes (each runs `init` first, and is replaced
    after `tasks_per_worker` tasks); the outcomes in the order of `tasks`. `on_result(outcome,
    index, done)` sees each as it arrives. Once `stop()` is true no task is started: those not
    started have no outcome (None). `fn` and `init` must be picklable (module-level functions, or
    `functools.partial`s of them)."""
    mp = multiprocessing.get_context("spawn")
    results: list[Outcome[R] | None] = [None] * len(tasks)
    pending = list(range(len(tasks)))[::-1]
    workers: list[_Worker] = []
    finished = 0

    def spawn() -> _Worker:
        parent, child = mp.Pipe()
        proc = mp.Process(target=_worker_main, args=(child, fn, init), daemon=True)
        proc.start()
        child.close()
        return _Worker(proc, parent)

    def finish(w: _Worker, out: Outcome[R]) -> None:
        nonlocal finished
        assert w.task is not None
        results[w.task] = out
        finished += 1
        index, w.task = w.task, None
        if on_result is not None:
            on_result(out, index, finished)

    def retire(w: _Worker, kill: bool) -> None:
        if kill:
            w.process.kill()
        else:
            with contextlib.suppress(OSError):
                w.conn.send(None)
        w.process.join(timeout=10)
        if w.process.is_alive():
            w.process.kill()
            w.process.join()
        w.conn.close()
        workers.remove(w)

    def died(w: _Worker) -> Outcome[R]:
        w.process.join(timeout=5)
        return Outcome(
            error=f"worker {describe_exit(w.process.exitcode)}", seconds=time.monotonic() - w.started
        )

    try:
        while True:
            if stop is not None and stop():
                pending.clear()
            busy = [w for w in workers if w.task is not None]
            if not pending and not busy:
                break
            while len(workers) < min(jobs, len(pending) + len(busy)):
                workers.append(spawn())
            for w in workers:
                if w.task is None and pending:
                    w.task, w.started = pending.pop(), time.monotonic()
                    w.conn.send((w.task, tasks[w.task]))
            busy = [w for w in workers if w.task is not None]
            ready = multiprocessing.connection.wait(
                [w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=1.0
            )
            for w in busy:
                if w.conn in ready:
                    try:
                        _, out = w.conn.recv()
                    except (EOFError, OSError):
                        finish(w, died(w))
                        retire(w, kill=True)
                        continue
                    finish(w, out)
                    w.done += 1
                    if w.done >= tasks_per_worker:
                        retire(w, kill=False)
                elif w.process.sentinel in ready or not w.process.is_alive():
                    finish(w, died(w))
                    retire(w, kill=True)
                elif timeout is not None and time.monotonic() - w.started > timeout:
                    finish(w, Outcome(error=f"timed out after {timeout:g} s", seconds=timeout))
                    retire(w, kill=True)
    finally:
        for w in list(workers):
            retire(w, kill=w.task is not None)
    return results


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
