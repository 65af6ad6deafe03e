"""How a text becomes segments: sentence groups of a short text, token windows of a long one,
all within a per-call token budget. The one place that cuts text for the classifiers, documents
and the reliability code.

Sentence groups (:func:`sentence_groups`) are character spans: sentences split at sentence
punctuation of many scripts and at line breaks, short fragments joined to their neighbour, long
sentences cut at a space. They let a classifier score one planted sentence without the rest of
a text diluting it.

Token windows (:func:`window_starts`, :class:`WindowPlan`) cover a tokenized text: windows of
``size`` tokens whose starts are ``stride`` apart, the last aligned to the end of the text, so
every token is in some window and any span of up to ``size - stride`` tokens lies wholly inside
one window. The encoder plans them (it owns the tokenizer).

The budget (:class:`TokenBudget`) bounds the work one call may cost: tokens of windows over the
text, and the sentence segments and decoded blobs a guard may score besides it;
:func:`token_budget` is the one the shipped encoder and the first-party guards use. Past it the choice is
deterministic, so the same text always gets the same segments (and cache entries): texts too long
to tokenize whole are first cut, by characters, into a head, a tail and a few evenly spaced
middle pieces (:meth:`TokenBudget.char_pieces`); windows or sentence groups beyond the budget are
thinned to the first ones, the last ones and an even sample of the middle (:func:`select`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = [
    "DEFAULT_TOKENS_PER_CALL",
    "Segment",
    "TokenBudget",
    "Window",
    "WindowPlan",
    "char_pieces",
    "clause_groups",
    "select",
    "sentence_groups",
    "sentence_spans",
    "token_budget",
    "window_starts",
]

DEFAULT_TOKENS_PER_CALL = 8192
"""Default per-call token budget of one text (64 windows of 128 tokens)."""

# A sentence ends after terminal punctuation followed by a space (or the end), after CJK, Arabic
# or Devanagari terminal punctuation (no space needed), or at a line break.
_BOUNDARY = re.compile(
    r"[.!?…]+[\"'”’»)\]]*(?=\s|$)"
    r"|[。！？｡؟۔।॥]+[\"'”’»)\]」』]*"
    r"|\n"
)


@dataclass(frozen=True)
class Segment:
    """Characters ``[start, end)`` of a text."""

    start: int
    end: int

    def of(self, text: str) -> str:
        """The segment's characters in ``text``."""
        return text[self.start : self.end]

    def __len__(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Window:
    """One token window: content tokens ``[start, end)`` of the text's tokenized pieces (indexes
    run on across pieces), characters ``[char_start, char_end)`` of the text."""

    start: int
    end: int
    char_start: int
    char_end: int


@dataclass(frozen=True)
class WindowPlan:
    """The windows chosen for one text, and how much of the text they cover."""

    windows: tuple[Window, ...]
    n_tokens: int
    """Content tokens in the tokenized pieces of the text."""
    complete: bool
    """True when every token of the whole text lies in some window (no budget cut)."""
    chars_skipped: int = 0
    """Characters never tokenized because the text was longer than the character budget."""
    windows_skipped: int = 0
    """Windows dropped by the token budget."""


def window_starts(n: int, size: int, stride: int) -> list[int]:
    """Start offsets of windows of ``size`` tokens, ``stride`` apart, covering ``n`` tokens."""
    if size <= 0 or stride <= 0:
        raise ValueError("window size and stride must be positive")
    if n <= size:
        return [0]
    starts = list(range(0, n - size, stride))
    starts.append(n - size)
    return starts


def select(count: int, keep: int) -> list[int]:
    """Indices kept when ``count`` items exceed ``keep``: the first, the last, an even sample.

    A quarter of ``keep`` (at least one) goes to the first items, a quarter to the last ones, the
    rest to items spread evenly over the middle; ``keep == 1`` keeps the last item. Deterministic.
    """
    if count <= keep:
        return list(range(count))
    keep = max(1, keep)
    if keep == 1:
        return [count - 1]
    head = max(1, keep // 4)
    tail = max(1, keep // 4)
    middle = keep - head - tail
    kept = set(range(head)) | set(range(count - tail, count))
    if middle > 0:
        step = (count - head - tail) / middle
        kept |= {head + int(step * (i + 0.5)) for i in range(middle)}
    return sorted(kept)


def char_pieces(length: int, max_chars: int, n_middle: int = 4) -> list[tuple[int, int]]:
    """Character ranges to tokenize from a text of ``length`` characters.

    The whole text when it fits in ``max_chars``; otherwise three eighths of the budget from the
    head, three eighths from the tail and the rest as ``n_middle`` evenly spaced middle pieces.
    """
    if length <= max_chars:
        return [(0, length)]
    head = tail = max_chars * 3 // 8
    pieces = [(0, head)]
    middle_chars = max_chars - head - tail
    if n_middle > 0 and middle_chars > 0:
        size = math.ceil(middle_chars / n_middle)
        span = length - head - tail
        for i in range(n_middle):
            centre = head + int(span * (i + 0.5) / n_middle)
            start = max(head, centre - size // 2)
            pieces.append((start, min(start + size, length - tail)))
    pieces.append((length - tail, length))
    return pieces


@dataclass(frozen=True)
class TokenBudget:
    """The most work one call may spend on one text, in tokens (deterministic, not timed).

    ``max_tokens`` content tokens are embedded at most; a text longer than ``chars_per_token``
    times that many characters is not even tokenized whole (see :meth:`char_pieces`).
    """

    max_tokens: int = DEFAULT_TOKENS_PER_CALL
    chars_per_token: int = 6
    """Characters read per token of budget before a text is cut by characters (English: ~4.5)."""
    segments: int = 4
    """Sentence segments a guard may score on their own besides the whole text, one window each."""
    decoded: int = 2
    """Texts decoded from blobs in the text (base64, hex, ...) a guard scores, one window each."""

    def __post_init__(self) -> None:
        if self.max_tokens < 1 or self.chars_per_token < 1 or self.segments < 0 or self.decoded < 0:
            raise ValueError("TokenBudget needs max_tokens >= 1, chars_per_token >= 1, segments and decoded >= 0")

    @property
    def max_chars(self) -> int:
        """Characters of a text that are tokenized at most."""
        return self.max_tokens * self.chars_per_token

    def char_pieces(self, length: int) -> list[tuple[int, int]]:
        """The character ranges of a ``length``-character text that are tokenized."""
        return char_pieces(length, self.max_chars)

    def max_windows(self, window_tokens: int) -> int:
        """How many windows of ``window_tokens`` tokens (specials included) fit in the budget."""
        return max(1, self.max_tokens // max(1, window_tokens))

    def max_guard_windows(self, window_tokens: int = 128) -> int:
        """The most encoder windows one text can cost a guard: its windows, segments and blobs."""
        return self.max_windows(window_tokens) + self.segments + self.decoded


SHIPPED_TOKENS_PER_TEXT = 768
"""Tokens of windows over one text for the shipped encoder (6 windows of 128 tokens)."""


def token_budget() -> TokenBudget:
    """The shipped per-text budget: 768 tokens of windows (6 windows of 128 tokens) over the text,
    plus 4 sentence segments and 2 decoded blobs of one window each, so any text costs a guard at
    most 12 encoder windows however long or token-dense it is. ``default_encoder()`` takes its
    ``max_tokens_per_call`` from here; the first-party guards their segment and blob caps."""
    return TokenBudget(max_tokens=SHIPPED_TOKENS_PER_TEXT, segments=4, decoded=2)


def sentence_spans(text: str) -> list[Segment]:
    """Each sentence of ``text`` as a span without its surrounding whitespace (blank ones dropped).

    Sentences end at ``. ! ? …`` followed by a space or the end, at ``。！？؟۔।`` and the like, and
    at line breaks. Abbreviations may split a sentence; :func:`sentence_groups` joins such
    fragments again.
    """
    spans: list[Segment] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        _add_stripped(text, start, m.end(), spans)
        start = m.end()
    _add_stripped(text, start, len(text), spans)
    return spans


def _add_stripped(text: str, start: int, end: int, out: list[Segment]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append(Segment(start, end))


def _cut(text: str, seg: Segment, max_chars: int) -> list[Segment]:
    """``seg`` cut into pieces of at most ``max_chars``, at the last space of each piece if any."""
    out = []
    start = seg.start
    while seg.end - start > max_chars:
        limit = start + max_chars
        space = text.rfind(" ", start + max_chars // 2, limit)
        cut = space if space > start else limit
        out.append(Segment(start, cut))
        start = cut + 1 if space > start else cut
    if seg.end > start:
        out.append(Segment(start, seg.end))
    return out


def sentence_groups(
    text: str, *, min_chars: int = 40, max_chars: int = 300, max_segments: int | None = 32
) -> list[Segment]:
    """Sentence-sized segments of ``text``: spans of the text itself (offsets kept).

    A sentence shorter than ``min_chars`` joins the group before it when the group stays within
    ``max_chars`` (a short first sentence, often a planted command, stays on its own); a sentence
    longer than ``max_chars`` is cut at a space. Past ``max_segments``
    the first, the last and an even sample of the middle ones are kept (:func:`select`).
    """
    return _group(text, sentence_spans(text), min_chars, max_chars, max_segments)


_CLAUSE = re.compile(r"[,;:，；]\s*|\s+(?:and|also|but|plus|anyway|btw|then|\d{1,2}[.)]|[-•*|])\s+", re.IGNORECASE)
"""Where a sentence splits into clauses: commas, semicolons, colons, joining words, and the
markers of an inline list ("1) ... 2) ...", " - ", " • ", " | ")."""


def clause_groups(
    text: str, *, min_chars: int = 12, max_chars: int = 300, max_segments: int | None = 8
) -> list[Segment]:
    """Like :func:`sentence_groups`, with each sentence also cut at commas, semicolons, colons,
    joining words ("and", "also", "but") and inline list markers ("2)", " - "), so one clause of a short message (a self-harm
    statement beside an e-mail address or an unrelated question) is not diluted by the rest."""
    spans: list[Segment] = []
    for sentence in sentence_spans(text):
        start = sentence.start
        for m in _CLAUSE.finditer(text, sentence.start, sentence.end):
            _add_stripped(text, start, m.start(), spans)
            start = m.end()
        _add_stripped(text, start, sentence.end, spans)
    return _group(text, spans, min_chars, max_chars, max_segments)


def _group(
    text: str, spans: list[Segment], min_chars: int, max_chars: int, max_segments: int | None
) -> list[Segment]:
    if max_chars < 1 or min_chars < 0:
        raise ValueError("sentence_groups needs max_chars >= 1 and min_chars >= 0")
    groups: list[Segment] = []
    for sentence in spans:
        for part in _cut(text, sentence, max_chars):
            last = groups[-1] if groups else None
            if last is not None and len(part) < min_chars and part.end - last.start <= max_chars:
                groups[-1] = Segment(last.start, part.end)
            else:
                groups.append(part)
    if max_segments is not None and len(groups) > max_segments:
        groups = [groups[i] for i in select(len(groups), max_segments)]
    return groups
