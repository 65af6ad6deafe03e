"""The streaming judge of ``guard.wrap``: checks a model's answer while it streams.

Each chunk is passed on at once, except a **held-back tail** that could still grow into an
entity the output rails redact: a run of digits with separators (cards, phones, IBANs, ids), an
IBAN-like run, an unfinished token (an e-mail, URL, key or placeholder in progress), a word
before a spaced ``@``, or capitalised words that may begin a name (``stream_tail.held_tail``). It is judged whole, never in halves, so the rails see the whole value. The tail is at most one **window** of characters (``window``: the policy's
``settings.stream_check_chars``, at least :data:`MIN_WINDOW`); a run longer than that is judged
with a look-ahead of :data:`MIN_LOOKAHEAD` or more characters and passed on up to it.

Every check covers the new text plus up to one window already passed on (the **context**), so a
stream costs linear time; the redacted new text is cut out of the rails' answer by an alignment
(difflib), so a value that began in the context is never shown in part. When the
output rails block, the stream stops and the refusal (or ``Blocked``) comes instead. A Guard's
stream publishes ONE Decision to its sinks, when it ends, stops or is dropped (stream_decision).
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from guardrails.protocol import RequestContext
from guardrails.results import Action, Decision
from guardrails.stream_decision import Publish, StreamDecision
from guardrails.stream_tail import _NO_SPACE, held_tail

__all__ = ["MIN_CONTEXT", "MIN_LOOKAHEAD", "MIN_WINDOW", "StreamJudge", "astream", "held_tail", "stream"]

MIN_WINDOW = 64
"""The smallest hold-back window in characters: longer than any card, phone or IBAN as written."""
MIN_LOOKAHEAD = 48
"""Characters kept back (and seen by the rails) when a run longer than the window is cut."""
MIN_CONTEXT = 48
"""Each check carries at least this many characters already passed on, for detectors that need a
key word before a value ("password: ...")."""
MAX_CONTEXT = 16_384
"""A redaction open at the end of a check (a PEM key body) keeps its start in context this long."""

_SPACE = re.compile(r"\s")
_SENTENCE_END = re.compile(r"[.!?\u2026][\"')\]\u201d\u2019]*\s|[\u3002\uff01\uff1f\n]")
"""The end of a sentence: a block found before it is final only there (one word alone is no
evidence: "Most " may start "Most viewers loved it.")."""


CheckOutput = Callable[..., Decision]
"""``check_output(text, prompt=..., context=...)`` of the Guard."""


@dataclass
class _Passed:
    """What one step passed on: ``out`` stands for the original text ``[start, end)``."""

    start: int
    end: int
    out: str
    same: int
    """The last ``same`` characters of the original were passed on unchanged (``out`` ends with them)."""


class StreamJudge:
    """Judges a stream chunk by chunk; ``feed`` and ``finish`` return what may be passed on.

    ``check_output`` is the Guard's; ``stop(decision)`` gives the text that replaces a blocked
    stream (or raises Blocked); ``every`` is the hold-back window in characters (raised to
    :data:`MIN_WINDOW`), also the length of the context each check carries. One judge per
    stream; not for use from several threads at once. Offsets below are absolute character
    offsets into the original stream. With ``publish`` (the Guard's), ``check_output`` also takes
    ``hold=`` and its Decisions are held: one is published per stream (:meth:`publish`).
    """

    def __init__(
        self,
        check_output: CheckOutput,
        stop: Callable[[Decision], str],
        every: int,
        prompt: Any,
        request: RequestContext,
        publish: Publish | None = None,
    ) -> None:
        self.record = StreamDecision(check_output, publish)
        """Runs the checks; with ``publish``, holds their Decisions and publishes the stream's one."""
        self.stop = stop
        self.prompt = prompt
        self.request = request
        self.window = max(int(every), MIN_WINDOW)
        """The most characters held back: the bound of the added delay, in characters."""
        self.lookahead = max(MIN_LOOKAHEAD, self.window // 4)
        self.context_chars = self.window
        self.buffer = ""
        """The original text from ``base`` to the end of what arrived."""
        self.base = 0
        self.passed = 0
        """The original text before this offset has been judged and passed on."""
        self.history: list[_Passed] = []
        """What was passed on for the original text still in ``buffer``, step by step."""
        self.covered = 0
        """Up to this offset a replacement already passed on stands for the original."""
        self.open_start: int | None = None
        """Start of a passed-on replacement that reached the end of its check (it may go on)."""
        self.stopped = False
        self.suspended = 0
        """How many blocks were not final yet: their sentence had not ended."""

    @property
    def held(self) -> int:
        """Characters received and not yet passed on (the delay, in characters)."""
        return self.base + len(self.buffer) - self.passed

    def feed(self, chunk: str) -> list[str]:
        """Add a chunk; return what may be passed on now (the refusal last, if the stream must stop).

        Raises TypeError for a chunk that is not ``str``.
        """
        if not isinstance(chunk, str):
            raise TypeError(f"guard.wrap: a stream yielded {type(chunk).__name__}, expected str")
        if self.stopped or not chunk:
            return []
        self.buffer += chunk
        pending = self.buffer[self.passed - self.base :]
        probe = pending[-(self.window + 1) :]
        cut = len(pending) - len(probe) + held_tail(probe)
        if len(pending) - cut > self.window:  # a run longer than the window: judge it with a look-ahead
            return self._step(len(pending) - self.lookahead, len(pending))
        return self._step(cut, cut)

    def finish(self) -> list[str]:
        """Judge and pass on what is left at the end of the stream; publish its Decision."""
        out = [] if self.stopped or not self.held else self._step(self.held, self.held, final=True)
        if self.record.holds and self.record.kept is None and not self.stopped:
            self.record.check(self.buffer[-self.window :], self.prompt, self.request)  # a blank answer
            self.record.keep()
        self.publish()
        return out

    @property
    def checks(self) -> int:
        """How many times the output rails ran (for benchmarks and tests)."""
        return self.record.checks

    def publish(self) -> Decision | None:
        """Publish the stream's one Decision (once; None without ``publish``, or when done)."""
        return self.record.publish(self.base + len(self.buffer))

    def _step(self, cut: int, seen: int, final: bool = False) -> list[str]:
        """Check the context plus the next ``seen`` characters; pass on the first ``cut`` of them."""
        if cut <= 0:
            return []
        lo = self.passed - self.base
        segment = self.buffer[lo : lo + cut]
        if segment.isspace() and self.covered <= self.passed:
            out = segment
        else:
            start, before = self._context()
            window = self.buffer[start - self.base : lo + seen]
            decision = self.record.check(window, self.prompt, self.request)
            block = decision.action is Action.BLOCK
            if block and not (final or seen > cut or self.held > self.window or _SENTENCE_END.search(segment)):
                self.suspended += 1
                return []  # hold the flagged text back until its sentence ends (not recorded)
            self.record.keep()
            if block:
                self.stopped = True
                self.publish()
                return [self.stop(decision)]
            if decision.text == window:
                skip = max(0, self.covered - self.passed)
                out = segment[skip:]
                self.open_start = None
            else:
                out = self._project(before, window[self.passed - start :], decision.text, cut, final)
        same = len(segment) if out == segment else _common_suffix(segment, out)
        self.history.append(_Passed(self.passed, self.passed + cut, out, same))
        self.passed += cut
        self._trim()
        return [out] if out else []

    def _context(self) -> tuple[int, str]:
        """Where this check's context starts, and what was passed on for it.

        The sentence in progress, with at least :data:`MIN_CONTEXT` and at most one window of
        text already passed on; earlier when a replacement may still be growing
        (``open_start``). It starts where a step started or inside the unchanged end of one.
        """
        lo = max(self.base, self.passed - self.context_chars)
        hi = max(lo, self.passed - MIN_CONTEXT)
        target = lo
        for end in _SENTENCE_END.finditer(self.buffer, lo - self.base, hi - self.base):
            target = end.end() + self.base
        if self.open_start is not None:
            target = min(target, max(self.open_start, self.passed - MAX_CONTEXT))
        history = self.history
        k = bisect.bisect_right(history, target, key=_start_of) - 1  # the step holding target
        if k < 0:
            return (history[0].start, "".join(p.out for p in history)) if history else (self.passed, "")
        piece = history[k]
        rest = "".join(p.out for p in history[k + 1 :])
        if target >= piece.end:
            return piece.end, rest
        if target > piece.start and target >= piece.end - piece.same:  # inside the unchanged end
            at = target
            if not self.buffer[at - self.base - 1].isspace():  # not inside a word
                space = _SPACE.search(self.buffer, at - self.base, piece.end - self.base)
                at = space.end() + self.base if space else at
            return at, piece.out[len(piece.out) - (piece.end - at) :] + rest
        return piece.start, piece.out + rest

    def _trim(self) -> None:
        """Forget what no later context can reach (now and then: the cost is amortised)."""
        if self.passed - self.base < 4 * self.context_chars:
            return
        keep = self.passed - 2 * self.context_chars
        if self.open_start is not None:
            keep = min(keep, max(self.open_start, self.passed - MAX_CONTEXT))
        drop = bisect.bisect_right(self.history, keep, key=_end_of)
        del self.history[: min(drop, len(self.history) - 1)]
        first = self.history[0].start if self.history else self.passed
        if first > self.base:
            self.buffer = self.buffer[first - self.base :]
            self.base = first

    def _project(self, before: str, new: str, result: str, cut: int, final: bool) -> str:
        """What to pass on for ``new[:cut]``, given the rails' ``result`` for the whole check.

        ``result`` is aligned with ``before`` (what was passed on for the context) followed by
        ``new`` (the original text after it), so the context lines up with itself. A replacement
        that starts in the new text is passed on whole, even when its original runs on past
        ``cut``; one that starts earlier is not repeated, and the original characters it covers
        are never passed on. One that reaches the end of the check may still grow: its start
        stays in the next check's context (``open_start``).
        """
        a = len(before)
        b = a + cut
        floor = a + max(0, self.covered - self.passed)
        self.open_start = None
        out: list[str] = []
        for tag, i1, i2, j1, j2 in _opcodes(before + new, result):
            if tag == "equal":
                lo, hi = max(i1, floor), min(i2, b)
                if lo < hi:
                    out.append(result[j1 + lo - i1 : j1 + hi - i1])
                continue
            if i1 == i2:  # an insertion belongs to the text it precedes
                if a <= i1 < b or (final and i1 == b):
                    out.append(result[j1:j2])
                continue
            if i2 <= a or i1 >= b:
                continue
            if i1 >= floor:
                out.append(result[j1:j2])
            self.covered = max(self.covered, self.passed + i2 - a)
            floor = max(floor, i2)
            if i2 >= b and self.open_start is None and not final:
                self.open_start = self._origin(i1 - a)
        return "".join(out)

    def _origin(self, offset: int) -> int:
        """The original offset of a point ``offset`` characters after ``passed`` (negative:
        inside what was passed on; then the start of the step that passed it on)."""
        if offset >= 0:
            return self.passed + offset
        back = -offset
        for piece in reversed(self.history):
            if back <= len(piece.out):
                return piece.start
            back -= len(piece.out)
        return self.history[0].start if self.history else self.passed


_TOKENS = re.compile(rf"\s+|[{_NO_SPACE}]|[^\s{_NO_SPACE}]+")


def _opcodes(before: str, after: str) -> list[tuple[str, int, int, int, int]]:
    """difflib opcodes between two texts, aligned on whole tokens (whitespace runs, the runs
    between them, single characters of scripts written without spaces) in character offsets.

    Whole tokens keep a replacement atomic: ``[PRIVATE_KEY]`` never matches the word
    ``PRIVATE`` of the original it replaced, as a character alignment would.
    """
    a, b = _TOKENS.findall(before), _TOKENS.findall(after)
    pa, pb = _offsets(a), _offsets(b)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [(tag, pa[i1], pa[i2], pb[j1], pb[j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes()]


def _offsets(tokens: list[str]) -> list[int]:
    out = [0]
    for token in tokens:
        out.append(out[-1] + len(token))
    return out


def _start_of(piece: _Passed) -> int:
    return piece.start


def _end_of(piece: _Passed) -> int:
    return piece.end


def _common_suffix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(reversed(a), reversed(b)):
        if x != y:
            break
        n += 1
    return n


def stream(judge: StreamJudge, it: Iterator[str]) -> Iterator[str]:
    """Pass a sync stream through ``judge``; closes the source when done, stopped or dropped."""
    try:
        for chunk in it:
            yield from judge.feed(chunk)
            if judge.stopped:
                return
        yield from judge.finish()
    finally:
        judge.publish()  # a stream dropped or failed midway is recorded with what it checked
        close = getattr(it, "close", None)
        if close is not None:
            close()


async def astream(judge: StreamJudge, ait: AsyncIterator[str]) -> AsyncIterator[str]:
    """Pass an async stream through ``judge`` (checks run in a thread); closes the source."""
    try:
        async for chunk in ait:
            for piece in await in_thread(judge.feed, chunk):
                yield piece
            if judge.stopped:
                return
        for piece in await in_thread(judge.finish):
            yield piece
    finally:
        judge.publish()  # a stream dropped or failed midway is recorded with what it checked
        aclose = getattr(ait, "aclose", None)
        if aclose is not None:
            await aclose()


async def in_thread(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` on a worker thread, without blocking the running event loop."""
    import asyncio

    return await asyncio.to_thread(fn, *args)
