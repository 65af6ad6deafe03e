"""The calibration workload: a fixed native numeric kernel plus a pure-Python loop, timed in the run.

The gate divides every benchmark median by this workload's median, so a slower machine does
not fail the build: only a change that is slow relative to the machine does. The workload is
short (about 0.1 ms) and repeated, and its median taken, so preemption by other jobs on a busy
machine rarely lands inside a sample: it measures the speed of the machine, not its load
(load is what the gate's minimum guard and noise floor handle). Both halves are
single-threaded on purpose (numpy's own einsum loop, not BLAS, whose thread pool stalls by tens
of milliseconds on an oversubscribed machine).
"""

from __future__ import annotations

import time

import numpy as np

_SIZE = 72
_LOOP = 600


def _workload(a: np.ndarray) -> float:
    total = float(np.einsum("ij,jk->ik", a, a, optimize=False).sum())
    acc: dict[int, int] = {}
    for i in range(_LOOP):
        acc[i & 63] = acc.get(i & 63, 0) + i
    return total + len(acc)


def calibrate(quick: bool = False, repeats: int | None = None) -> list[float]:
    """Seconds per run of the calibration workload, one sample per repeat."""
    a = np.random.default_rng(0).standard_normal((_SIZE, _SIZE), dtype=np.float32)
    _workload(a)
    samples = []
    for _ in range(repeats or (151 if quick else 301)):
        start = time.perf_counter()
        _workload(a)
        samples.append(time.perf_counter() - start)
    return samples
