"""Escalation: decisions that need a person go to review sinks (a JSONL queue, callables).

A decision is escalated when its action is one of the policy's ``escalation.actions`` (default
``escalate``) or it triggers one of ``escalation.categories`` (default ``sexual_minors``, which
blocks *and* escalates). Each sink receives an escalation record: the decision id, policy,
stage, action, triggered categories, scores, the redacted text, and the message the user was
shown (for self_harm, the support resources). Callables run on a background thread, in order;
one that raises is logged and the others still run.
"""

from __future__ import annotations

import importlib
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

from guardrails.errors import PolicyError
from guardrails.hookspecs import hookimpl
from guardrails.ops.audit import audit_record
from guardrails.ops.settings import EscalationSettings
from guardrails.ops.writer import JsonlWriter
from guardrails.protocol import CheckContext
from guardrails.results import Action, Decision

__all__ = ["EscalationSink", "escalation_record", "load_callable"]

log = logging.getLogger("guardrails.escalation")

EscalationCallable = Callable[[dict[str, Any], Decision], Any]


def load_callable(path: str) -> EscalationCallable:
    """Import ``package.module:function`` (or ``package.module.function``)."""
    module_name, sep, attr = path.partition(":")
    if not sep:
        module_name, _, attr = path.rpartition(".")
    try:
        target: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError, ValueError) as exc:
        raise PolicyError(f"escalation.callables: cannot import {path!r}: {exc}") from None
    if not callable(target):
        raise PolicyError(f"escalation.callables: {path!r} is not callable")
    return target  # type: ignore[no-any-return]


def escalation_record(decision: Decision, context: CheckContext | None, reasons: list[str],
                      include_text: bool = True) -> dict[str, Any]:
    """What an escalation sink receives: the audit record plus why, the text and the message shown."""
    record = audit_record(decision, context, include_text=include_text)
    record["type"] = "escalation"
    record["reasons"] = reasons
    record["message"] = decision.message
    return record


class EscalationSink:
    """A sink that routes escalated decisions to a review queue and callables.

    Attached to a Guard by the ops plugin when its policy has an ``escalation:`` section.
    """

    def __init__(
        self,
        settings: EscalationSettings | None = None,
        *,
        callables: Sequence[EscalationCallable] = (),
    ) -> None:
        self.settings = settings or EscalationSettings.model_validate({})
        self.actions = {Action(a) for a in self.settings.actions}
        self.categories = set(self.settings.categories)
        self.callables: list[EscalationCallable] = [load_callable(p) for p in self.settings.callables]
        self.callables.extend(callables)
        self.queue_writer = (
            JsonlWriter(self.settings.queue, flush_interval_ms=200, name="escalation queue",
                        queue_size=self.settings.queue_size)
            if self.settings.queue else None
        )
        self._lock = threading.Lock()
        self.counts = {"escalated": 0, "dropped": 0, "callable_errors": 0}
        self._jobs: queue.Queue[Any] = queue.Queue(maxsize=self.settings.queue_size)
        self._thread: threading.Thread | None = None

    def reasons(self, decision: Decision) -> list[str]:
        """Why ``decision`` is escalated (empty when it is not)."""
        out = [f"action:{decision.action.value}"] if decision.action in self.actions else []
        out += [f"category:{c}" for c in decision.triggered if c in self.categories]
        return out

    @hookimpl
    def on_decision(self, decision: Decision, context: CheckContext) -> None:
        """Escalate the decision when the policy says so."""
        reasons = self.reasons(decision)
        if not reasons:
            return
        record = escalation_record(decision, context, reasons, self.settings.include_text)
        with self._lock:
            self.counts["escalated"] += 1
        if self.queue_writer is not None:
            self.queue_writer.write(record)
        if self.callables:
            self._start()
            try:
                self._jobs.put_nowait((record, decision))
            except queue.Full:
                with self._lock:
                    self.counts["dropped"] += 1
                log.error("escalation: callback queue full; escalation %s not delivered to callables",
                          decision.id)

    def _start(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="guardrails-escalation", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job is None:
                    return
                if isinstance(job, threading.Event):
                    job.set()
                    continue
                record, decision = job
                for fn in self.callables:
                    try:
                        fn(record, decision)
                    except Exception:
                        with self._lock:
                            self.counts["callable_errors"] += 1
                        log.exception("escalation callable %r raised", fn)
            finally:
                self._jobs.task_done()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every escalation so far reached its sinks."""
        ok = True
        if self._thread is not None and self._thread.is_alive():
            done = threading.Event()
            self._jobs.put(done, timeout=timeout)
            ok = done.wait(timeout)
        if self.queue_writer is not None:
            ok = self.queue_writer.flush(timeout) and ok
        return ok

    def stats(self) -> dict[str, Any]:
        """Counts: escalated, dropped, callable_errors (and the queue file's writer counts)."""
        with self._lock:
            out: dict[str, Any] = dict(self.counts)
        if self.queue_writer is not None:
            out["queue"] = self.queue_writer.stats()
        return out

    def close(self) -> None:
        """Deliver what is pending, then stop."""
        self.flush()
        if self._thread is not None and self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join(5)
        if self.queue_writer is not None:
            self.queue_writer.close()
