"""Tool blocks inside chat messages: Anthropic ``tool_result``/``tool_use`` parts and OpenAI ``tool_calls``.

An Anthropic ``tool_result`` part (in any turn's multi-part content, usually a ``user`` turn) is
tool output, so it is checked like an OpenAI ``tool`` message: its text (string content, or the
text parts of its content list) runs the context rails; a blocked one keeps its ``type``,
``tool_use_id`` and other keys but its content becomes ``DROPPED_TOOL_RESULT`` (the API needs
every ``tool_use`` answered), and a kept one is redacted by the redacting rails. The string values
of an Anthropic ``tool_use.input`` and of an OpenAI ``tool_calls[].function.arguments`` (a JSON
string; ``function_call.arguments`` too) are redacted by the redacting rails; JSON stays valid
(arguments that are not JSON are redacted as one text).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from guardrails.errors import InvalidInput
from guardrails.inputs import content_text, with_text

__all__ = ["DROPPED_TOOL_RESULT", "ToolResult", "apply", "tool_arguments", "tool_results"]

DROPPED_TOOL_RESULT = "[tool result removed by guardrails: the context rails blocked it]"
"""The text a blocked ``tool_result`` part carries instead of its content."""

_MAX_DEPTH = 64
"""Deeper JSON in tool arguments passes unchanged (no recursion without bound)."""

ToolResult = tuple[int, int, str]
"""(message index, content part index, text) of one ``tool_result`` part."""


def _parts(message: Mapping[str, Any]) -> list[Any]:
    content = message.get("content")
    return list(content) if isinstance(content, list | tuple) else []


def tool_results(messages: Sequence[Mapping[str, Any]]) -> list[ToolResult]:
    """Every ``tool_result`` part of ``messages``, in order; InvalidInput when its content is not
    a string, a list of content parts or None."""
    out = []
    for i, m in enumerate(messages):
        for j, part in enumerate(_parts(m)):
            if not isinstance(part, Mapping) or part.get("type") != "tool_result":
                continue
            content = part.get("content")
            if isinstance(content, list | tuple) and not all(isinstance(p, Mapping) for p in content):
                raise InvalidInput(f"messages[{i}].content[{j}].content: expected content parts (mappings)")
            if content is not None and not isinstance(content, str | list | tuple):
                raise InvalidInput(
                    f"messages[{i}].content[{j}].content: expected text, a list of content parts or None, "
                    f"got {type(content).__name__}"
                )
            out.append((i, j, content_text(content)))
    return out


def _map_strings(value: Any, fn: Callable[[str], str], depth: int = 0) -> Any:
    """``value`` (parsed JSON) with every string value (not key) replaced by ``fn(value)``."""
    if isinstance(value, str):
        return fn(value)
    if depth >= _MAX_DEPTH:
        return value
    if isinstance(value, Mapping):
        return {k: _map_strings(v, fn, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_map_strings(v, fn, depth + 1) for v in value]
    return value


def _arguments(raw: str, fn: Callable[[str], str]) -> str:
    """A JSON arguments string with ``fn`` applied to its string values (unchanged text when nothing changed)."""
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        return fn(raw)
    changed = False

    def mark(text: str) -> str:
        nonlocal changed
        new = fn(text)
        changed = changed or new != text
        return new

    new = _map_strings(parsed, mark)
    return json.dumps(new, ensure_ascii=False) if changed else raw


def _walk(messages: Sequence[Mapping[str, Any]], fn: Callable[[int, str], str]) -> list[dict[str, Any]]:
    """``messages`` with ``fn(message index, text)`` applied to every string in tool arguments,
    in a fixed order (``tool_arguments`` and ``apply`` share it)."""
    out = []
    for i, m in enumerate(messages):
        m = dict(m)
        parts = _parts(m)
        if any(isinstance(p, Mapping) and p.get("type") == "tool_use" and "input" in p for p in parts):
            m["content"] = [
                {**p, "input": _map_strings(p["input"], lambda s, i=i: fn(i, s))}
                if isinstance(p, Mapping) and p.get("type") == "tool_use" and "input" in p else p
                for p in parts
            ]
        calls = m.get("tool_calls")
        if isinstance(calls, list | tuple):
            m["tool_calls"] = [_call(c, lambda s, i=i: fn(i, s)) for c in calls]
        if isinstance(m.get("function_call"), Mapping):
            m["function_call"] = _function(m["function_call"], lambda s, i=i: fn(i, s))
        out.append(m)
    return out


def _function(function: Mapping[str, Any], fn: Callable[[str], str]) -> Any:
    args = function.get("arguments")
    return {**function, "arguments": _arguments(args, fn)} if isinstance(args, str) else function


def _call(call: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(call, Mapping) and isinstance(call.get("function"), Mapping):
        return {**call, "function": _function(call["function"], fn)}
    return call


def tool_arguments(messages: Sequence[Mapping[str, Any]]) -> list[tuple[int, str]]:
    """(message index, string value) of every string in tool arguments, in ``apply``'s order."""
    found: list[tuple[int, str]] = []

    def collect(i: int, text: str) -> str:
        found.append((i, text))
        return text

    _walk(messages, collect)
    return found


def apply(
    messages: Sequence[Mapping[str, Any]],
    results: Mapping[tuple[int, int], tuple[str, str] | None],
    arguments: Sequence[str],
    redact_part: Callable[[str], str] | None = None,
) -> list[dict[str, Any]]:
    """``messages`` with tool blocks rewritten: ``results[(i, j)]`` is ``(new text, old text)``
    for a kept ``tool_result`` part, None for a blocked one; ``arguments`` the redacted tool
    argument strings, in ``tool_arguments`` order."""
    texts: Iterator[str] = iter(arguments)
    out = _walk(messages, lambda _i, text: next(texts, text)) if arguments else [dict(m) for m in messages]
    for (i, j), change in results.items():
        parts = _parts(out[i])
        part = parts[j]
        content = part.get("content")
        if change is None:
            new_content: Any = DROPPED_TOOL_RESULT if not isinstance(content, list | tuple) else [
                {"type": "text", "text": DROPPED_TOOL_RESULT}
            ]
        elif change[0] == change[1]:
            continue
        elif isinstance(content, list | tuple):
            new_content = with_text({"content": content}, change[0], change[1], redact_part)["content"]
        else:
            new_content = change[0]
        parts[j] = {**part, "content": new_content}
        out[i] = {**out[i], "content": parts}
    return out
