"""Operators' tools as a built-in plugin: audit log, metrics, escalation, eval, diff, reports.

Registered like any third-party plugin (the entry point ``ops`` in the ``guardrails`` group);
the core never imports it. Its hooks:

- ``register_policy_sections``: the ``audit:``, ``metrics:`` and ``escalation:`` policy
  sections (guardrails.ops.settings), validated by the core when a policy loads;
- ``guard_built``: attaches the sinks a Guard's policy enables (guardrails.ops.audit, .metrics,
  .escalation) to that Guard;
- ``register_commands``: ``guardrails eval``, ``diff`` and ``audit summarize``
  (guardrails.ops.commands); ``--engine ray`` for ``scan``, ``eval`` and ``diff`` (Ray Data, extra
  ``ray``) and ``guardrails report`` (guardrails.ops.scale_commands).

This module stays light: the sinks, eval, diff, reports and plots are imported when used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from guardrails.hookspecs import hookimpl
from guardrails.ops.settings import SECTIONS

if TYPE_CHECKING:
    from guardrails.guard import Guard

__all__ = ["guard_built", "register_commands", "register_policy_sections"]


@hookimpl
def register_policy_sections(register: Callable[[str, type[Any]], None]) -> None:
    """Declare ``audit``, ``metrics`` and ``escalation``."""
    for name, model in SECTIONS.items():
        register(name, model)


@hookimpl
def guard_built(guard: Guard) -> None:
    """Attach the audit, metrics and escalation sinks the Guard's policy enables."""
    policy = guard.policy
    audit = policy.section("audit")
    if audit is not None and audit.enabled:
        from guardrails.ops.audit import AuditSink

        guard.add_sink(AuditSink(audit))
    metrics = policy.section("metrics")
    if metrics is not None and metrics.enabled:
        from guardrails.ops.metrics import metrics_sink_from_settings

        guard.add_sink(metrics_sink_from_settings(metrics))
    escalation = policy.section("escalation")
    if escalation is not None and escalation.enabled:
        from guardrails.ops.escalation import EscalationSink

        guard.add_sink(EscalationSink(escalation))


@hookimpl
def register_commands(subparsers: Any) -> None:
    """Add ``eval``, ``diff``, ``audit summarize`` and ``report``; ``--engine ray`` where it applies."""
    from guardrails.ops.commands import add_commands
    from guardrails.ops.scale_commands import add_scale_commands

    add_commands(subparsers)
    add_scale_commands(subparsers)
