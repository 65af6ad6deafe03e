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


def _stream_bench(benchmark, guard, rounds: int) -> None:
    text = answer(2_000)
    chunks = list(stream_chunks(text, 6))

    @guard.wrap
    def ask(prompt: str):
        return iter(chunks)

    benchmark.extra_info["chunks"] = len(chunks)
    benchmark.extra_info["per"] = "chunk"
    out = benchmark.pedantic(lambda: "".join(ask("summarise the museum guide")), rounds=rounds, iterations=1,
                             warmup_rounds=1)
    assert len(out) >= len(text) * 0.9


@pytest.mark.parametrize("n_guards", [0, 5], ids=["0-guards", "5-guards"])
def test_stream_overhead(benchmark, rounds, n_guards: int) -> None:
    """guard.wrap over a generator of 6-character chunks of a 2,000-character answer (per chunk)."""
    _stream_bench(benchmark, toy_guard(n_guards), rounds(60, 15))


@pytest.mark.model
def test_stream_default(benchmark, rounds, default_guard) -> None:
    """The same stream through the default output chain (checks at sentence boundaries)."""
    _stream_bench(benchmark, default_guard, rounds(10, 3))
