"""Entity precision/recall/F1 per type (any-overlap matching) and latency of each PII path.

Matching: a predicted span is correct when it overlaps a gold span of the same type; a gold span
is found when a predicted span of the same type overlaps it (so one address predicted whole
finds the three fragments presidio labels separately, and a fragment predicted alone is still
correct). ``ALL`` pools every type. Gold types outside the taxonomy (presidio's DOMAIN_NAME,
TITLE, PREFIX) are left out and counted apart.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["false_positive_rate", "latency_us", "overlap_prf", "predict"]

Span3 = tuple[int, int, str]


def _overlaps(a: Span3, b: Span3) -> bool:
    return a[2] == b[2] and a[0] < b[1] and b[0] < a[1]


def overlap_prf(golds: Iterable[list[Span3]], preds: Iterable[list[Span3]],
                only: set[str] | None = None) -> dict[str, dict[str, float]]:
    """Per type and ``ALL``: gold, predicted, precision, recall, F1 (any-overlap, same type).

    ``only`` restricts gold and predictions to those types (e.g. what the token head tags).
    """
    counts: dict[str, list[int]] = {}  # label -> [gold, gold_found, pred, pred_correct]
    for gold, pred in zip(golds, preds, strict=True):
        gold = [g for g in gold if not g[2].startswith("x:") and (only is None or g[2] in only)]
        pred = [p for p in pred if only is None or p[2] in only]
        for g in gold:
            c = counts.setdefault(g[2], [0, 0, 0, 0])
            c[0] += 1
            c[1] += any(_overlaps(p, g) for p in pred)
        for p in pred:
            c = counts.setdefault(p[2], [0, 0, 0, 0])
            c[2] += 1
            c[3] += any(_overlaps(p, g) for g in gold)
    out: dict[str, dict[str, float]] = {}
    total = [0, 0, 0, 0]
    for label in sorted(counts):
        c = counts[label]
        total = [a + b for a, b in zip(total, c)]
        out[label] = _scores(c)
    out["ALL"] = _scores(total)
    return out


def _scores(c: list[int]) -> dict[str, float]:
    gold, found, pred, correct = c
    p = correct / pred if pred else float("nan")
    r = found / gold if gold else float("nan")
    f1 = 2 * p * r / (p + r) if pred and gold and (p + r) else 0.0
    return {"gold": gold, "predicted": pred, "precision": round(p, 3), "recall": round(r, 3), "f1": round(f1, 3)}


def predict(find: Callable[[str], list[Any]], rows: list[dict[str, Any]]) -> list[list[Span3]]:
    """(start, end, label) of every finding of ``find(text)`` (a ``PiiGuard.find``) per row."""
    return [[(f.start, f.end, f.label) for f in find(r["text"])] for r in rows]


def false_positive_rate(preds: list[list[Span3]]) -> float:
    """Share of (PII-free) texts with at least one finding."""
    return round(sum(1 for p in preds if p) / max(1, len(preds)), 4)


def latency_us(fn: Callable[[str], Any], texts: list[str], repeat: int = 3) -> dict[str, float]:
    """p50 and p90 CPU time per call in microseconds (each text timed ``repeat`` times after a
    warm-up call, the minimum kept: the machine is shared)."""
    times = []
    for t in texts:
        fn(t)
        best = float("inf")
        for _ in range(repeat):
            t0 = time.process_time_ns()
            fn(t)
            best = min(best, time.process_time_ns() - t0)
        times.append(best / 1000)
    times.sort()
    return {"p50_us": round(statistics.median(times), 1), "p90_us": round(times[int(0.9 * (len(times) - 1))], 1),
            "texts": len(texts)}
