"""Classifier heads: file format round trip, shapes, calibration."""

from __future__ import annotations

import json

import numpy as np
import pytest

from guardrails.errors import ModelError, ModelIntegrityError
from guardrails.runtime.heads import Head, head_paths

DIM = 16
CATS = ("prompt_injection", "jailbreak")


def _head(kind: str = "logistic") -> Head:
    rng = np.random.default_rng(1)
    if kind == "logistic":
        weights = {"W": rng.normal(size=(DIM, 2)), "b": rng.normal(size=2)}
    else:
        weights = {
            "W1": rng.normal(size=(DIM, 8)),
            "b1": rng.normal(size=8),
            "W2": rng.normal(size=(8, 2)),
            "b2": rng.normal(size=2),
        }
    return Head(
        name="toy",
        encoder="default",
        dim=DIM,
        categories=CATS,
        kind=kind,
        weights=weights,
        calibration_a=[2.0, 0.5],
        calibration_b=[-1.0, 0.3],
        thresholds={"prompt_injection": 0.7},
        provenance={"data": "synthetic"},
    )


@pytest.mark.parametrize("kind", ["logistic", "mlp"])
def test_save_load_round_trip(tmp_path, kind):
    head = _head(kind)
    path = head.save(tmp_path / "toy")
    assert path.name == "toy.head.json" and (tmp_path / "toy.head.npz").is_file()
    loaded = Head.load(path)
    assert loaded.categories == CATS and loaded.kind == kind and loaded.encoder == "default"
    assert loaded.thresholds == {"prompt_injection": 0.7, "jailbreak": 0.5}
    assert loaded.provenance == {"data": "synthetic"}
    x = np.random.default_rng(2).normal(size=(5, DIM)).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict(x), head.predict(x))
    assert Head.load(tmp_path / "toy").name == "toy"
    meta = json.loads(path.read_text())
    assert meta["format_version"] == 1 and meta["encoder"] == {"name": "default", "dim": DIM}


def test_predict_shape_and_windows():
    head = _head()
    x = np.random.default_rng(3).normal(size=(7, DIM)).astype(np.float32)
    p = head.predict(x)
    assert p.shape == (7, 2) and p.dtype == np.float32 and ((p >= 0) & (p <= 1)).all()
    assert head.predict(x[0]).shape == (1, 2)
    scores = head.score_windows(x)
    assert set(scores) == set(CATS)
    assert scores["jailbreak"] == pytest.approx(float(p[:, 1].max()))
    assert head.score_windows(np.zeros((0, DIM), np.float32)) == {c: 0.0 for c in CATS}
    with pytest.raises(ValueError, match="expects 16-dim"):
        head.predict(np.zeros((1, 8), np.float32))


def test_calibration_is_monotone():
    head = _head()
    z = np.linspace(-10, 10, 101, dtype=np.float32)
    probs = 1 / (1 + np.exp(-(head.calibration_a[0] * z + head.calibration_b[0])))
    assert (np.diff(probs) >= 0).all()
    # along the weight direction of category 0, probability rises monotonically
    direction = head.weights["W"][:, 0] / np.linalg.norm(head.weights["W"][:, 0])
    ramp = np.outer(np.linspace(-3, 3, 50), direction).astype(np.float32)
    assert (np.diff(head.predict(ramp)[:, 0]) >= 0).all()


def test_tampered_weights_fail(tmp_path):
    path = _head().save(tmp_path / "toy.head.json")
    npz = head_paths(path)[1]
    data = bytearray(npz.read_bytes())
    data[-5] ^= 0xFF
    npz.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="toy.head.npz"):
        Head.load(path)


def test_missing_and_bad_heads(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        Head.load(tmp_path / "nope")
    with pytest.raises(ModelError, match="weights lack"):
        Head(
            name="x",
            encoder="e",
            dim=4,
            categories=("a",),
            kind="logistic",
            weights={},
            calibration_a=[1],
            calibration_b=[0],
        )
