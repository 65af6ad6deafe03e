"""``guard.wrap``: input rails before an LLM call, output rails after it (streams included).

The prompt is bound by parameter name: ``prompt``, ``messages``, ``input``, ``text`` or
``query`` (or the one named by ``prompt_arg=``), skipping ``self`` and ``cls``; a callable with
a single other parameter binds that one. Nothing to bind raises TypeError when decorating. The
redacted prompt (or conversation) is passed on; the answer is read through an extractor
(guardrails.answers: text, OpenAI- and Anthropic-style responses, or the caller's ``extract=``)
and checked before it is returned. Streams, sync or async, go through the streaming judge
(guardrails.streaming); an async generator function stays one (``async for`` directly).
Depends only on the small ``Checker`` protocol, not on Guard.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Literal

from guardrails.answers import UNSUPPORTED_RETURNS, Extract, chunk_text, extract_text, with_text
from guardrails.errors import Blocked, InvalidInput
from guardrails.protocol import Checker, RequestContext
from guardrails.results import Action, Decision
from guardrails.streaming import StreamJudge, astream, in_thread, stream

__all__ = ["PROMPT_PARAMETERS", "wrap_callable"]

PROMPT_PARAMETERS = ("prompt", "messages", "input", "text", "query")
"""Parameter names bound as the prompt, in this order of preference."""
_SKIPPED = ("self", "cls")
_P = inspect.Parameter


class _Binding:
    """Which argument of a call is the prompt, found once from the signature."""

    def __init__(self, fn: Callable[..., Any], prompt_arg: str | None) -> None:
        name = getattr(fn, "__qualname__", repr(fn))
        try:
            self.signature = inspect.signature(fn)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"guard.wrap: cannot read the parameters of {name}: {exc}") from None
        params = [p for p in self.signature.parameters.values() if p.name not in _SKIPPED]
        named = [p for p in params if p.kind not in (_P.VAR_POSITIONAL, _P.VAR_KEYWORD)]
        self.var_keyword = next((p.name for p in params if p.kind is _P.VAR_KEYWORD), None)
        if prompt_arg is not None:
            if prompt_arg not in self.signature.parameters and self.var_keyword is None:
                raise TypeError(
                    f"guard.wrap: {name} has no parameter {prompt_arg!r} (it has: {', '.join(self.signature.parameters)})"
                )
            self.names: tuple[str, ...] = (prompt_arg,)
        else:
            self.names = tuple(p.name for p in named if p.name in PROMPT_PARAMETERS)
            self.names = tuple(sorted(self.names, key=PROMPT_PARAMETERS.index))
            if not self.names and len(named) == 1 and len(params) == 1:
                self.names = (named[0].name,)  # a sole parameter is the prompt, whatever its name
            elif not self.names and self.var_keyword is not None:
                self.names = PROMPT_PARAMETERS  # found among the keyword arguments of each call
            elif not self.names:
                raise TypeError(
                    f"guard.wrap: no parameter of {name} is the prompt: name it one of "
                    f"{', '.join(PROMPT_PARAMETERS)}, or pass guard.wrap(prompt_arg='...') "
                    f"(its parameters: {', '.join(self.signature.parameters) or 'none'})"
                )

    def find(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Callable[[Any], tuple[tuple[Any, ...], dict[str, Any]]]]:
        """The prompt of this call, and how to rebuild the call with another prompt."""
        bound = self.signature.bind(*args, **kwargs)  # the TypeError calling fn itself would raise
        extra = bound.arguments.get(self.var_keyword, {}) if self.var_keyword else {}
        present = [n for n in self.names if n in bound.arguments or n in extra]
        if not present:
            if self.var_keyword is not None and self.names == PROMPT_PARAMETERS:
                raise TypeError(f"guard.wrap: pass the prompt as one of {', '.join(PROMPT_PARAMETERS)}=")
            bound.apply_defaults()
            present = [n for n in self.names if n in bound.arguments]
        chosen = next((n for n in present if _value(bound, extra, n) is not None), present[0])

        def rebuild(new: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
            if chosen in bound.arguments:
                bound.arguments[chosen] = new
            else:
                extra[chosen] = new
            return bound.args, bound.kwargs

        return _value(bound, extra, chosen), rebuild


def _value(bound: inspect.BoundArguments, extra: dict[str, Any], name: str) -> Any:
    return bound.arguments[name] if name in bound.arguments else extra.get(name)


class _Wrapper:
    """The guarded call's shared logic; one per wrapped callable."""

    def __init__(self, checker: Checker, binding: _Binding, on_block: Literal["refuse", "raise"] | None,
                 extract: Extract | None) -> None:
        self.checker = checker
        self.binding = binding
        self.settings = checker.policy.settings
        self.on_block = on_block or self.settings.on_block
        self.extract = extract

    def stop(self, decision: Decision) -> str:
        """The text returned instead of the model's (or raise Blocked)."""
        if decision.action is Action.BLOCK and self.on_block == "raise":
            raise Blocked(decision)
        return decision.message or self.settings.refusal_message

    @staticmethod
    def halts(decision: Decision) -> bool:
        return decision.action is Action.BLOCK or (decision.action is Action.ESCALATE and bool(decision.message))

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Decision, RequestContext, Any, tuple[Any, ...], dict[str, Any]]:
        prompt, rebuild = self.binding.find(args, kwargs)
        request = RequestContext()
        decision = self.checker.check_input(prompt, context=request)
        passed = decision.messages if decision.messages is not None else decision.text
        if isinstance(prompt, list) and passed is not None and not isinstance(passed, str):
            passed = list(passed)
        new_args, new_kwargs = rebuild(passed)
        return decision, request, prompt, new_args, new_kwargs

    def text_of(self, answer: Any) -> str:
        if self.extract is None:
            return extract_text(answer)
        text = self.extract(answer)
        if not isinstance(text, str):
            raise InvalidInput(f"guard.wrap: extract= returned {type(text).__name__}, expected str")
        return text

    def after(self, result: Any, prompt: Any, request: RequestContext) -> Any:
        text = self.text_of(result)
        decision = self.checker.check_output(text, prompt=prompt, context=request)
        if self.halts(decision):
            return self.stop(decision)
        if decision.text == text:
            return result
        return decision.text if self.extract is not None or isinstance(result, str) else with_text(result, decision.text)

    def chunk(self, piece: Any) -> str:
        return chunk_text(piece) if self.extract is None else (self.extract(piece) or "")

    def judge(self, prompt: Any, request: RequestContext) -> StreamJudge:
        """A Guard's stream publishes one Decision (its checks held); another Checker's, one per check."""
        held, publish = getattr(self.checker, "_check_output", None), getattr(self.checker, "_publish", None)
        if held is None or publish is None:
            held, publish = self.checker.check_output, None
        return StreamJudge(held, self.stop, self.settings.stream_check_chars, prompt, request, publish)

    def sync_stream(self, source: Iterator[Any], prompt: Any, request: RequestContext) -> Iterator[str]:
        texts = (self.chunk(piece) for piece in source)
        try:
            yield from stream(self.judge(prompt, request), texts)
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    async def async_stream(self, source: AsyncIterator[Any], prompt: Any, request: RequestContext) -> AsyncIterator[str]:
        async def texts() -> AsyncIterator[str]:
            async for piece in source:
                yield self.chunk(piece)

        try:
            async for out in astream(self.judge(prompt, request), texts()):
                yield out
        finally:
            aclose = getattr(source, "aclose", None)
            if aclose is not None:
                await aclose()


def _check_return_annotation(fn: Callable[..., Any], name: str) -> None:
    """Raise at decoration time when the declared return type can never carry text."""
    try:
        returns = typing.get_type_hints(fn).get("return", inspect.Signature.empty)
    except Exception:  # unresolvable annotations: nothing is known before the call
        return
    if returns in UNSUPPORTED_RETURNS:
        label = getattr(returns, "__name__", str(returns))
        raise InvalidInput(
            f"guard.wrap: {name} returns {label}, which holds no answer text; return text or a client "
            "response, or pass extract=... that returns the text"
        )


def wrap_callable(
    checker: Checker,
    fn: Any,
    *,
    on_block: Literal["refuse", "raise"] | None = None,
    prompt_arg: str | None = None,
    extract: Extract | None = None,
) -> Any:
    """Return ``fn`` guarded by ``checker``'s input and output rails (see Guard.wrap).

    Raises TypeError (decoration time) when no parameter can be bound as the prompt or
    ``extract`` is not callable, InvalidInput when the declared return type holds no text.
    """
    if isinstance(fn, classmethod | staticmethod):
        return type(fn)(wrap_callable(checker, fn.__func__, on_block=on_block, prompt_arg=prompt_arg, extract=extract))
    if extract is not None and not callable(extract):
        raise TypeError(f"guard.wrap: extract= must be a callable returning the answer's text, got {type(extract).__name__}")
    name = getattr(fn, "__qualname__", repr(fn))
    if extract is None:
        _check_return_annotation(fn, name)
    wrapper = _Wrapper(checker, _Binding(fn, prompt_arg), on_block, extract)

    if inspect.isasyncgenfunction(fn):

        @functools.wraps(fn)
        async def guarded_stream(*args: Any, **kwargs: Any) -> AsyncIterator[str]:
            decision, request, prompt, args2, kwargs2 = await in_thread(wrapper.before, args, kwargs)
            if wrapper.halts(decision):
                yield wrapper.stop(decision)
                return
            async for piece in wrapper.async_stream(fn(*args2, **kwargs2), prompt, request):
                yield piece

        return guarded_stream

    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def guarded_async(*args: Any, **kwargs: Any) -> Any:
            decision, request, prompt, args2, kwargs2 = await in_thread(wrapper.before, args, kwargs)
            if wrapper.halts(decision):
                return wrapper.stop(decision)
            result = await fn(*args2, **kwargs2)
            if hasattr(result, "__aiter__"):
                return wrapper.async_stream(result, prompt, request)
            if hasattr(result, "__next__"):
                return wrapper.sync_stream(result, prompt, request)
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
            return wrapper.sync_stream(result, prompt, request)
        return wrapper.after(result, prompt, request)

    return guarded
