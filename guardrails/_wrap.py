"""Guard.wrap: input rails before an LLM call, output rails after it, streaming included."""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal

from guardrails.errors import Blocked
from guardrails.protocol import RequestContext
from guardrails.results import Action, Decision

if TYPE_CHECKING:
    from guardrails.guard import Guard

_PROMPT_KWARGS = ("prompt", "messages", "text", "query", "input")
_SENTENCE_END = re.compile(r"[.!?]\s+|[。！？\n]\s*")
"""A cut point: sentence punctuation followed by whitespace (so "jane.doe@x.com" is never split)."""
_LAST_SPACE = re.compile(r"\s(?=\S*$)")


def _find_prompt(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Callable[[Any], tuple[tuple[Any, ...], dict[str, Any]]]]:
    for key in _PROMPT_KWARGS:
        if key in kwargs:
            return kwargs[key], lambda new, k=key: (args, {**kwargs, k: new})
    if args:
        return args[0], lambda new: ((new, *args[1:]), kwargs)
    raise TypeError("a wrapped callable needs the prompt or messages as its first argument or as prompt=/messages=")


class _Wrapper:
    """The guarded call's shared logic; one per wrapped callable."""

    def __init__(self, guard: Guard, on_block: Literal["refuse", "raise"] | None) -> None:
        self.guard = guard
        self.settings = guard.policy.settings
        self.on_block = on_block or self.settings.on_block

    def stop(self, decision: Decision) -> str:
        """The text returned instead of the model's (or raise Blocked)."""
        if decision.action is Action.BLOCK and self.on_block == "raise":
            raise Blocked(decision)
        return decision.message or self.settings.refusal_message

    @staticmethod
    def halts(decision: Decision) -> bool:
        return decision.action is Action.BLOCK or (decision.action is Action.ESCALATE and bool(decision.message))

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Decision, RequestContext, Any, tuple[Any, ...], dict[str, Any]]:
        prompt, rebuild = _find_prompt(args, kwargs)
        request = RequestContext()
        decision = self.guard.check_input(prompt, context=request)
        passed = decision.messages if decision.messages is not None else decision.text
        if isinstance(prompt, list) and passed is not None and not isinstance(passed, str):
            passed = list(passed)
        new_args, new_kwargs = rebuild(passed)
        return decision, request, prompt, new_args, new_kwargs

    def after(self, result: Any, prompt: Any, request: RequestContext) -> Any:
        if not isinstance(result, str):
            raise TypeError(
                f"guard.wrap: the wrapped callable returned {type(result).__name__}; return text or an iterator of text chunks"
            )
        decision = self.guard.check_output(result, prompt=prompt, context=request)
        return self.stop(decision) if decision.action is Action.BLOCK else decision.text


class _StreamJudge:
    """Checks a stream at sentence boundaries and at least every N characters.

    Each check covers the new segment plus a bounded overlap of text already judged, so a long
    answer costs linear time, and a block that needs a little context is still found.
    """

    def __init__(self, wrapper: _Wrapper, prompt: Any, request: RequestContext) -> None:
        self.wrapper = wrapper
        self.prompt = prompt
        self.request = request
        self.every = wrapper.settings.stream_check_chars
        self.overlap = 4 * self.every
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
        check = self.wrapper.guard.check_output
        decision = check(window, prompt=self.prompt, context=self.request)
        if decision.action is Action.BLOCK:
            self.stopped = True
            return [self.wrapper.stop(decision)]
        self.checked += segment
        out = segment if decision.text == window else check(segment, prompt=self.prompt, context=self.request).text
        return [out] if out else []


def wrap_callable(
    guard: Guard,
    fn: Callable[..., Any],
    *,
    on_block: Literal["refuse", "raise"] | None = None,
) -> Callable[..., Any]:
    """Return ``fn`` guarded by ``guard``'s input and output rails (see Guard.wrap)."""
    wrapper = _Wrapper(guard, on_block)

    def stream(it: Iterator[str], prompt: Any, request: RequestContext) -> Iterator[str]:
        judge = _StreamJudge(wrapper, prompt, request)
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

    async def astream(ait: AsyncIterator[str], prompt: Any, request: RequestContext) -> AsyncIterator[str]:
        judge = _StreamJudge(wrapper, prompt, request)
        try:
            async for chunk in ait:
                for piece in await _in_thread(judge.feed, chunk):
                    yield piece
                if judge.stopped:
                    return
            for piece in await _in_thread(judge.finish):
                yield piece
        finally:
            aclose = getattr(ait, "aclose", None)
            if aclose is not None:
                await aclose()

    if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):

        @functools.wraps(fn)
        async def guarded_async(*args: Any, **kwargs: Any) -> Any:
            decision, request, prompt, args2, kwargs2 = await _in_thread(wrapper.before, args, kwargs)
            if wrapper.halts(decision):
                message = wrapper.stop(decision)
                return _aiter_of(message) if inspect.isasyncgenfunction(fn) else message
            result = fn(*args2, **kwargs2)
            if inspect.isawaitable(result):
                result = await result
            if hasattr(result, "__aiter__"):
                return astream(result, prompt, request)
            if hasattr(result, "__next__"):
                return stream(result, prompt, request)
            return await _in_thread(wrapper.after, result, prompt, request)

        return guarded_async

    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        decision, request, prompt, args2, kwargs2 = wrapper.before(args, kwargs)
        if wrapper.halts(decision):
            message = wrapper.stop(decision)
            return iter([message]) if inspect.isgeneratorfunction(fn) else message
        result = fn(*args2, **kwargs2)
        if hasattr(result, "__next__"):
            return stream(result, prompt, request)
        return wrapper.after(result, prompt, request)

    return guarded


async def _in_thread(fn: Callable[..., Any], *args: Any) -> Any:
    import asyncio

    return await asyncio.to_thread(fn, *args)


async def _aiter_of(*items: str) -> AsyncIterator[str]:
    for item in items:
        yield item
