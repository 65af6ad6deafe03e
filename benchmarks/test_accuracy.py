"""Accuracy benchmark: full dev-eval figures of the shipped guards vs the committed baseline.

Run ``python -m pytest benchmarks/test_accuracy.py -q`` where ../shared exists; it fails when a
headline figure falls more than ``margin`` (0.02) below benchmarks/accuracy_baseline.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
BASELINE = REPO / "benchmarks" / "accuracy_baseline.json"


@pytest.mark.skipif(not SHARED.exists(), reason="needs ../shared/datasets (not shipped to users)")
def test_dev_eval_accuracy_not_below_baseline() -> None:
    from training import evalsets
    from training.evaluate import BIPIA_N, headline, measure, shipped_guards

    base = json.loads(BASELINE.read_text())
    figures = measure(shipped_guards(), evalsets.all_sets(BIPIA_N))
    got = headline(figures)
    print(json.dumps(got, indent=1))
    low = {k: (got.get(k, 0.0), v) for k, v in base["headline"].items() if got.get(k, 0.0) < v - base["margin"]}
    assert not low, f"below the committed figures (got, committed): {low}"
