"""The audit log: one JSON Lines record per decision of a Guard, written in the background.

Attached by the ops plugin when a policy has an ``audit:`` section (docs/operators.md); the
records go through the shared JsonlWriter (guardrails.ops.writer). In the default ``background``
durability a check never waits for the disk, and a full queue or disk drops and counts records
instead of failing requests. In ``durable`` durability a check returns only after its record is
written and fsynced (group commit: concurrent checks share one fsync); a disk that fails or
outlasts ``durable_timeout_ms`` is logged and counted, and the check still returns.
"""

from __future__ import annotations

import hashlib
import logging
from functools import partial
from typing import Any

from guardrails.errors import PolicyError
from guardrails.hookspecs import hookimpl
from guardrails.ops.settings import AuditSettings
from guardrails.ops.writer import JsonlWriter, now_iso
from guardrails.protocol import CheckContext
from guardrails.results import Decision

__all__ = ["AuditSink", "audit_record"]

log = logging.getLogger("guardrails.audit")


def audit_record(
    decision: Decision,
    context: CheckContext | None = None,
    *,
    include_text: bool = False,
    include_metadata: list[str] | tuple[str, ...] = (),
) -> dict[str, Any]:
    """The audit record of a decision (what AuditSink writes): ids, scores, latencies, text hash."""
    record: dict[str, Any] = {
        "type": "decision",
        "id": decision.id,
        "time": now_iso(decision.created_at or None),
        "policy": decision.policy,
        "policy_version": decision.policy_version,
        "stage": decision.stage,
        "action": decision.action.value,
        "triggered": list(decision.triggered),
        "scores": {k: round(v, 4) for k, v in sorted(decision.categories.items())},
        "latency_ms": round(decision.latency_ms, 3),
        "guards": [
            {
                "rail": v.rail or v.guard,
                "guard": v.guard,
                "action": v.action.value,
                "mode": v.mode,
                "triggered": list(v.triggered),
                "latency_ms": round(v.latency_ms, 3),
                "outcome": v.outcome,
                **({"error": v.error, "error_kind": v.error_kind} if v.error else {}),
            }
            for v in decision.verdicts
        ],
        "text_sha256": hashlib.sha256(decision.original_text.encode("utf-8", "replace")).hexdigest(),
        "text_chars": len(decision.original_text),
        "redacted": decision.text != decision.original_text,
    }
    if decision.shadow_action is not None:
        record["shadow_action"] = decision.shadow_action.value
        record["shadow_triggered"] = list(decision.shadow_triggered)
    if "shadow" in decision.details:
        record["shadow"] = decision.details["shadow"]
    if decision.message:
        record["message"] = decision.message
    if decision.dropped_documents:
        record["dropped_documents"] = list(decision.dropped_documents)
    if decision.documents:
        record["documents"] = [d.id for d in decision.documents]
    if context is not None:
        record.update(_context_fields(context, include_metadata))
    if include_text:
        record["text"] = decision.text
    return record


def _context_fields(context: CheckContext, include_metadata: list[str] | tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if context.request.language:  # set by the language rail: reports break rates down by it
        out["language"] = context.request.language
    if context.document_index is not None:
        out["document_index"] = context.document_index
    if include_metadata:
        metadata = context.request.metadata
        picked = {k: metadata[k] for k in include_metadata if k in metadata}
        if picked:
            out["metadata"] = picked
    return out


def _deferred_record(decision: Decision, fields: dict[str, Any], include_text: bool) -> dict[str, Any]:
    record = audit_record(decision, include_text=include_text)
    record.update(fields)
    return record


class AuditSink:
    """A sink that writes an audit record per decision.

    Attached to a Guard by the ops plugin when its policy has an ``audit:`` section; it can also
    be built in code and attached with ``guard.add_sink`` (or registered on a plugin manager as
    an ``on_decision`` plugin, to see every Guard's decisions).
    """

    def __init__(self, settings: AuditSettings) -> None:
        self.settings = settings
        self.writer = JsonlWriter(
            settings.path,
            max_bytes=settings.max_bytes,
            backups=settings.backups,
            flush_interval_ms=settings.flush_interval_ms,
            fsync=settings.fsync,
            queue_size=settings.queue_size,
            durable=settings.durability == "durable",
        )
        self._timeout_s = settings.durable_timeout_ms / 1000
        if settings.required and self.writer.last_error:
            self.writer.close()
            raise PolicyError(f"audit.path: {self.writer.last_error}")

    @hookimpl
    def on_decision(self, decision: Decision, context: CheckContext) -> None:
        """Queue the decision's audit record (``durable``: and wait until it is fsynced)."""
        fields = _context_fields(context, self.settings.include_metadata)  # the context is mutable: read now
        record = partial(_deferred_record, decision, fields, self.settings.include_text)
        if not self.writer.durable:
            self.writer.write(record)
        elif not self.writer.write_durable(record, self._timeout_s):
            log.error("audit record %s is not durable yet (%s); the decision stands", decision.id,
                      self.writer.last_error or "the disk did not answer in time")

    def stats(self) -> dict[str, Any]:
        """The writer's counts (written, dropped, failed, errors, rotations, queued, last_error)."""
        return self.writer.stats()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until the queued records are written."""
        return self.writer.flush(timeout)

    def close(self) -> None:
        """Flush and stop the writer."""
        self.writer.close()
