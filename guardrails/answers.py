"""Reading the text of a model's answer, whatever client returned it (``guard.wrap(extract=...)``).

The default extractor reads the common client shapes, as objects or as plain dicts:

- a ``str``;
- an OpenAI-style chat completion (``.choices[0].message.content``), a completion
  (``.choices[0].text``) or a Responses-API result (``.output_text``);
- an Anthropic-style message (``.content``: a list of blocks, text from those of type ``text``)
  or such a list of content blocks itself;
- streamed chunks: OpenAI deltas (``.choices[0].delta.content``, None read as ``""``) and
  Anthropic events (``content_block_delta`` with ``.delta.text``; other events read as ``""``).

``with_text(answer, text)`` returns a copy of the answer with its text replaced (redaction): the
same type, the original untouched. A shape none of these fit raises InvalidInput naming the type.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from guardrails.errors import InvalidInput

__all__ = ["Extract", "UNSUPPORTED_RETURNS", "chunk_text", "extract_text", "unsupported", "with_text"]

Extract = Callable[[Any], str]
"""A caller's extractor: the answer (or a streamed chunk) in, its text out."""

UNSUPPORTED_RETURNS: tuple[type, ...] = (int, float, complex, bool, bytes, bytearray, set, frozenset, type(None))
"""Return annotations that can never carry an answer's text (raised at decoration time)."""

_Path = list[tuple[str, Any]]


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def _first(seq: Any) -> Any:
    if isinstance(seq, Sequence) and not isinstance(seq, str | bytes) and seq:
        return seq[0]
    return None


def _blocks(content: Any) -> list[int] | None:
    """Indices of the text blocks of an Anthropic-style content list (None: not such a list)."""
    if not isinstance(content, Sequence) or isinstance(content, str | bytes):
        return None
    found = [i for i, b in enumerate(content) if _get(b, "type") == "text" and isinstance(_get(b, "text"), str)]
    return found if found or not content else None


def _locate(answer: Any) -> tuple[_Path, list[int] | None] | None:
    """Where the text of ``answer`` lives: a path of (kind, key) steps, and the text blocks when
    the path ends at a content list; None when the shape is unknown."""
    if isinstance(answer, str):
        return [], None
    blocks = _blocks(answer)
    if blocks is not None:
        return [], blocks
    choice = _first(_get(answer, "choices"))
    if choice is not None:
        for field in ("message", "delta"):
            part = _get(choice, field)
            if part is not None:
                content = _get(part, "content")
                if content is None or isinstance(content, str):
                    return [("key", "choices"), ("index", 0), ("key", field), ("key", "content")], None
                blocks = _blocks(content)
                if blocks is not None:
                    return [("key", "choices"), ("index", 0), ("key", field), ("key", "content")], blocks
        if isinstance(_get(choice, "text"), str):
            return [("key", "choices"), ("index", 0), ("key", "text")], None
    if isinstance(_get(answer, "output_text"), str):
        return [("key", "output_text")], None
    content = _get(answer, "content")
    if isinstance(content, str):
        return [("key", "content")], None
    blocks = _blocks(content)
    if blocks is not None:
        return [("key", "content")], blocks
    if _get(answer, "type") == "content_block_delta" and isinstance(_get(_get(answer, "delta"), "text"), str):
        return [("key", "delta"), ("key", "text")], None
    if isinstance(_get(answer, "text"), str):
        return [("key", "text")], None
    return None


def _follow(answer: Any, path: _Path) -> Any:
    node = answer
    for kind, key in path:
        node = node[key] if kind == "index" else _get(node, key)
    return node


def unsupported(answer: Any) -> InvalidInput:
    """The error for an answer whose text cannot be found."""
    return InvalidInput(
        f"guard.wrap: cannot read the text of the answer (a {type(answer).__name__}); return text, an "
        "OpenAI- or Anthropic-style response (object or dict), or pass extract=... that returns its text"
    )


def extract_text(answer: Any) -> str:
    """The text of a whole answer (text blocks joined by newlines); InvalidInput when unknown."""
    where = _locate(answer)
    if where is None:
        raise unsupported(answer)
    path, blocks = where
    node = _follow(answer, path)
    if blocks is not None:
        return "\n".join(_get(node[i], "text") for i in blocks)
    return node if isinstance(node, str) else ""


def chunk_text(chunk: Any) -> str:
    """The text of a streamed chunk: str, an OpenAI delta, an Anthropic event ('' for events
    without text, such as message_start); InvalidInput when the shape is unknown."""
    if isinstance(chunk, str):
        return chunk
    event = _get(chunk, "type")
    if isinstance(event, str) and event != "content_block_delta" and _get(chunk, "choices") is None:
        return ""  # message_start, content_block_stop, ping ...: no text
    return extract_text(chunk)


def _set(node: Any, key: Any, value: Any, index: bool = False) -> None:
    if index or isinstance(node, dict):
        node[key] = value
    else:
        setattr(node, key, value)


def with_text(answer: Any, text: str) -> Any:
    """A copy of ``answer`` (same type) whose text is ``text``; the original is left untouched.

    With several text blocks, the first holds the whole text and the others are emptied.
    """
    if isinstance(answer, str):
        return text
    where = _locate(answer)
    if where is None:
        raise unsupported(answer)
    path, blocks = where
    out = copy.deepcopy(answer)
    if blocks is not None:
        node = _follow(out, path)
        for n, i in enumerate(blocks):
            _set(node[i], "text", text if n == 0 else "")
        return out
    parent = _follow(out, path[:-1])
    kind, key = path[-1]
    _set(parent, key, text, index=kind == "index")
    return out
