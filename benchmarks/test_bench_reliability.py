"""Reliability costs: pathological inputs under the default budget, isolation, a hung plugin's exit,
and what each audit durability costs.

    python -m pytest benchmarks/test_bench_reliability.py --benchmark-json=reports/reliability.json

Latencies of the default chain are CPU time of the calling thread (``cpu_clock``, the metric
``<test>:cpu``): on the shared 2-core machine wall time mostly measures the neighbours. The
pathological inputs run through the default policy with its deterministic caps (``max_chars``,
the token budget) but without the wall-clock time budget, which on a busy machine would skip
rails and make the figure look cheaper than the work really is; ``budget_fired`` (extra info)
counts the rounds the default 1 s budget would have cut. Each round checks a text never seen
before (a distinct prefix), so no round is helped by the encoder cache.
"""

from __future__ import annotations

import itertools
import random
import string
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from _toys import BenchToyPlugin, toy_policy

REPO = Path(__file__).resolve().parents[1]
QUERY = "how do I reset my password on the new phone?"


def _megabyte_inputs() -> dict[str, str]:
    rng = random.Random(18)
    words = ["ignore", "previous", "instructions", "the", "cat", "video"]
    return {
        "1mb-letters": "a" * 1_000_000,
        "1mb-words": " ".join(rng.choice(words) for _ in range(200_000))[:1_000_000],
        "1mb-printable": "".join(rng.choice(string.printable) for _ in range(1_000_000)),
        "1mb-nfkc-expanding": "\ufdfa" * 1_000_000,  # NFKC makes each one 18 characters
        "1mb-zero-width": "a\u200b" * 500_000,
        "1mb-base64": "QUJD" * 250_000,
    }


TOKEN_DENSE = {
    "10kb-at-signs": "@" * 9_000,
    "10kb-ab": "ab " * 2_900,
    "10kb-nfkc-expanding": "\ufdfa" * 881,
    "10kb-punctuation": "".join(random.Random(7).choice(string.punctuation) for _ in range(10_000)),
}


def _fresh(base: str):
    counter = itertools.count()
    return lambda: ((f"{next(counter)} {base}",), {})


@pytest.fixture(scope="module")
def capped_guard(default_guard):
    """The default policy with its deterministic caps, without the wall-clock backstop."""
    from guardrails import Guard

    policy = default_guard.policy.model_copy(deep=True)
    policy.settings.time_budget_ms = None
    guard = Guard(policy, plugin_manager=default_guard.plugin_manager, resources=default_guard.resources)
    yield guard
    guard.close()


def _run_pathological(benchmark, cpu_clock, guard, text: str, n: int, warmup: int) -> list:
    decisions = []
    check = cpu_clock(guard.check_input)

    def timed(t: str):
        started = time.perf_counter()
        decisions.append((check(t), time.perf_counter() - started))
        return decisions[-1][0]

    benchmark.extra_info["chars"] = len(text)
    benchmark.pedantic(timed, setup=_fresh(text), rounds=n, warmup_rounds=warmup)
    benchmark.extra_info["budget_fired"] = sum(wall > 1.0 for _, wall in decisions)
    return [d for d, _ in decisions]


@pytest.mark.model
@pytest.mark.parametrize("case", sorted(_megabyte_inputs()))
def test_pathological_1mb(benchmark, rounds, cpu_clock, capped_guard, case: str) -> None:
    """check_input on a 1 MB adversarial input, default policy and caps (DESIGN: ≤ 1 s)."""
    decisions = _run_pathological(benchmark, cpu_clock, capped_guard, _megabyte_inputs()[case], rounds(5, 2), 0)
    assert decisions[-1].details["truncated"]["chars"] > 100_000  # the size cap applied


@pytest.mark.model
@pytest.mark.parametrize("case", sorted(TOKEN_DENSE))
def test_token_dense_10kb(benchmark, rounds, cpu_clock, capped_guard, case: str) -> None:
    """check_input on a token-dense input under 10 KB, default policy and caps (issue 18: ≤ 200 ms)."""
    decisions = _run_pathological(benchmark, cpu_clock, capped_guard, TOKEN_DENSE[case], rounds(8, 3), 1)
    assert "truncated" not in decisions[-1].details


def _toy_guard(n_guards: int, isolated: bool):
    from guardrails.guard import Guard
    from guardrails.plugins import get_plugin_manager
    from guardrails.protocol import Resources

    policy = toy_policy(n_guards, isolated=isolated)
    pm = get_plugin_manager(load_entrypoints=False, plugins=[BenchToyPlugin()])
    return Guard.from_policy(policy, plugin_manager=pm, resources=Resources({}))


@pytest.mark.parametrize("mode", ["inline", "isolated"])
def test_third_party_rails(benchmark, mode: str) -> None:
    """Five trivial third-party rails: inline, or isolated on their own workers with the 250 ms
    default timeout (the cost of isolation per call)."""
    guard = _toy_guard(5, isolated=mode == "isolated")
    decision = benchmark(guard.check_input, QUERY)
    assert len(decision.verdicts) == 5 and all(v.error is None for v in decision.verdicts)
    guard.close()


_EXIT = r"""
import sys, time
sys.path.insert(0, {repo!r})
from guardrails import Guard, Resources
from guardrails.plugins import get_plugin_manager
from tests.fault_guards import FaultPlugin
pm = get_plugin_manager(load_entrypoints=False, plugins=[FaultPlugin()])
guard = Guard.from_policy({{"name": "exit", "input": [{{"guard": "hanging", "timeout_ms": 20}}]}},
                          plugin_manager=pm, resources=Resources({{}}))
for _ in range(10):
    guard.check_input("x")
guard.close()
print(time.perf_counter(), flush=True)
"""


@pytest.mark.subprocess
def test_exit_after_hung_plugin(metrics, rounds) -> None:
    """Seconds from ``Guard.close()`` to the end of a process whose plugin hangs forever."""
    samples = []
    for _ in range(rounds(5, 2)):
        proc = subprocess.run([sys.executable, "-c", _EXIT.format(repo=str(REPO))], capture_output=True,
                              text=True, timeout=120)
        ended = time.perf_counter()
        assert proc.returncode == 0, proc.stderr
        samples.append(ended - float(proc.stdout.split()[-1]))
    metrics.record("exit_after_hung_plugin", samples, "s")


def _audit_guard(tmp_path: Path, durability: str | None):
    from guardrails.guard import Guard
    from guardrails.plugins import get_plugin_manager
    from guardrails.protocol import Resources

    policy = toy_policy(1)
    if durability:
        policy["audit"] = {"path": str(tmp_path / f"{durability}.jsonl"), "durability": durability}
    pm = get_plugin_manager(plugins=[BenchToyPlugin()])
    return Guard.from_policy(policy, plugin_manager=pm, resources=Resources({}))


@pytest.mark.parametrize("durability", ["none", "background", "durable"])
def test_audit_one_thread(benchmark, tmp_path, durability: str) -> None:
    """One check with its audit record: no audit, background writer, durable (write + fsync)."""
    guard = _audit_guard(tmp_path, None if durability == "none" else durability)
    benchmark(guard.check_input, QUERY)
    guard.close()


@pytest.mark.parametrize("durability", ["background", "durable"])
def test_audit_eight_threads(benchmark, tmp_path, durability: str) -> None:
    """400 checks from eight threads (durable: group commit shares one fsync between waiters)."""
    guard = _audit_guard(tmp_path, durability)
    texts = [f"{QUERY} {i}" for i in range(400)]
    pool = ThreadPoolExecutor(max_workers=8)
    benchmark.extra_info.update(throughput=True, texts=len(texts))
    benchmark.pedantic(lambda: list(pool.map(guard.check_input, texts)), rounds=5, warmup_rounds=1)
    pool.shutdown()
    guard.operations.flush()
    stats = next(iter(guard.operations.stats().values()))
    benchmark.extra_info["records_per_commit"] = round(stats["written"] / max(stats["commits"], 1), 1)
    guard.close()
