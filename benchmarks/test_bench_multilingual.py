"""The multilingual encoder next to the default one, and the language guard.

    python -m pytest benchmarks/test_bench_multilingual.py --benchmark-columns=median,iqr,rounds

Needs the built multilingual encoder (``guardrails models build multilingual``); the encoder
benchmarks skip without it. Texts differ each round (cache misses), one intra-op thread.
Figures: docs/multilingual.md ("Fidelity, size, latency").
"""

from __future__ import annotations

import itertools
import json

import pytest
from _texts import queries

from guardrails.offline.multilingual import SENTENCES
from guardrails.runtime.encoder import MANIFEST
from guardrails.runtime.multilingual import multilingual_encoder, multilingual_model_dir

built = pytest.mark.skipif(
    not (multilingual_model_dir() / MANIFEST).is_file(), reason="multilingual encoder not built"
)


@built
@pytest.mark.model
def test_multilingual_single_query(benchmark, rounds):
    """A 32-token English query (MiniLM tokens) through the multilingual encoder, one thread."""
    enc = multilingual_encoder(intra_op_threads=1, cache_size=0).load()
    texts = itertools.cycle(queries(32, 400))
    enc.embed_windows(next(texts))
    benchmark.pedantic(lambda: enc.embed_windows(next(texts)), rounds=rounds(200, 20), iterations=1,
                       warmup_rounds=3)


@built
@pytest.mark.model
def test_multilingual_single_query_other_languages(benchmark, rounds):
    """The 24-language sentence set, one sentence per round, one thread."""
    enc = multilingual_encoder(intra_op_threads=1, cache_size=0).load()
    rows = [json.loads(line)["text"] for line in SENTENCES.read_text(encoding="utf-8").splitlines()]
    texts = itertools.cycle(rows)
    benchmark.pedantic(lambda: enc.embed_windows(next(texts)), rounds=rounds(192, 24), iterations=1,
                       warmup_rounds=3)


def test_language_guard(benchmark, rounds):
    """The language guard on the 24-language sentence set."""
    pytest.importorskip("py3langid")
    from tako_language.guard import LanguageGuard

    from guardrails.protocol import CheckContext

    guard = LanguageGuard(LanguageGuard.Config())
    rows = [json.loads(line)["text"] for line in SENTENCES.read_text(encoding="utf-8").splitlines()]
    texts = itertools.cycle(rows)
    benchmark.pedantic(lambda: guard.check(next(texts), CheckContext(stage="input")),
                       rounds=rounds(1000, 100), iterations=1, warmup_rounds=10)
