"""Admission control: at most N checks at once, a bounded queue, and a deadline per request.

Checks are CPU-bound (tokenizer, ONNX session, rules), so they run on a pool of
``max_concurrency`` threads beside the event loop. A request beyond the queue is refused at
once (503 with Retry-After); one that has not finished within its deadline is answered 504,
while its check, which cannot be interrupted, keeps its slot until it returns, so the number of
checks running never exceeds the bound.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from guardrails.errors import Overloaded, RequestTimeout

__all__ = ["Admission"]

T = TypeVar("T")


class Admission:
    """Runs callables on a bounded thread pool with a bounded queue and a deadline each.

    ``max_concurrency`` threads run checks; up to ``max_queue`` more requests wait for one;
    ``timeout_s`` bounds the wait plus the run. Counters (``running``, ``waiting``, ``admitted``,
    ``rejected``, ``timed_out``) feed /metrics. Use from one event loop.
    """

    def __init__(self, max_concurrency: int, max_queue: int, timeout_s: float) -> None:
        self.max_concurrency = max_concurrency
        self.max_queue = max_queue
        self.timeout_s = timeout_s
        self.running = 0
        self.waiting = 0
        self.admitted = 0
        self.rejected = 0
        self.timed_out = 0
        self._slots: asyncio.Semaphore | None = None
        self._executor = ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="guardrails-serve")
        self._pending: set[concurrent.futures.Future[Any]] = set()

    def _semaphore(self) -> asyncio.Semaphore:
        if self._slots is None:  # created on the serving loop, on first use
            self._slots = asyncio.Semaphore(self.max_concurrency)
        return self._slots

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` on a pool thread once a slot is free.

        Raises Overloaded when ``max_queue`` requests already wait (and every slot is taken),
        RequestTimeout when the wait plus the run pass ``timeout_s``; whatever ``fn`` raises
        otherwise.
        """
        slots = self._semaphore()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        if slots.locked() and self.waiting >= self.max_queue:
            self.rejected += 1
            raise Overloaded(f"{self.running} checks running and {self.waiting} waiting (max_queue {self.max_queue})")
        self.waiting += 1
        try:
            await asyncio.wait_for(slots.acquire(), timeout=max(0.0, deadline - loop.time()))
        except asyncio.TimeoutError:
            self.timed_out += 1
            raise RequestTimeout(f"no free slot within {self.timeout_s:g} s") from None
        finally:
            self.waiting -= 1
        self.running += 1
        self.admitted += 1
        try:
            work = self._executor.submit(functools.partial(fn, *args, **kwargs))
        except BaseException:
            self._release()
            raise
        self._pending.add(work)
        work.add_done_callback(self._pending.discard)
        future = asyncio.wrap_future(work, loop=loop)  # its callbacks run on the loop
        future.add_done_callback(lambda _: self._release())
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout=max(0.0, deadline - loop.time()))
        except asyncio.TimeoutError:
            self.timed_out += 1
            future.add_done_callback(_consume)
            raise RequestTimeout(f"no decision within {self.timeout_s:g} s") from None

    def _release(self) -> None:
        self.running -= 1
        if self._slots is not None:
            self._slots.release()

    def shutdown(self, timeout: float | None = None) -> bool:
        """Stop taking work and wait up to ``timeout`` seconds (None: no limit) for the checks still
        running; True when none is left running."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        _, running = concurrent.futures.wait(list(self._pending), timeout=timeout)
        return not running


def _consume(future: asyncio.Future[Any]) -> None:
    """Retrieve a timed-out check's late result or error so asyncio does not log it as lost."""
    if not future.cancelled():
        future.exception()
