"""Accuracy gate (fast): dev-eval figures on a fixed subsample must not fall below the committed ones.

The full-set gate is benchmarks/test_accuracy.py; both compare with benchmarks/accuracy_baseline.json
(the shipped encoder + safety head measured by ``training.evaluate``) and allow ``margin`` (0.02) below it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guardrails.runtime import default_model_dir

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared"
BASELINE = REPO / "benchmarks" / "accuracy_baseline.json"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.needs_shared,
    pytest.mark.skipif(not SHARED.exists(), reason="needs ../shared/datasets (not shipped to users)"),
    pytest.mark.skipif(not BASELINE.is_file(), reason="no committed accuracy baseline"),
    pytest.mark.skipif(not (default_model_dir() / "MANIFEST.json").is_file(), reason="shipped encoder not built"),
]


def test_dev_eval_subsample_not_below_baseline() -> None:
    from training import evalsets
    from training.evaluate import BIPIA_N, headline, measure, shipped_guards

    base = json.loads(BASELINE.read_text())
    guards = shipped_guards()
    sets = evalsets.subsample(evalsets.all_sets(BIPIA_N), base["subsample_n"])
    got = headline(measure(guards, sets))
    low = {k: (got.get(k, 0.0), v) for k, v in base["subsample_headline"].items()
           if got.get(k, 0.0) < v - base["margin"]}
    assert not low, f"below the committed figures (got, committed): {low}"
