"""Isolation of guards: per-guard daemon workers, deadlines, and a circuit breaker per guard.

A rail with a timeout runs its guard on that guard's own workers (``GuardWorkers``), never on a
pool shared with other guards: a guard that hangs ties up only its own threads, and every other
rail keeps its full budget. The workers are daemon threads, so a guard stuck forever never stops
the process from exiting. Nothing queues without bound: a call waits for a worker only until its
own deadline, and is then taken off the queue; past ``max_pending`` waiting calls a new call
fails at once.

``CircuitBreaker`` counts consecutive timeouts of one guard. After ``threshold`` of them the
circuit opens: calls fail at once (``error_kind="unavailable"``) instead of waiting for a guard
that is not answering; after ``cooldown_s`` one trial call is let through (half-open), and an
answer closes the circuit again. ``Guard.health()`` reports both.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Literal

from guardrails.errors import GuardTimeout

__all__ = ["BreakerState", "CircuitBreaker", "GuardWorkers", "Job"]

BreakerState = Literal["closed", "open", "half_open"]

_PENDING, _RUNNING, _DONE = 0, 1, 2
_IDLE_EXIT_S = 60.0
"""A worker with nothing to do for this long exits (a new one starts on demand)."""


class Job:
    """One call handed to a guard's workers; ``wait`` returns its result or raises its error."""

    __slots__ = ("args", "error", "event", "fn", "result", "started", "state", "abandoned")

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.fn = fn
        self.args = args
        self.event = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self.state = _PENDING
        self.started = 0.0
        self.abandoned = False

    def run(self) -> None:
        try:
            self.result = self.fn(*self.args)
        except BaseException as exc:  # noqa: BLE001 - delivered to the caller, never lost
            self.error = exc
        self.state = _DONE
        self.event.set()


class GuardWorkers:
    """Up to ``max_workers`` daemon threads running one guard's calls.

    ``submit`` queues a call (raising GuardTimeout at once when ``max_pending`` calls already
    wait), ``wait`` returns its result within a timeout. Thread-safe; threads start on demand and
    exit after a minute idle.
    """

    def __init__(self, name: str, max_workers: int = 4, max_pending: int | None = None) -> None:
        self.name = name
        self.max_workers = max(1, int(max_workers))
        self.max_pending = max_pending if max_pending is not None else 16 * self.max_workers
        self._pending: deque[Job] = deque()
        self._cond = threading.Condition(threading.Lock())
        self._threads = 0
        self._idle = 0
        self._running: set[Job] = set()
        self._closed = False
        self.rejected = 0
        """Calls refused because ``max_pending`` calls were already waiting."""

    # caller side ------------------------------------------------------------------------------

    def submit(self, fn: Callable[..., Any], *args: Any) -> Job:
        """Queue ``fn(*args)`` for a worker; raises GuardTimeout when the queue is full."""
        job = Job(fn, args)
        with self._cond:
            if self._closed:
                raise RuntimeError(f"the workers of guard {self.name!r} are closed (Guard.close() was called)")
            if len(self._pending) >= self.max_pending:
                self.rejected += 1
                raise GuardTimeout(
                    f"guard busy: {len(self._pending)} calls already waiting for its "
                    f"{self._threads} workers"
                )
            self._pending.append(job)
            if self._idle < len(self._pending) and self._threads < self.max_workers:
                self._threads += 1
                self._idle += 1
                threading.Thread(target=self._work, name=f"guardrails-{self.name}", daemon=True).start()
            else:
                self._cond.notify()
        return job

    def wait(self, job: Job, timeout: float | None, limit_ms: float | None = None) -> Any:
        """The job's result; GuardTimeout when it is not done within ``timeout`` seconds (None: no
        limit). ``limit_ms`` is the limit the message names (default: ``timeout``).

        A job still queued when the time is up is taken off the queue; one already running is
        abandoned to its worker (counted as stuck until it returns).
        """
        if not job.event.wait(timeout):
            shown = f"{limit_ms if limit_ms is not None else (timeout or 0) * 1000:g}"
            with self._cond:
                if job.state == _PENDING:
                    try:
                        self._pending.remove(job)
                    except ValueError:  # pragma: no cover - picked up meanwhile
                        pass
                    else:
                        raise GuardTimeout(
                            f"no result within {shown} ms: still queued behind {self._threads} busy workers"
                        )
                if job.state != _DONE:
                    job.abandoned = True
            if job.state != _DONE:
                raise GuardTimeout(f"no result within {shown} ms")
        if job.error is not None:
            raise job.error
        return job.result

    def call(self, timeout: float | None, fn: Callable[..., Any], *args: Any) -> Any:
        """``submit`` then ``wait``."""
        return self.wait(self.submit(fn, *args), timeout, timeout * 1000 if timeout is not None else None)

    # worker side ------------------------------------------------------------------------------

    def _work(self) -> None:
        cond = self._cond
        while True:
            with cond:
                while not self._pending and not self._closed:
                    if not cond.wait(_IDLE_EXIT_S) and not self._pending:
                        self._threads -= 1
                        self._idle -= 1
                        return
                if self._closed:
                    self._threads -= 1
                    self._idle -= 1
                    return
                job = self._pending.popleft()
                job.state = _RUNNING
                job.started = time.monotonic()
                self._idle -= 1
                self._running.add(job)
            job.run()
            with cond:
                self._running.discard(job)
                self._idle += 1

    # introspection ----------------------------------------------------------------------------

    def stats(self) -> dict[str, int]:
        """threads, busy (running a call), stuck (running a call its caller gave up on), queued, rejected."""
        with self._cond:
            return {
                "threads": self._threads,
                "busy": len(self._running),
                "stuck": sum(1 for j in self._running if j.abandoned),
                "queued": len(self._pending),
                "rejected": self.rejected,
            }

    def close(self) -> None:
        """Stop idle workers and refuse new calls; workers stuck in a call are left (daemon threads)."""
        with self._cond:
            self._closed = True
            for job in self._pending:
                job.error = RuntimeError(f"the workers of guard {self.name!r} were closed")
                job.state = _DONE
                job.event.set()
            self._pending.clear()
            self._cond.notify_all()


class CircuitBreaker:
    """Opens after ``threshold`` consecutive timeouts; lets one trial call through after ``cooldown_s``."""

    def __init__(self, threshold: int = 5, cooldown_s: float = 30.0) -> None:
        self.threshold = max(1, int(threshold))
        self.cooldown_s = float(cooldown_s)
        self.state: BreakerState = "closed"
        self.consecutive = 0
        self.opened_at = 0.0
        self.trips = 0
        self.calls = 0
        self.timeouts = 0
        self.errors = 0
        self._trial = False
        self._lock = threading.Lock()

    def allow(self) -> bool:
        """True when a call may go ahead (closed, or the one trial call of a half-open circuit)."""
        if self.state == "closed":
            return True
        with self._lock:
            if self.state == "open" and time.monotonic() - self.opened_at >= self.cooldown_s:
                self.state = "half_open"
                self._trial = False
            if self.state == "half_open" and not self._trial:
                self._trial = True
                return True
            return self.state == "closed"

    def release(self) -> None:
        """Forget a call that ended without telling anything about the guard (the caller's own
        time budget ran out): a half-open circuit may let its next trial through."""
        with self._lock:
            self._trial = False

    def retry_in_s(self) -> float:
        """Seconds until the next trial call (0 when closed)."""
        if self.state == "closed":
            return 0.0
        return max(0.0, self.cooldown_s - (time.monotonic() - self.opened_at))

    def record(self, kind: str | None) -> None:
        """Record a call's outcome: None (answered), ``timeout``, or another error kind."""
        with self._lock:
            self.calls += 1
            if kind == "timeout":
                self.timeouts += 1
                self.consecutive += 1
                if self.state == "half_open" or (self.state == "closed" and self.consecutive >= self.threshold):
                    self.state = "open"
                    self.opened_at = time.monotonic()
                    self.trips += 1
                self._trial = False
                return
            if kind is not None:
                self.errors += 1
            self.consecutive = 0
            self.state = "closed"
            self._trial = False

    def stats(self) -> dict[str, Any]:
        """state, consecutive_timeouts, calls, timeouts, errors, trips, retry_in_ms."""
        return {
            "state": self.state,
            "consecutive_timeouts": self.consecutive,
            "calls": self.calls,
            "timeouts": self.timeouts,
            "errors": self.errors,
            "trips": self.trips,
            "retry_in_ms": round(self.retry_in_s() * 1000, 1),
        }
