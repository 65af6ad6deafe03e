"""Calibration and thresholds, on the train-side validation set only (never dev-eval).

Per category a Platt scaling (``p = sigmoid(a * logit + b)``, ``guardrails.offline.train.fit_platt``) is fitted on the validation rows'
window-maximum logits. Thresholds start at each category's best-F1 point and are then raised,
greedily, until every benign validation slice is flagged by the whole set of categories at most
its budget (``training.corpus.slices.FP_BUDGETS``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from guardrails.offline.train import fit_platt
from training.corpus.records import CATEGORIES
from training.corpus.slices import FP_BUDGETS, slices_of

__all__ = ["ACTING", "choose_thresholds", "fit_platt", "slice_report"]

ACTING = tuple(c for c in CATEGORIES if c != "indirect_injection")
"""Categories the input policy acts on (indirect_injection is read by the context stage)."""
MIN_THRESHOLD = 0.3


def _best_f1(p: np.ndarray, y: np.ndarray) -> float:
    best, best_t = -1.0, 0.5
    for t in np.linspace(MIN_THRESHOLD, 0.99, 139):
        pred = p >= t
        tp = np.sum(pred & y)
        f1 = 2 * tp / max(1, pred.sum() + y.sum())
        if f1 > best:
            best, best_t = f1, float(t)
    return best_t


def choose_thresholds(probs: np.ndarray, y: np.ndarray, rows: list[dict[str, Any]],
                      categories: tuple[str, ...] = ACTING) -> dict[str, float]:
    """Per category threshold: best F1, then raised until every benign slice meets its budget."""
    col = {c: CATEGORIES.index(c) for c in categories}
    thr = {c: _best_f1(probs[:, col[c]], y[:, col[c]].astype(bool)) for c in categories}
    members: dict[str, np.ndarray] = {}
    for s in FP_BUDGETS:
        members[s] = np.array([s in slices_of(r) for r in rows], dtype=bool)
    for _ in range(2000):
        worst, worst_excess = None, 0.0
        for s, budget in FP_BUDGETS.items():
            m = members[s]
            if not m.any():
                continue
            flagged = np.zeros(m.sum(), dtype=bool)
            for c in categories:
                flagged |= probs[m, col[c]] >= thr[c]
            excess = flagged.mean() - budget
            if excess > worst_excess:
                worst, worst_excess = s, excess
        if worst is None:
            break
        m = members[worst]
        blame = {c: int(np.sum(probs[m, col[c]] >= thr[c])) for c in categories if thr[c] < 0.995}
        if not blame:
            break
        c = max(blame, key=blame.get)
        thr[c] = min(0.995, thr[c] + 0.005)
    return {c: round(v, 4) for c, v in thr.items()}


def slice_report(probs: np.ndarray, y: np.ndarray, rows: list[dict[str, Any]],
                 thresholds: dict[str, float]) -> dict[str, Any]:
    """Per slice: rows, share flagged (benign slices) or caught (attack and harm slices)."""
    col = {c: CATEGORIES.index(c) for c in thresholds}
    flagged = np.zeros(len(rows), dtype=bool)
    for c, t in thresholds.items():
        flagged |= probs[:, col[c]] >= t
    out: dict[str, Any] = {}
    names = sorted({s for r in rows for s in slices_of(r)})
    for s in names:
        m = np.array([s in slices_of(r) for r in rows], dtype=bool)
        rate = float(flagged[m].mean()) if m.any() else 0.0
        key = "flagged" if s in FP_BUDGETS else "caught"
        out[s] = {"rows": int(m.sum()), key: round(rate, 4)}
        if s in FP_BUDGETS:
            out[s]["budget"] = FP_BUDGETS[s]
    per_cat = {}
    for c, t in thresholds.items():
        pos = y[:, col[c]].astype(bool)
        pred = probs[:, col[c]] >= t
        tp = int(np.sum(pred & pos))
        per_cat[c] = {"positives": int(pos.sum()), "precision": round(tp / max(1, pred.sum()), 4),
                      "recall": round(tp / max(1, pos.sum()), 4),
                      "f1": round(2 * tp / max(1, pred.sum() + pos.sum()), 4)}
    out["per_category"] = per_cat
    return out
