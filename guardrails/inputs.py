"""What a check accepts: text, UTF-8 bytes, None or chat messages, and how a chat turn is split.

Text is repaired rather than refused (lone surrogates, invalid UTF-8, None) with a note saying
what was done; anything else raises InvalidInput. A chat turn is split into the last user turn
(for the input rails) and the tool, function or document messages plus extra documents (for the
context rails), and put back together with the redactions applied and blocked documents dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeGuard

from guardrails.errors import InvalidInput

if TYPE_CHECKING:
    from guardrails.results import Decision

__all__ = ["ChatTurn", "MessagesLike", "TextLike", "coerce_text", "content_text", "is_messages"]

DOCUMENT_ROLES = frozenset({"tool", "function", "document", "retrieved", "context", "ipython"})
TextLike = str | bytes | None
MessagesLike = Sequence[Mapping[str, Any]]


def coerce_text(value: Any) -> tuple[str, str | None]:
    """Text to check and, when the input needed repair, a note saying what was done."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value, None
        except UnicodeEncodeError:
            return value.encode("utf-8", "replace").decode("utf-8"), "lone surrogates replaced"
    if value is None:
        return "", "input was None; checked as empty text"
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        try:
            return raw.decode("utf-8"), None
        except UnicodeDecodeError:
            return raw.decode("utf-8", "replace"), "invalid UTF-8 replaced with U+FFFD"
    raise InvalidInput(
        f"expected text (str or UTF-8 bytes), None or chat messages, got {type(value).__name__}"
    )


def content_text(content: Any) -> str:
    """The text of a chat message's content (multi-part content joined by newlines)."""
    if isinstance(content, list):  # multi-part content: [{"type": "text", "text": ...}, ...]
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
    return coerce_text(content)[0]


def is_messages(value: Any) -> TypeGuard[MessagesLike]:
    """True for a non-empty list or tuple of mappings (chat messages)."""
    return isinstance(value, list | tuple) and all(isinstance(m, Mapping) for m in value) and bool(value)


def last_user_text(messages: MessagesLike) -> str:
    """The content of the last user message ('' when there is none)."""
    return next((content_text(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), "")


@dataclass
class ChatTurn:
    """A chat turn (or a prompt with documents) split for the input and context rails."""

    messages: list[dict[str, Any]]
    user_text: str
    note: str | None
    user_index: int | None
    documents: list[tuple[int, str]] = field(default_factory=list)
    """(slot, text) of each document: its index in the messages, or past them for extra documents."""

    @classmethod
    def split(cls, value: Any, documents: Sequence[TextLike]) -> ChatTurn:
        """Split chat messages (or a plain prompt) and extra ``documents``."""
        messages = [dict(m) for m in value] if is_messages(value) else []
        user_index = next((i for i in range(len(messages) - 1, -1, -1) if messages[i].get("role") == "user"), None)
        if messages:
            user_text = content_text(messages[user_index].get("content")) if user_index is not None else ""
            note = None
        else:
            user_text, note = coerce_text(value)
        slots = [(i, content_text(m.get("content"))) for i, m in enumerate(messages) if m.get("role") in DOCUMENT_ROLES]
        slots += [(len(messages) + j, coerce_text(d)[0]) for j, d in enumerate(documents)]
        return cls(messages, user_text, note, user_index, slots)

    def system_prompt(self) -> str | None:
        """The content of the first system message, if any."""
        return next((content_text(m.get("content")) for m in self.messages if m.get("role") == "system"), None)

    def passed_on(
        self, user_result: str, doc_decisions: Sequence[Decision], dropped: Sequence[int]
    ) -> tuple[dict[str, Any], ...] | None:
        """The conversation to pass on: the user turn redacted, documents redacted or dropped."""
        if not self.messages:
            return None
        slots = [s for s, _ in self.documents]
        out = []
        for i, m in enumerate(self.messages):
            if i in dropped:
                continue
            if i == self.user_index and user_result != self.user_text:
                m = {**m, "content": user_result}
            elif m.get("role") in DOCUMENT_ROLES:
                doc = doc_decisions[slots.index(i)]
                if doc.text != doc.original_text:
                    m = {**m, "content": doc.text}
            out.append(m)
        return tuple(out)
