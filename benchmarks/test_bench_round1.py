"""The shipped encoder (and the whole default input chain) against the round-1 encoder, side by side.

    python -m pytest benchmarks/test_bench_round1.py -q -s

The round-1 shipped encoder (int8 all-MiniLM-L6-v2, MatMulNBits) is read from git history
(commit ``4a56775``, ``git show``) into a temporary folder; without that history (a shallow clone,
an sdist) the benchmarks skip and say so. Every round feeds the SAME distinct ~32-token query
(``_texts.queries``) to each contestant one after the other, on one intra-op thread with the
embedding caches off, and times the calling thread's CPU time (onnxruntime runs in the caller
with one thread), so the ratios below come from one run on one machine state:

- ``round1_ratio[encoder]``: the shipped encoder's median CPU time / the round-1 encoder's;
- ``round1_ratio[input_chain]``: ``Guard.default().check_input`` (every input rail) / the round-1
  encoder alone: the budget of DESIGN.md is at most 0.8.

Figures: docs/benchmarks.md ("Against the round-1 encoder").
"""

from __future__ import annotations

import json
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _texts import queries

REPO = Path(__file__).resolve().parents[1]
ROUND1_COMMIT = "4a56775"
ROUND1_DIR = "guardrails/models/minilm-l6-v2"
FILES = ("MANIFEST.json", "model.int8.onnx", "tokenizer.json")
BUDGET = 0.8
"""DESIGN.md: the default input chain on a 32-token query costs at most 0.8x the round-1 encoder."""

pytestmark = pytest.mark.model


def _git_show(spec: str) -> bytes | None:
    try:
        done = subprocess.run(["git", "-C", str(REPO), "show", spec], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


@pytest.fixture(scope="module")
def round1(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The round-1 encoder as an OnnxEncoder (one thread, no cache), from git history."""
    from guardrails.runtime import OnnxEncoder

    folder = tmp_path_factory.mktemp("round1-encoder")
    for name in FILES:
        data = _git_show(f"{ROUND1_COMMIT}:{ROUND1_DIR}/{name}")
        if data is None:
            pytest.skip(f"the round-1 encoder needs git history (commit {ROUND1_COMMIT}, {ROUND1_DIR}/{name}); "
                        "not available here (shallow clone or no git)")
        (folder / name).write_bytes(data)
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    # its own recipe (MatMulNBits) is batch-invariant: keep its round-1 batch size
    return OnnxEncoder(folder, name=f"round1-{manifest.get('name', 'minilm')}", intra_op_threads=1,
                       cache_size=0).load()


@pytest.fixture(scope="module")
def shipped() -> Any:
    from guardrails.runtime import OnnxEncoder, default_model_dir

    return OnnxEncoder(default_model_dir(), intra_op_threads=1, cache_size=0).load()


def _interleaved(contestants: dict[str, Callable[[str], Any]], texts: list[str]) -> dict[str, list[float]]:
    """CPU seconds per call of each contestant, taking turns on every text."""
    samples: dict[str, list[float]] = {name: [] for name in contestants}
    for i, text in enumerate(texts):
        order = list(contestants.items())
        if i % 2:  # alternate who goes first, so neither always runs on a warmer cache line
            order.reverse()
        for name, fn in order:
            start = time.thread_time()
            fn(text)
            samples[name].append(time.thread_time() - start)
    return samples


def _tokens(enc: Any, text: str) -> int:
    return len(enc.model.tokens(text)[0])  # content tokens, as the model runs them


def test_encoder_vs_round1(benchmark, rounds, metrics, shipped, round1) -> None:
    """The shipped encoder alone vs the round-1 encoder alone on the same 32-token queries."""
    texts = queries(32, rounds(400, 60) + 10, seed=31)
    for t in texts[:10]:  # warm up both sessions
        shipped.embed_windows(t)
        round1.embed_windows(t)
    texts = texts[10:]
    samples = _interleaved({"shipped": shipped.embed_windows, "round1": round1.embed_windows}, texts)
    new, old = statistics.median(samples["shipped"]), statistics.median(samples["round1"])
    ratio = new / old
    metrics.record("round1_cpu[encoder:shipped]", samples["shipped"], "s")
    metrics.record("round1_cpu[encoder:round1]", samples["round1"], "s")
    metrics.record("round1_ratio[encoder]", [ratio], "ratio")
    it = iter(texts * 2)
    benchmark.pedantic(lambda: shipped.embed_windows(next(it)), rounds=min(len(texts), rounds(200, 30)),
                       iterations=1)
    benchmark.extra_info.update(
        cpu_ms_shipped=new * 1e3, cpu_ms_round1=old * 1e3, ratio=ratio, threads=1,
        tokens_shipped=statistics.median(_tokens(shipped, t) for t in texts),
        tokens_round1=statistics.median(_tokens(round1, t) for t in texts),
    )
    print(f"\nencoder alone, 32-token queries, 1 thread, CPU: shipped {new * 1e3:.3f} ms, "
          f"round 1 {old * 1e3:.3f} ms, ratio {ratio:.3f}")


def test_input_chain_vs_round1(benchmark, rounds, metrics, default_guard, round1) -> None:
    """``Guard.default().check_input`` (every input rail) vs the round-1 encoder alone, same queries."""
    texts = queries(32, rounds(400, 60) + 10, seed=32)
    for t in texts[:10]:
        default_guard.check_input(t)
        round1.embed_windows(t)
    texts = texts[10:]  # distinct texts: every check is an encoder cache miss
    samples = _interleaved({"chain": default_guard.check_input, "round1": round1.embed_windows}, texts)
    chain, old = statistics.median(samples["chain"]), statistics.median(samples["round1"])
    ratio = chain / old
    metrics.record("round1_cpu[input_chain]", samples["chain"], "s")
    metrics.record("round1_ratio[input_chain]", [ratio], "ratio", budget=BUDGET)
    fresh = iter(queries(32, rounds(200, 30) + 1, seed=33))
    benchmark.pedantic(lambda: default_guard.check_input(next(fresh)), rounds=rounds(200, 30), iterations=1)
    benchmark.extra_info.update(cpu_ms_chain=chain * 1e3, cpu_ms_round1=old * 1e3, ratio=ratio,
                                budget=BUDGET, threads=1)
    print(f"\ndefault input chain vs round-1 encoder alone, 32-token queries, 1 thread, CPU: "
          f"chain {chain * 1e3:.3f} ms, round 1 {old * 1e3:.3f} ms, ratio {ratio:.3f} (budget {BUDGET})")
