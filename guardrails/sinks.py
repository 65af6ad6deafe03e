"""Per-Guard sinks: objects that see one Guard's decisions (audit log, metrics, escalation, yours).

A sink is any object with ``on_decision(decision, context)``; it may also have ``flush(timeout)``,
``stats()`` and ``close()``. Attach one with ``guard.add_sink(sink)`` (plugins do it from the
``guard_built`` hook, reading their policy section): it is called for that Guard's decisions
only, right after the Guard decides, and is flushed and closed with the Guard (and at
interpreter exit). The global ``on_decision`` hook still fires for every Guard.
"""

from __future__ import annotations

import atexit
import logging
import weakref
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

if TYPE_CHECKING:
    from guardrails.protocol import CheckContext
    from guardrails.results import Decision

__all__ = ["Operations", "Sink"]

log = logging.getLogger("guardrails")

SinkT = TypeVar("SinkT")


@runtime_checkable
class Sink(Protocol):
    """What ``guard.add_sink`` takes: an object with ``on_decision``."""

    def on_decision(self, decision: Decision, context: CheckContext) -> None:
        """Record one decision; runs on the request path, so queue slow work and return."""
        ...


class Operations:
    """The sinks attached to one Guard: ``guard.operations``."""

    def __init__(self) -> None:
        self.sinks: list[Any] = []
        self._closed = False
        self._atexit: Any = None

    def add(self, sink: SinkT) -> SinkT:
        """Attach ``sink``: it sees this Guard's decisions and is closed with it; returns it."""
        if not callable(getattr(sink, "on_decision", None)):
            raise TypeError(f"a sink needs an on_decision(decision, context) method; {type(sink).__name__} has none")
        self.sinks.append(sink)
        if self._atexit is None:
            ref = weakref.ref(self)
            self._atexit = lambda: _close_at_exit(ref)
            atexit.register(self._atexit)
        return sink

    def emit(self, decision: Decision, context: CheckContext) -> None:
        """Hand a decision to every sink; a sink that raises is logged, never raised into the request."""
        for sink in self.sinks:
            try:
                sink.on_decision(decision, context)
            except Exception:
                log.exception("sink %s raised; the decision stands", type(sink).__name__)

    def sink(self, kind: type[SinkT]) -> SinkT | None:
        """The first attached sink of class ``kind`` (None when there is none)."""
        return next((s for s in self.sinks if isinstance(s, kind)), None)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every sink has written what it was given."""
        return all(s.flush(timeout) for s in self.sinks if hasattr(s, "flush"))

    def stats(self) -> dict[str, Any]:
        """Counts of each sink that keeps them, by sink class name."""
        return {type(s).__name__: s.stats() for s in self.sinks if hasattr(s, "stats")}

    def close(self) -> None:
        """Flush and close every sink (once)."""
        if self._closed:
            return
        self._closed = True
        if self._atexit is not None:
            atexit.unregister(self._atexit)
        for sink in self.sinks:
            try:
                if hasattr(sink, "close"):
                    sink.close()
            except Exception:
                log.exception("closing %s failed", type(sink).__name__)


def _close_at_exit(ref: weakref.ref[Operations]) -> None:
    ops = ref()
    if ops is not None:
        ops.close()
