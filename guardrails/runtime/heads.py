"""Classifier heads: small numpy models on top of a shared sentence encoder.

A head is two sibling files:

``NAME.head.json``
    ``format_version``, ``name``, ``encoder`` (``{"name": ..., "dim": ...}``), ``categories``,
    ``kind`` (``"logistic"`` or ``"mlp"``), ``calibration`` (per category Platt parameters
    ``{"a": ..., "b": ...}``: ``p = sigmoid(a * logit + b)``), ``thresholds`` (recommended
    threshold per category), ``provenance`` (free-form: training data summary, date, metrics) and
    ``weights`` (``{"file": "NAME.head.npz", "sha256": ...}``).
``NAME.head.npz``
    ``logistic``: ``W`` (dim, k) and ``b`` (k,). ``mlp``: ``W1`` (dim, h), ``b1`` (h,),
    ``W2`` (h, k), ``b2`` (k,) with a ReLU hidden layer.

Scores are multi-label: one calibrated sigmoid per category. Inference is pure numpy (a few
microseconds per text), so many heads can share one embedding per text window.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from guardrails.errors import ModelError, ModelIntegrityError
from guardrails.runtime._files import sha256_file

__all__ = ["FORMAT_VERSION", "HEAD_SUFFIX", "Head", "head_paths"]

FORMAT_VERSION = 1
"""Version of the head file format written by Head.save."""

HEAD_SUFFIX = ".head.json"
"""File name suffix of a head's metadata file; the weights sit beside it as ``NAME.head.npz``."""

_WEIGHT_KEYS = {"logistic": ("W", "b"), "mlp": ("W1", "b1", "W2", "b2")}


def head_paths(path: str | Path) -> tuple[Path, Path]:
    """The (json, npz) paths of a head given ``NAME``, ``NAME.head.json`` or ``NAME.head.npz``."""
    p = Path(path)
    name = p.name
    for suffix in (HEAD_SUFFIX, ".head.npz"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    base = p.with_name(name)
    return base.with_name(name + HEAD_SUFFIX), base.with_name(name + ".head.npz")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@dataclass
class Head:
    """A multi-label classifier head: embeddings (n, dim) in, calibrated probabilities (n, k) out.

    Build one with ``guardrails.offline.train.fit_head`` or load one with ``Head.load(path)``.
    """

    name: str
    encoder: str
    dim: int
    categories: tuple[str, ...]
    kind: Literal["logistic", "mlp"]
    weights: dict[str, np.ndarray]
    calibration_a: np.ndarray
    calibration_b: np.ndarray
    thresholds: dict[str, float] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.categories = tuple(self.categories)
        k = len(self.categories)
        if k == 0:
            raise ModelError(f"head {self.name!r}: no categories")
        if self.kind not in _WEIGHT_KEYS:
            raise ModelError(
                f"head {self.name!r}: kind must be 'logistic' or 'mlp', got {self.kind!r}"
            )
        missing = [key for key in _WEIGHT_KEYS[self.kind] if key not in self.weights]
        if missing:
            raise ModelError(f"head {self.name!r}: weights lack {missing} for kind {self.kind!r}")
        self.weights = {
            key: np.ascontiguousarray(self.weights[key], dtype=np.float32)
            for key in _WEIGHT_KEYS[self.kind]
        }
        w_in = self.weights["W" if self.kind == "logistic" else "W1"]
        w_out = self.weights["W" if self.kind == "logistic" else "W2"]
        if w_in.shape[0] != self.dim or w_out.shape[1] != k:
            raise ModelError(
                f"head {self.name!r}: weight shapes {w_in.shape}/{w_out.shape} do not fit "
                f"dim={self.dim} and {k} categories"
            )
        self.calibration_a = np.asarray(self.calibration_a, dtype=np.float32).reshape(k)
        self.calibration_b = np.asarray(self.calibration_b, dtype=np.float32).reshape(k)
        self.thresholds = {c: float(self.thresholds.get(c, 0.5)) for c in self.categories}

    def logits(self, emb: np.ndarray) -> np.ndarray:
        """Uncalibrated scores, shape (n, k)."""
        x = np.asarray(emb, dtype=np.float32)
        if x.ndim == 1:
            x = x[None, :]
        if x.shape[1] != self.dim:
            raise ValueError(
                f"head {self.name!r} expects {self.dim}-dim embeddings, got {x.shape[1]}"
            )
        w = self.weights
        if self.kind == "logistic":
            return x @ w["W"] + w["b"]
        hidden = np.maximum(x @ w["W1"] + w["b1"], 0.0)
        return hidden @ w["W2"] + w["b2"]

    def predict(self, emb: np.ndarray) -> np.ndarray:
        """Calibrated probabilities, one independent sigmoid per category, shape (n, k)."""
        z = self.logits(emb)
        if z.shape[0] == 0:
            return np.zeros((0, len(self.categories)), dtype=np.float32)
        return _sigmoid(self.calibration_a * z + self.calibration_b).astype(np.float32, copy=False)

    def score_windows(self, windows: np.ndarray) -> dict[str, float]:
        """Per category, the maximum probability over the windows of one text (0.0 if none)."""
        probs = self.predict(windows)
        if probs.shape[0] == 0:
            return dict.fromkeys(self.categories, 0.0)
        return dict(zip(self.categories, map(float, probs.max(axis=0)), strict=True))

    def to_dict(self) -> dict[str, Any]:
        """The JSON metadata of the head (without the weights file entry)."""
        return {
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "encoder": {"name": self.encoder, "dim": int(self.dim)},
            "categories": list(self.categories),
            "kind": self.kind,
            "calibration": {
                c: {"a": float(a), "b": float(b)}
                for c, a, b in zip(
                    self.categories, self.calibration_a, self.calibration_b, strict=True
                )
            },
            "thresholds": {c: float(self.thresholds[c]) for c in self.categories},
            "provenance": self.provenance,
        }

    def save(self, path: str | Path) -> Path:
        """Write ``NAME.head.json`` and ``NAME.head.npz``; returns the json path."""
        json_path, npz_path = head_paths(path)
        json_path.parent.mkdir(parents=True, exist_ok=True)
        with npz_path.open("wb") as fh:
            np.savez(fh, **self.weights)  # type: ignore[arg-type]
        meta = self.to_dict()
        meta["weights"] = {"file": npz_path.name, "sha256": sha256_file(npz_path)}
        json_path.write_text(json.dumps(meta, indent=2, sort_keys=False) + "\n", encoding="utf-8")
        return json_path

    @classmethod
    def from_dict(cls, meta: Mapping[str, Any], weights: Mapping[str, np.ndarray]) -> Head:
        """Build a head from its JSON metadata and a mapping of weight arrays."""
        version = meta.get("format_version")
        if version != FORMAT_VERSION:
            raise ModelError(
                f"head format_version {version!r} is not supported (expected {FORMAT_VERSION})"
            )
        categories: Sequence[str] = meta["categories"]
        calib = meta.get("calibration", {})
        return cls(
            name=meta.get("name", "head"),
            encoder=meta["encoder"]["name"],
            dim=int(meta["encoder"]["dim"]),
            categories=tuple(categories),
            kind=meta["kind"],
            weights=dict(weights),
            calibration_a=np.array([calib.get(c, {}).get("a", 1.0) for c in categories]),
            calibration_b=np.array([calib.get(c, {}).get("b", 0.0) for c in categories]),
            thresholds=dict(meta.get("thresholds", {})),
            provenance=dict(meta.get("provenance", {})),
        )

    @classmethod
    def load(cls, path: str | Path) -> Head:
        """Load a head from ``NAME.head.json`` (or ``NAME``); checks the weights' sha256."""
        json_path, npz_path = head_paths(path)
        if not json_path.is_file():
            raise ModelError(f"head metadata not found: {json_path}")
        try:
            meta = json.loads(json_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"head metadata {json_path} is not valid JSON: {exc}") from exc
        wmeta = meta.get("weights", {})
        npz_path = json_path.with_name(wmeta.get("file", npz_path.name))
        if not npz_path.is_file():
            raise ModelError(f"head weights not found: {npz_path} (named by {json_path})")
        expected = wmeta.get("sha256")
        if expected and sha256_file(npz_path) != expected:
            raise ModelIntegrityError(
                f"head weights {npz_path} do not match the sha256 recorded in {json_path.name}"
            )
        try:
            with np.load(npz_path, allow_pickle=False) as data:
                weights = {k: data[k] for k in data.files}
        except (OSError, ValueError) as exc:
            raise ModelError(f"head weights {npz_path} cannot be read: {exc}") from exc
        try:
            return cls.from_dict(meta, weights)
        except KeyError as exc:
            raise ModelError(f"head metadata {json_path} lacks field {exc}") from exc
