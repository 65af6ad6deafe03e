"""Ray Data scan throughput with 1 and 2 workers, beside the in-process batch scan (same run).

    python -m pytest benchmarks/test_bench_ray.py --benchmark-json=reports/ray.json

Not part of the CI gate (benchmarks/gate.py): each round starts actors and loads models. The
figures go to docs/benchmarks.md ("Ray Data scan"). Every Ray round records, per batch, the
actor's process id, its CPU time and when the batch started and ended, so three figures come
out of one run:

- end to end: rows / wall time of the whole job (actor start and model load included);
- steady state: rows / (last batch end - first batch start), the rate once the actors run;
- per CPU-second: rows / the actors' summed CPU time (what one more CPU adds, on an idle one).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import pytest
from _texts import queries

pytest.importorskip("ray", reason="Ray benchmarks need the ray extra: pip install 'tako-guardrails[ray]'")

ROWS = 3_072
BATCH = 256


class TimedScanBatch:
    """ScanBatch plus, per batch: process id, CPU seconds, start and end (epoch seconds)."""

    def __init__(self, spec: Any) -> None:
        from guardrails.ops.ray_scan import ScanBatch

        self.inner = ScanBatch(spec, include_text=False)

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        t0, c0 = time.time(), time.process_time()
        out = self.inner(batch)
        t1, c1 = time.time(), time.process_time()
        n = out.num_rows
        return pa.table({"action": out.column("action"), "pid": [os.getpid()] * n, "t0": [t0] * n, "t1": [t1] * n,
                         "cpu_s": [(c1 - c0) / n] * n})


@pytest.fixture(scope="module")
def local_ray():
    import ray
    from ray import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this file
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def texts() -> Any:
    """Fresh texts per call (round): Guards in one process share the encoder's cache."""
    seeds = iter(range(100, 10_000))
    return lambda: queries(16, ROWS, seed=next(seeds))


def test_in_process_batch_scan(benchmark, metrics, texts):
    """The baseline: one process, one thread, check_batch over the same rows (a fresh Guard per
    round, so no cache hit)."""
    from guardrails.ops.ray_engine import PolicySpec

    spec = PolicySpec.load(None)
    cpu: list[float] = []

    def run(rows: list[str]) -> None:
        guard = spec.build()
        start = time.thread_time()
        for i in range(0, len(rows), BATCH):
            guard.check_batch("input", rows[i : i + BATCH])
        cpu.append(time.thread_time() - start)
        guard.close()

    benchmark.pedantic(run, setup=lambda: ((texts(),), {}), rounds=2, iterations=1)
    benchmark.extra_info.update(texts=ROWS, per="job", throughput=True)
    metrics.record("in_process_texts_per_cpu_s", [ROWS / c for c in cpu], "texts/s")


@pytest.mark.parametrize("workers", [1, 2])
def test_ray_scan(benchmark, metrics, local_ray, texts, workers):
    import pyarrow as pa

    from guardrails.ops.ray_engine import PolicySpec, RayOptions

    ray = local_ray
    spec = PolicySpec.load(None)
    options = RayOptions(workers=workers, batch_size=BATCH)
    results: list[Any] = []

    def blocks() -> tuple[tuple[Any], dict[str, Any]]:
        rows = texts()
        return ([pa.table({"id": [str(i) for i in range(s, min(s + BATCH * 2, ROWS))], "text": rows[s : s + BATCH * 2]})
                 for s in range(0, ROWS, BATCH * 2)],), {}

    def run(tables: list[Any]) -> None:
        ds = ray.data.from_arrow(tables)
        decided = ds.map_batches(TimedScanBatch, fn_constructor_kwargs={"spec": spec}, batch_format="pyarrow",
                                 batch_size=BATCH, compute=options.compute(ray), num_cpus=1)
        results.append(pa.concat_tables(ray.get(decided.to_arrow_refs())))

    benchmark.pedantic(run, setup=blocks, rounds=2, iterations=1)
    steady, per_cpu, used = [], [], []
    for table in results:
        rows = table.to_pydict()
        assert len(rows["action"]) == ROWS and None not in rows["action"]
        steady.append(ROWS / (max(rows["t1"]) - min(rows["t0"])))
        per_cpu.append(ROWS / sum(rows["cpu_s"]))
        used.append(len(set(rows["pid"])))
    benchmark.extra_info.update(texts=ROWS, per="job", throughput=True, workers=workers, actors_used=used)
    metrics.record(f"ray_{workers}_workers_steady_texts_per_s", steady, "texts/s", actors_used=used)
    metrics.record(f"ray_{workers}_workers_texts_per_cpu_s", per_cpu, "texts/s")
    assert max(used) == workers  # the pool grew to the workers asked for


def test_driver_jsonl_parse_rate(benchmark, metrics, tmp_path, local_ray, texts):
    """The driver reads JSON Lines itself: the rate that bounds a cluster fed with JSON Lines."""
    import json

    from guardrails.ops.ray_engine import read_rows

    path = tmp_path / "rows.jsonl"
    rows = texts()
    with path.open("w", encoding="utf-8") as f:
        for i in range(100_000):
            f.write(json.dumps({"id": f"r{i}", "time": "2026-11-20T10:00:00Z", "lang": "en",
                                "text": rows[i % len(rows)]}) + "\n")
    rates: list[float] = []

    def run() -> None:
        start = time.process_time()
        ds, _ = read_rows(local_ray, path)
        rates.append(100_000 / (time.process_time() - start))  # the driver's CPU: wall time here is mostly waiting
        del ds

    benchmark.pedantic(run, rounds=3, iterations=1)
    metrics.record("driver_jsonl_rows_per_cpu_s", rates, "rows/s")
