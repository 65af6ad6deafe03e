"""guardrails.isolation on its own: bounded queues, abandoned jobs, close, the breaker's states."""

from __future__ import annotations

import threading
import time

import pytest

from guardrails.errors import GuardTimeout
from guardrails.isolation import CircuitBreaker, GuardWorkers


def test_a_full_queue_refuses_at_once_and_a_timed_out_job_leaves_the_queue():
    gate = threading.Event()
    workers = GuardWorkers("t", max_workers=1, max_pending=2)
    running = workers.submit(gate.wait)
    deadline = time.monotonic() + 5
    while workers.stats()["busy"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    queued = [workers.submit(lambda: "late") for _ in range(2)]
    with pytest.raises(GuardTimeout, match="already waiting"):
        workers.submit(lambda: "refused")
    assert workers.stats()["rejected"] == 1 and workers.stats()["queued"] == 2
    with pytest.raises(GuardTimeout, match="still queued"):
        workers.wait(queued[0], 0.05, 50)
    assert workers.stats()["queued"] == 1  # the caller that gave up took its job off the queue
    with pytest.raises(GuardTimeout, match="no result within 50 ms"):
        workers.wait(running, 0.05, 50)
    assert workers.stats()["stuck"] == 1
    gate.set()
    assert workers.wait(queued[1], 5) == "late"
    assert workers.stats()["stuck"] == 0
    workers.close()


def test_errors_reach_the_caller_and_close_releases_waiting_jobs():
    workers = GuardWorkers("t", max_workers=1)
    with pytest.raises(ZeroDivisionError):
        workers.call(5, lambda: 1 / 0)
    gate = threading.Event()
    workers.submit(gate.wait)
    time.sleep(0.05)
    pending = workers.submit(lambda: "never")
    workers.close()
    with pytest.raises(RuntimeError, match="closed"):
        workers.wait(pending, 5)
    with pytest.raises(RuntimeError, match="closed"):
        workers.submit(lambda: None)
    gate.set()


def test_the_breaker_opens_half_opens_and_closes():
    breaker = CircuitBreaker(threshold=2, cooldown_s=0.05)
    breaker.record("timeout")
    breaker.record("exception")  # an answer, even an error, resets the count
    breaker.record("timeout")
    assert breaker.state == "closed" and breaker.allow()
    breaker.record("timeout")
    assert breaker.state == "open" and not breaker.allow() and breaker.retry_in_s() > 0
    time.sleep(0.06)
    assert breaker.allow() and breaker.state == "half_open"
    assert not breaker.allow()  # one trial at a time
    breaker.record(None)
    assert breaker.state == "closed" and breaker.stats()["trips"] == 1


def test_a_trial_cut_short_by_the_callers_budget_leaves_the_next_trial_free():
    breaker = CircuitBreaker(threshold=1, cooldown_s=0.01)
    breaker.record("timeout")
    time.sleep(0.02)
    assert breaker.allow() and not breaker.allow()
    breaker.release()  # the caller's budget ran out: nothing learnt about the guard
    assert breaker.allow() and breaker.state == "half_open"
