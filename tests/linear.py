"""A linear-time check for unit tests: a CPU-time ratio, not a wall-clock limit.

Unit tests guard regexes and scanners against quadratic (ReDoS-like) behaviour on megabyte
inputs. A wall-clock bound fails on a shared, loaded machine and passes a quadratic scan on a
fast one; this helper instead compares two CPU times measured in the same run: ``fn`` on the
whole text and on a text ``k`` times shorter. Linear code scales about ``k`` times, quadratic
code about ``k**2`` times. Performance itself is measured in tests/benchmarks (pytest-benchmark).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Repeat", "assert_linear", "cpu_seconds"]


@dataclass(frozen=True)
class Repeat:
    """The text ``head + unit * n + tail``, for inputs whose plain prefix is not representative.

    ``assert_linear`` builds the small input as ``head + unit * (n // k) + tail``: the same shape,
    with the same head and tail, ``k`` times shorter.
    """

    unit: str
    n: int
    head: str = ""
    tail: str = ""

    def text(self, k: int = 1) -> str:
        """The text with ``n // k`` repeats of ``unit`` (``k=1``: the whole text)."""
        return self.head + self.unit * (self.n // k) + self.tail


def cpu_seconds(fn: Callable[[Any], Any], arg: Any) -> float:
    """CPU seconds of the whole process (all threads) spent in ``fn(arg)``, the garbage collector
    paused (a collection would charge one call for the garbage of everything before it).

    Process time, not wall time: time spent waiting for the CPU on a loaded machine is not
    counted; work done by worker threads (guards run on pools) is.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.process_time()
        fn(arg)
        return time.process_time() - start
    finally:
        if enabled:
            gc.enable()


def assert_linear(
    fn: Callable[[Any], Any],
    text: str | Repeat,
    *,
    small: Any = None,
    k: int = 8,
    bound: float | None = None,
    floor: float = 0.05,
    repeat: int = 3,
    retries: int = 2,
    label: str = "",
) -> float:
    """Assert that ``fn`` costs about linear CPU time in the length of ``text``.

    Args:
        fn: called with one argument: the big input, then the small one. Wrap a call that is not
            a single text call in a lambda, e.g. ``lambda t: guard.check_input(t)``.
        text: the big input (a megabyte string, a list, ...) or a ``Repeat`` of one.
        small: the small input; default ``text.text(k)`` for a ``Repeat``, else ``text[:len(text) // k]``
            (a prefix ``k`` times shorter).
        k: how many times bigger the big input is than the small one (default 8).
        bound: the largest accepted ratio of the two CPU times; default ``3 * k`` (24). Linear code
            gives about ``k`` (8), n log n slightly more, quadratic about ``k**2`` (64): the default
            leaves linear code a 3x margin for noise and cache effects. A cost capped by a budget
            can ask for less (e.g. 3: eight times the text costs about the same).
        floor: CPU seconds (default 0.05) below which the big call passes whatever the ratio: too
            cheap to matter, and too short for a stable ratio.
        repeat: runs of the small input in a further round, the least CPU time kept (default 3).
            The first round times one call of each input, after an untimed call on a third input
            (half the small one) that pays first-use costs. Use 1 when ``fn`` caches its results
            (a Guard's decision cache): a further round would time cache hits.
        retries: further rounds (default 2) when a round is over ``bound``; the round with the
            least ratio is kept. Quadratic code is over ``bound`` in every round; a scheduling or
            cache spike is not. Not used with ``repeat=1``.
        label: put in front of the failure message (e.g. the input's name).

    Returns:
        The ratio of the big call's CPU time to the small call's (``inf`` when the small one took
        no measurable time).

    Raises:
        AssertionError: the big call took at least ``floor`` CPU seconds and over ``bound`` times
            the small one's in every round; the message gives both times, the
            ratio, the bound and the input lengths.
    """
    bound = 3.0 * k if bound is None else bound
    if small is None:
        small = text.text(k) if isinstance(text, Repeat) else text[: len(text) // k]
    big = text.text() if isinstance(text, Repeat) else text
    _warm_up(fn, text, small, k)
    # the first round times the first call of each input (a cache of ``fn`` cannot answer it);
    # a further round repeats the small call (the least time kept), so a caching ``fn`` has none
    rounds = 1 + (retries if repeat > 1 else 0)
    small_s, big_s, ratio = 0.0, 0.0, float("inf")
    for round_ in range(rounds):  # a spike in either call inflates one round: keep the best round
        small_now = min(cpu_seconds(fn, small) for _ in range(repeat if round_ else 1))
        big_now = cpu_seconds(fn, big)
        ratio_now = big_now / small_now if small_now > 0 else float("inf")
        if round_ == 0 or ratio_now < ratio:
            small_s, big_s, ratio = small_now, big_now, ratio_now
        if big_s < floor or ratio <= bound:
            break
    assert big_s < floor or ratio <= bound, (
        f"{label + ': ' if label else ''}not linear: {big_s:.3f} s CPU on {_size(big)} vs "
        f"{small_s:.4f} s on {_size(small)} ({k}x shorter): ratio {ratio:.1f} > bound {bound:g} "
        f"(linear ~{k}, quadratic ~{k * k}; the check applies from {floor:g} s CPU)"
    )
    return ratio


def _warm_up(fn: Callable[[Any], Any], text: str | Repeat, small: Any, k: int) -> None:
    """Call ``fn`` once, untimed, on a third input (half the small one): first-use costs (a lazily
    compiled pattern) are not charged to the small call, and neither timed input is cached."""
    try:
        warm = text.text(2 * k) if isinstance(text, Repeat) else small[: len(small) // 2]
    except TypeError:
        return
    if len(warm) and warm != small:
        fn(warm)


def _size(value: Any) -> str:
    try:
        return f"{len(value):,} items" if not isinstance(value, str) else f"{len(value):,} chars"
    except TypeError:
        return type(value).__name__
