"""``guardrails audit summarize``: what audit logs say (actions, categories, errors, shadow).

The summary is a JSON-ready dict; guardrails.ops.reports renders it as markdown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from guardrails.jsonl import read_jsonl
from guardrails.ops.eval import percentiles

__all__ = ["summarize"]


def _records(paths: Iterable[Path]) -> Iterable[dict[str, Any] | None]:
    for path in paths:
        for _number, record, _problem in read_jsonl(path):
            yield record


def summarize(paths: Sequence[str | Path]) -> dict[str, Any]:
    """Counts over audit records: by stage and action, categories, rail errors, shadow agreement."""
    actions: Counter[tuple[str, str]] = Counter()
    triggered: Counter[str] = Counter()
    errors: Counter[tuple[str, str]] = Counter()
    shadow: Counter[tuple[str, str]] = Counter()
    policies: Counter[str] = Counter()
    latencies: list[float] = []
    times: list[str] = []
    dropped = unreadable = decisions = 0
    for record in _records(Path(p) for p in paths):
        if record is None:
            unreadable += 1
            continue
        if record.get("type") == "dropped":
            dropped += int(record.get("count", 0))
            continue
        if record.get("type") != "decision":
            continue
        decisions += 1
        policies[f"{record.get('policy')} v{record.get('policy_version')}"] += 1
        actions[(record.get("stage", "?"), record.get("action", "?"))] += 1
        triggered.update(record.get("triggered", ()))
        latencies.append(float(record.get("latency_ms", 0.0)))
        if record.get("time"):
            times.append(record["time"])
        for guard in record.get("guards", ()):
            if guard.get("error"):
                kind = guard.get("error_kind")
                kind = kind if kind in ("timeout", "unavailable", "budget") else "error"
                errors[(guard.get("rail", "?"), kind)] += 1
        if "shadow_action" in record:
            shadow[(record["action"], record["shadow_action"])] += 1
    return {
        "decisions": decisions,
        "policies": dict(policies),
        "first": min(times, default=None),
        "last": max(times, default=None),
        "by_stage_action": {f"{s}/{a}": n for (s, a), n in sorted(actions.items())},
        "triggered": dict(triggered.most_common()),
        "errors": {f"{r}/{k}": n for (r, k), n in sorted(errors.items())},
        "latency_ms": percentiles(latencies),
        "shadow": {
            "compared": sum(shadow.values()),
            "disagree": sum(n for (a, b), n in shadow.items() if a != b),
            "pairs": {f"{a} -> {b}": n for (a, b), n in sorted(shadow.items())},
        },
        "dropped": dropped,
        "unreadable_lines": unreadable,
    }
