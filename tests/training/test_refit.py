"""training.encoder.refit: style twins and the window-vector cache (no torch needed)."""

from __future__ import annotations

import numpy as np
import pytest

from training.encoder import refit
from training.encoder.calibrate import calibrate


@pytest.mark.parametrize(
    ("text", "twin"),
    [
        ("I want to end it all.", "i want to end it all"),
        ("te voy a matar", "Te voy a matar."),
        ("死にたい", "死にたい。"),
        ("死にたい。", "死にたい"),
        ("How can I kill a Python process?", "how can I kill a Python process?"),
        ("wait...", "Wait..."),
    ],
)
def test_flip_style_toggles_the_full_stop_and_the_first_letters_case(text, twin):
    assert refit.flip_style(text) == twin


@pytest.mark.parametrize("text", ["", "   ", "line one\nline two", "123"])
def test_flip_style_leaves_what_it_cannot_flip(text):
    out = refit.flip_style(text)
    assert out in (text, text.rstrip(), text + ".")
    assert "\n" not in out or out == text


def test_cached_pooled_encodes_only_windows_it_has_not_seen(tmp_path, monkeypatch):
    calls: list[int] = []

    def fake_pooled(model, seqs, cls, sep, batch_size=64, log=print):
        calls.append(len(seqs))
        return np.array([[float(sum(s)), float(len(s))] for s in seqs], dtype=np.float32)

    monkeypatch.setattr(refit, "pooled", fake_pooled)
    path = tmp_path / "v.npz"
    first = refit.cached_pooled(None, [[1, 2], [3], [1, 2]], path, 0, 0, log=lambda m: None)
    assert calls == [2] and first.tolist() == [[3, 2], [3, 1], [3, 2]]
    second = refit.cached_pooled(None, [[3], [4, 4], [1, 2]], path, 0, 0, log=lambda m: None)
    assert calls == [2, 1] and second.tolist() == [[3, 1], [8, 2], [3, 2]]
    third = refit.cached_pooled(None, [[4, 4]], path, 0, 0, log=lambda m: None)
    assert calls == [2, 1] and third.tolist() == [[8, 2]]


def test_calibrate_returns_platt_thresholds_and_a_report():
    from training.corpus.records import CATEGORIES

    rng = np.random.default_rng(0)
    n = 400
    rows = [{"text": f"t{i}", "labels": ["hate"] if i % 4 == 0 else [], "source": "test", "kind": "", "lang": "en"}
            for i in range(n)]
    y = np.zeros((n, len(CATEGORIES)), dtype=np.float32)
    y[::4, CATEGORIES.index("hate")] = 1
    logits = rng.normal(size=y.shape).astype(np.float32) + 4 * y
    platt, thresholds, report = calibrate(logits, y, np.ones_like(y, dtype=bool), rows)
    assert set(platt) == set(CATEGORIES) and platt["hate"][0] > 0
    assert 0.3 <= thresholds["hate"] <= 0.99 and isinstance(report, dict)
