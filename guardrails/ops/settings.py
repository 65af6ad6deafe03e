"""The policy sections the ops plugin owns: ``audit:``, ``metrics:`` and ``escalation:``.

Declared through the ``register_policy_sections`` hook, so the core validates them when a
policy is loaded (errors name the file and the field) without importing the sinks; the sinks
(guardrails.ops.audit, .metrics, .escalation) are attached from the ``guard_built`` hook.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from guardrails.results import Action

__all__ = [
    "AuditSettings",
    "EscalationSettings",
    "MetricsSettings",
    "PrometheusSettings",
    "SECTIONS",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AuditSettings(_Strict):
    """``audit:`` a JSON Lines record per decision, written by a background thread.

    ``durability`` says what a returned decision promises about its record (docs/operators.md).
    """

    enabled: bool = True
    durability: Literal["background", "durable"] = "background"
    """``background``: the check returns at once; the record reaches the file within
    ``flush_interval_ms`` (a crash loses what was still queued). ``durable``: the check returns
    only after its record is written and fsynced; concurrent checks share one fsync (group commit)."""
    durable_timeout_ms: float = Field(5_000.0, gt=0)
    """``durable``: the longest a check waits for the disk; past it the check returns, the record
    stays queued and is counted as ``late``."""
    path: str
    """Log file; ``~`` and ``$VARS`` are expanded, relative paths are relative to the working directory."""
    include_text: bool = False
    """Also record the text after redaction (never the original text)."""
    include_metadata: list[str] = Field(default_factory=list)
    """Keys of ``RequestContext.metadata`` copied into each record (e.g. a request id)."""
    max_bytes: int = Field(100_000_000, ge=0)
    """Rotate when the file would grow past this size; 0 never rotates."""
    backups: int = Field(5, ge=0)
    """Rotated files kept (``audit.jsonl.1`` is the newest)."""
    flush_interval_ms: float = Field(1000.0, ge=0)
    """Records reach the file at most this long after the check returned (a crash loses at most this)."""
    fsync: bool = False
    """``background``: fsync after each background write, so what was written survives a power loss
    too (costs disk time, not request time; records still queued are lost in a crash)."""
    queue_size: int = Field(10_000, ge=1)
    """Records waiting for the writer; beyond it records are dropped and counted, never blocking a request."""
    required: bool = False
    """Fail when the Guard is built if the log cannot be opened (default: log an error and count drops)."""


class PrometheusSettings(_Strict):
    """Serve the metrics on an HTTP endpoint for Prometheus to scrape (extra ``prometheus``)."""

    port: int = Field(9464, ge=0, le=65535)
    addr: str = "127.0.0.1"


class MetricsSettings(_Strict):
    """``metrics:`` counters and histograms through the OpenTelemetry API (extra ``telemetry``).

    Without ``prometheus`` the instruments report to the process's global MeterProvider, which is
    a no-op unless the application configures one: nothing leaves the process by default.
    """

    enabled: bool = True
    prometheus: PrometheusSettings | None = None


class EscalationSettings(_Strict):
    """``escalation:`` where decisions that need a person go (a review queue, callables)."""

    enabled: bool = True
    actions: list[Action] = Field(default_factory=lambda: [Action.ESCALATE])
    """Decisions with one of these actions are escalated."""
    categories: list[str] = Field(default_factory=lambda: ["sexual_minors"])
    """Decisions that trigger one of these categories are escalated whatever their action."""
    queue: str | None = None
    """A JSON Lines review queue file (written in the background, rotated like the audit log)."""
    callables: list[str] = Field(default_factory=list)
    """Import paths ``package.module:function``, each called with ``(record, decision)``."""
    include_text: bool = True
    """Put the redacted text in the escalation record."""
    queue_size: int = Field(10_000, ge=1)


SECTIONS: dict[str, type[BaseModel]] = {
    "audit": AuditSettings,
    "metrics": MetricsSettings,
    "escalation": EscalationSettings,
}
"""The sections this plugin declares, by top-level policy key."""
