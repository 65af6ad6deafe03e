"""Compare two policies on the same texts: which decisions change, by category, with examples.

Groups: ``newly_blocked`` (B blocks, A did not), ``newly_allowed`` (B allows what A acted on),
``action_changed`` (any other change of action, e.g. warn -> redact) and ``triggered_changed``
(same action, different categories). With labels, each change is also judged: a ``fix`` (B is
right where A was wrong) or a ``regression`` (the other way round). guardrails.ops.reports
renders the result. ``compare_outcomes`` streams: it keeps counters and the few examples shown,
never every row, so a Ray diff over millions of rows (guardrails.ops.ray_eval) uses it as is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from guardrails.ops.data import Example
from guardrails.ops.eval import Outcome, RateCounter, run_policy
from guardrails.results import Action

__all__ = ["GROUPS", "compare_outcomes", "diff_policies"]

GROUPS = ("newly_blocked", "newly_allowed", "action_changed", "triggered_changed")


def _group(a: Outcome, b: Outcome) -> str | None:
    if a.action is b.action:
        return "triggered_changed" if set(a.triggered) != set(b.triggered) else None
    if b.action is Action.BLOCK:
        return "newly_blocked"
    if b.action is Action.ALLOW:
        return "newly_allowed"
    return "action_changed"


def _verdict(a: Outcome, b: Outcome) -> str | None:
    if a.acted == b.acted:
        return None
    harmful = bool(a.example.labels)
    return "fix" if b.acted == harmful else "regression"


def _row(a: Outcome, b: Outcome, labelled: bool) -> dict[str, Any]:
    changed = sorted(set(a.scores) | set(b.scores), key=lambda c: -abs(b.scores.get(c, 0) - a.scores.get(c, 0)))
    row: dict[str, Any] = {
        "text": a.example.text,
        "labels": list(a.example.labels),
        "a": {"action": a.action.value, "triggered": list(a.triggered)},
        "b": {"action": b.action.value, "triggered": list(b.triggered)},
        "scores": {c: [round(a.scores.get(c, 0.0), 4), round(b.scores.get(c, 0.0), 4)] for c in changed[:3]},
    }
    for key in ("id", "source"):
        if getattr(a.example, key):
            row[key] = getattr(a.example, key)
    if a.example.line:
        row["line"] = a.example.line
    judged = _verdict(a, b) if labelled else None
    if judged:
        row["judged"] = judged
    return row


class _TopK:
    """The ``k`` smallest items by key, ties in arrival order (a stable sort of everything, cut)."""

    def __init__(self, k: int) -> None:
        self.k, self.items = k, []  # type: ignore[var-annotated]

    def add(self, key: Any, item: Any) -> None:
        if self.k <= 0:
            return
        self.items.append((key, item))
        if len(self.items) >= 4 * self.k + 64:
            self._cut()

    def _cut(self) -> None:
        self.items.sort(key=lambda e: e[0])  # stable: kept items arrived before the new ones
        del self.items[self.k:]

    def result(self) -> list[Any]:
        self._cut()
        return [item for _, item in self.items]


def _delta(a: Outcome, b: Outcome) -> float:
    return max(abs(b.scores.get(c, 0) - a.scores.get(c, 0)) for c in set(a.scores) | set(b.scores) or {""})


class _Group:
    def __init__(self, shown: int) -> None:
        self.count = self.fixes = self.regressions = 0
        self.per_category: dict[str, int] = {}
        self.transitions: dict[str, int] = {}
        self.top = {True: _TopK(shown), False: _TopK(shown)}  # ordered as if labelled / unlabelled

    def add(self, name: str, a: Outcome, b: Outcome) -> None:
        self.count += 1
        cats = b.triggered if name == "newly_blocked" else a.triggered if name == "newly_allowed" else (
            tuple(set(a.triggered) ^ set(b.triggered)) or b.triggered or a.triggered)
        for c in cats:
            self.per_category[c] = self.per_category.get(c, 0) + 1
        key = f"{a.action.value} -> {b.action.value}"
        self.transitions[key] = self.transitions.get(key, 0) + 1
        judged = _verdict(a, b)
        self.fixes += judged == "fix"
        self.regressions += judged == "regression"
        delta = -_delta(a, b)  # regressions first (with labels), then the largest score change
        self.top[True].add((judged != "regression", delta), (a, b))
        self.top[False].add(delta, (a, b))

    def result(self, labelled: bool) -> dict[str, Any]:
        return {
            "count": self.count,
            "per_category": dict(sorted(self.per_category.items(), key=lambda kv: -kv[1])),
            "transitions": self.transitions,
            **({"fixes": self.fixes, "regressions": self.regressions} if labelled else {}),
            "examples": [_row(a, b, labelled) for a, b in self.top[labelled].result()],
        }


def _describe(guard: Any) -> dict[str, Any]:
    return {"name": guard.policy.name, "version": guard.policy.version, "source": guard.source}


def compare_outcomes(
    guard_a: Any,
    guard_b: Any,
    pairs: Iterable[tuple[Outcome, Outcome]],
    *,
    stage: str = "input",
    examples_shown: int = 10,
    data_name: str = "",
) -> dict[str, Any]:
    """The diff report of two policies' outcomes on the same examples, pair by pair, in order.

    ``pairs`` may be a generator over any number of rows: only counters and ``examples_shown``
    examples per group are kept. The guards give the policies' names (they are not run here).
    """
    groups = {g: _Group(examples_shown) for g in GROUPS}
    rates = (RateCounter(), RateCounter())
    rows = 0
    labelled = False
    for a, b in pairs:
        rows += 1
        labelled = labelled or bool(a.example.labels)
        rates[0].add(a)
        rates[1].add(b)
        name = _group(a, b)
        if name:
            groups[name].add(name, a, b)
    report: dict[str, Any] = {
        "a": _describe(guard_a),
        "b": _describe(guard_b),
        "data": {"name": data_name, "stage": stage, "rows": rows, "labelled": labelled},
        "changed": sum(g.count for n, g in groups.items() if n != "triggered_changed"),
        "groups": {name: g.result(labelled) for name, g in groups.items()},
    }
    if labelled:
        report["rates"] = {"a": rates[0].result(), "b": rates[1].result()}
    return report


def diff_policies(
    guard_a: Any,
    guard_b: Any,
    examples: Sequence[Example],
    *,
    stage: str = "input",
    batch_size: int = 256,
    examples_shown: int = 10,
    progress: Any = None,
    data_name: str = "",
) -> dict[str, Any]:
    """Run both guards on ``examples`` and report the decisions that differ (a JSON-ready dict)."""
    runs = [run_policy(guard, examples, stage=stage, batch_size=batch_size, progress=progress)[0]
            for guard in (guard_a, guard_b)]
    return compare_outcomes(guard_a, guard_b, zip(*runs), stage=stage, examples_shown=examples_shown,
                            data_name=data_name)
