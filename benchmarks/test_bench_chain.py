"""The whole default chains: short queries, a 2,000-character answer, a 20,000-character document,
cache hits, batches with two threads, and each guard's share of a 32-token query.

Every benchmark draws its own texts (its own seed), so no test is helped by another's cache.
"""

from __future__ import annotations

import itertools
import statistics
from concurrent.futures import ThreadPoolExecutor

import pytest
from _texts import answer, document_with_injection, queries

pytestmark = pytest.mark.model


def _fresh(pool: list[str]):
    """A pedantic ``setup`` that hands out a never-seen text each round (cache misses)."""
    it = itertools.cycle(pool)
    return lambda: ((next(it),), {})


@pytest.mark.parametrize("n_tokens", [8, 32], ids=["8tok", "32tok"])
def test_input_chain(benchmark, rounds, cpu_clock, default_guard, n_tokens: int) -> None:
    """check_input on a distinct query each round (encoder cache misses), one thread."""
    n = rounds(400, 40)
    pool = queries(n_tokens, n + 1, seed=11)
    benchmark.extra_info["tokens"] = n_tokens
    decision = benchmark.pedantic(cpu_clock(default_guard.check_input), setup=_fresh(pool), rounds=n,
                                  warmup_rounds=1)
    assert decision.verdicts


@pytest.mark.parametrize("n_tokens", [8, 32], ids=["8tok", "32tok"])
def test_output_chain(benchmark, rounds, cpu_clock, default_guard, n_tokens: int) -> None:
    """check_output on a distinct short answer each round."""
    n = rounds(300, 30)
    pool = queries(n_tokens, n + 1, seed=12)
    benchmark.extra_info["tokens"] = n_tokens
    benchmark.pedantic(
        cpu_clock(lambda t: default_guard.check_output(t, prompt="a question")), setup=_fresh(pool), rounds=n,
        warmup_rounds=1,
    )


@pytest.mark.parametrize("stage", ["input", "output"])
def test_answer_2000(benchmark, rounds, cpu_clock, default_guard, stage: str) -> None:
    """A 2,000-character text through the input or output chain (distinct text each round)."""
    n = rounds(40, 6)
    offset = 100 if stage == "input" else 150  # distinct texts per stage: no cache hits across tests
    pool = [answer(2_000, seed=offset + i) for i in range(n + 1)]
    check = default_guard.check_input if stage == "input" else default_guard.check_output
    benchmark.extra_info["chars"] = 2_000
    benchmark.pedantic(cpu_clock(check), setup=_fresh(pool), rounds=n, warmup_rounds=1)


def test_document_20000(benchmark, rounds, cpu_clock, default_guard, metrics, quick) -> None:
    """A 20,000-character retrieved document ending in an injection: timed, and it must be found.

    Whether it was found is also a gated figure (``document_injection_found``): in the CI gate's
    short mode a miss fails the gate only if the baseline found it (a regression); the full run
    fails the test on a miss, since DESIGN.md requires it.
    """
    n = rounds(12, 3)
    pool = [document_with_injection(20_000, seed=200 + i) for i in range(n + 1)]
    stage = "context" if default_guard.guards["context"] else "input"
    benchmark.extra_info.update(chars=20_000, stage=stage)
    if stage == "context":
        def check(doc: str):
            return default_guard.check_context([doc])[0]
    else:
        check = default_guard.check_input
    decision = benchmark.pedantic(cpu_clock(check), setup=_fresh(pool), rounds=n, warmup_rounds=1)
    found = "prompt_injection" in decision.triggered
    score = decision.categories.get("prompt_injection")
    metrics.record("document_injection_found", [1.0 if found else 0.0], "found", score=score)
    if not quick:
        assert found, f"the injection at the end of the 20,000-character document was not found: {decision.categories}"


def test_input_cache_hit(benchmark, default_guard, metrics) -> None:
    """The same 32-token query again: a decision-cache hit (no rail runs).

    Also records each rail's share of the same check with the decision cache off, where the rails
    run on the encoder's cached vectors (``per_guard_hit[...]``).
    """
    from guardrails import Guard

    text = queries(32, 1, seed=13)[0]
    default_guard.check_input(text)
    benchmark.extra_info["tokens"] = 32
    decision = benchmark(default_guard.check_input, text)
    assert decision.details.get("cache") == "hit"
    settings = default_guard.policy.settings.model_copy(update={"decision_cache": 0})
    uncached = Guard(default_guard.policy.model_copy(update={"settings": settings}),
                     plugin_manager=default_guard.plugin_manager, resources=default_guard.resources)
    per_rail: dict[str, list[float]] = {}
    for _ in range(200):
        for verdict in uncached.check_input(text).verdicts:
            per_rail.setdefault(verdict.rail or verdict.guard or "?", []).append(verdict.latency_ms / 1000)
    for rail, samples in per_rail.items():
        metrics.record(f"per_guard_hit[input:{rail}]", samples, "s")


@pytest.mark.parametrize("size", [16, 64, 256])
@pytest.mark.parametrize("mode", ["batch_call", "two_threads"])
def test_chain_batch(benchmark, rounds, cpu_clock, default_guard, size: int, mode: str) -> None:
    """Texts per second for ``size`` distinct 16-token queries.

    batch_call: one ``check_input_batch(texts)``; two_threads: two threads each calling
    ``check_input_batch`` on half (what a two-worker server does).
    """
    n = rounds(max(3, 1536 // size), 2)
    pool = queries(16, size * (n + 1), seed=(14 + size) * (1 if mode == "batch_call" else 7))
    batches = iter([pool[i * size : (i + 1) * size] for i in range(n + 1)])
    executor = ThreadPoolExecutor(max_workers=2)

    def run(texts: list[str]):
        if mode == "batch_call":
            return default_guard.check_input_batch(texts)
        half = len(texts) // 2
        futures = [executor.submit(default_guard.check_input_batch, part) for part in (texts[:half], texts[half:])]
        return [d for f in futures for d in f.result()]

    benchmark.extra_info.update(texts=size, per="text", throughput=True)
    try:
        out = benchmark.pedantic(cpu_clock(run, "process"), setup=lambda: ((next(batches),), {}), rounds=n,
                                 warmup_rounds=1)
    finally:
        executor.shutdown()
    assert len(out) == size


def test_per_guard(default_guard, metrics, rounds) -> None:
    """Each rail's latency inside the input chain on distinct 32-token queries (from Verdict.latency_ms)."""
    per_rail: dict[str, list[float]] = {}
    for text in queries(32, rounds(200, 30), seed=15):
        for verdict in default_guard.check_input(text).verdicts:
            per_rail.setdefault(verdict.rail or verdict.guard or "?", []).append(verdict.latency_ms / 1000)
    for rail, samples in per_rail.items():
        metrics.record(f"per_guard[input:{rail}]", samples, "s")
    assert per_rail
    assert statistics.median(next(iter(per_rail.values()))) >= 0
