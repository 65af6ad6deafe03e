"""What a check accepts: text, UTF-8 bytes, None or chat messages, and how a chat turn is split.

Text is repaired rather than refused (lone surrogates, invalid UTF-8, None) with a note saying
what was done; anything else raises InvalidInput. Where a sequence of texts is expected (batches,
documents, prompts) a bare string or bytes is refused too (``text_sequence``): it would otherwise
be checked one character at a time. Chat messages are checked for shape (``check_messages``). A chat turn is split into the last user turn
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

__all__ = [
    "ChatTurn",
    "MessagesLike",
    "TextLike",
    "aligned",
    "check_messages",
    "coerce_text",
    "content_text",
    "is_messages",
    "text_sequence",
]

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


def text_sequence(value: Any, name: str) -> list[Any]:
    """``value`` (a list, tuple or other iterable of texts) as a list; InvalidInput for a bare
    str/bytes (a sequence of characters is never meant), a mapping, or a non-iterable."""
    if isinstance(value, str | bytes | bytearray | memoryview):
        raise InvalidInput(
            f"{name} must be a sequence of texts, got a bare {type(value).__name__}; "
            f"wrap it in a list: {name}=[...]"
        )
    if isinstance(value, Mapping):
        raise InvalidInput(f"{name} must be a sequence of texts, got a mapping ({type(value).__name__})")
    try:
        return list(value)
    except TypeError:
        raise InvalidInput(f"{name} must be a sequence of texts, got {type(value).__name__}") from None


def aligned(prompts: Any, n: int) -> list[Any] | None:
    """``prompts`` as a list of exactly ``n`` (None stays None); InvalidInput otherwise."""
    if prompts is None:
        return None
    out = text_sequence(prompts, "prompts")
    if len(out) != n:
        raise InvalidInput(f"prompts must be aligned with the texts: {len(out)} prompts for {n} texts")
    return out


def check_messages(messages: Any) -> None:
    """InvalidInput unless every chat message is a mapping whose ``role`` (when present) is a str."""
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping):
            raise InvalidInput(f"messages[{i}] must be a mapping with 'role' and 'content', got {type(message).__name__}")
        role = message.get("role")
        if role is not None and not isinstance(role, str):
            raise InvalidInput(f"messages[{i}].role must be a string, got {type(role).__name__}")


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
