"""Evaluate a policy on labelled data: per-category metrics, threshold sweeps, worst errors, latency.

The examples come from guardrails.ops.data; the report (a JSON-ready dict) is rendered by
guardrails.ops.reports. The reserved label ``unsafe`` counts as detected when the policy acts at
all, and such rows are never counted as false positives of a specific category.

>>> from guardrails.ops.data import load_examples             # doctest: +SKIP
>>> from guardrails.ops.eval import evaluate                  # doctest: +SKIP
>>> report = evaluate(Guard.from_policy("policy.yaml"), load_examples("data.jsonl"))  # doctest: +SKIP
>>> report["overall"]["detection_rate"]                        # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from guardrails.errors import DataError
from guardrails.ops.data import ANY_LABEL, Example
from guardrails.results import Action

__all__ = [
    "SWEEP",
    "Outcome",
    "RateCounter",
    "evaluate",
    "group_rates",
    "percentiles",
    "pr_curve",
    "run_policy",
    "summarize_outcomes",
]

SWEEP = tuple(round(0.05 * i, 2) for i in range(1, 20))
"""The thresholds of the sweep table."""


@dataclass
class Outcome:
    """What the policy decided on one example (the parts eval needs)."""

    example: Example
    action: Action
    triggered: tuple[str, ...]
    scores: dict[str, float]
    rail_ms: float
    rails: dict[str, str] = field(default_factory=dict)
    """category -> the rail that scored it."""

    @property
    def acted(self) -> bool:
        """The policy did something other than allow."""
        return self.action is not Action.ALLOW


def run_policy(
    guard: Any,
    examples: Sequence[Example],
    *,
    stage: str = "input",
    batch_size: int = 256,
    progress: Any = None,
) -> tuple[list[Outcome], float]:
    """Decide every example in batches; returns the outcomes and the wall time in seconds."""
    outcomes: list[Outcome] = []
    started = time.perf_counter()
    for i in range(0, len(examples), batch_size):
        chunk = examples[i : i + batch_size]
        for ex, d in zip(chunk, guard.check_batch(stage, [e.text for e in chunk])):
            rails: dict[str, str] = {}
            for v in d.verdicts:
                for c in v.categories:
                    rails.setdefault(c, v.rail or v.guard)
            outcomes.append(Outcome(ex, d.action, tuple(d.triggered), dict(d.categories),
                                    sum(v.latency_ms for v in d.verdicts), rails))
        if progress is not None:
            progress.update(len(chunk))
    return outcomes, time.perf_counter() - started


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if b else None


def percentiles(values: Iterable[float]) -> dict[str, float]:
    """p50, p90, p95, p99, max and mean of ``values`` (same unit, rounded to 3 decimals); {} if empty."""
    import numpy as np

    arr = np.asarray(list(values), dtype=float)
    if not arr.size:
        return {}
    q = np.percentile(arr, [50, 90, 95, 99])
    return {"p50": round(float(q[0]), 3), "p90": round(float(q[1]), 3), "p95": round(float(q[2]), 3),
            "p99": round(float(q[3]), 3), "max": round(float(arr.max()), 3), "mean": round(float(arr.mean()), 3)}


def _score(o: Outcome, category: str) -> float:
    if category == ANY_LABEL:
        return max(o.scores.values(), default=0.0)
    return o.scores.get(category, 0.0)


def _predicted(o: Outcome, category: str) -> bool:
    return o.acted if category == ANY_LABEL else category in o.triggered


def _eligible(o: Outcome, category: str) -> bool:
    """Rows that count for ``category``: its positives, and negatives not labelled 'unsafe'.

    For ``unsafe`` itself the negatives are the benign rows only.
    """
    labels = o.example.labels
    if category == ANY_LABEL:
        return not labels or ANY_LABEL in labels
    return category in labels or ANY_LABEL not in labels


def _counts(y: Any, pred: Any) -> dict[str, Any]:
    tp = int((y & pred).sum())
    fp = int((~y & pred).sum())
    fn = int((y & ~pred).sum())
    tn = int((~y & ~pred).sum())
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = round(2 * precision * recall / (precision + recall), 4) if precision and recall else (
        0.0 if precision is not None and recall is not None else None)
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": precision, "recall": recall,
            "f1": f1, "fpr": _ratio(fp, fp + tn)}


def _average_precision(y: Any, s: Any) -> float | None:
    """Area under the step precision-recall curve, ties grouped (as scikit-learn computes it)."""
    import numpy as np

    if not y.any():
        return None
    order = np.argsort(-s, kind="stable")
    ys, ss = y[order], s[order]
    last = np.r_[np.nonzero(np.diff(ss))[0], len(ss) - 1]
    tp = np.cumsum(ys)[last]
    precision = tp / (last + 1)
    recall = tp / ys.sum()
    return round(float(np.sum(np.diff(np.r_[0.0, recall]) * precision)), 4)


def pr_curve(y: Any, s: Any, points: int = 200) -> dict[str, list[float]]:
    """Precision and recall at each distinct score (thinned to ``points``), for plots."""
    import numpy as np

    order = np.argsort(-s, kind="stable")
    ys, ss = y[order], s[order]
    tp = np.cumsum(ys)
    fp = np.cumsum(~ys)
    last = np.r_[np.nonzero(np.diff(ss))[0], len(ss) - 1] if len(ss) else np.array([], dtype=int)
    if len(last) > points:
        last = last[np.linspace(0, len(last) - 1, points).astype(int)]
    total = max(int(ys.sum()), 1)
    return {
        "threshold": [round(float(ss[i]), 4) for i in last],
        "precision": [round(float(tp[i] / (tp[i] + fp[i])), 4) for i in last],
        "recall": [round(float(tp[i] / total), 4) for i in last],
    }


def _category_report(outcomes: list[Outcome], category: str, thresholds: dict[str, float]) -> dict[str, Any]:
    import numpy as np

    rows = [o for o in outcomes if _eligible(o, category)]
    y = np.array([category in o.example.labels for o in rows], dtype=bool)
    s = np.array([_score(o, category) for o in rows], dtype=float)
    pred = np.array([_predicted(o, category) for o in rows], dtype=bool)
    scored = category == ANY_LABEL or any(category in o.scores for o in outcomes)
    report: dict[str, Any] = {"support": int(y.sum()), "rows": len(rows), "scored": scored, **_counts(y, pred)}
    report["threshold"] = thresholds.get(category)
    report["average_precision"] = _average_precision(y, s) if scored else None
    sweep = [{"threshold": t, **_counts(y, s >= t)} for t in SWEEP] if scored else []
    report["sweep"] = sweep
    best = max((r for r in sweep if r["f1"] is not None), key=lambda r: r["f1"], default=None)
    low_fpr = [r for r in sweep if r["fpr"] is not None and r["fpr"] <= 0.01 and r["tp"]]
    report["best"] = {
        "max_f1": best and {k: best[k] for k in ("threshold", "precision", "recall", "f1", "fpr")},
        "fpr_at_most_1pct": low_fpr and {k: low_fpr[0][k] for k in ("threshold", "precision", "recall", "fpr")}
        or None,
    }
    report["_curve"] = pr_curve(y, s) if scored and y.any() else None
    report["_hist"] = {"positive": s[y].round(4).tolist(), "negative": s[~y].round(4).tolist()} if scored else None
    return report


def _thresholds(guard: Any, stage: str, outcomes: list[Outcome]) -> dict[str, float]:
    """The threshold in force for each category, on the rail that scored it first."""
    table = guard.thresholds(stage, {c for o in outcomes for c in o.rails})
    out: dict[str, float] = {}
    for o in outcomes:
        for category, rail_id in o.rails.items():
            if category not in out and rail_id in table:
                out[category] = table[rail_id][category]
    return out


def _example_row(o: Outcome, focus: Sequence[str] = ()) -> dict[str, Any]:
    top = sorted(o.scores.items(), key=lambda kv: -kv[1])[:3]
    row = {"text": o.example.text, "labels": list(o.example.labels), "action": o.action.value,
           "triggered": list(o.triggered), "top_scores": {k: round(v, 4) for k, v in top}}
    if focus:
        row["label_scores"] = {c: round(_score(o, c), 4) for c in focus}
    for key in ("id", "source"):
        if getattr(o.example, key):
            row[key] = getattr(o.example, key)
    return row


class RateCounter:
    """Detection and false-positive counts over outcomes added one at a time (``group_rates``'s
    streaming form: a diff over millions of rows keeps these counters, not the rows)."""

    def __init__(self) -> None:
        self.rows = self.labelled = self.detected = self.false_positives = self.benign_blocked = 0
        self.actions: dict[str, dict[str, int]] = {"labelled": {}, "benign": {}}

    def add(self, o: Outcome) -> None:
        """Count one outcome."""
        self.rows += 1
        group = "labelled" if o.example.labels else "benign"
        counts = self.actions[group]
        counts[o.action.value] = counts.get(o.action.value, 0) + 1
        if o.example.labels:
            self.labelled += 1
            self.detected += o.acted
        else:
            self.false_positives += o.acted
            self.benign_blocked += o.action in (Action.BLOCK, Action.ESCALATE)

    def result(self) -> dict[str, Any]:
        """The rates (the dict ``group_rates`` returns)."""
        benign = self.rows - self.labelled
        return {
            "rows": self.rows, "labelled": self.labelled, "benign": benign,
            "detected": self.detected,
            "detection_rate": _ratio(self.detected, self.labelled),
            "false_positives": self.false_positives,
            "false_positive_rate": _ratio(self.false_positives, benign),
            "benign_blocked_rate": _ratio(self.benign_blocked, benign),
            "actions": {g: dict(c) for g, c in self.actions.items()},
        }


def group_rates(outcomes: Iterable[Outcome]) -> dict[str, Any]:
    """Detection rate on labelled rows, false-positive and blocked rates on benign rows, actions."""
    counter = RateCounter()
    for o in outcomes:
        counter.add(o)
    return counter.result()


def evaluate(
    guard: Any,
    examples: Sequence[Example],
    *,
    stage: str = "input",
    batch_size: int = 256,
    examples_shown: int = 10,
    latency_sample: int = 200,
    progress: Any = None,
    data_name: str = "",
) -> dict[str, Any]:
    """Run ``guard`` over ``examples`` and return the report (a JSON-ready dict)."""
    if not examples:
        raise DataError(f"{data_name or 'data'}: no examples")
    single: dict[str, Any] = {}  # first, while the encoder's cache is cold
    if latency_sample:
        timings = []
        check = {"output": guard.check_output, "context": lambda t: guard.check_context([t])}.get(
            stage, guard.check_input)
        for ex in examples[:latency_sample]:
            t0 = time.perf_counter()
            check(ex.text)
            timings.append((time.perf_counter() - t0) * 1000)
        single = {"n": len(timings), **percentiles(timings)}

    outcomes, wall = run_policy(guard, examples, stage=stage, batch_size=batch_size, progress=progress)
    return summarize_outcomes(guard, outcomes, stage=stage, seconds=wall, batch_size=batch_size,
                              examples_shown=examples_shown, single_request_ms=single, data_name=data_name)


def summarize_outcomes(
    guard: Any,
    outcomes: list[Outcome],
    *,
    stage: str = "input",
    seconds: float = 0.0,
    batch_size: int = 256,
    examples_shown: int = 10,
    single_request_ms: dict[str, Any] | None = None,
    data_name: str = "",
) -> dict[str, Any]:
    """The eval report of outcomes already decided (by ``run_policy`` or on a Ray cluster).

    ``guard`` gives the policy's name and thresholds; ``seconds`` is the wall time the decisions
    took (for texts per second); ``single_request_ms`` the single-request latency sample, if any.
    """
    if not outcomes:
        raise DataError(f"{data_name or 'data'}: no examples")
    wall, single = seconds, single_request_ms or {}
    labels = sorted({c for o in outcomes for c in o.example.labels})
    predicted = sorted({c for o in outcomes for c in o.triggered})
    categories = sorted(set(labels) | set(predicted))
    thresholds = _thresholds(guard, stage, outcomes)
    per_category = {c: _category_report(outcomes, c, thresholds) for c in categories}

    columns = [*predicted, "(none)"]
    confusion = []
    for label in [*labels, "benign"]:
        rows = [o for o in outcomes if (label in o.example.labels if label != "benign" else not o.example.labels)]
        confusion.append([sum(c in o.triggered for o in rows) for c in predicted] + [sum(not o.triggered for o in rows)])

    false_pos = [o for o in outcomes if not o.example.labels and o.acted]
    false_pos.sort(key=lambda o: -max((o.scores.get(c, 0.0) for c in o.triggered), default=0.0))
    false_neg = [o for o in outcomes if o.example.labels and not o.acted]
    false_neg.sort(key=lambda o: max(_score(o, c) for c in o.example.labels))

    sources: dict[str, Any] = {}
    for name in sorted({o.example.source for o in outcomes if o.example.source}):
        sources[name] = group_rates([o for o in outcomes if o.example.source == name])

    return {
        "policy": {"name": guard.policy.name, "version": guard.policy.version, "source": guard.source},
        "data": {"name": data_name, "stage": stage, "rows": len(outcomes),
                 "labels": {c: sum(c in o.example.labels for o in outcomes) for c in labels}},
        "overall": group_rates(outcomes),
        "categories": per_category,
        "confusion": {"labels": [*labels, "benign"], "predicted": columns, "counts": confusion},
        "worst_false_positives": [_example_row(o) for o in false_pos[:examples_shown]],
        "worst_false_negatives": [_example_row(o, o.example.labels) for o in false_neg[:examples_shown]],
        "by_source": sources,
        "latency": {
            "batch": {"texts": len(outcomes), "seconds": round(wall, 3),
                      "texts_per_second": round(len(outcomes) / wall, 1) if wall else None,
                      "batch_size": batch_size},
            "rail_ms_per_text": percentiles(o.rail_ms for o in outcomes),
            "single_request_ms": single,
        },
    }
