"""Streaming through the default output chain: what the judge holds back (characters), the delay
it adds to each character (ms), and its cost against one check of the whole answer.

The answers are benign prose with the values the judge must hold back (an e-mail, a card, an
IBAN, a phone number, a URL, an API key) between sentences, streamed in 4-character chunks (about
one LLM token each). Delays in ms come from a simulated model that yields a chunk every 20 ms
(50 tokens/s) and each ``feed``'s measured CPU time: a character is passed on when the feed
that releases it has finished, and its delay is that time minus the time the model yielded it.
"""

from __future__ import annotations

import random
import time

import pytest
from _texts import prose

from guardrails.streaming import StreamJudge

pytestmark = pytest.mark.model

CHUNK_CHARS = 4
INTERVAL_MS = 20.0
VALUES = (
    "Write to jane.doe@example.com for the group rates.",
    "The card 4111 1111 1111 1111 on file will be charged.",
    "Transfers go to DE89 3704 0044 0532 0130 00 within two days.",
    "Call +44 20 7946 0958 to book a guided tour.",
    "The full timetable is at https://example.com/visit/timetable?season=summer today.",
    "Your key sk-proj-Xy7Qa9Lm2Vb4Nc8Rt1Zw6Kd3Hf5Js0Pq was rotated.",
)


def answer(seed: int, chars: int = 900) -> str:
    """Benign prose with every value of VALUES placed between its sentences, in a seeded order."""
    rng = random.Random(seed)
    sentences = prose(chars, seed).split(". ")
    for value in rng.sample(VALUES, len(VALUES)):
        sentences.insert(rng.randrange(len(sentences) + 1), value.rstrip("."))
    return ". ".join(sentences)


def chunks(text: str) -> list[str]:
    return [text[i : i + CHUNK_CHARS] for i in range(0, len(text), CHUNK_CHARS)]


def judge(guard) -> StreamJudge:
    settings = guard.policy.settings
    return StreamJudge(guard.check_output, lambda d: settings.refusal_message, settings.stream_check_chars,
                       "tell me about the museum", None)


def run_stream(guard, text: str) -> tuple[list[int], list[float], list[int], StreamJudge]:
    """Feed ``text`` chunk by chunk, then finish: the held characters after each feed, each
    call's CPU ms, and how many original characters each call released."""
    j = judge(guard)
    held, costs, released = [], [], []
    for piece in chunks(text):
        before = j.passed
        start = time.thread_time()
        j.feed(piece)
        costs.append((time.thread_time() - start) * 1000)
        held.append(j.held)
        released.append(j.passed - before)
    before = j.passed
    start = time.thread_time()
    j.finish()
    costs.append((time.thread_time() - start) * 1000)
    released.append(j.passed - before)
    assert not j.stopped, "a benign answer was blocked"
    assert j.passed == len(text)
    return held, costs, released, j


def delays_ms(text: str, costs: list[float], released: list[int]) -> list[float]:
    """Per original character: when it was passed on minus when the model yielded it (simulated
    model clock: chunk k at k x INTERVAL_MS; processing: the measured CPU time of each call)."""
    arrivals = [k * INTERVAL_MS for k, piece in enumerate(chunks(text)) for _ in piece]
    starts = [k * INTERVAL_MS for k in range(len(costs) - 1)] + [(len(costs) - 2) * INTERVAL_MS]
    out: list[float] = []
    busy_until = 0.0
    for start, cost, count in zip(starts, costs, released):
        busy_until = max(busy_until, start) + cost
        out += [busy_until - arrivals[len(out) + i] for i in range(count)]
    return out


def test_stream_hold_back_and_added_delay(default_guard, metrics, rounds) -> None:
    """Held-back characters after each chunk (the bound: one window) and each character's added
    delay in ms; the first piece's delay."""
    held: list[int] = []
    delays: list[float] = []
    first: list[float] = []
    window = 0
    for seed in range(rounds(8, 3)):
        h, costs, released, j = run_stream(default_guard, answer(700 + seed))
        window = j.window
        held += h
        d = delays_ms(answer(700 + seed), costs, released)
        delays += d
        first.append(d[0])
    assert max(held) <= window
    metrics.record("stream_held_chars", [float(x) for x in held], "chars", window=window, max=max(held),
                   chunk_chars=CHUNK_CHARS)
    metrics.record("stream_added_delay_ms", delays, "ms", max=max(delays), interval_ms=INTERVAL_MS)
    metrics.record("stream_first_piece_delay_ms", first, "ms")


def test_stream_cost_against_one_check(benchmark, cpu_clock, default_guard, metrics, rounds) -> None:
    """A whole answer streamed (timed by pytest-benchmark; CPU time as ``<name>:cpu``), and the
    CPU time of one check of an answer of the same size, side by side: their ratio."""
    n = rounds(8, 3)
    texts = iter([answer(800 + seed) for seed in range(n + 1)])
    once_s = []
    for seed in range(n):
        text = answer(900 + seed)  # other answers: no cache hit from the streams' checks
        start = time.thread_time()
        default_guard.check_output(text, prompt="tell me about the museum")
        once_s.append(time.thread_time() - start)
    stream_s: list[float] = []

    def stream_one(text: str) -> StreamJudge:
        _, costs, _, j = run_stream(default_guard, text)
        stream_s.append(sum(costs) / 1000)
        return j

    j = benchmark.pedantic(cpu_clock(stream_one), setup=lambda: ((next(texts),), {}), rounds=n, warmup_rounds=0)
    benchmark.extra_info.update(chunk_chars=CHUNK_CHARS, checks=j.checks, chars=j.passed)
    metrics.record("one_check_cpu_s", once_s, "s")
    metrics.record("stream_to_one_check_ratio", [s / o for s, o in zip(stream_s, once_s)], "x")
