"""``guard.wrap``: input rails before an LLM call, output rails after it (streams included).

Finds the prompt among the call's arguments (the first positional argument, or ``prompt=``,
``messages=``, ``text=``, ``query=``, ``input=``), passes on the redacted prompt, and checks
the answer: returned text directly, a sync or async stream through the streaming judge
(guardrails.streaming). Depends only on the small ``Checker`` protocol, not on Guard.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

from guardrails.errors import Blocked
from guardrails.protocol import Checker, RequestContext
from guardrails.results import Action, Decision
from guardrails.streaming import StreamJudge, astream, in_thread, stream

__all__ = ["wrap_callable"]

_PROMPT_KWARGS = ("prompt", "messages", "text", "query", "input")


def _find_prompt(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Callable[[Any], tuple[tuple[Any, ...], dict[str, Any]]]]:
    for key in _PROMPT_KWARGS:
        if key in kwargs:
            return kwargs[key], lambda new, k=key: (args, {**kwargs, k: new})
    if args:
        return args[0], lambda new: ((new, *args[1:]), kwargs)
    raise TypeError("a wrapped callable needs the prompt or messages as its first argument or as prompt=/messages=")


class _Wrapper:
    """The guarded call's shared logic; one per wrapped callable."""

    def __init__(self, checker: Checker, on_block: Literal["refuse", "raise"] | None) -> None:
        self.checker = checker
        self.settings = checker.policy.settings
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
        decision = self.checker.check_input(prompt, context=request)
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
        decision = self.checker.check_output(result, prompt=prompt, context=request)
        return self.stop(decision) if decision.action is Action.BLOCK else decision.text

    def judge(self, prompt: Any, request: RequestContext) -> StreamJudge:
        return StreamJudge(self.checker.check_output, self.stop, self.settings.stream_check_chars, prompt, request)


def wrap_callable(
    checker: Checker,
    fn: Callable[..., Any],
    *,
    on_block: Literal["refuse", "raise"] | None = None,
) -> Callable[..., Any]:
    """Return ``fn`` guarded by ``checker``'s input and output rails (see Guard.wrap)."""
    wrapper = _Wrapper(checker, on_block)

    if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):

        @functools.wraps(fn)
        async def guarded_async(*args: Any, **kwargs: Any) -> Any:
            decision, request, prompt, args2, kwargs2 = await in_thread(wrapper.before, args, kwargs)
            if wrapper.halts(decision):
                message = wrapper.stop(decision)
                return _aiter_of(message) if inspect.isasyncgenfunction(fn) else message
            result = fn(*args2, **kwargs2)
            if inspect.isawaitable(result):
                result = await result
            if hasattr(result, "__aiter__"):
                return astream(wrapper.judge(prompt, request), result)
            if hasattr(result, "__next__"):
                return stream(wrapper.judge(prompt, request), result)
            return await in_thread(wrapper.after, result, prompt, request)

        return guarded_async

    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        decision, request, prompt, args2, kwargs2 = wrapper.before(args, kwargs)
        if wrapper.halts(decision):
            message = wrapper.stop(decision)
            return iter([message]) if inspect.isgeneratorfunction(fn) else message
        result = fn(*args2, **kwargs2)
        if hasattr(result, "__next__"):
            return stream(wrapper.judge(prompt, request), result)
        return wrapper.after(result, prompt, request)

    return guarded


async def _aiter_of(*items: str) -> AsyncIterator[str]:
    for item in items:
        yield item
