"""The sidecar's one Guard: built once in the background, warmed, watched, flushed on shutdown.

``/healthz`` answers as soon as the process listens; ``/readyz`` and the check endpoints wait
for the Guard, which is built on a background thread (policy, guards, encoder sessions) and
warmed with one run of each stage's rails (outside the sinks: no warm-up record reaches the
audit log). Readiness also asks ``Guard.health()`` when the Guard has one (a guard's circuit
breaker open makes the sidecar not ready): it may return a bool, or a mapping, dataclass or
pydantic model with a boolean ``ready`` (or ``healthy`` / ``ok``) and an optional ``reason``.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from guardrails.errors import NotReady
from guardrails.protocol import CheckContext
from guardrails.serve.admission import Admission
from guardrails.serve.metrics import ServeMetrics
from guardrails.serve.models import Readiness
from guardrails.serve.settings import ServeSettings

if TYPE_CHECKING:
    from guardrails.guard import Guard

__all__ = ["ServerState", "guard_health"]

log = logging.getLogger("guardrails.serve")
_WARM_UP = "warm up the guard models"


def guard_health(guard: Any) -> tuple[bool | None, Any, str | None]:
    """``(ready, report, reason)`` from ``guard.health()``; ``(None, None, None)`` without one.

    A health() that raises counts as not ready, with the exception's type as the reason.
    """
    fn = getattr(guard, "health", None)
    if not callable(fn):
        return None, None, None
    try:
        report = fn()
    except Exception as exc:
        return False, None, f"Guard.health() raised {type(exc).__name__}"
    if isinstance(report, bool):
        return report, report, None if report else "Guard.health() is False"
    if hasattr(report, "model_dump"):
        data = report.model_dump(mode="json")
    elif dataclasses.is_dataclass(report) and not isinstance(report, type):
        data = dataclasses.asdict(report)
    elif isinstance(report, Mapping):
        data = dict(report)
    else:
        return bool(report), repr(report), None
    flag = next((data[k] for k in ("ready", "healthy", "ok") if k in data), True)
    reason = data.get("reason") or (None if flag else "Guard.health() reports not ready")
    return bool(flag), _jsonable(data), str(reason) if reason else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def warm_up(guard: Guard) -> None:
    """Run each stage's rails once, so sessions and caches exist before the first request."""
    for stage, rails in guard.guards.items():
        if rails:
            prompt = _WARM_UP if stage == "output" else None
            guard.run_rails(stage, _WARM_UP, CheckContext(stage=stage, prompt=prompt))  # type: ignore[arg-type]


class ServerState:
    """The Guard behind the app, its load status, the admission control and the metrics.

    ``guard`` given: served as is (the caller closes it). None: built from ``settings.policy``
    (or the default policy) by ``start()`` on a background thread, closed by ``stop()``.
    ``on_load_failure(exc)`` is called when building fails (``guardrails serve`` exits).
    """

    def __init__(self, settings: ServeSettings, guard: Guard | None = None,
                 on_load_failure: Callable[[BaseException], None] | None = None) -> None:
        self.settings = settings
        self.guard = guard
        self.owned = guard is None
        self.status = "loading"
        self.reason: str | None = "models are loading"
        self.load_s: float | None = None
        self._on_load_failure = on_load_failure
        self._thread: threading.Thread | None = None
        self.admission = Admission(settings.max_concurrency, settings.max_queue, settings.timeout_s)
        self.metrics = ServeMetrics({
            "running": lambda: self.admission.running,
            "waiting": lambda: self.admission.waiting,
            "ready": lambda: 1.0 if self.readiness().ready else 0.0,
        })

    def start(self) -> None:
        """Serve the given Guard, or start building one in the background."""
        if self.guard is not None:
            self._ready(self.guard, 0.0)
            return
        self._thread = threading.Thread(target=self._load, name="guardrails-serve-load", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        started = time.perf_counter()
        try:
            from guardrails.guard import Guard

            guard = Guard.from_policy(self.settings.policy) if self.settings.policy else Guard.default()
            try:
                warm_up(guard)
            except BaseException:
                guard.close()
                raise
        except BaseException as exc:
            self.status, self.reason = "failed", f"the Guard failed to load: {type(exc).__name__}: {exc}"
            log.error("%s", self.reason)
            if self._on_load_failure is not None:
                self._on_load_failure(exc)
            return
        if self.status == "stopping":  # shut down while loading
            guard.close()
            return
        self._ready(guard, time.perf_counter() - started)

    def _ready(self, guard: Guard, seconds: float) -> None:
        guard.add_sink(self.metrics)
        self.guard, self.load_s = guard, seconds
        self.status, self.reason = "ready", None
        policy = guard.policy
        log.info("policy %s v%s ready in %.2f s (rails: %s)", policy.name, policy.version, seconds,
                 "; ".join(f"{stage}: {', '.join(ids) or '-'}" for stage, ids in guard.guards.items()))

    def require(self) -> Guard:
        """The Guard, or NotReady saying why there is none yet."""
        guard = self.guard
        if guard is None or self.status not in ("ready",):
            raise NotReady(f"not ready: {self.reason or self.status}")
        return guard

    def readiness(self) -> Readiness:
        """Ready when the Guard is built and its ``health()`` (if any) says so."""
        if self.status != "ready" or self.guard is None:
            return Readiness(ready=False, status=self.status, reason=self.reason, load_s=self.load_s)  # type: ignore[arg-type]
        ready, report, reason = guard_health(self.guard)
        if ready is False:
            return Readiness(ready=False, status="degraded", reason=reason, load_s=self.load_s, health=report)
        return Readiness(ready=True, status="ready", load_s=self.load_s, health=report)

    def stop(self) -> None:
        """Finish the checks still running, then flush (and close, when built here) the Guard's
        sinks: the audit log gets every decision that was answered."""
        self.status, self.reason = "stopping", "shutting down"
        grace = self.settings.shutdown_grace_s
        if not self.admission.shutdown(timeout=grace):
            log.warning("checks still running %.0f s after shutdown began; flushing without them", grace)
        guard = self.guard
        if guard is None:
            return
        if self.owned:
            guard.close()  # flushes and closes the audit log and every other sink
        elif not guard.operations.flush(timeout=grace or 10.0):
            log.warning("the Guard's sinks did not flush within %.0f s", grace)
        log.info("stopped; the Guard's sinks were flushed")
