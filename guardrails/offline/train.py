"""Fit classifier heads on encoder embeddings (needs the ``train`` extra: scikit-learn).

``fit_head`` trains one multi-label head, holds out a calibration split to fit per-category
Platt scaling, and picks a recommended threshold per category (best F1 on the calibration
split). The result is a ``Head`` ready for ``Head.save``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from guardrails.runtime.heads import Head

__all__ = ["best_f1_threshold", "fit_head", "fit_platt", "sklearn_modules"]

_INSTALL_HINT = "pip install 'tako-guardrails[train]'"


def sklearn_modules() -> Any:
    """scikit-learn's ``linear_model`` and ``neural_network``; ImportError naming the extra without it."""
    try:
        import sklearn  # noqa: F401
        from sklearn import linear_model, neural_network
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(f"training heads needs scikit-learn: {_INSTALL_HINT}") from exc
    return linear_model, neural_network


def fit_platt(logits: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling (a, b) so that ``sigmoid(a * logit + b)`` is calibrated; (1, 0) if degenerate."""
    linear_model, _ = sklearn_modules()
    y = np.asarray(y).astype(int)
    if y.min() == y.max() or len(y) < 4:
        return 1.0, 0.0
    lr = linear_model.LogisticRegression(C=1e4, max_iter=1000)
    lr.fit(np.asarray(logits, dtype=np.float64).reshape(-1, 1), y)
    a, b = float(lr.coef_[0, 0]), float(lr.intercept_[0])
    if a <= 0:  # a head that ranks backwards on held-out data: keep it monotone, recentre only
        return 1.0, 0.0
    return a, b


def best_f1_threshold(probs: np.ndarray, y: np.ndarray, default: float = 0.5) -> float:
    """The probability threshold with the best F1 on (probs, y); ``default`` without positives."""
    y = np.asarray(y).astype(bool)
    if not y.any() or y.all():
        return default
    order = np.argsort(-probs)
    p_sorted, y_sorted = probs[order], y[order]
    tp = np.cumsum(y_sorted)
    fp = np.cumsum(~y_sorted)
    f1 = 2 * tp / (tp + fp + y.sum())
    # only thresholds at the end of a run of equal scores are realisable
    last = np.r_[p_sorted[1:] != p_sorted[:-1], True]
    i = int(np.argmax(np.where(last, f1, -1)))
    return float(np.clip(p_sorted[i], 0.01, 0.99))


def _split(n: int, y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, calib), stratified on whether a row has any label."""
    rng = np.random.default_rng(seed)
    calib: list[np.ndarray] = []
    for mask in (y.any(axis=1), ~y.any(axis=1)):
        idx = np.flatnonzero(mask)
        rng.shuffle(idx)
        calib.append(idx[: int(round(len(idx) * fraction))])
    calib_idx = np.sort(np.concatenate(calib))
    train_mask = np.ones(n, dtype=bool)
    train_mask[calib_idx] = False
    return np.flatnonzero(train_mask), calib_idx


def _label_matrix(labels: Sequence[Sequence[str]], categories: Sequence[str]) -> np.ndarray:
    index = {c: i for i, c in enumerate(categories)}
    y = np.zeros((len(labels), len(categories)), dtype=bool)
    for row, labs in enumerate(labels):
        for lab in labs:
            if lab in index:
                y[row, index[lab]] = True
    return y


def fit_head(
    embeddings: np.ndarray,
    labels: Sequence[Sequence[str]],
    categories: Sequence[str],
    *,
    kind: Literal["logistic", "mlp"] = "logistic",
    class_weight: Literal["balanced"] | None = "balanced",
    calibration_fraction: float = 0.2,
    C: float = 1.0,
    hidden: int = 128,
    max_iter: int = 2000,
    seed: int = 0,
    name: str = "head",
    encoder: str = "default",
    provenance: dict[str, Any] | None = None,
) -> Head:
    """Train a multi-label head on ``embeddings`` (n, dim) with ``labels`` (a list of categories
    per row; empty means negative for every category).

    ``kind="logistic"`` fits one L2 logistic regression per category (``C``, ``class_weight``);
    ``kind="mlp"`` fits one ReLU network with ``hidden`` units and a sigmoid output per category
    (``class_weight`` does not apply). A ``calibration_fraction`` of the rows (stratified) is held
    out to fit Platt scaling and the recommended F1-optimal thresholds; with 0 the model is
    uncalibrated and thresholds are 0.5. Categories without positive rows raise ValueError.
    """
    linear_model, neural_network = sklearn_modules()
    x = np.asarray(embeddings, dtype=np.float32)
    if x.ndim != 2 or x.shape[0] != len(labels):
        raise ValueError(f"embeddings {x.shape} and {len(labels)} label lists do not match")
    categories = tuple(categories)
    y = _label_matrix(labels, categories)
    empty = [c for c, n in zip(categories, y.sum(axis=0), strict=True) if n == 0]
    if empty:
        raise ValueError(f"no positive examples for categories {empty}")
    if calibration_fraction > 0:
        train_idx, calib_idx = _split(len(x), y, calibration_fraction, seed)
    else:
        train_idx, calib_idx = np.arange(len(x)), np.arange(0)

    xt, yt = x[train_idx], y[train_idx]
    if kind == "logistic":
        w = np.zeros((x.shape[1], len(categories)), dtype=np.float32)
        b = np.zeros(len(categories), dtype=np.float32)
        for j, cat in enumerate(categories):
            if yt[:, j].min() == yt[:, j].max():
                raise ValueError(f"category {cat!r} has a single class in the training split")
            lr = linear_model.LogisticRegression(
                C=C, class_weight=class_weight, max_iter=max_iter, random_state=seed
            )
            lr.fit(xt, yt[:, j].astype(int))
            w[:, j], b[j] = lr.coef_[0], lr.intercept_[0]
        weights = {"W": w, "b": b}
    elif kind == "mlp":
        mlp = neural_network.MLPClassifier(
            hidden_layer_sizes=(hidden,),
            activation="relu",
            alpha=1e-4,
            max_iter=max_iter,
            early_stopping=len(xt) >= 200,
            random_state=seed,
        )
        mlp.fit(xt, yt.astype(int))
        weights = {
            "W1": mlp.coefs_[0],
            "b1": mlp.intercepts_[0],
            "W2": mlp.coefs_[1],
            "b2": mlp.intercepts_[1],
        }
    else:
        raise ValueError(f"kind must be 'logistic' or 'mlp', got {kind!r}")

    k = len(categories)
    head = Head(
        name=name,
        encoder=encoder,
        dim=x.shape[1],
        categories=categories,
        kind=kind,
        weights=weights,
        calibration_a=np.ones(k),
        calibration_b=np.zeros(k),
    )
    metrics: dict[str, Any] = {}
    if len(calib_idx):
        xc, yc = x[calib_idx], y[calib_idx]
        z = head.logits(xc)
        for j in range(k):
            head.calibration_a[j], head.calibration_b[j] = fit_platt(z[:, j], yc[:, j])
        probs = head.predict(xc)
        for j, cat in enumerate(categories):
            head.thresholds[cat] = best_f1_threshold(probs[:, j], yc[:, j])
            metrics[cat] = {"calib_positives": int(yc[:, j].sum()), "calib_rows": int(len(yc))}
    prov = {
        "trained": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "rows": int(len(x)),
        "positives": {c: int(n) for c, n in zip(categories, y.sum(axis=0), strict=True)},
        "kind": kind,
        "class_weight": class_weight if kind == "logistic" else None,
        "calibration": "platt" if len(calib_idx) else "none",
        "calibration_rows": int(len(calib_idx)),
        "threshold_method": "best F1 on the calibration split" if len(calib_idx) else "0.5",
        "calibration_metrics": metrics,
    }
    prov.update(provenance or {})
    head.provenance = prov
    return head
