"""Checked turns: each distinct text of a chat through a stage once, with a per-Guard cache.

``check_turns`` runs the input stage (or its redacting rails) on each turn of a conversation, or
each retrieved document, in order, each distinct text once. A per-Guard bounded ``TurnCache``
keyed by the text, the request's language and the scope keeps a long conversation from
re-scoring old turns; a turn whose check failed (a rail error) or that stored pseudonyms in the
request's vault is never cached. Used by guardrails.conversation and guardrails.document_checks.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from guardrails.pipeline import StageResult
from guardrails.protocol import CheckContext, RequestContext

__all__ = ["CheckedTurn", "TurnCache", "check_turns"]

_Key = tuple[str, str | None, str]
"""A turn cache key: (text, request language, scope: ``input`` or ``redact``)."""


@dataclass(frozen=True)
class _Entry:
    result: StageResult
    content_free: bool
    language: str | None


@dataclass(frozen=True)
class CheckedTurn:
    """One turn after the input rails (or, for an assistant or tool turn, the redacting rails):
    its message index (None for a plain prompt)."""

    index: int | None
    text: str
    result: StageResult
    content_free: bool
    cached: bool


class TurnCache:
    """A bounded, thread-safe LRU of checked turns: (text, language, scope) -> result."""

    def __init__(self, maxsize: int = 2048) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[_Key, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: _Key) -> _Entry | None:
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: _Key, entry: _Entry) -> None:
        if self.maxsize <= 0:
            return
        with self._lock:
            self._data[key] = entry
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


def check_turns(
    run: Callable[[str, CheckContext], StageResult],
    turns: Sequence[tuple[int | None, str]],
    make_context: Callable[[str], CheckContext],
    request: RequestContext,
    cache: TurnCache | None,
    scope: str = "input",
) -> list[CheckedTurn]:
    """Run ``run`` (the input stage, or its redacting rails: ``scope``) on each turn in order,
    each distinct text once.

    ``make_context(text)`` gives a fresh CheckContext per turn (the view is per text). With
    ``cache`` (chat history), a turn seen before is not run again; its language and content-free
    facts are replayed on the request.
    """
    out: list[CheckedTurn] = []
    seen: dict[_Key, _Entry] = {}
    for index, text in turns:
        key = (text, request.language, scope)
        entry = seen.get(key) or (cache.get(key) if cache is not None else None)
        if entry is not None:
            if entry.language is not None:
                request.language = entry.language
            out.append(CheckedTurn(index, text, entry.result, entry.content_free, True))
            seen[key] = entry
            continue
        context = make_context(text)
        vault = len(request.vault)
        result = run(text, context)
        entry = _Entry(result, context.content_free, request.language)
        seen[key] = entry
        if cache is not None and len(request.vault) == vault and not any(v.error for v in result.verdicts):
            cache.put(key, entry)
        out.append(CheckedTurn(index, text, result, context.content_free, False))
    return out
