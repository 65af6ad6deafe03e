"""Text a retrieved document hides from its reader: markup comments, hidden elements, alt text.

A planted instruction in an HTML comment, a ``display:none`` element or an image's alt text is
invisible on the rendered page but reaches the model. ``hidden_text`` pulls such text out so the
context rails score it on its own (it goes to ``CheckContext.decoded``), beside the document
itself. It reads, with the standard library's ``html.parser``:

- HTML comments ``<!-- ... -->`` (also inside markdown);
- elements hidden by ``hidden``, ``aria-hidden="true"``, an inline style with ``display:none``,
  ``visibility:hidden``, ``opacity:0`` or ``font-size:0``, ``<template>``, and hidden inputs;
- attributes a reader never sees: ``alt``, ``title``, ``aria-label``, ``placeholder``,
  ``content`` of ``<meta>``;
- markdown image alt text ``![...](...)``, link titles ``[..](url "...")`` and comment links
  ``[//]: # (...)``.

Scripts and styles are skipped (code, not prose). Of a document longer than ``MAX_PARSE_CHARS``
the head and the tail are read (bounded cost). Comments come first, then hidden elements and
attributes, then markdown; at most ``MAX_PIECES`` pieces and ``MAX_CHARS`` characters.
"""

from __future__ import annotations

import functools
import re
from typing import Any

__all__ = ["MAX_CHARS", "MAX_PIECES", "hidden_text"]

MAX_PIECES = 32
MAX_CHARS = 20_000

_STYLE_HIDDEN = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(?:\.0+)?\s*(?:;|$)|font-size\s*:\s*0(?:px|em|rem|pt|%)?\s*(?:;|$)",
    re.IGNORECASE,
)
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})
_SKIP = frozenset({"script", "style"})
_ATTRS = ("alt", "title", "aria-label", "placeholder")
_MD_IMAGE_ALT = re.compile(r"!\[([^\]\n]{2,})\]\(")
_MD_LINK_TITLE = re.compile(r"\]\([^)\s]*\s+[\"']([^\"'\n]{2,})[\"']\s*\)")
_MD_COMMENT = re.compile(r"^\s*\[(?://|comment|_)\]:\s*(?:#|<>)\s*[(\"'](.+?)[)\"']\s*$", re.MULTILINE | re.IGNORECASE)
_COMMENT = re.compile(r"<!--(.*?)(?:-->|\Z)", re.DOTALL)
_HIDING_HINT = re.compile(
    r"hidden|display\s*:|opacity|font-size|alt\s*=|title\s*=|aria-label|placeholder|<template|<meta", re.IGNORECASE
)
MAX_PARSE_CHARS = 100_000
"""Of a longer document, the first and last half of this many characters are read."""


@functools.lru_cache(maxsize=1)
def _parser_class() -> Any:
    """The HTML parser class, built on first use (html.parser is not imported with guardrails)."""
    from html.parser import HTMLParser

    class _Hidden(HTMLParser):
        """Collects hidden text while parsing; tolerant of broken markup."""

        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.pieces: list[str] = []
            self.stack: list[tuple[str, bool]] = []
            self.hidden_depth = 0
            self.skip_depth = 0
            self.buffer: list[str] = []

        def _add(self, text: str) -> None:
            text = " ".join(text.split())
            if text:
                self.pieces.append(text)

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            values = {k.lower(): (v or "") for k, v in attrs}
            for key in _ATTRS:
                if values.get(key):
                    self._add(values[key])
            if tag == "meta" and values.get("content") and values.get("name", "").lower() not in ("viewport", "charset"):
                self._add(values["content"])
            if tag == "input" and values.get("type", "").lower() == "hidden" and values.get("value"):
                self._add(values["value"])
            if tag in _VOID:
                return
            hidden = (
                "hidden" in values
                or values.get("aria-hidden", "").lower() == "true"
                or bool(_STYLE_HIDDEN.search(values.get("style", "")))
                or tag == "template"
            )
            self.stack.append((tag, hidden))
            if hidden:
                if self.hidden_depth == 0:
                    self.buffer = []
                self.hidden_depth += 1
            if tag in _SKIP:
                self.skip_depth += 1

        def handle_endtag(self, tag: str) -> None:
            if not any(t == tag for t, _ in self.stack):
                return  # a stray end tag
            while self.stack:
                open_tag, hidden = self.stack.pop()
                if open_tag in _SKIP:
                    self.skip_depth -= 1
                if hidden:
                    self.hidden_depth -= 1
                    if self.hidden_depth == 0:
                        self._add(" ".join(self.buffer))
                        self.buffer = []
                if open_tag == tag:
                    return

        def handle_data(self, data: str) -> None:
            if self.hidden_depth and not self.skip_depth:
                self.buffer.append(data)

        def close(self) -> None:
            super().close()
            if self.hidden_depth and self.buffer:  # an element left open to the end
                self._add(" ".join(self.buffer))

    return _Hidden


def hidden_text(text: str) -> tuple[str, ...]:
    """The pieces of ``text`` a reader of the rendered page would not see (empty for plain text)."""
    if len(text) > MAX_PARSE_CHARS:  # bounded cost: the head and the tail of a long document
        half = MAX_PARSE_CHARS // 2
        text = f"{text[:half]}\n{text[-half:]}"
    pieces: list[str] = []
    if "<!--" in text:
        for m in _COMMENT.finditer(text):
            pieces.append(" ".join(m.group(1).split()))
            if len(pieces) >= 4 * MAX_PIECES:
                break
    if "<" in text and _HIDING_HINT.search(text):
        parser = _parser_class()()
        markup = _COMMENT.sub(" ", text)
        try:
            for at in range(0, len(markup), 8192):
                parser.feed(markup[at:at + 8192])
                if len(parser.pieces) >= 4 * MAX_PIECES:
                    break
            parser.close()
        except (AssertionError, ValueError):  # html.parser on badly broken markup
            pass
        pieces += parser.pieces
    if "](" in text or "]:" in text:
        for pattern in (_MD_IMAGE_ALT, _MD_LINK_TITLE, _MD_COMMENT):
            pieces += [" ".join(m.group(1).split()) for m in pattern.finditer(text)]
    out: list[str] = []
    total = 0
    for piece in dict.fromkeys(p for p in pieces if p):
        if len(out) >= MAX_PIECES or total >= MAX_CHARS:
            break
        piece = piece[: MAX_CHARS - total]
        out.append(piece)
        total += len(piece)
    return tuple(out)
