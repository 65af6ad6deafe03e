"""The shipped int8 encoder on its own: latency, batch throughput, cache hits, a long document.

    python -m pytest benchmarks/test_bench_encoder.py --benchmark-columns=median,iqr,rounds

Texts differ each round (cache misses) except in the cache-hit benchmark. Single texts run on
one intra-op thread; batches and the document also on two. Throughput (texts/s) is in each
batch benchmark's ``extra_info``. Figures and the budget: docs/benchmarks.md ("Encoder").
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from _texts import INJECTION, document_with_injection, queries

MODEL_DIR = Path(__file__).resolve().parents[1] / "guardrails" / "models" / "encoder"

pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(not (MODEL_DIR / "model.int8.onnx").exists(), reason="encoder not built"),
]


def _cpu_ms(fn: Callable[[], object], n: int) -> float:
    """Median thread CPU time (ms) of ``fn``: with one intra-op thread the model runs on the
    calling thread, so this is its compute cost even on a machine shared with other jobs."""
    samples = []
    for _ in range(n):
        c0 = time.thread_time()
        fn()
        samples.append(time.thread_time() - c0)
    return statistics.median(samples) * 1e3


def _encoder(threads: int, cache_size: int = 0):
    from guardrails.runtime import OnnxEncoder

    return OnnxEncoder(MODEL_DIR, intra_op_threads=threads, cache_size=cache_size).load()


@pytest.fixture(scope="module")
def one_thread():
    return _encoder(1)


@pytest.fixture(scope="module")
def two_threads():
    return _encoder(2)


@pytest.mark.parametrize("tokens", [16, 32, 128, 512])
def test_single_text(benchmark, one_thread, rounds, tokens):
    """One text of ``tokens`` tokens through embed_windows (128 and 512 tokens: 2 and 5 windows)."""
    texts = itertools.cycle(queries(tokens, 400))
    one_thread.embed_windows(next(texts))
    n = rounds(200 if tokens <= 32 else 40 if tokens == 128 else 15, 20 if tokens <= 32 else 5)
    result = benchmark.pedantic(
        lambda: one_thread.embed_windows(next(texts)), rounds=n, iterations=1, warmup_rounds=3
    )
    benchmark.extra_info["windows"] = int(result.shape[0])
    benchmark.extra_info["threads"] = 1
    benchmark.extra_info["cpu_ms_median"] = _cpu_ms(
        lambda: one_thread.embed_windows(next(texts)), n
    )


@pytest.mark.parametrize("size", [1, 16, 64, 256])
def test_batch(benchmark, two_threads, rounds, size):
    """A batch of ``size`` distinct 16-token queries, two intra-op threads."""
    pool = queries(16, size * 6, seed=7)
    batches = itertools.cycle([pool[i : i + size] for i in range(0, len(pool), size)])
    two_threads.embed_windows_batch(next(batches))
    n = rounds(30 if size <= 16 else 6 if size == 64 else 3, 3 if size <= 64 else 2)
    benchmark.pedantic(
        lambda: two_threads.embed_windows_batch(next(batches)), rounds=n, iterations=1
    )
    benchmark.extra_info["threads"] = 2
    benchmark.extra_info["texts_per_s"] = size / benchmark.stats.stats.median


def test_cache_hit(benchmark):
    """The same 32-token query again: a cache hit, no tokenizer or model."""
    enc = _encoder(1, cache_size=4096)
    text = queries(32, 1)[0]
    enc.embed([text])
    benchmark(enc.embed, [text])
    assert enc.cache_info().hits > 0


@pytest.mark.parametrize("threads", [1, 2])
def test_document_20k(benchmark, rounds, threads, one_thread, two_threads):
    """A 20,000-character document, every window embedded; the injection is in the last one."""
    enc = one_thread if threads == 1 else two_threads
    docs = itertools.cycle([document_with_injection(20_000, seed=s) for s in range(8)])
    plan = enc.plan_windows(next(docs))
    assert plan.complete
    assert plan.windows[-1].char_start <= len(next(docs)) - len(INJECTION)
    result = benchmark.pedantic(
        lambda: enc.embed_windows(next(docs)), rounds=rounds(5, 2), iterations=1
    )
    benchmark.extra_info["windows"] = int(result.shape[0])
    benchmark.extra_info["threads"] = threads
    if threads == 1:
        benchmark.extra_info["cpu_ms_median"] = _cpu_ms(lambda: enc.embed_windows(next(docs)), 3)
