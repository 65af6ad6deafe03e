"""Operations attached to a Guard from its policy: audit log, metrics, escalation, shadow policy.

``Guard.__init__`` calls :func:`attach`, which registers the sinks a policy enables as
``on_decision`` plugins on the Guard's plugin manager (the same hook a third-party sink
implements) and builds the shadow runner. ``Guard.close()`` closes them.
"""

from __future__ import annotations

import atexit
import logging
import random
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guardrails.protocol import CheckContext, RequestContext
from guardrails.results import Action, Stage

if TYPE_CHECKING:
    from guardrails.guard import Guard
    from guardrails.policy import Policy

__all__ = ["Operations", "ShadowOutcome", "ShadowRunner", "attach", "operations"]

log = logging.getLogger("guardrails.ops")

_OPS_FIELDS = ("audit", "metrics", "escalation", "shadow")


@dataclass(frozen=True)
class ShadowOutcome:
    """What the shadow policy would have done with one text."""

    action: Action
    triggered: tuple[str, ...]
    record: dict[str, Any]


class ShadowRunner:
    """Runs a candidate policy's rails on the same text after the enforcing policy (inline).

    The candidate sees a copy of the request (its PII vault changes stay its own), never acts,
    and never fires ``on_decision``: its result travels in the enforcing decision
    (``shadow_action``, ``shadow_triggered``, ``details["shadow"]``) and so in the audit log.
    """

    def __init__(self, candidate: Guard, sample_rate: float = 1.0) -> None:
        self.candidate = candidate
        self.sample_rate = sample_rate
        self.policy = candidate.policy

    def run(self, stage: Stage, text: str, context: CheckContext) -> ShadowOutcome | None:
        """The candidate's outcome on ``text``; None when this check is not sampled."""
        if self.sample_rate < 1.0 and random.random() >= self.sample_rate:
            return None
        request = context.request
        ctx = CheckContext(
            stage=stage,
            request=RequestContext(
                system_prompt=request.system_prompt,
                metadata=dict(request.metadata),
                vault=dict(request.vault),
                language=request.language,
            ),
            prompt=context.prompt,
            messages=context.messages,
            document_index=context.document_index,
        )
        base = {"policy": self.policy.name, "policy_version": self.policy.version}
        started = time.perf_counter()
        try:
            result = self.candidate._runners[stage].run(text, ctx)
        except Exception as exc:  # the shadow must never break the request
            log.exception("shadow policy %s raised", self.policy.name)
            return ShadowOutcome(Action.ALLOW, (), {**base, "error": f"{type(exc).__name__}: {exc}"})
        record: dict[str, Any] = {
            **base,
            "action": result.action.value,
            "triggered": list(result.triggered),
            "scores": {k: round(v, 4) for k, v in sorted(result.categories.items())},
            "latency_ms": round((time.perf_counter() - started) * 1000, 3),
            "text_changed": result.text != text,
        }
        errors = {v.rail or v.guard: v.error for v in result.verdicts if v.error}
        if errors:
            record["errors"] = errors
        return ShadowOutcome(result.action, tuple(result.triggered), record)


@dataclass
class Operations:
    """The sinks and shadow runner attached to one Guard."""

    plugin_manager: Any
    sinks: list[Any] = field(default_factory=list)
    shadow: ShadowRunner | None = None
    _closed: bool = False

    def add(self, sink: Any) -> Any:
        """Register ``sink`` (an object with ``@hookimpl on_decision``) and close it with the Guard."""
        self.plugin_manager.register(sink)
        self.sinks.append(sink)
        return sink

    def sink(self, kind: type[Any]) -> Any:
        """The first attached sink of class ``kind`` (None when there is none)."""
        return next((s for s in self.sinks if isinstance(s, kind)), None)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every sink has written what it was given."""
        return all(s.flush(timeout) for s in self.sinks if hasattr(s, "flush"))

    def stats(self) -> dict[str, Any]:
        """Counts of each sink that keeps them, by sink class name."""
        return {type(s).__name__: s.stats() for s in self.sinks if hasattr(s, "stats")}

    def close(self) -> None:
        """Flush and close every sink, and unregister it."""
        if self._closed:
            return
        self._closed = True
        for sink in self.sinks:
            try:
                if hasattr(sink, "close"):
                    sink.close()
            except Exception:
                log.exception("closing %s failed", type(sink).__name__)
            if self.plugin_manager.is_registered(sink):
                self.plugin_manager.unregister(sink)
        if self.shadow is not None:
            self.shadow.candidate.close()


def _strip_ops(policy: Policy) -> Policy:
    return policy.model_copy(update={f: None for f in _OPS_FIELDS if getattr(policy, f, None) is not None})


def _shadow_guard(guard: Guard, shadow: Any) -> Guard:
    from guardrails.guard import Guard
    from guardrails.policy import Policy, load_policy_source

    if isinstance(shadow, Guard):
        return shadow
    if isinstance(shadow, str | Path) and not Path(shadow).is_absolute():
        base = Path(guard.source).parent if Path(guard.source).is_file() else Path.cwd()
        if not Path(shadow).exists() and (base / shadow).exists():
            shadow = base / shadow
    policy = shadow if isinstance(shadow, Policy) else load_policy_source(
        dict(shadow) if isinstance(shadow, Mapping) else shadow
    )[0]
    return Guard(_strip_ops(policy), plugin_manager=guard.plugin_manager, resources=guard.resources)


def attach(guard: Guard, shadow: Any = None) -> Operations:
    """Attach what ``guard.policy`` enables (audit, metrics, escalation, shadow) to ``guard``.

    ``shadow`` (a Guard, Policy, policy file or dict) overrides the policy's ``shadow:`` section.
    """
    policy = guard.policy
    ops = Operations(guard.plugin_manager)
    try:
        audit = getattr(policy, "audit", None)
        if audit is not None and audit.enabled:
            from guardrails.audit import AuditSink

            ops.add(AuditSink(audit, policy=policy.name))
        metrics = getattr(policy, "metrics", None)
        if metrics is not None and metrics.enabled:
            from guardrails.metrics import metrics_sink_from_settings

            ops.add(metrics_sink_from_settings(metrics, policy=policy.name))
        escalation = getattr(policy, "escalation", None)
        if escalation is not None and escalation.enabled:
            from guardrails.escalation import EscalationSink

            ops.add(EscalationSink(escalation, policy=policy.name))
        settings = getattr(policy, "shadow", None)
        if shadow is None and settings is not None:
            shadow = settings.policy
        if shadow is not None:
            rate = settings.sample_rate if settings is not None else 1.0
            ops.shadow = ShadowRunner(_shadow_guard(guard, shadow), rate)
    except BaseException:
        ops.close()
        raise
    if ops.sinks:
        atexit.register(_close_at_exit, weakref.ref(ops))
    return ops


def _close_at_exit(ref: weakref.ref[Operations]) -> None:
    ops = ref()
    if ops is not None:
        ops.close()


def operations(guard: Guard) -> Operations:
    """The operations attached to ``guard``: ``.stats()``, ``.flush()``, ``.sink(AuditSink)``, ``.shadow``."""
    return guard._ops  # type: ignore[no-any-return]
