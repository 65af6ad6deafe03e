"""The pii rail on a ~30-word query, beyond the shared encoder pass: patterns only, context
rules, the token head (token states served from the encoder's cache, as after the pass the
classifiers share) and spaCy. Budget: the rail adds <= 0.15 ms p50 (CPU time).

    python -m pytest benchmarks/test_bench_pii.py --benchmark-columns=median,iqr,rounds

The head here has the shipped shapes (384 -> 64 -> window of 3 -> 64 -> 11 BIO tags) with seeded
weights biased to ``O`` like a trained head: its cost does not depend on the weights' values.
A query's token states are one per word plus the encoder's 3 prefix tokens, 384 floats each.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import numpy as np
import pytest
from _texts import queries

PII_TAIL = " my name is Jane Miller, mail jane.miller@example.com or call 020 7946 0000"
TAGS = ("O", *(f"{p}-{lab}" for lab in ("PERSON", "LOCATION", "ORGANIZATION", "ADDRESS", "PHONE") for p in "BI"))


class CachedTokens:
    """An encoder whose token states are already computed (the shared pass ran): a dict lookup."""

    name = "default"
    dim = 384
    fingerprint = "b" * 64

    def __init__(self, texts: list[str]) -> None:
        rng = np.random.default_rng(5)
        self.cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for t in texts:
            words = [(m.start(), m.end()) for m in re.finditer(r"\S+", t)]
            offsets = np.array([(0, 1)] * 3 + words, dtype=np.int64)
            self.cache[t] = (rng.standard_normal((len(offsets), 384)).astype(np.float32), offsets)

    def encode_tokens(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        return self.cache[text]

    def embed(self, texts: Any) -> Any:  # EncoderLike, unused here
        return np.zeros((len(texts), 384), np.float32)

    def embed_windows(self, text: str) -> Any:
        return np.zeros((1, 384), np.float32)

    def embed_windows_batch(self, texts: Any) -> Any:
        return [self.embed_windows(t) for t in texts]


def _head(tmp_path_factory: pytest.TempPathFactory) -> str:
    from tako_rules._pii_head import TokenHead

    rng = np.random.default_rng(3)
    k = len(TAGS)
    b3 = np.zeros(k, np.float32)
    b3[0] = 6.0  # mostly O, as a trained head on ordinary text
    weights = {"W1": rng.standard_normal((384, 64)).astype(np.float32) * 0.05, "Wc": rng.standard_normal((384, 64)).astype(np.float32) * 0.05,
               "b1": np.zeros(64, np.float32), "W2": rng.standard_normal((192, 64)).astype(np.float32) * 0.1,
               "b2": np.zeros(64, np.float32), "W3": rng.standard_normal((64, k)).astype(np.float32) * 0.1, "b3": b3}
    head = TokenHead(tags=TAGS, weights=weights, encoder={"name": "default", "dim": 384, "sha256": CachedTokens.fingerprint},
                     thresholds={})
    return str(head.save(tmp_path_factory.mktemp("pii_head") / "bench.head.json"))


POOL = {kind: [q + (PII_TAIL if kind == "pii" else "") for q in queries(32 if kind == "clean" else 18, 160, seed=41)]
        for kind in ("clean", "pii")}


def _guard(path: str, head_file: str | None) -> Any:
    from tako_rules.pii import PiiGuard

    from guardrails.protocol import Resources

    if path == "spacy":
        pytest.importorskip("spacy")
    encoder = CachedTokens(POOL["clean"] + POOL["pii"])
    ner = {"patterns": "off", "rules": "rules", "head": "head", "spacy": "spacy"}[path]
    config = PiiGuard.Config(ner=ner, head=head_file if path == "head" else None)
    try:
        return PiiGuard(config, Resources({"default": lambda: encoder}))
    except Exception as exc:  # spaCy without its model
        pytest.skip(f"{path} path unavailable: {exc}")


@pytest.mark.parametrize("kind", ["clean", "pii"])
@pytest.mark.parametrize("path", ["patterns", "rules", "head", "spacy"])
def test_pii_rail(benchmark, rounds, cpu_clock, tmp_path_factory, path: str, kind: str) -> None:
    """pii.check on a distinct ~30-word query per round (token states already computed)."""
    from guardrails.protocol import CheckContext

    guard = _guard(path, _head(tmp_path_factory) if path == "head" else None)
    pool = POOL[kind]
    it = itertools.cycle(pool)
    n = rounds(400, 60)

    def setup() -> tuple[tuple[str, Any], dict[str, Any]]:
        text = next(it)
        return (text, CheckContext(stage="input")), {}

    benchmark.extra_info.update({"path": path, "kind": kind, "words": len(pool[0].split())})
    verdict = benchmark.pedantic(cpu_clock(guard.check), setup=setup, rounds=n, warmup_rounds=5)
    if kind == "pii":
        assert verdict.text is not None and "jane.miller@example.com" not in verdict.text
