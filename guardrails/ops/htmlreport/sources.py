"""What a report reads: audit logs, scan output (JSONL or Ray's Parquet) and eval reports.

Decision streams (audit logs, scans) are tallied in one pass with bounded memory (counters per
minute, language, rail and action pair; one float per decision for the latency percentiles), so a
day of traffic fits; an eval report is a small JSON file and is read whole.
"""

from __future__ import annotations

import json
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from guardrails.errors import DataError
from guardrails.jsonl import read_jsonl

__all__ = ["Tally", "detect_kind", "load_eval", "tally"]

UNKNOWN = "(unknown)"


@dataclass
class Tally:
    """Counts over decisions: by action, minute, language, rail, shadow pair; latencies in ms."""

    kind: str
    sources: list[str] = field(default_factory=list)
    decisions: int = 0
    unreadable: int = 0
    input_errors: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)
    rails: Counter[str] = field(default_factory=Counter)
    rails_detail: bool = False
    rail_errors: Counter[str] = field(default_factory=Counter)
    policies: Counter[str] = field(default_factory=Counter)
    by_minute: dict[int, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_language: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    shadow: Counter[tuple[str, str]] = field(default_factory=Counter)
    latency_ms: array = field(default_factory=lambda: array("d"))
    rail_latency_ms: dict[str, array] = field(default_factory=lambda: defaultdict(lambda: array("d")))
    untimed: int = 0
    per_text: bool = False
    """Latencies are a batch's time divided by its texts (a Ray scan), not per decision."""

    def add(self, *, action: str, triggered: Iterable[str] = (), rails: Iterable[str] | None = None,
            when: float | None = None, language: str | None = None, latency_ms: float | None = None,
            shadow_action: str | None = None, policy: str | None = None) -> None:
        """Count one decision. Keys in the minute and language counters: ``action:X``,
        ``category:X``, ``shadow:disagree``/``shadow:compared`` and ``total``."""
        self.decisions += 1
        self.actions[action] += 1
        keys = ["total", f"action:{action}", *(f"category:{c}" for c in triggered)]
        self.categories.update(triggered)
        if rails is not None:
            self.rails_detail = True
            self.rails.update(rails)
        if shadow_action:
            self.shadow[(action, shadow_action)] += 1
            keys += ["shadow:compared"] + (["shadow:disagree"] if shadow_action != action else [])
        if when is None:
            self.untimed += 1
        else:
            self.by_minute[int(when // 60)].update(keys)
        self.by_language[language or UNKNOWN].update(keys)
        if latency_ms is not None:
            self.latency_ms.append(float(latency_ms))
        if policy:
            self.policies[policy] += 1


def _epoch(value: Any) -> float | None:
    """Seconds since the epoch of an ISO 8601 string, a datetime, or a number (s or ms)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()
    if isinstance(value, int | float):
        return float(value) / 1000.0 if value > 1e11 else float(value)
    try:
        text = str(value).strip().replace("Z", "+00:00")
        return _epoch(datetime.fromisoformat(text))
    except ValueError:
        return None


def _language(record: dict[str, Any]) -> str | None:
    metadata = record.get("metadata") if isinstance(record.get("metadata"), dict) else {}
    for value in (record.get("language"), record.get("lang"), metadata.get("language"), metadata.get("lang")):
        if isinstance(value, str) and value:
            return value
    return None


def _add_audit(t: Tally, r: dict[str, Any]) -> None:
    rails, rail_errors = [], []
    for g in r.get("guards") or ():
        if not isinstance(g, dict):
            continue
        name = str(g.get("rail") or g.get("guard") or "?")
        if g.get("triggered"):
            rails.append(name + (" (shadow)" if g.get("mode") == "shadow" else ""))
        if g.get("error"):
            rail_errors.append(f"{name} ({'timeout' if g.get('error_kind') == 'timeout' else 'error'})")
        if isinstance(g.get("latency_ms"), int | float):
            t.rail_latency_ms[name].append(float(g["latency_ms"]))
    t.rail_errors.update(rail_errors)
    t.add(action=str(r.get("action", "?")), triggered=r.get("triggered") or (), rails=rails,
          when=_epoch(r.get("time")), language=_language(r), latency_ms=r.get("latency_ms"),
          shadow_action=r.get("shadow_action"), policy=f"{r.get('policy')} v{r.get('policy_version')}")


def _add_scan(t: Tally, r: dict[str, Any]) -> None:
    if not r.get("action"):
        t.input_errors += 1
        return
    for rail in dict(r.get("errors") or {}):
        t.rail_errors[f"{rail} (error)"] += 1
    rails = r.get("rails_triggered")
    latency = r.get("latency_ms")
    if latency is not None and r.get("batch_texts"):  # a batched scan: the batch's time, per text
        latency, t.per_text = latency / r["batch_texts"], True
    t.add(action=str(r["action"]), triggered=r.get("triggered") or (), rails=None if rails is None else list(rails),
          when=_epoch(r.get("time", r.get("timestamp"))), language=_language(r), latency_ms=latency,
          shadow_action=r.get("shadow_action"),
          policy=f"{r.get('policy')} v{r.get('policy_version')}" if r.get("policy") else None)


def _jsonl_records(path: Path) -> Iterator[dict[str, Any] | None]:
    for _number, record, _problem in read_jsonl(path):
        yield record


def _parquet_records(path: Path) -> Iterator[dict[str, Any]]:
    try:
        import pyarrow.dataset as pds
    except ImportError:
        raise DataError(f"{path}: reading Parquet needs pyarrow: pip install 'tako-guardrails[ray]'") from None
    try:
        dataset = pds.dataset(str(path), format="parquet")
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read as Parquet: {exc}") from None
    wanted = ["action", "triggered", "rails_triggered", "latency_ms", "batch_texts", "shadow_action", "errors", "error",
              "time", "timestamp", "lang", "language", "policy", "policy_version"]
    columns = [c for c in wanted if c in dataset.schema.names]
    if "action" not in columns:
        raise DataError(f"{path}: not a scan output (no 'action' column)")
    for batch in dataset.to_batches(columns=columns):
        yield from batch.to_pylist()


def detect_kind(path: Path) -> str:
    """``eval`` (a report.json or its folder), ``scan`` (Parquet, or JSONL of scan lines) or
    ``audit`` (JSONL of audit records); raises DataError when it is none of them."""
    if path.is_dir():
        if (path / "report.json").is_file():
            return "eval"
        return "scan"  # a folder of Parquet files (guardrails scan --engine ray)
    if path.suffix == ".parquet":
        return "scan"
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if path.suffix == ".json":
        return "eval"
    for record in _jsonl_records(path):
        if record is None:
            continue
        if record.get("type") in ("decision", "dropped"):
            return "audit"
        if "action" in record or "error" in record:
            return "scan"
        break
    raise DataError(f"{path}: neither an audit log, a scan output nor an eval report")


def tally(paths: Sequence[Path]) -> Tally:
    """One Tally over audit logs and/or scan outputs (raises DataError naming a bad input)."""
    kinds = {p: detect_kind(p) for p in paths}
    if "eval" in kinds.values():
        raise DataError("an eval report is reported on its own; give it alone")
    t = Tally(kind="audit" if set(kinds.values()) == {"audit"} else "scan", sources=[str(p) for p in paths])
    for path, kind in kinds.items():
        parquet = path.is_dir() or path.suffix == ".parquet"
        records: Iterable[dict[str, Any] | None] = _parquet_records(path) if parquet else _jsonl_records(path)
        for r in records:
            if r is None:
                t.unreadable += 1
            elif kind == "audit":
                if r.get("type") == "decision":
                    _add_audit(t, r)
            else:
                _add_scan(t, r)
    return t


def load_eval(path: Path) -> dict[str, Any]:
    """An eval report (``guardrails eval --out``'s report.json, or its folder)."""
    file = path / "report.json" if path.is_dir() else path
    try:
        report = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"{file}: cannot read the eval report: {exc}") from None
    if not isinstance(report, dict) or not {"overall", "categories"} <= set(report):
        raise DataError(f"{file}: not an eval report (needs 'overall' and 'categories')")
    return report
