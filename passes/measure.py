"""Measured costs for heavy ops: compile and time the op alone, with its exact shapes.

XLA's kernels for convolutions and matrix products run at very different fractions of the
machine's speed depending on shapes (a 3x3 conv over a 2x2 input can be 70x slower than the
same arithmetic as one matrix product), which no formula predicts. `MeasuredCostModel` prices
`Conv` and `Dot` e-nodes (and the kernels they form in whole-program estimates) with the time
XLA really takes: the op is built alone into a module, compiled for the current backend, run
after a warm-up, and the median of several runs is kept.

Timings are cached on disk (JSON, one file per backend and machine, by default
`~/.cache/stablehlo-eqsat/measure-<backend>-<machine>.json`), keyed by the op with its shapes
and attributes, so a second optimization of the same model measures nothing. Each optimization
has a time budget for measuring; past it, or with measurement off, the analytical model
(`passes/cost.py`) answers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.graph import TensorTy, TermGraph, Ty
from stablehlo_eqsat.passes.cost import (
    CostModel,
    Estimate,
    Judgement,
    changed_dot_seconds,
    dot_kernels,
    dot_key,
    keyed_dot_kernels,
)
from stablehlo_eqsat.passes.egraph import EGraphData, ENode
from stablehlo_eqsat.passes.op_cost import conv_flops, nbytes

if TYPE_CHECKING:
    from stablehlo_eqsat.xla import Samples
    from stablehlo_eqsat.xla.worker import Worker

log = logging.getLogger(__name__)

# The ops whose cost comes from timing them: matrix products, convolutions, and pooling (whose
# XLA CPU kernel is slower than its fused slices for some shapes and faster for others).
MEASURED = frozenset({"Conv", "Dot", "ReduceWindow"})
_METHOD = "b6"  # how ops are timed (part of the cache key: a new method does not reuse old timings)
_PROGRAM_METHOD = "p5"  # how whole programs are compared (part of their cache key)
MEASURE_MODES = ("auto", "on", "off")


def machine_id() -> str:
    """A short, stable name for this machine: architecture, CPU model and core count."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    text = f"{platform.machine()}|{model or platform.processor()}|{os.cpu_count()}"
    return f"{platform.machine()}-{os.cpu_count()}c-{hashlib.sha1(text.encode()).hexdigest()[:8]}"


def default_cache_path(backend: str = "cpu") -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "stablehlo-eqsat" / f"measure-{backend}-{machine_id()}.json"


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def op_key(ctor: str, ty: Ty, child_tys: list[Ty], params: tuple[object, ...]) -> str:
    """What identifies one measurement: the op, its operand and result types and its attributes."""
    return f"{ctor}|{','.join(map(str, child_tys))}->{ty}|{params!r}"


def measured_params(ctor: str, args: tuple[object, ...]) -> tuple[object, ...]:
    """The literals of a term or e-node with arguments `args` that a timing is keyed by: those
    after its operands, without its `extra` key."""
    return tuple(args[len(O.BY_CTOR[ctor].operands) : -1])


def op_module(ctor: str, ty: TensorTy, child_tys: list[TensorTy], params: tuple[object, ...]) -> str:
    """StableHLO text of a module whose `@main` is the one op, its operands parameters."""
    from jaxlib.mlir import ir
    from jaxlib.mlir.dialects import func
    from stablehlo_eqsat.dialect_glue.attributes import encode_params
    from stablehlo_eqsat.dialect_glue.context import make_context
    from stablehlo_eqsat.dialect_glue.exporter import emit_reduce_body

    with make_context(), ir.Location.unknown():
        dtypes = {
            "f32": ir.F32Type.get(),
            "bf16": ir.BF16Type.get(),
            "f16": ir.F16Type.get(),
            "f64": ir.F64Type.get(),
        }

        def mlir(t: TensorTy) -> ir.Type:
            return ir.RankedTensorType.get(list(t.shape), dtypes[t.dtype])

        module = ir.Module.create()
        with ir.InsertionPoint(module.body):
            fn = func.FuncOp("main", ir.FunctionType.get([mlir(t) for t in child_tys], [mlir(ty)]))
            fn.attributes["sym_visibility"] = ir.StringAttr.get("public")
            block = fn.add_entry_block()  # type: ignore[attr-defined]
            with ir.InsertionPoint(block):
                spec = O.BY_CTOR[ctor]
                attrs = encode_params(spec, params)  # type: ignore[arg-type]
                reducing = ctor in O.REDUCING
                op = ir.Operation.create(
                    spec.mlir,
                    results=[mlir(ty)],
                    operands=list(block.arguments),
                    attributes=attrs,
                    regions=1 if reducing else 0,
                )
                if reducing:
                    kind = params[-1]
                    assert isinstance(kind, str)
                    emit_reduce_body(op, kind, mlir(child_tys[1]), ir.Location.unknown())
                func.ReturnOp([op.result])
        module.operation.verify()
        return str(module)


@dataclass
class Measurer:
    """Times single ops on the current backend, with a disk cache and a time budget."""

    cache_path: Path | None = None  # None: the default path for the backend
    budget_seconds: float = 30.0  # time this measurer may spend compiling and running
    backend: str = "cpu"
    runs: int = 7
    spent_seconds: float = 0.0
    measured: int = 0  # ops timed (cache misses within budget)
    cache_hits: int = 0
    over_budget: int = 0  # cache misses answered by the analytical model
    programs_measured: int = 0  # whole functions timed with their candidates (cache misses)
    _cache: dict[str, float] = field(default_factory=dict)
    _results: dict[str, dict[str, Any]] = field(default_factory=dict)
    _loaded: bool = False
    _failed: set[str] = field(default_factory=set)
    _worker: Worker | None = field(default=None, repr=False)
    # Names this measurer's calls to `time_programs`, which compile an input once for all of them.
    _session: str = field(default_factory=lambda: os.urandom(8).hex(), repr=False)
    worker_calls: int = 0  # measurements the worker answered

    @property
    def path(self) -> Path:
        return self.cache_path or default_cache_path(self.backend)

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            data = json.loads(self.path.read_text())
            self._cache.update({k: float(v) for k, v in data.get("seconds", {}).items()})
            self._results.update({k: v for k, v in data.get("results", {}).items() if isinstance(v, dict)})
        except (OSError, ValueError, AttributeError, TypeError):
            return
        if data.get("results"):  # the form of an earlier version: move them out once
            self._save_all({})

    def _save(self, key: str, seconds: float) -> None:
        self._save_all({key: seconds})

    @property
    def results_dir(self) -> Path:
        """Where stored results live, one file each (read only when asked for: they are large)."""
        return self.path.with_suffix(".results")

    def _result_path(self, key: str) -> Path:
        return self.results_dir / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"

    def _save_all(self, new: dict[str, float]) -> None:
        """Merge these entries into the file (other processes may be writing it too), atomically.
        Results an earlier version kept in the file move to their own files."""
        path = self.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                data = json.loads(path.read_text())
            except (OSError, ValueError):
                data = {}
            if not isinstance(data, dict):
                data = {}
            entries = data.get("seconds", {})
            entries.update(new)
            for key, value in data.get("results", {}).items():
                if isinstance(value, dict):
                    self._write_result(key, value)
            out = {"backend": self.backend, "machine": machine_id(), "seconds": entries}
            _write_atomically(path, json.dumps(out, indent=0, sort_keys=True))
        except OSError as e:
            log.warning("could not write the measurement cache %s: %s", path, e)

    def _write_result(self, key: str, value: dict[str, Any]) -> None:
        self.results_dir.mkdir(parents=True, exist_ok=True)
        _write_atomically(self._result_path(key), json.dumps({"key": key, "value": value}))

    def seconds(
        self, ctor: str, ty: Ty, child_tys: list[Ty], params: tuple[object, ...], time_it: bool = True
    ) -> float | None:
        """The measured time of the op, from the cache or by timing it (unless `time_it` is
        False); None when it cannot be (or may not be, over budget) measured."""
        if (
            ctor not in MEASURED
            or not isinstance(ty, TensorTy)
            or not all(isinstance(t, TensorTy) for t in child_tys)
        ):
            return None
        key = self._op_key(ctor, ty, child_tys, params)
        self._load()
        hit = self._cache.get(key)
        if hit is not None:
            self.cache_hits += 1
            return hit
        if key in self._failed or not time_it:
            return None
        if self.spent_seconds >= self.budget_seconds:
            self.over_budget += 1
            return None
        start = time.perf_counter()
        try:
            looped = looped_op(ctor, ty, child_tys, params)
            value = self._time(op_module(ctor, ty, child_tys, params), child_tys, looped)  # type: ignore[arg-type]
        except Exception as e:
            log.info("measuring %s failed: %s", key, e)
            self._failed.add(key)
            return None
        finally:
            self.spent_seconds += time.perf_counter() - start
        self.measured += 1
        self._cache[key] = value
        self._save(key, value)
        return value

    def program_ratios(
        self, key: str, programs: Callable[[], list[str]], same_bits: bool = False
    ) -> list[float] | None:
        """Measured run times of modules over that of the first, all from `programs()` (texts of
        modules with the same `@main` signature), timed interleaved on the same inputs; one ratio
        per module after the first. With `same_bits`, a module whose results differ in any bit
        from the first's on those inputs is infinitely slow (`time_programs`). Cached under `key`,
        which must identify the modules (`programs` is only called on a cache miss). None when one
        cannot be built, compiled or run, or the budget is spent."""
        key = f"{self.backend}|programs|{_PROGRAM_METHOD}|{key}{'|bits' if same_bits else ''}"
        self._load()
        count = self._cache.get(f"{key}|n")
        if count is not None:
            self.cache_hits += 1
            return [self._cache[f"{key}|{i}"] for i in range(int(count))]
        if key in self._failed or self.spent_seconds >= self.budget_seconds:
            return None
        start = time.perf_counter()
        try:
            values = self._run(time_programs, programs(), same_bits, self._session)
        except Exception as e:
            log.info("timing the programs failed: %s", e)
            self._failed.add(key)
            return None
        finally:
            self.spent_seconds += time.perf_counter() - start
        self.programs_measured += 1
        entries = {f"{key}|{i}": v for i, v in enumerate(values)}
        entries[f"{key}|n"] = float(len(values))
        self._cache.update(entries)
        self._save_all(entries)
        return values

    # ---- results decided by measuring ----
    def result(self, key: str) -> dict[str, Any] | None:
        """What was stored under `key` by `store_result`, or None."""
        self._load()
        if key not in self._results:
            try:
                stored = json.loads(self._result_path(key).read_text())
            except (OSError, ValueError):
                return None
            value = stored.get("value") if isinstance(stored, dict) else None
            if not isinstance(value, dict) or stored.get("key") != key:
                return None  # damaged, or another key with the same hash
            self._results[key] = value
        return self._results[key]

    def store_result(self, key: str, value: dict[str, Any]) -> None:
        """Keep `value` (JSON data) under `key` beside the cache file and the timings it rests on."""
        self._results[key] = value
        try:
            self._write_result(key, value)
        except OSError as e:
            log.warning("could not write a result to the measurement cache %s: %s", self.results_dir, e)

    def _time(self, text: str, child_tys: list[TensorTy], looped: bool) -> float:
        """Seconds of the op's kernel: `looped`, its time per iteration inside a loop
        (`time_op_looped`); else, or where it cannot be looped, a call's median less the cost of a
        call that does nothing."""
        if looped:
            operands = [(tuple(t.shape), t.dtype) for t in child_tys]
            try:
                return self._run(time_op_looped, text, operands)  # type: ignore[no-any-return]
            except Exception as e:  # (a worker that died answers as XLA's own errors do)
                log.info("timing in a loop failed (%s): timing calls", e)
        return max(0.0, self._median(text, child_tys) - self._baseline())

    # ---- where XLA runs ----
    def start_worker(self) -> None:
        """Load XLA's runtime now, in a process of its own (`xla.worker`), if this process has not
        imported jax: the import then overlaps the caller's work instead of delaying the first
        measurement. A process that keeps a worker for all its measurers (`keep_worker_resident`)
        lends it instead. Without a worker, measurements run in this process."""
        if self._worker is not None or "jax" in sys.modules:
            return
        from stablehlo_eqsat.xla.worker import Worker

        resident = _resident.get(self.backend)
        if resident is not None and resident.alive:
            self._worker = resident
            return
        try:
            self._worker = Worker.start(self.backend)
        except (OSError, ValueError) as e:
            log.info("no XLA worker process (%s): measuring in this process", e)
            return
        if self.backend in _resident:  # (the resident one died: this one takes its place)
            _resident[self.backend] = self._worker

    def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)` in the worker if there is one, else here. The worker is first asked
        something that cannot fail (its answer comes once it has loaded XLA): one that does not
        answer that could not start, and measuring goes on in this process. A worker that dies
        on a measurement (XLA aborting on the module) is not used again, and that measurement
        fails, the process goes on."""
        worker = self._worker
        if worker is None:
            return fn(*args)
        from stablehlo_eqsat.xla.worker import WorkerDied

        try:
            if not self.worker_calls:
                worker.call(len, ())
        except WorkerDied as e:
            self._drop_worker()
            log.info("%s; measuring in this process", e)
            return fn(*args)
        try:
            value = worker.call(fn, *args)
        except WorkerDied:
            self._drop_worker()
            raise
        self.worker_calls += 1
        return value

    def _drop_worker(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.close()  # (a resident one too: the next measurer starts its successor)

    def close(self) -> None:
        """Stop the worker, if one was started (a resident one stays, for the next measurer)."""
        if self._worker is not None and _resident.get(self.backend) is not self._worker:
            self._worker.close()
        self._worker = None

    def _op_key(self, ctor: str, *op: Any) -> str:
        """The cache key of one timing on this backend: an op (`op_key` of `ctor`, its type, its
        operands' types and its literals), or the call overhead (`"baseline"`)."""
        return f"{self.backend}|{_METHOD}|{op_key(ctor, *op) if op else ctor}"

    def has_timed(self, ctor: str, ty: Ty, child_tys: list[Ty], params: tuple[object, ...]) -> bool:
        """Whether the cache has this op's time."""
        self._load()
        return self._op_key(ctor, ty, child_tys, params) in self._cache

    @property
    def is_new(self) -> bool:
        """Whether this cache holds no op timed by this method on this backend."""
        self._load()
        prefix = self._op_key("")
        return not any(key.startswith(prefix) for key in self._cache)

    def _baseline(self) -> float:
        """The time of running an executable that does (almost) nothing: call overhead, not kernel time."""
        key = self._op_key("baseline")
        if key not in self._cache:
            text = (
                "func.func public @main(%a: tensor<4xf32>) -> tensor<4xf32> {\n"
                "  %0 = stablehlo.negate %a : tensor<4xf32>\n  return %0 : tensor<4xf32>\n}\n"
            )
            self._cache[key] = self._median(text, [TensorTy((4,), "f32")])
            self._save(key, self._cache[key])
        return self._cache[key]

    def _median(self, text: str, child_tys: list[TensorTy]) -> float:
        operands = [(tuple(t.shape), t.dtype) for t in child_tys]
        return self._run(time_op, text, operands, self.runs)  # type: ignore[no-any-return]


# A process that optimizes many modules (`stablehlo-eqsat-server`) keeps one measuring worker
# per backend for all its measurers: XLA's runtime loads once, not at every call.
_resident: dict[str, Worker] = {}


def keep_worker_resident(backend: str = "cpu") -> None:
    """Start a worker that every later `Measurer` of `backend` in this process uses (one that
    dies is replaced by the next measurer that needs one, and that one stays)."""
    from stablehlo_eqsat.xla.worker import Worker

    worker = _resident.get(backend)
    if worker is None or not worker.alive:
        _resident[backend] = Worker.start(backend)


def resident_worker(backend: str = "cpu") -> Worker | None:
    """The worker `keep_worker_resident` keeps for `backend` (or its successor), if alive."""
    worker = _resident.get(backend)
    return worker if worker is not None and worker.alive else None


def release_resident_worker() -> None:
    """Stop the resident workers."""
    for worker in _resident.values():
        worker.close()
    _resident.clear()


# The timings themselves: plain functions of text, so that they run alike in this process and in
# the worker (`Measurer._run`).
def _uniform_operands(operands: list[tuple[tuple[int, ...], str]]) -> list[np.ndarray]:
    """Uniform random values in [-1, 1) of these shapes and element types (seeded)."""
    import stablehlo_eqsat.xla as xla

    rng = np.random.default_rng(0)
    return [rng.uniform(-1, 1, size=shape).astype(xla.numpy_dtype(dtype)) for shape, dtype in operands]


def time_op(text: str, operands: list[tuple[tuple[int, ...], str]], runs: int) -> float:
    """Median seconds per execution of the module on uniform random operands (shape, element
    type). An execution inside a program is not waited for on its own, so neither is one here: a
    sample is a batch of executions dispatched back to back and then waited for
    (`xla.median_seconds`)."""
    import stablehlo_eqsat.xla as xla

    exe = xla.compile_module(text)
    args = xla.device_arrays(exe, _uniform_operands(operands))
    return xla.median_seconds(exe, args, rounds=runs, seconds=OP_TIMING_SECONDS)


# Samples of an op timed by calls stop after this many seconds (three at least): a 12 ms
# convolution is timed in three samples, not seven; one of a millisecond or less in all seven.
OP_TIMING_SECONDS = 0.03


# Products of less arithmetic than this are timed inside a loop (`looped_op`): a call costs ~10 us
# here and spreads by several, and the products of the zoo's blocks (0.3-3 us) were ranked at
# random by calls; looped, their times repeat within 1-3%. Larger products, and convolutions and
# pools, are timed by calls: a loop costs ~35 ms more to compile than the op alone (a `while` and
# its bookkeeping kernels: 6 ms for a 64x64x64 product, 42 ms looped), which for the many small
# convolutions of a CNN doubled its first optimization (mobilenet_v3's first 20 ops: 0.70 s by
# calls, 1.58 s looped below 4 MFLOP), and where a convolution rewrite is taken it is decided by
# timing the whole function (`measured_choice.py`). 4 MFLOP is 10-20 us of product here.
LOOPED_FLOPS = 4e6


def looped_op(ctor: str, ty: Ty, child_tys: list[Ty], params: tuple[object, ...]) -> bool:
    """Whether the op is timed inside a loop: a product below `LOOPED_FLOPS`."""
    from stablehlo_eqsat.passes.op_cost import op_work

    if ctor != "Dot":
        return False
    return op_work(ctor, ty, child_tys, (*range(len(child_tys)), *params, "")).matmul_flops < LOOPED_FLOPS


def time_op_looped(text: str, operands: list[tuple[tuple[int, ...], str]]) -> float:
    """Seconds per execution of the module's op inside a loop (`xla.loop`), on the operands of
    `time_op`."""
    import stablehlo_eqsat.xla as xla
    from stablehlo_eqsat.xla.loop import loop_module, loop_seconds, trip_counts

    exe = xla.compile_module(loop_module(text))
    inputs = _uniform_operands(operands)
    trips = trip_counts(exe, inputs, seconds=LOOP_SECONDS)
    return max(0.0, loop_seconds([exe], [inputs], rounds=5, trips=trips)[0])


# How long the longer of a looped op's two loops runs. Over 176 looped products of the zoo CNNs'
# and bench-dots' caches (stop 29), half a millisecond timed them as repeatably as one (second
# timing over first, 10th-90th percentile: 0.89-1.08 and 0.89-1.12; one over the other 0.95-1.10,
# median 1.005) in 58% of the time (14 ms less per product).
LOOP_SECONDS = 5e-4


# The input program of the last `time_programs` call and its executable, with the session that
# timed it. A function's input is timed against its extracted program first, and against the other
# candidates in a second call (`measured_choice.py`): compiled once, not twice (vit-small's
# function: 0.23 s of a 2.8 s first optimization). Kept for one measurer's calls only (its
# session), so that a process measuring for many (a resident worker) never makes a first
# optimization faster than it is on its own.
_last_input: tuple[str, str, Any] | None = None


def time_programs(texts: list[str], same_bits: bool = False, session: str | None = None) -> list[float]:
    """Each module's time against the first's, as the upper quartile of their per-round ratios:
    a module counts as faster only if it was in three rounds out of four (`xla.timing`). With
    `same_bits` (`fp-mode=strict`), a module whose results on the timing's inputs differ from the
    first's in any bit is not timed and counts as infinitely slow: XLA may compute an exactly
    equal program with other roundings (a convolution whose producer it fuses differently runs
    another kernel; `unet_level`'s max-pool written as slices changed 7424 of 8192 results).
    Calls of one `session` that time the same first module compile it once."""
    global _last_input
    import stablehlo_eqsat.xla as xla

    if session is not None and _last_input is not None and _last_input[:2] == (session, texts[0]):
        first = _last_input[2]
    else:
        first = xla.compile_module(texts[0])
    _last_input = (session, texts[0], first) if session is not None else None
    exes = [first, *(xla.compile_module(t) for t in texts[1:])]
    args = xla.device_arrays(exes[0], xla.random_inputs(xla.arg_types_of(texts[0])))
    differs = [False] * len(exes)
    if same_bits:
        first_results = [np.asarray(r) for r in exes[0].execute(args)]
        for i, exe in enumerate(exes[1:], 1):
            results = [np.asarray(r) for r in exe.execute(args)]
            differs[i] = not all(xla.arrays_equal(a, b) for a, b in zip(first_results, results, strict=True))
    timed = [exe for exe, d in zip(exes, differs, strict=True) if not d]
    samples, _ = xla.time_interleaved(
        timed,
        args,
        rounds=40,
        min_rounds=_EARLY_ROUNDS,
        seconds=1.0 + len(timed),
        max_batch=50,
        settled=ratios_settled,
    )
    ratios = iter(xla.ratio_quantile(s, samples[0], 0.75) for s in samples[1:])
    return [math.inf if d else next(ratios) for d in differs[1:]]


# Whole-program timing stops early once what it decides is decided beyond this margin, from
# `_SETTLED_ROUNDS` rounds on; before that (from `_EARLY_ROUNDS` on) only beyond `_EARLY_MARGIN`.
# ResNet-50's extracted program measured 0.63 of the input: nine rounds of both cost 0.7 s more
# than the five that decided it already.
_SETTLED_MARGIN = 0.05
_SETTLED_ROUNDS = 9
_EARLY_ROUNDS = 5
_EARLY_MARGIN = 0.15


def ratios_settled(samples: list[Samples]) -> bool:
    """Whether timings of an input (`samples[0]`) and its candidates already decide the choice
    (`measured_choice.py`: the candidate fastest in three rounds out of four, if no slower than
    the input): every candidate slower than the input by the margin in three rounds out of four;
    or the fastest faster than the input by the margin, in three rounds out of four, and every
    other candidate either slower than it (in three rounds out of four) or within the margin of it
    (then which of the two goes out changes the function's time by less than the margin: resnet50's
    candidates measured 0.674 and 0.697 of the input, and timing on to tell them apart took 5 s).
    In fewer than `_SETTLED_ROUNDS` rounds, slower or faster than the input means by `_EARLY_MARGIN`."""
    from stablehlo_eqsat.xla import ratio_quantile

    base = samples[0]
    margin = _SETTLED_MARGIN if len(base.wall) >= _SETTLED_ROUNDS else _EARLY_MARGIN
    quartiles = [(ratio_quantile(s, base, 0.25), ratio_quantile(s, base, 0.75)) for s in samples[1:]]
    if all(low > 1 + margin for low, _ in quartiles):
        return True
    best = min(range(len(quartiles)), key=lambda i: quartiles[i][1])
    high = quartiles[best][1]
    return high < 1 - margin and all(
        low > high or other_high <= high * (1 + _SETTLED_MARGIN)
        for i, (low, other_high) in enumerate(quartiles)
        if i != best
    )


@dataclass
class MeasuredCostModel(CostModel):
    """`CostModel` with measured times for `Conv` and `Dot` (see the module docstring).

    `mode`: `on` measures every such op; `auto` only in functions that contain a convolution (the
    ops whose kernels the analytical model cannot predict), so that programs without one are
    priced exactly as by `CostModel`; `off` never measures. `for_function` gives the model of one
    function, with `active` set: the price of a program never depends on what was priced before
    it. Unmeasured convolutions are priced like a matrix product of the same arithmetic.
    """

    measurer: Measurer = field(default_factory=Measurer)
    mode: str = "auto"
    # A rewrite must beat a measured convolution by this fraction to replace it: measurements on
    # a busy machine are noisy, and an algorithm rewrite that only ties is not worth the risk.
    keep_margin: float = 0.1
    active: bool = False  # this function's ops are measured (`for_function`)
    # What a dot's time measured alone may be off by inside a program (medians of 7 runs on this
    # 2-core machine repeat within ~3%; the same dot's share of a program's time within ~5%).
    measured_dot_error: float = 0.05

    def anticipate(self, functions: list[list[TermGraph]]) -> None:
        """Start XLA's runtime in a worker process (`Measurer.start_worker`) if the module will be
        measured (`will_measure`)."""
        if self.will_measure(functions):
            self.measurer.start_worker()

    def will_measure(self, functions: list[list[TermGraph]]) -> bool:
        """Whether optimizing functions with these graphs is sure, or likely, to time something:
        a convolution whose time the cache lacks in a function whose ops are measured, or (`on`)
        any such op; or a cache never used before and a convolution or dot anywhere (the first
        optimization on a machine times the dots it changes)."""
        if self.mode == "off":
            return False
        new = self.measurer.is_new
        for graphs in functions:
            if not (new or self.for_function(graphs).active):
                continue
            for graph in graphs:
                for term in graph.terms:
                    if term.ctor not in MEASURED:
                        continue
                    if new:
                        return True
                    if term.ctor == "Dot" and self.mode != "on":
                        continue  # in `auto` only the dots a change touches are timed
                    child_tys = [graph.terms[c].ty for c in term.children()]
                    params = measured_params(term.ctor, term.args)
                    if not self.measurer.has_timed(term.ctor, term.ty, child_tys, params):
                        return True
        return False

    def for_function(self, graphs: list[TermGraph]) -> MeasuredCostModel:
        from stablehlo_eqsat.passes.prepare import has_convolution

        active = self.mode == "on" or (self.mode == "auto" and has_convolution(graphs))
        return dataclasses.replace(self, active=active)

    # ---- analytical fallback for convolutions ----
    def conv_seconds(self, ty: Ty, child_tys: list[Ty], args: tuple[Any, ...]) -> float:
        p = self.profile
        flops = conv_flops(ty, child_tys, args)
        memory = (sum(nbytes(t) for t in child_tys) + nbytes(ty)) / p.bandwidth_bytes_per_s
        return p.launch_overhead_s + max(flops / p.matmul_flops_per_s, memory)

    def _measured(
        self, ctor: str, ty: Ty, child_tys: list[Ty], args: tuple[Any, ...], time_it: bool = True
    ) -> float | None:
        if self.mode == "off":
            return None
        params = measured_params(ctor, args)
        t = self.measurer.seconds(ctor, ty, child_tys, params, time_it)
        if t is not None and ctor == "Conv":
            t *= 1.0 - self.keep_margin
        return t

    # ---- node-local (for extractors) ----
    def node_cost(self, node: ENode, data: EGraphData) -> float:
        if node.ctor in MEASURED and self.active:
            child_tys = [data.class_type(c) for c in node.children()]
            t = self._measured(node.ctor, node.ty, child_tys, node.args)
            if t is not None:
                return t
            if node.ctor == "Conv":
                return self.conv_seconds(node.ty, child_tys, node.args)
        elif node.ctor == "Conv":
            return self.conv_seconds(node.ty, [data.class_type(c) for c in node.children()], node.args)
        return super().node_cost(node, data)

    # ---- whole programs ----
    def _estimate(self, graph: TermGraph) -> Estimate:
        return self._priced(super()._estimate(graph), self.active)

    def _priced(self, est: Estimate, measured: bool, timed: Collection[object] | None = None) -> Estimate:
        """`est` (the analytical estimate) with its measured ops' kernels timed (`measured`) or
        priced by the convolution fallback; changed kernels are copies, `est` stays as it was.
        With `timed`, only the dots with those keys (`cost.dot_key`) are timed where the cache
        has no time for them; the others take the cache's time or keep the analytical one."""
        total = est.seconds
        graph = est.graph
        assert graph is not None
        # What a launch as a task of XLA's dataflow executor costs over one in sequence
        # (`DeviceProfile.sequential_max_thunks`; nothing where the profile has one figure).
        p = self.profile
        task = p.launch_overhead_s - p.sequential_launch_s if p.sequential_max_thunks else 0.0
        kernels = []
        for k in est.kernels:
            term = graph.terms[k.members[0]] if k.members else None
            if k.kind in ("dot", "opaque") and term is not None and term.ctor in MEASURED:
                child_tys = [graph.terms[c].ty for c in term.children()]
                time_it = timed is None or term.ctor != "Dot" or dot_key(graph, term) in timed
                t = self._measured(term.ctor, term.ty, child_tys, term.args, time_it) if measured else None
                if t is None and term.ctor == "Conv":  # (analytical: its launch priced as a task)
                    t = self.conv_seconds(term.ty, child_tys, term.args)
                    t -= self.launches(graph, k) * task if est.sequential else 0.0
                elif t is not None and not est.sequential:  # timed alone, it ran in sequence
                    t += self.launches(graph, k) * task
                if t is not None:
                    total += t - k.seconds
                    k = dataclasses.replace(k, seconds=t, measured=measured)
            kernels.append(k)
        return Estimate(total, kernels, graph, est.sequential)

    def judge(self, before: TermGraph, after: TermGraph) -> Judgement:
        """`CostModel.judge`, with the dots timed wherever the two programs' dots differ (unless
        measuring is off): then `after` must gain more than the measurement's own noise on them.
        Where a dot cannot be timed (over budget), the analytical model's error stands."""
        plain = super().judge(before, after)
        if plain.error_seconds == 0 or self.mode == "off":
            return plain
        # Time only the dots one program runs and the other does not: the others are the same
        # kernels on both sides (priced the same, from the cache or analytically).
        ran_b, ran_a = dot_kernels(plain.before), dot_kernels(plain.after)
        differ = set((ran_b - ran_a) + (ran_a - ran_b))
        b, a = (self._priced(e, True, differ) for e in (plain.before, plain.after))
        if any(key in differ and not k.measured for est in (b, a) for k, key in keyed_dot_kernels(est)):
            return plain  # a dot that differs could not be timed (over budget): the model's error stands
        changed = max(changed_dot_seconds(b, a), changed_dot_seconds(a, b))
        return Judgement(b, a, self.measured_dot_error * changed)
