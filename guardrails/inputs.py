"""What a check accepts: text, UTF-8 bytes, None or chat messages, and how a chat is split.

Text is repaired rather than refused (lone surrogates, invalid UTF-8, None) with a note saying
what was done; anything else raises InvalidInput. Where a sequence of texts is expected (batches,
documents, prompts) a bare string or bytes is refused too (``text_sequence``): it would otherwise
be checked one character at a time. Chat messages are validated up front (a role that is not a
string, content that is not text, a list of parts or None: InvalidInput naming the message and
field). A chat is split into its user turns (for the input rails), its tool, function or
document messages plus extra documents (for the context rails) and its assistant turns, and put
back together with every turn's redaction applied and blocked documents dropped. Roles compare case-insensitively;
multi-part content keeps its non-text parts and stays a list. A document entry that is not text
(a LangChain/LlamaIndex document, a dict with ``text``/``content``/``page_content``) is read by
``document_text``; one with no text is dropped unchecked, never an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from guardrails.errors import InvalidInput

__all__ = [
    "DOCUMENT_ROLES",
    "ChatTurn",
    "MessagesLike",
    "TextLike",
    "aligned",
    "check_messages",
    "coerce_text",
    "content_text",
    "document_text",
    "is_messages",
    "last_user_text",
    "prompt_text",
    "role_of",
    "text_sequence",
]

DOCUMENT_ROLES = frozenset({"tool", "function", "document", "retrieved", "context", "ipython"})
TextLike = str | bytes | None
MessagesLike = Sequence[Mapping[str, Any]]
_PART_SEP = "\n"
"""Joins the text parts of a multi-part message into the one text its rails check."""


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


_TEXT_KEYS = ("text", "content", "page_content")
_TEXT_ATTRS = ("page_content", "text")


def document_text(value: Any) -> tuple[str | None, str | None]:
    """``(text, note)`` of one document entry; ``text`` is None when the entry carries no text.

    str, UTF-8 bytes and None read as ``coerce_text`` reads them; a mapping by its ``text``,
    ``content`` (a string or chat-style parts) or ``page_content``; another object by a string
    ``page_content`` or ``text`` attribute. ``note`` says what was repaired or why nothing was read.
    """
    try:
        return coerce_text(value)
    except InvalidInput:
        pass
    kind = type(value).__name__
    if isinstance(value, Mapping):
        for key in _TEXT_KEYS:
            found = value.get(key)
            if isinstance(found, str | bytes) or (key == "content" and isinstance(found, list | tuple)):
                try:
                    return (content_text(found) if isinstance(found, list | tuple) else coerce_text(found)[0]), None
                except (InvalidInput, KeyError, TypeError):
                    break
        return None, f"a document of type {kind} with no text field ({', '.join(_TEXT_KEYS)}): dropped unchecked"
    for attr in _TEXT_ATTRS:
        try:
            found = getattr(value, attr, None)
        except Exception:  # a property that raises: no text here
            found = None
        if isinstance(found, str):
            return coerce_text(found)
    return None, f"a document of type {kind} is not text: dropped unchecked"


def _text_parts(content: list[Any]) -> list[int]:
    """Indices of the parts of multi-part content that carry text."""
    return [i for i, p in enumerate(content) if isinstance(p, Mapping) and isinstance(p.get("text"), str)]


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
    """The text of a chat message's content (the text parts of multi-part content, joined by newlines)."""
    if isinstance(content, list | tuple):
        return _PART_SEP.join(coerce_text(content[i]["text"])[0] for i in _text_parts(list(content)))
    return coerce_text(content)[0]


def is_messages(value: Any) -> TypeGuard[MessagesLike]:
    """True for a non-empty list or tuple holding a mapping (chat messages; validated on split)."""
    return isinstance(value, list | tuple) and bool(value) and any(isinstance(m, Mapping) for m in value)


ASSISTANT_ROLES = frozenset({"assistant", "model", "ai", "bot", "chatbot"})
TRUSTED_ROLES = frozenset({"system", "developer"})


def role_of(message: Mapping[str, Any]) -> str:
    """The message's role, lower-cased ('' when it has none). ``human`` (LangChain, Anthropic's
    older format) and any role that is not an assistant, system/developer or document role read as
    ``user``: text of unknown origin is checked like a user turn, never skipped."""
    role = message.get("role")
    if not isinstance(role, str):
        return ""
    role = role.strip().lower()
    if not role or role in ASSISTANT_ROLES or role in TRUSTED_ROLES or role in DOCUMENT_ROLES:
        return role
    return "user"


def last_user_text(messages: MessagesLike) -> str:
    """The content of the last user message ('' when there is none)."""
    return next((content_text(m.get("content")) for m in reversed(messages) if role_of(m) == "user"), "")


def prompt_text(prompt: Any) -> str | None:
    """The prompt an output check is given: the last user turn of chat messages, else the text
    (None stays None). InvalidInput for malformed messages."""
    if prompt is None:
        return None
    if is_messages(prompt):
        check_messages(prompt)
        prompt = last_user_text(prompt)
    return coerce_text(prompt)[0]


def _validate(messages: Sequence[Any]) -> list[dict[str, Any]]:
    """Plain dict copies of ``messages``; InvalidInput naming the first malformed message and field."""
    out = []
    for i, m in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(m, Mapping):
            raise InvalidInput(f"{where}: expected a mapping with 'role' and 'content', got {type(m).__name__}")
        role = m.get("role")
        if not isinstance(role, str):
            got = "no role" if role is None else type(role).__name__
            raise InvalidInput(f"{where}.role: expected a string such as 'user' or 'tool', got {got}")
        content = m.get("content")
        if isinstance(content, list | tuple):
            for j, part in enumerate(content):
                if not isinstance(part, Mapping):
                    raise InvalidInput(f"{where}.content[{j}]: expected a content part (a mapping), got {type(part).__name__}")
                text = part.get("text")
                if text is not None and not isinstance(text, str) and (part.get("type") in (None, "text")):
                    raise InvalidInput(f"{where}.content[{j}].text: expected a string, got {type(text).__name__}")
        elif content is not None and not isinstance(content, str | bytes | bytearray):
            raise InvalidInput(
                f"{where}.content: expected text, a list of content parts or None, got {type(content).__name__}"
            )
        out.append(dict(m))
    return out


def with_text(message: dict[str, Any], new_text: str, old_text: str,
              redact_part: Callable[[str], str] | None = None) -> dict[str, Any]:
    """``message`` with its checked text replaced by ``new_text``; multi-part content stays a list
    whose non-text parts are untouched. When the redaction moved the part boundaries,
    ``redact_part`` redacts each text part on its own."""
    if new_text == old_text:
        return message
    content = message.get("content")
    if not isinstance(content, list | tuple):
        return {**message, "content": new_text}
    parts = list(content)
    slots = _text_parts(parts)
    old_lines = [len(parts[i]["text"].split(_PART_SEP)) for i in slots]
    lines = new_text.split(_PART_SEP)
    if len(lines) == sum(old_lines):
        pieces, at = [], 0
        for n in old_lines:
            pieces.append(_PART_SEP.join(lines[at:at + n]))
            at += n
    elif redact_part is not None:
        pieces = [redact_part(parts[i]["text"]) for i in slots]
    else:  # cannot place the redaction part by part: keep the redacted text in the first part
        pieces = [new_text] + [""] * (len(slots) - 1)
    for i, piece in zip(slots, pieces):
        parts[i] = {**parts[i], "text": piece}
    return {**message, "content": parts}


@dataclass
class ChatTurn:
    """A chat (or a prompt with documents) split for the input and context rails."""

    messages: list[dict[str, Any]]
    user_text: str
    """The text of the last user turn (or the prompt): the Decision's ``original_text``."""
    note: str | None
    user_index: int | None
    user_turns: list[tuple[int, str]] = field(default_factory=list)
    """(message index, text) of every user turn, in order; the last is ``user_index``."""
    documents: list[tuple[int, str]] = field(default_factory=list)
    """(slot, text) of each document: its index in the messages, or past them for extra documents."""
    others: list[tuple[int, str]] = field(default_factory=list)
    """(message index, text) of every assistant turn (``assistant``, ``model``, ``ai`` ...) and of
    a message with an empty role: neither a user turn, nor the operator's system/developer text,
    nor a document."""

    @classmethod
    def split(cls, value: Any, documents: Sequence[TextLike]) -> ChatTurn:
        """Split chat messages (or a plain prompt) and extra ``documents``; InvalidInput when malformed."""
        messages = _validate(value) if is_messages(value) else []
        if isinstance(documents, str | bytes) or not isinstance(documents, Sequence):
            raise InvalidInput(f"documents: expected a list of texts, got {type(documents).__name__}")
        roles = [role_of(m) for m in messages]
        user_turns = [(i, content_text(m.get("content"))) for i, m in enumerate(messages) if roles[i] == "user"]
        if messages:
            user_index, user_text = user_turns[-1] if user_turns else (None, "")
            note = None
        else:
            user_index = None
            user_text, note = coerce_text(value)
        slots = [(i, content_text(m.get("content"))) for i, m in enumerate(messages) if roles[i] in DOCUMENT_ROLES]
        slots += [(len(messages) + j, document_text(d)[0] or "") for j, d in enumerate(documents)]
        others = [
            (i, content_text(m.get("content"))) for i, m in enumerate(messages)
            if roles[i] != "user" and roles[i] not in TRUSTED_ROLES and roles[i] not in DOCUMENT_ROLES
        ]
        return cls(messages, user_text, note, user_index, user_turns, slots, others)

    def system_prompt(self) -> str | None:
        """The content of the first system message, if any."""
        return next((content_text(m.get("content")) for m in self.messages if role_of(m) == "system"), None)

    def passed_on(
        self,
        turn_texts: Mapping[int, str],
        doc_texts: Mapping[int, str],
        dropped: Sequence[int],
        redact_part: Callable[[str], str] | None = None,
        other_texts: Mapping[int, str] | None = None,
        redact_other: Callable[[str], str] | None = None,
    ) -> tuple[dict[str, Any], ...] | None:
        """The conversation to pass on: every user turn redacted (``turn_texts`` by message
        index), documents redacted (``doc_texts`` by slot) or dropped, and assistant and kept
        tool/document messages as ``other_texts`` gives them (by message index; for a document
        message that text wins over ``doc_texts``). ``redact_part``/``redact_other`` redact one
        text part of a multi-part user/other message when a redaction moved part boundaries."""
        if not self.messages:
            return None
        users = dict(self.user_turns)
        docs = dict(self.documents)
        originals = {**dict(self.others), **docs}
        other_texts = other_texts or {}
        out = []
        for i, m in enumerate(self.messages):
            if i in dropped:
                continue
            if i in users and i in turn_texts:
                m = with_text(m, turn_texts[i], users[i], redact_part)
            elif i in originals and i in other_texts:
                m = with_text(m, other_texts[i], originals[i], redact_other)
            elif i in docs and i in doc_texts:
                m = with_text(m, doc_texts[i], docs[i])
            out.append(m)
        return tuple(out)
