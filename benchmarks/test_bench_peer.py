"""Peer comparison, same run, same texts: one DeBERTa-v3-base-shaped scanner (fp32 ONNX, RANDOM
weights, timing only) against our whole default chain (see test_bench_chain.py for ours).

Peers run such a model per scanner (one for injection, another for toxicity, ...); this times
ONE scanner, so the ratio understates what a peer's multi-scanner chain costs.
"""

from __future__ import annotations

import itertools

import pytest
from _peer import LABEL, backbone_params
from _texts import answer, document_with_injection, queries

pytestmark = pytest.mark.peer


def _fresh(pool: list[str]):
    it = itertools.cycle(pool)
    return lambda: ((next(it),), {})


@pytest.mark.parametrize(
    "case,make,full,short",
    [
        ("8tok", lambda n: queries(8, n, seed=11), 20, 3),
        ("32tok", lambda n: queries(32, n, seed=11), 15, 3),
        ("answer2000", lambda n: [answer(2_000, seed=100 + i) for i in range(n)], 3, 1),
        ("document20000", lambda n: [document_with_injection(20_000, seed=200 + i) for i in range(n)], 2, 1),
    ],
    ids=["8tok", "32tok", "answer2000", "document20000"],
)
def test_peer_scan(benchmark, rounds, cpu_clock, peer, case: str, make, full: int, short: int) -> None:
    """One peer-shaped scanner over the text (512-token chunks for long text, as peers do)."""
    n = rounds(full, short)
    benchmark.extra_info.update(model=LABEL, backbone_params=backbone_params())
    benchmark.pedantic(cpu_clock(peer.scan), setup=_fresh(make(n + 1)), rounds=n, warmup_rounds=0)


def test_peer_batch(benchmark, rounds, cpu_clock, peer) -> None:
    """64 distinct 16-token queries in one padded batch through the peer-shaped scanner (texts/s)."""
    n = rounds(3, 1)
    pool = queries(16, 64 * n, seed=14 + 64)
    batches = iter([pool[i * 64 : (i + 1) * 64] for i in range(n)])
    benchmark.extra_info.update(model=LABEL, texts=64, per="text", throughput=True)
    out = benchmark.pedantic(cpu_clock(peer.scan_batch, "process"), setup=lambda: ((next(batches),), {}), rounds=n)
    assert len(out) == 64
