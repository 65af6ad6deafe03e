"""Compare two policies on the same texts: which decisions change, by category, with examples.

Groups: ``newly_blocked`` (B blocks, A did not), ``newly_allowed`` (B allows what A acted on),
``action_changed`` (any other change of action, e.g. warn -> redact) and ``triggered_changed``
(same action, different categories). With labels, each change is also judged: a ``fix`` (B is
right where A was wrong) or a ``regression`` (the other way round). guardrails.ops.reports
renders the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from guardrails.ops.data import Example
from guardrails.ops.eval import Outcome, group_rates, run_policy
from guardrails.results import Action

__all__ = ["GROUPS", "diff_policies"]

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
    runs = []
    for guard in (guard_a, guard_b):
        outcomes, _ = run_policy(guard, examples, stage=stage, batch_size=batch_size, progress=progress)
        runs.append(outcomes)
    labelled = any(e.labels for e in examples)
    groups: dict[str, list[tuple[Outcome, Outcome]]] = {g: [] for g in GROUPS}
    for a, b in zip(*runs):
        name = _group(a, b)
        if name:
            groups[name].append((a, b))
    summary: dict[str, Any] = {}
    for name, pairs in groups.items():
        per_category: dict[str, int] = {}
        for a, b in pairs:
            cats = b.triggered if name == "newly_blocked" else a.triggered if name == "newly_allowed" else (
                tuple(set(a.triggered) ^ set(b.triggered)) or b.triggered or a.triggered)
            for c in cats:
                per_category[c] = per_category.get(c, 0) + 1
        transitions: dict[str, int] = {}
        for a, b in pairs:
            key = f"{a.action.value} -> {b.action.value}"
            transitions[key] = transitions.get(key, 0) + 1
        judged = [_verdict(a, b) for a, b in pairs] if labelled else []
        pairs.sort(key=lambda p: (  # regressions first, then the largest score change
            labelled and _verdict(*p) != "regression",
            -max(abs(p[1].scores.get(c, 0) - p[0].scores.get(c, 0)) for c in set(p[0].scores) | set(p[1].scores) or {""}),
        ))
        summary[name] = {
            "count": len(pairs),
            "per_category": dict(sorted(per_category.items(), key=lambda kv: -kv[1])),
            "transitions": transitions,
            **({"fixes": judged.count("fix"), "regressions": judged.count("regression")} if labelled else {}),
            "examples": [_row(a, b, labelled) for a, b in pairs[:examples_shown]],
        }

    def describe(guard: Any) -> dict[str, Any]:
        return {"name": guard.policy.name, "version": guard.policy.version, "source": guard.source}

    report: dict[str, Any] = {
        "a": describe(guard_a),
        "b": describe(guard_b),
        "data": {"name": data_name, "stage": stage, "rows": len(examples), "labelled": labelled},
        "changed": sum(len(p) for n, p in groups.items() if n != "triggered_changed"),
        "groups": summary,
    }
    if labelled:
        report["rates"] = {"a": group_rates(runs[0]), "b": group_rates(runs[1])}
    return report
