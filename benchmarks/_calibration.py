"""The calibration workload: a fixed native numeric kernel plus a pure-Python loop, timed in the run.

The gate divides every benchmark median by this workload's median, so a slower (or busier)
machine does not fail the build: only a change that is slow relative to the machine does.
Both halves are single-threaded on purpose (numpy's own einsum loop, not BLAS, whose thread
pool stalls by tens of milliseconds on an oversubscribed machine), so the yardstick itself is
steady; each half takes about 1.3 ms on the reference machine.
"""

from __future__ import annotations

import time

import numpy as np

_SIZE = 200
_LOOP = 20_000


def _workload(a: np.ndarray) -> float:
    total = float(np.einsum("ij,jk->ik", a, a, optimize=False).sum())
    acc: dict[int, int] = {}
    for i in range(_LOOP):
        acc[i & 255] = acc.get(i & 255, 0) + i
    return total + len(acc)


def calibrate(quick: bool = False, repeats: int | None = None) -> list[float]:
    """Seconds per run of the calibration workload, one sample per repeat."""
    a = np.random.default_rng(0).standard_normal((_SIZE, _SIZE), dtype=np.float32)
    _workload(a)
    samples = []
    for _ in range(repeats or (15 if quick else 41)):
        start = time.perf_counter()
        _workload(a)
        samples.append(time.perf_counter() - start)
    return samples
