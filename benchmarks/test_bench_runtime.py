"""The runtime around the encoder: long documents on one thread, token states, the decision cache.

* ``test_document_one_thread[start|middle|end|benign]``: ``check_context`` of the default policy
  without its ``planted_instructions`` rule rail (which blocks some planted documents before the
  model runs, so the figure is the model scan's: the worst case) on a 20,000-character document of varied prose with a planted injection at its start, middle or
  end (or none), the encoder on the calling thread only; every round a new document (cache
  misses). Whether the injection was found is recorded (``document_found[...]``) and, outside the
  gate's short mode, asserted.
* ``test_token_states``: the extra cost of token states (``encode_tokens``) over pooled vectors
  alone, on a graph that has them (``GUARDRAILS_BENCH_TOKEN_MODEL``, else the shipped model when
  it has a token output).
* ``test_decision_cache_miss_vs_hit``: the same query through a Guard with the decision cache off,
  for the ratio to the cache-hit row of test_bench_chain.py.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from _texts import planted_document, queries, varied_prose

pytestmark = pytest.mark.model

FLAGGED = (0, 1, 2, 4)
"""Seeds of _texts.INJECTIONS the shipped injection head flags on their own (the runtime's part is
to put them in front of the head; glued injections depend on the model: tests/runtime/test_scan.py)."""


@pytest.fixture(scope="module")
def one_thread_guard(default_guard):
    from guardrails import Guard
    from guardrails.plugins import collect_encoders
    from guardrails.protocol import Resources
    from guardrails.runtime import OnnxEncoder, default_model_dir

    factories = collect_encoders(default_guard.plugin_manager)
    factories["default"] = lambda: OnnxEncoder(default_model_dir(), name="default", pool_threads=1)
    policy = default_guard.policy
    policy = policy.model_copy(update={"context": [r for r in policy.context if r.guard != "planted_instructions"]})
    guard = Guard(policy, plugin_manager=default_guard.plugin_manager, resources=Resources(factories))
    guard.check_context(["warm up"])
    return guard


@pytest.mark.parametrize("where", ["start", "middle", "end", "benign"])
def test_document_one_thread(benchmark, rounds, cpu_clock, metrics, quick, one_thread_guard, where: str) -> None:
    """check_context on a fresh 20,000-character document, one encoder thread."""
    n = rounds(12, 3)
    if where == "benign":
        pool = [varied_prose(20_000, seed=700 + i) for i in range(n + 2)]
    else:
        pool = [planted_document(20_000, where, seed=FLAGGED[i % 4] + 6 * i)[0] for i in range(n + 2)]
    docs = iter(pool)
    benchmark.extra_info.update(chars=20_000, stage="context", where=where)
    check = cpu_clock(lambda doc: one_thread_guard.check_context([doc])[0], "process")
    decision = benchmark.pedantic(check, setup=lambda: ((next(docs),), {}), rounds=n, warmup_rounds=1)
    scan = next(v for v in decision.verdicts if v.guard == "prompt_injection").details.get("scan", {})
    benchmark.extra_info["segments_scored"] = scan.get("segments_scored")
    if where == "benign":
        assert decision.action == "allow", decision.categories
        return
    found = [1.0 if "prompt_injection" in one_thread_guard.check_context([d])[0].triggered else 0.0 for d in pool[:4]]
    metrics.record(f"document_found[{where}]", [min(found)], "found", score=decision.categories["prompt_injection"])
    if not quick:
        assert min(found) == 1.0, f"an injection at the {where} of a 20,000-character document was missed"


def _token_encoder():
    from guardrails.runtime import OnnxEncoder, default_model_dir

    folder = Path(os.environ.get("GUARDRAILS_BENCH_TOKEN_MODEL") or default_model_dir())
    enc = OnnxEncoder(folder, pool_threads=1, cache_size=0)
    if not enc.has_token_states:
        pytest.skip(f"{folder} has no token output (set GUARDRAILS_BENCH_TOKEN_MODEL to a folder with one)")
    return enc


@pytest.mark.parametrize("kind", ["pooled", "pooled+tokens"])
def test_token_states(benchmark, rounds, cpu_clock, kind: str) -> None:
    """A distinct 32-token query: pooled vectors only, or pooled vectors and token states (one run)."""
    enc = _token_encoder()
    texts = itertools.cycle(queries(32, 400, seed=31))
    call = enc.embed_windows if kind == "pooled" else enc.encode_tokens
    call(next(texts))
    benchmark.extra_info.update(tokens=32, model=str(enc.model_dir))
    benchmark.pedantic(cpu_clock(lambda: call(next(texts))), rounds=rounds(200, 20), iterations=1, warmup_rounds=3)


def test_decision_cache_miss_vs_hit(benchmark, default_guard) -> None:
    """The same 32-token query through the default policy with the decision cache off (every rail runs,
    the encoder's own cache hits): the figure a decision-cache hit replaces."""
    from guardrails import Guard

    settings = default_guard.policy.settings.model_copy(update={"decision_cache": 0})
    guard = Guard(default_guard.policy.model_copy(update={"settings": settings}),
                  plugin_manager=default_guard.plugin_manager, resources=default_guard.resources)
    text = queries(32, 1, seed=13)[0]
    guard.check_input(text)
    benchmark.extra_info["tokens"] = 32
    decision = benchmark(guard.check_input, text)
    assert "cache" not in decision.details
