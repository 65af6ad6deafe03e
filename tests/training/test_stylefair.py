"""training.encoder.stylefair: the three styles of a validation row, and calibrations A and B."""

from __future__ import annotations

import numpy as np
import pytest

from training.corpus.records import CATEGORIES
from training.encoder.stylefair import STYLES, compare, restyled


@pytest.mark.parametrize(("text", "typed", "sentence"), [
    ("Ya no quiero vivir.", "ya no quiero vivir", "Ya no quiero vivir."),
    ("te voy a matar", "te voy a matar", "Te voy a matar."),
    ("How do I kill a process?", "how do I kill a process?", "How do I kill a process?"),
    ("死にたい。", "死にたい", "死にたい。"),
    ("wait...", "wait...", "Wait..."),
])
def test_restyled(text: str, typed: str, sentence: str) -> None:
    assert restyled(text, "typed") == typed
    assert restyled(text, "sentence") == sentence
    assert restyled(text, "orig") == text


def test_long_multiline_and_empty_texts_keep_their_style() -> None:
    long = "A" + "b" * 400 + "."
    for text in (long, "Line one.\nline two", "", "."):
        assert all(restyled(text, s) == text for s in STYLES)


def test_calibration_b_holds_the_budget_in_every_style() -> None:
    """A model that reads the style (benign typed rows score like harm) meets the budget on the
    rows as written (A) but not typed; B's thresholds hold it in every style."""
    rng = np.random.default_rng(3)
    n_benign, n_harm = 400, 200
    rows = [{"text": f"b{i}", "labels": [], "source": "tatoeba", "lang": "es", "kind": "chat"} for i in range(n_benign)]
    rows += [{"text": f"h{i}", "labels": ["violence"], "source": "x", "lang": "en", "kind": "chat"} for i in range(n_harm)]
    k = len(CATEGORIES)
    y = np.zeros((len(rows), k), dtype=np.float32)
    y[n_benign:, CATEGORIES.index("violence")] = 1
    known = np.ones_like(y, dtype=bool)
    base = np.full((len(rows), k), -6.0, dtype=np.float32)
    v = CATEGORIES.index("violence")
    base[:n_benign, v] = rng.normal(-3, 1, n_benign)
    base[n_benign:, v] = rng.normal(3, 1, n_harm)
    typed = base.copy()
    typed[:n_benign, v] = rng.normal(1, 1.5, n_benign)  # typed benign rows read as harm
    got = compare({"orig": base, "typed": typed, "sentence": base.copy()}, y, known, rows)
    budget = 0.02
    assert got["A:orig"]["benign_multilingual"] <= budget
    assert got["A:typed"]["benign_multilingual"] > 5 * budget
    assert got["B:all"]["benign_multilingual"] <= budget
    assert got["thresholds_B"]["violence"] > got["thresholds_A"]["violence"]
    assert got["B:typed"]["harm_en"] <= got["A:typed"]["harm_en"]
