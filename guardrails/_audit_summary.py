"""``guardrails audit summarize``: what an audit log says (actions, categories, errors, shadow)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from guardrails.eval import DataError, _percentiles, _table

__all__ = ["render_summary", "summarize"]


def _records(paths: Iterable[Path]) -> Iterable[tuple[str, dict[str, Any] | None]]:
    for path in paths:
        try:
            handle = path.open(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise DataError(f"{path}: cannot read: {exc.strerror or exc}") from None
        with handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield f"{path}:{number}", json.loads(line)
                except json.JSONDecodeError:
                    yield f"{path}:{number}", None


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
    for _where, record in _records(Path(p) for p in paths):
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
                kind = "timeout" if str(guard["error"]).startswith("GuardTimeout") else "error"
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
        "latency_ms": _percentiles(latencies),
        "shadow": {
            "compared": sum(shadow.values()),
            "disagree": sum(n for (a, b), n in shadow.items() if a != b),
            "pairs": {f"{a} -> {b}": n for (a, b), n in sorted(shadow.items())},
        },
        "dropped": dropped,
        "unreadable_lines": unreadable,
    }


def render_summary(summary: dict[str, Any]) -> str:
    """The summary as markdown."""
    s = summary
    lines = ["# Audit log summary", "",
             f"{s['decisions']} decisions, {s['first'] or '–'} to {s['last'] or '–'}; policies: "
             + (", ".join(f"{p} ({n})" for p, n in s["policies"].items()) or "–"), ""]
    lines += _table(["stage/action", "decisions"], list(s["by_stage_action"].items()))
    lines += ["", "## Categories triggered", ""]
    lines += _table(["category", "decisions"], list(s["triggered"].items())) if s["triggered"] else ["None."]
    lines += ["", "## Rail errors and timeouts", ""]
    lines += _table(["rail/kind", "count"], list(s["errors"].items())) if s["errors"] else ["None."]
    lat = s["latency_ms"]
    if lat:
        lines += ["", f"Latency: p50 {lat['p50']} ms, p99 {lat['p99']} ms, max {lat['max']} ms."]
    sh = s["shadow"]
    if sh["compared"]:
        lines += ["", "## Shadow", "", f"{sh['compared']} decisions ran in shadow; {sh['disagree']} "
                  f"({sh['disagree'] / sh['compared']:.1%}) would have been different.", ""]
        lines += _table(["enforced -> shadow", "decisions"], list(sh["pairs"].items()))
    if s["dropped"] or s["unreadable_lines"]:
        lines += ["", f"Records dropped by the writer: {s['dropped']}; unreadable lines: {s['unreadable_lines']}."]
    return "\n".join(lines) + "\n"
