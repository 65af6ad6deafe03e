"""Calibration and thresholds, on the train-side validation set only (never dev-eval).

Per category a Platt scaling (``p = sigmoid(a * logit + b)``, ``guardrails.offline.train.fit_platt``) is fitted on the validation rows'
window-maximum logits. Thresholds start at each category's best-F1 point and are then raised,
greedily, until every benign validation slice is flagged by the whole set of categories at most
its budget (``training.corpus.slices.FP_BUDGETS``); each raise goes where it costs the fewest
harmful rows caught per benign row un-flagged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from guardrails.offline.train import fit_platt
from training.corpus.records import CATEGORIES
from training.corpus.slices import FP_BUDGETS, slices_of

__all__ = ["ACTING", "calibrate", "choose_thresholds", "fit_platt", "slice_report"]

ACTING = tuple(c for c in CATEGORIES if c != "indirect_injection")
"""Categories the input policy acts on (indirect_injection is read by the context stage)."""
MIN_THRESHOLD = 0.3


def calibrate(logits: np.ndarray, y: np.ndarray, known: np.ndarray, rows: list[dict[str, Any]]
              ) -> tuple[dict[str, tuple[float, float]], dict[str, float], dict[str, Any]]:
    """(Platt (a, b) per category, thresholds, slice report) from validation logits (n, k) per
    row (window maximum), labels ``y`` (n, k) and the ``known`` mask (n, k, bool). A category with
    fewer than 5 positive rows keeps the identity scaling (1, 0)."""
    platt: dict[str, tuple[float, float]] = {}
    probs = np.zeros_like(logits)
    for j, c in enumerate(CATEGORIES):
        k = known[:, j]
        a, b = fit_platt(logits[k, j], y[k, j]) if y[k, j].sum() >= 5 else (1.0, 0.0)
        platt[c] = (a, b)
        probs[:, j] = 1 / (1 + np.exp(-(a * logits[:, j] + b)))
    thresholds = choose_thresholds(probs, y, rows, known=known)
    return platt, thresholds, slice_report(probs, y, rows, thresholds, known=known)


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
                      categories: tuple[str, ...] = ACTING, known: np.ndarray | None = None,
                      step: float = 0.005) -> dict[str, float]:
    """Per category threshold in [0.3, 0.995]: best F1 (over rows where the category is decided),
    then raised in ``step``s until every benign slice meets its budget (``FP_BUDGETS``).

    Each raise goes to the category that, for the slice furthest over its budget, un-flags benign
    rows of that slice at the lowest cost in recall: the summed per-category recall of the positive
    rows no longer flagged by ANY category (a positive another category still catches costs
    nothing; every category weighs the same, however many positives it has), straight to the next ``step`` above
    the lowest-scoring row it alone flags; when every flagged row of the slice is flagged by two
    categories or more, the category flagging most of them is raised one ``step``."""
    col = {c: CATEGORIES.index(c) for c in categories}
    known = np.ones_like(y, dtype=bool) if known is None else known.astype(bool)
    thr = {c: _best_f1(probs[known[:, col[c]], col[c]], y[known[:, col[c]], col[c]].astype(bool))
           for c in categories}
    members = {s: np.array([s in slices_of(r) for r in rows], dtype=bool) for s in FP_BUDGETS}
    pos = (y[:, [col[c] for c in categories]] > 0) & known[:, [col[c] for c in categories]]
    share = pos / np.maximum(pos.sum(axis=0), 1)  # each positive as its share of its category's recall
    for _ in range(4000):
        over = {c: probs[:, col[c]] >= thr[c] for c in categories}
        hits = np.sum(list(over.values()), axis=0)
        worst, worst_excess = None, 0.0
        for s, budget in FP_BUDGETS.items():
            m = members[s]
            if m.any() and (excess := float((hits[m] > 0).mean()) - budget) > worst_excess:
                worst, worst_excess = s, excess
        if worst is None:
            break
        m = members[worst]
        best, best_cost, best_thr = None, (np.inf, 0), 0.0
        for c in categories:
            only = over[c] & (hits == 1)  # rows that c alone flags
            cand = probs[only & m, col[c]]
            if not cand.size:
                continue
            nxt = min(0.995, thr[c] + step * (np.floor((float(cand.min()) - thr[c]) / step + 1e-9) + 1))
            lost = only & (probs[:, col[c]] < nxt)
            removed = int(np.sum(lost & m))
            cost = (float(share[lost].sum()) / max(removed, 1), -removed)
            if removed and cost < best_cost:
                best, best_cost, best_thr = c, cost, nxt
        if best is None:  # every flagged row of the slice is flagged twice or more: raise the most-blamed
            blame = {c: int(np.sum(over[c] & m)) for c in categories if thr[c] < 0.995}
            if not any(blame.values()):
                break
            best = max(blame, key=blame.get)
            best_thr = min(0.995, thr[best] + step)
        thr[best] = best_thr
    return {c: round(float(v), 4) for c, v in thr.items()}


def slice_report(probs: np.ndarray, y: np.ndarray, rows: list[dict[str, Any]],
                 thresholds: dict[str, float], known: np.ndarray | None = None) -> dict[str, Any]:
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
    known = np.ones_like(y, dtype=bool) if known is None else known.astype(bool)
    for c, t in thresholds.items():
        k = known[:, col[c]]
        pos = y[k, col[c]].astype(bool)
        pred = probs[k, col[c]] >= t
        tp = int(np.sum(pred & pos))
        ranked = _auc(probs[k, col[c]], pos)
        per_cat[c] = {"positives": int(pos.sum()), "auc": ranked, "precision": round(tp / max(1, pred.sum()), 4),
                      "recall": round(tp / max(1, pos.sum()), 4),
                      "f1": round(2 * tp / max(1, pred.sum() + pos.sum()), 4)}
    out["per_category"] = per_cat
    out["per_language"] = _breakdown(flagged, y, rows, lambda r: r.get("lang", "und"))
    out["per_source"] = _breakdown(flagged, y, rows, lambda r: r["source"])
    return out


def _auc(scores: np.ndarray, pos: np.ndarray) -> float | None:
    """ROC AUC by the rank-sum formula (None without both classes)."""
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if not n_pos or not n_neg:
        return None
    ranks = np.argsort(np.argsort(scores, kind="mergesort"), kind="mergesort") + 1
    return round(float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)), 4)


def _breakdown(flagged: np.ndarray, y: np.ndarray, rows: list[dict[str, Any]], key) -> dict[str, Any]:
    """Per group of rows: harmful rows caught and benign rows flagged (any acting category)."""
    acting = np.array([CATEGORIES.index(c) for c in ACTING])
    harmful = y[:, acting].any(axis=1)
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault(key(r), []).append(i)
    out = {}
    for g, idx in sorted(groups.items()):
        idx_a = np.array(idx)
        pos, neg = idx_a[harmful[idx_a]], idx_a[~harmful[idx_a]]
        out[g] = {"harmful": int(len(pos)), "caught": round(float(flagged[pos].mean()), 4) if len(pos) else None,
                  "benign": int(len(neg)), "flagged": round(float(flagged[neg].mean()), 4) if len(neg) else None}
    return out
