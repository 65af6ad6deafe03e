"""The streaming judge of ``guard.wrap``: checks a model's answer while it streams.

A stream is checked at sentence boundaries and at least every ``stream_check_chars``
characters. Each check covers the new segment plus a bounded overlap of text already judged, so
a long answer costs linear time, and a block that needs a little context is still found. When
the output rails block, the stream stops and the refusal (or ``Blocked``) comes instead.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from guardrails.protocol import RequestContext
from guardrails.results import Action, Decision

__all__ = ["StreamJudge", "astream", "stream"]

_SENTENCE_END = re.compile(r"[.!?]\s+|[。！？\n]\s*")
"""A cut point: sentence punctuation followed by whitespace (so "jane.doe@x.com" is never split)."""
_LAST_SPACE = re.compile(r"\s(?=\S*$)")

CheckOutput = Callable[..., Decision]
"""``check_output(text, prompt=..., context=...)`` of the Guard."""


class StreamJudge:
    """Checks a stream at sentence boundaries and at least every ``every`` characters.

    ``stop(decision)`` gives the text that replaces a blocked stream (or raises Blocked).
    """

    def __init__(
        self,
        check_output: CheckOutput,
        stop: Callable[[Decision], str],
        every: int,
        prompt: Any,
        request: RequestContext,
    ) -> None:
        self.check_output = check_output
        self.stop = stop
        self.prompt = prompt
        self.request = request
        self.every = every
        self.overlap = 4 * every
        self.checked = ""
        self.pending = ""
        self.stopped = False

    def feed(self, chunk: str) -> list[str]:
        """Add a chunk; return what may be emitted now (the refusal last, if the stream must stop)."""
        if not isinstance(chunk, str):
            raise TypeError(f"guard.wrap: a stream yielded {type(chunk).__name__}, expected str")
        self.pending += chunk
        last = None
        for match in _SENTENCE_END.finditer(self.pending):
            last = match.end()
        if last is None:
            if len(self.pending) < self.every:
                return []
            space = _LAST_SPACE.search(self.pending)  # cut between words, never inside one
            last = space.end() if space and space.end() > 0 else len(self.pending)
        return self._judge(last)

    def finish(self) -> list[str]:
        """Judge what is left at the end of the stream."""
        return self._judge(len(self.pending)) if self.pending and not self.stopped else []

    def _judge(self, cut: int) -> list[str]:
        segment, self.pending = self.pending[:cut], self.pending[cut:]
        window = self.checked[-self.overlap:] + segment
        check = self.check_output
        decision = check(window, prompt=self.prompt, context=self.request)
        if decision.action is Action.BLOCK:
            self.stopped = True
            return [self.stop(decision)]
        self.checked += segment
        out = segment if decision.text == window else check(segment, prompt=self.prompt, context=self.request).text
        return [out] if out else []


def stream(judge: StreamJudge, it: Iterator[str]) -> Iterator[str]:
    """Pass a sync stream through ``judge``; closes the source when done or stopped."""
    try:
        for chunk in it:
            yield from judge.feed(chunk)
            if judge.stopped:
                return
        yield from judge.finish()
    finally:
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
        aclose = getattr(ait, "aclose", None)
        if aclose is not None:
            await aclose()


async def in_thread(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` on a worker thread, without blocking the running event loop."""
    import asyncio

    return await asyncio.to_thread(fn, *args)
