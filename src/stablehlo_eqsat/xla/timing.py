"""The one timer: executables run in interleaved, rotated rounds on the same inputs.

Every speed figure of the project comes from `time_interleaved`: the pass's measurements (one op,
or a function and its candidates), the benchmarks and the calibration. A *sample* is a batch of
executions lasting about `sample_seconds`, divided by the batch size: a single execution of a
small program is dominated by the hand-off to XLA's threads, whose wake-ups on a shared 2-core
machine spread one program's times by 20-40%. Rounds rotate the order, so that no executable
always runs after the same one.

    samples = time_interleaved([exe_a, exe_b], args, rounds=30)
    samples[1].median / samples[0].median
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Samples:
    """Seconds per execution of one executable, one sample per round."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # process CPU time (all threads)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def minimum(self) -> float:
        return min(self.wall)

    @property
    def spread(self) -> float:
        """Interquartile range over the median."""
        med = self.median
        q = (
            statistics.quantiles(self.wall, n=4)
            if len(self.wall) >= 4
            else [min(self.wall), med, max(self.wall)]
        )
        return (q[2] - q[0]) / med if med > 0 else 0.0

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


def ratio_quantile(samples: Samples, base: Samples, q: float) -> float:
    """The `q` quantile (0-1) of the per-round ratios `samples / base`: at 0.75, a program counts
    as faster than the base only if it was in three rounds out of four."""
    import numpy as np

    ratios = [t / max(b, 1e-12) for t, b in zip(samples.wall, base.wall, strict=True)]
    return float(np.percentile(ratios, 100 * q))


def _execute(executable: Any, args: Sequence[Any], times: int, wait_each: bool) -> None:
    import jax

    out = None
    for _ in range(times):
        out = executable.execute(args)
        if wait_each:
            jax.block_until_ready(out)
    if not wait_each:  # (with wait_each the last one was waited for already)
        jax.block_until_ready(out)


def batch_size(seconds_each: float, sample_seconds: float, least: int, most: int) -> int:
    """Executions per sample for a sample to last `sample_seconds`, within [`least`, `most`]."""
    return max(least, min(most, math.ceil(sample_seconds / max(seconds_each, 1e-7))))


def time_interleaved(
    executables: Sequence[Any],
    args: Sequence[Any],
    *,
    rounds: int,
    min_rounds: int | None = None,
    seconds: float | None = None,
    sample_seconds: float = 1e-3,
    max_batch: int = 1000,
    min_batch: int = 1,
    warmup: int = 3,
    warmup_seconds: float = 0.0,
    wait_each: bool = False,
    args_each: Sequence[Sequence[Any]] | None = None,
    settled: Callable[[list[Samples]], bool] | None = None,
    batch: int | None = None,
) -> tuple[list[Samples], int]:
    """Time `executables` (compiled for one device, with the same parameters) on `args` (device
    arrays), or each on its own `args_each[i]`; returns their samples and the executions per sample.

    Each executable is first run `warmup` times (more, up to 20, until `warmup_seconds` have
    passed: XLA CPU's kernels take a dozen runs to reach their steady speed). The batch size makes
    a sample of the first executable last `sample_seconds`, within [`min_batch`, `max_batch`]
    (judged from five more executions of it, unless its last warm-up executions already took that
    long), unless `batch` gives it.
    Then `rounds` rounds; with `seconds`, rounds stop once that many seconds have passed and at
    least `min_rounds` are done; with `settled`, also once that many are done and
    `settled(samples)` says that what they were for is decided. `wait_each` waits for every
    execution (the time a caller that waits for each result sees) instead of once per batch (the
    time of executions inside a program, which nothing waits for one by one)."""
    import jax

    inputs = list(args_each) if args_each is not None else [args] * len(executables)
    warm_until = time.perf_counter() + warmup_seconds
    first_warm: list[float] = []  # the first executable's warm-up executions, in seconds
    for k, (exe, exe_args) in enumerate(zip(executables, inputs, strict=True)):
        for i in range(20):
            if i >= warmup and time.perf_counter() >= warm_until:
                break
            t = time.perf_counter()
            jax.block_until_ready(exe.execute(exe_args))
            if k == 0:
                first_warm.append(time.perf_counter() - t)
    if batch is None:
        if len(first_warm) >= 3 and min(first_warm[-2:]) >= sample_seconds:
            probe = first_warm[-2:]  # (a sample is one execution: its warm-up says so already)
        else:
            probe = []
            for _ in range(5):
                t = time.perf_counter()
                jax.block_until_ready(executables[0].execute(inputs[0]))
                probe.append(time.perf_counter() - t)
        batch = batch_size(statistics.median(probe), sample_seconds, min_batch, max_batch)
    samples = [Samples() for _ in executables]
    order = list(range(len(executables)))
    deadline = None if seconds is None else time.perf_counter() + seconds
    least = rounds if min_rounds is None else min_rounds
    for r in range(rounds):
        out_of_time = deadline is not None and time.perf_counter() >= deadline
        if r >= least and (out_of_time or (settled is not None and settled(samples))):
            break
        shift = r % len(order)
        for i in order[shift:] + order[:shift]:
            c, t = time.process_time(), time.perf_counter()
            _execute(executables[i], inputs[i], batch, wait_each)
            samples[i].wall.append((time.perf_counter() - t) / batch)
            samples[i].cpu.append((time.process_time() - c) / batch)
    return samples, batch


# Executions before the samples of `median_seconds`. On this 2-core VM an executable's first
# execution took 3-6x its steady time, the next four 1.1-1.6x, and from the sixth or seventh on it
# was steady (3x3 and 1x1 convolutions, 0.3-2 ms): eight warm-ups gave the same medians (within 2%,
# interleaved) as up to twenty and 0.2 s, in 70-75% of the time of a measured op. An op of 4 ms or
# more was steady from its second execution (stop 29: 4-12 ms convolutions of the zoo's CNNs,
# twenty executions each), so warming stops early once the executions after the first have taken
# `MEDIAN_WARMUP_SECONDS`: a 12 ms depthwise convolution took 20 executions (0.26 s) to time.
MEDIAN_WARMUP = 8
MEDIAN_WARMUP_SECONDS = 0.02


def median_seconds(executable: Any, args: Sequence[Any], *, rounds: int = 7, seconds: float = 1.0) -> float:
    """Median seconds per execution of one executable: after the warm-up (`MEDIAN_WARMUP`
    executions, or fewer for a slow one), at least three and at most `rounds` samples, fewer
    once `seconds` have passed; a sample is a batch of back-to-back executions lasting about a
    millisecond (its size from the last warm-up executions)."""
    import jax

    times: list[float] = []
    for i in range(MEDIAN_WARMUP):
        start = time.perf_counter()
        jax.block_until_ready(executable.execute(args))
        times.append(time.perf_counter() - start)
        if i >= 2 and sum(times[1:]) >= MEDIAN_WARMUP_SECONDS:
            break
    batch = batch_size(statistics.median(times[-3:]), 1e-3, 1, 100)
    samples, _ = time_interleaved(
        [executable], args, rounds=rounds, min_rounds=3, seconds=seconds, warmup=0, batch=batch
    )
    return samples[0].median
