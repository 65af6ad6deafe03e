"""Fitting heads (guardrails.offline.train): calibrated logistic and MLP heads on synthetic data."""

from __future__ import annotations

import numpy as np
import pytest

from guardrails.runtime.heads import Head

DIM = 16
CATS = ("prompt_injection", "jailbreak")


def _data(n: int = 400, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, DIM)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    labels = []
    for row in x:
        labs = []
        if row[0] + 0.1 * rng.normal() > 0.2:
            labs.append("prompt_injection")
        if row[1] + 0.1 * rng.normal() > 0.3:
            labs.append("jailbreak")
        labels.append(labs)
    return x, labels


@pytest.mark.parametrize("kind", ["logistic", "mlp"])
def test_fit_head(tmp_path, kind):
    pytest.importorskip("sklearn")
    from guardrails.offline.train import fit_head

    x, labels = _data()
    head = fit_head(
        x, labels, CATS, kind=kind, name="toy", provenance={"data": "synthetic"}, max_iter=500
    )
    assert head.categories == CATS and head.kind == kind
    assert head.provenance["data"] == "synthetic" and head.provenance["calibration"] == "platt"
    assert all(0 < t < 1 for t in head.thresholds.values())
    assert (head.calibration_a > 0).all()
    xt, lt = _data(200, seed=5)
    p = head.predict(xt)
    y = np.array([["prompt_injection" in lab, "jailbreak" in lab] for lab in lt])
    acc = ((p > 0.5) == y).mean()
    assert acc > 0.8
    loaded = Head.load(head.save(tmp_path / "toy"))
    np.testing.assert_allclose(loaded.predict(xt), p)


def test_fit_head_rejects_empty_category():
    pytest.importorskip("sklearn")
    from guardrails.offline.train import fit_head

    x, labels = _data(50)
    with pytest.raises(ValueError, match="no positive examples"):
        fit_head(x, labels, (*CATS, "hate"))
