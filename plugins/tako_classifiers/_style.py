"""The moderation guard's style-agreement stage: a short text typed as chat, read once more in
sentence case.

The shipped encoder (run11) learned a style shortcut: its harmful rows are mostly typed as chat
(lower-case first letter, no closing full stop) and its benign multilingual rows are written in
sentence case with a full stop, so a short, second-person message typed in another language
reads as harassment: "te quiero mucho amigo" 0.81, "ich vermisse dich" 0.93, "te llamo más
tarde" 0.93, while "Te quiero mucho amigo." scores 0.00-0.20. A real insult keeps most of its
score in sentence case ("eres un perdedor patético y nadie te quiere" 0.94 -> 0.85).

So a short view (at most ``style_chars`` characters and ``style_words`` words,
``_view.word_count``) that is not already in sentence case and whose score for a
``style_categories`` category reaches the head's recommended threshold is embedded once more in
its sentence-case forms, one per ``style_marks`` (``sentence_case``: "Ti voglio bene." and "Ti
voglio bene!"; one encoder call per batch, only for such texts, so the median cost is
unchanged). A category whose highest re-read stays under ``style_floor`` takes that lower
score; one that reaches the floor keeps the typed score. A re-read can only lower a score, never
raise one, and only the listed categories move. The "!" form keeps insults that the "." form
reads as benign ("お前は馬鹿だ" 0.74 typed, 0.03 with "。", 0.27 with "！").

A view that holds an insult, slur or profanity aimed at a person (``_insults``, a reviewed list
for 17 languages) is not re-read: it keeps its typed score. Typed insults otherwise re-read under
the floor too ("ты тупой урод", "sen bir aptalsın", "jij bent een kankerlijer").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

import numpy as np
from pydantic import Field

from guardrails.protocol import EncoderLike, GuardConfig

from ._insults import holds_insult
from ._view import word_count

__all__ = ["StyleOptions", "agree_style", "sentence_case"]

_CLOSERS = (".", "\u3002", "!", "\uff01", "?", "\uff1f", "\u061f", "\u0964")  # . 。 ! ！ ? ？ ؟ ।
_WIDE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_WIDE_MARK = {".": "\u3002", "!": "\uff01"}


class StyleOptions(GuardConfig):
    """The moderation guard's options of the style-agreement stage (a base of its ``Config``)."""

    style_agreement: bool = True
    """Read a short text typed as chat and scored for ``style_categories`` once more in sentence
    case, and keep its score only if the re-read reaches ``style_floor``. False: off."""
    style_categories: list[str] = Field(default_factory=lambda: ["harassment"])
    """The categories the stage may lower. Violence is left out: a typed threat loses it in
    sentence case too ("je vais te tuer" 0.95 -> 0.15)."""
    style_marks: list[Literal[".", "!"]] = Field(default_factory=lambda: [".", "!"], min_length=1)
    """One sentence-case form per mark (``sentence_case``), all embedded in one call; the highest
    re-read counts. An insult keeps more of its score with "!" ("お前は馬鹿だ！" 0.27, "。" 0.03)."""
    style_floor: float = Field(0.2, ge=0.0, le=1.0)
    """A re-read under this score replaces the typed one (the lower of the two)."""
    style_chars: int = Field(120, ge=0)
    """Views longer than this (characters) are not read by the stage (0: off)."""
    style_words: int = Field(12, ge=1)
    """Views of more words than this (``_view.word_count``: CJK two characters a word) are not read."""


def sentence_case(text: str, mark: str = ".") -> str:
    """``text`` stripped, its first character upper-cased, closed with ``mark`` (its full-width
    form, ``。`` or ``！``, after CJK, kana or hangul) unless it already closes with
    ``. 。 ! ！ ? ？ ؟ ।``. Linear."""
    core = text.strip()
    if not core:
        return core
    if not core.endswith(_CLOSERS):
        core += _WIDE_MARK.get(mark, mark) if _WIDE.match(core[-1]) else mark
    return core[:1].upper() + core[1:]


def _forms(text: str, options: StyleOptions) -> list[str]:
    """The sentence-case forms of a short typed view ([] when the stage does not read it: too
    long, or it holds an insult, ``_insults``)."""
    if not 0 < len(text) <= options.style_chars or word_count(text) > options.style_words:
        return []
    if holds_insult(text):
        return []
    return [f for f in dict.fromkeys(sentence_case(text, m) for m in options.style_marks) if f and f != text]


def agree_style(options: StyleOptions, encoder: EncoderLike, raw_scores: Callable[[np.ndarray], dict[str, float]],
                thresholds: Mapping[str, float], groups: Sequence[list[tuple[str, bool]]],
                raws: list[list[dict[str, float]]]) -> None:
    """Lower, in place, the ``style_categories`` outputs of each short typed view whose
    sentence-case re-reads (the highest of them) score under ``style_floor``.

    ``groups``: per checked text, ``(text, is_segment)`` pairs as the guard embeds them (the first
    is the view, embedded in windows); ``raws[g][0]`` its head outputs; ``raw_scores`` turns
    window vectors, shape (n, dim), into head outputs; ``thresholds``: per category, the score
    (the head's recommended threshold) at which a view is re-read. One
    ``embed_windows_batch`` call at most, only when some view qualifies; the dicts in ``raws``
    are replaced, never mutated (they may be memoised)."""
    if not options.style_agreement or not options.style_chars:
        return
    cats = [c for c in options.style_categories if c in thresholds]
    jobs: list[tuple[int, list[str], list[str]]] = []
    for g, group in enumerate(groups):
        if not group or group[0][1]:
            continue
        hit = [c for c in cats if raws[g][0].get(c, 0.0) >= thresholds[c]]
        forms = _forms(group[0][0], options) if hit else []
        if forms:
            jobs.append((g, forms, hit))
    if not jobs:
        return
    windows = iter(encoder.embed_windows_batch([f for _, forms, _ in jobs for f in forms]))
    for g, forms, hit in jobs:
        again = [raw_scores(next(windows)) for _ in forms]
        orig = raws[g][0]
        low = {c: min(orig[c], max(a.get(c, 0.0) for a in again)) for c in hit}
        low = {c: v for c, v in low.items() if v < options.style_floor}
        if low:
            raws[g][0] = {**orig, **low}
