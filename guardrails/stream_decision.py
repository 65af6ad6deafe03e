"""The one Decision a stream is recorded with (``guard.wrap`` streams; guardrails.streaming).

The streaming judge checks a growing answer many times; were each check published, one answer
would leave dozens of audit records, metric counts and escalations. Its checks are held instead
(:class:`StreamDecision`), and one Decision per stream goes to the Guard's sinks and the
``on_decision`` hook: the most severe of the checks that counted (the latest among equals: the
final window's, when all allowed), so a redaction or an escalation mid-stream is not lost and a
block that stopped the stream is the one recorded. Its ``details["stream"]`` gives
``{"checks": int, "chars": int}``: the checks run and the characters received.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from guardrails.results import Decision, replaced

__all__ = ["Publish", "StreamDecision"]

Publish = Callable[[Decision, Any], Decision]
"""``publish(decision, check_context)``: hand a held Decision to the sinks; returns it as published."""


class StreamDecision:
    """Runs a stream's checks and publishes one of their Decisions, once.

    ``check_output(text, prompt=, context=)`` is the Guard's output check; with ``publish`` it
    also takes ``hold=`` (the Guard's ``_check_output``) and hands its Decision to
    :meth:`hold` in place of the sinks. Without ``publish`` every check publishes itself, as any
    ``Checker``'s does, and :meth:`keep` and :meth:`publish` do nothing.
    """

    def __init__(self, check_output: Callable[..., Decision], publish: Publish | None = None) -> None:
        self.check_output = check_output
        self._publish = publish
        self.checks = 0
        """How many times the output rails ran."""
        self.pending: tuple[Decision, Any] | None = None
        """The last check's Decision and CheckContext, until :meth:`keep` (or the next check)."""
        self.kept: tuple[Decision, Any] | None = None
        self.published: Decision | None = None

    @property
    def holds(self) -> bool:
        """Whether the checks are held (one Decision published per stream)."""
        return self._publish is not None

    def check(self, text: str, prompt: Any, request: Any) -> Decision:
        """Run the output check on ``text``; its Decision is held (see :meth:`keep`)."""
        self.checks += 1
        if self._publish is None:
            return self.check_output(text, prompt=prompt, context=request)
        return self.check_output(text, prompt=prompt, context=request, hold=self.hold)

    def hold(self, decision: Decision, context: Any) -> None:
        """The ``hold`` of the Guard's output check: takes its Decision in place of the sinks."""
        self.pending = (decision, context)

    def keep(self) -> None:
        """The last check counts: keep it when it is at least as severe as the one kept."""
        if self.pending is not None and (
            self.kept is None or self.pending[0].action.severity >= self.kept[0].action.severity
        ):
            self.kept = self.pending
        self.pending = None

    def publish(self, chars: int) -> Decision | None:
        """Publish the kept Decision with ``details["stream"]`` (``chars``: characters received);
        once: later calls do nothing. Returns it as published (None: nothing kept, or done)."""
        if self.kept is None or self._publish is None or self.published is not None:
            return None
        decision, context = self.kept
        self.kept = None
        stream = {"checks": self.checks, "chars": chars}
        self.published = self._publish(replaced(decision, {"details": {**decision.details, "stream": stream}}), context)
        return self.published
