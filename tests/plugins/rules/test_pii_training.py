"""training.pii: the held-out split, BIO tags from character spans, templated rows whose spans
point at their values, and a head that learns (torch) and decodes the same in numpy."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from training.pii.data import presidio_rows, presidio_split, token_tags

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "datasets" / "train" / "presidio_pii"


@pytest.mark.skipif(not SHARED.exists(), reason="needs ../shared/datasets/train/presidio_pii")
def test_presidio_split_holds_out_whole_templates() -> None:
    rows = presidio_rows()
    train, test = presidio_split(rows)
    assert {r["group"] for r in train}.isdisjoint({r["group"] for r in test})
    assert 0.15 <= len(test) / len(rows) <= 0.25
    again = presidio_split(presidio_rows())[1]
    assert [r["text"] for r in again] == [r["text"] for r in test]


def test_token_tags_follow_character_spans() -> None:
    text = "hi Jane Miller, call 020 7946"
    offsets = [(0, 1), (0, 1), (0, 2), (2, 5), (5, 8), (8, 10), (10, 14), (14, 15), (15, 20), (20, 24), (24, 25), (25, 29)]
    spans = [(3, 14, "PERSON"), (21, 29, "PHONE"), (0, 2, "EMAIL")]
    tags = token_tags(offsets, text, spans, skip=2)
    assert tags == ["O", "O", "O", "B-PERSON", "I-PERSON", "I-PERSON", "I-PERSON", "O", "O",
                    "B-PHONE", "I-PHONE", "I-PHONE"]


@pytest.mark.skipif(importlib.util.find_spec("faker") is None, reason="needs the train-pii extra (faker)")
def test_templated_rows_label_their_values() -> None:
    from training.pii.synth import faker_rows
    from training.pii.templates import LANGS

    rows = faker_rows(pos_per_lang=3, neg_per_lang=2, seed=1)
    assert {r["lang"] for r in rows} == set(LANGS) and len(LANGS) >= 18
    for r in rows:
        for s, e, label in r["spans"]:
            assert 0 <= s < e <= len(r["text"]) and r["text"][s:e].strip() == r["text"][s:e], (r, label)
        if r["source"] == "faker-neg":
            assert r["spans"] == []
    assert any(lab == "PERSON" for r in rows for _, _, lab in r["spans"])


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs the train-pii extra (torch)")
def test_head_learns_and_numpy_matches_torch() -> None:
    """On states where one direction marks names, the trained head tags them; the exported numpy
    head gives the torch module's probabilities."""
    import torch

    from training.pii.train import TAGS, Featurised, fit, to_head

    rng = np.random.default_rng(0)
    data = Featurised()
    for _ in range(600):
        n = 12
        states = rng.standard_normal((n, 16)).astype(np.float32) * 0.3
        tags = np.zeros(n, dtype=np.int64)
        start = int(rng.integers(0, n - 2))
        states[start : start + 2, 0] += 3.0
        tags[start] = TAGS.index("B-PERSON")
        tags[start + 1] = TAGS.index("I-PERSON")
        data.rows.append({"text": "w " * n, "spans": []})
        data.states.append(states.astype(np.float16))
        data.offsets.append(np.array([(2 * k, 2 * k + 1) for k in range(n)]))
        data.tags.append(tags)
    meta = {"name": "default", "dim": 16, "sha256": "x"}
    model, history = fit(data, data, meta, hidden=16, hidden2=16, epochs=12, lr=3e-2, evaluate=None, log=lambda _: None)
    head = to_head(model, meta, {}, {})
    states = data.states[0].astype(np.float32)
    with torch.no_grad():
        ref = torch.softmax(model(torch.from_numpy(states)[None], torch.ones(1, len(states))), -1)[0].numpy()
    assert np.allclose(head.probabilities(states), ref, atol=1e-4)
    hits = total = 0
    for st, tags in zip(data.states[:50], data.tags[:50]):
        predicted = head.probabilities(st.astype(np.float32)).argmax(1)
        hits += int(((predicted == tags) & (tags > 0)).sum())
        total += int((tags > 0).sum())
    assert hits / total >= 0.9
    assert len(history["epochs"]) == 12
