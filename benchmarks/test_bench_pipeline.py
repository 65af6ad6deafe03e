"""The pipeline's own cost: a check with no guards, with five trivial guards, and per stream chunk."""

from __future__ import annotations

import pytest
from _texts import answer, stream_chunks
from _toys import toy_guard

QUERY = "how do I reset my password on the new phone?"


@pytest.mark.parametrize("n_guards", [0, 5], ids=["0-guards", "5-guards"])
def test_overhead(benchmark, n_guards: int) -> None:
    """check_input on a short query through ``n_guards`` trivial rails (the budget: ≤ 20 µs at 0)."""
    guard = toy_guard(n_guards)
    benchmark.extra_info["guards"] = n_guards
    decision = benchmark(guard.check_input, QUERY)
    assert decision.action == "allow" and len(decision.verdicts) == n_guards


def _stream_bench(benchmark, guard, rounds: int, seed: int) -> None:
    """A distinct 2,000-character answer each round (cache misses), streamed in 6-character chunks."""
    texts = iter([answer(2_000, seed=seed + i) for i in range(rounds + 1)])

    @guard.wrap
    def ask(prompt: str, chunks: list[str]):
        return iter(chunks)

    benchmark.extra_info["chunks"] = len(list(stream_chunks(answer(2_000, seed=seed), 6)))
    benchmark.extra_info["per"] = "chunk"
    out = benchmark.pedantic(
        lambda chunks: "".join(ask("summarise the museum guide", chunks)),
        setup=lambda: ((list(stream_chunks(next(texts), 6)),), {}),
        rounds=rounds, warmup_rounds=1,
    )
    assert len(out) >= 1_800


@pytest.mark.parametrize("n_guards", [0, 5], ids=["0-guards", "5-guards"])
def test_stream_overhead(benchmark, rounds, n_guards: int) -> None:
    """guard.wrap over a generator of 6-character chunks of a 2,000-character answer (per chunk)."""
    _stream_bench(benchmark, toy_guard(n_guards), rounds(60, 15), seed=300)


@pytest.mark.model
def test_stream_default(benchmark, rounds, default_guard) -> None:
    """The same stream through the default output chain (checks at sentence boundaries)."""
    _stream_bench(benchmark, default_guard, rounds(10, 3), seed=400)


class _TimedEncoder:
    """Wraps an encoder and adds up the CPU time (calling thread) spent inside it."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name, self.dim = inner.name, inner.dim
        self.spent = 0.0

    def _timed(self, method: str, *args):
        import time

        start = time.thread_time()
        try:
            return getattr(self.inner, method)(*args)
        finally:
            self.spent += time.thread_time() - start

    def embed(self, texts):
        return self._timed("embed", texts)

    def embed_windows(self, text):
        return self._timed("embed_windows", text)

    def embed_windows_batch(self, texts):
        return self._timed("embed_windows_batch", texts)


@pytest.mark.model
def test_outside_encoder(rounds, metrics) -> None:
    """CPU time of a 32-token check spent outside the encoder: rules, heads, pipeline, decision
    (DESIGN: ≤ 0.3 ms). Each round a query never seen before; the encoder's own time is
    measured inside it and subtracted."""
    import time

    from _texts import queries

    from guardrails import Guard
    from guardrails.protocol import Resources
    from guardrails.runtime import default_encoder

    encoder = _TimedEncoder(default_encoder())
    guard = Guard.default(resources=Resources({"default": lambda: encoder}))
    pool = queries(32, rounds(300, 60) + 20, seed=21)
    for text in pool[:20]:
        guard.check_input(text)  # warm up
    samples = []
    for text in pool[20:]:
        before_enc, start = encoder.spent, time.thread_time()
        guard.check_input(text)
        samples.append((time.thread_time() - start) - (encoder.spent - before_enc))
    metrics.record("outside_encoder_32tok", samples, "s")
    guard.close()
