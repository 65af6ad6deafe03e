"""The moderation guard's departure stage: a short message that only says the writer is leaving.

The encoder reads "so I'm leaving now" as a farewell note (self_harm 0.87, escalated), and so
"ok so I'm going now" (0.90), "so, ich bin jetzt weg, tschüss" (0.88), "vabbè, io vado adesso,
ciao" (0.79). A text of at most ``departures_words`` words (``_view.word_count``) that holds a
``leave`` phrase of ``data/departures.json`` ("I'm leaving", "gotta go", "je m'en vais", "ich gehe
dann mal", "me voy", "estou indo embora", "me ne vado", "я ухожу", "帰るね") and nothing else but
``fill`` words (so, ok, now, bye, see you tomorrow, bon, jetzt, tschüss, bueno, chao, tchau,
adesso, пока, じゃあ ...) and punctuation has its ``self_harm`` capped at ``departures_cap``. A single
word more keeps the score: "forever", "this world", "tell my sister I love her", "I took all my
pills", "para siempre", "навсегда"; final farewells ("goodbye", "adiós", "adieu", "addio", "adeus",
"прощайте") are not fill. The disclosure lexicon still lifts after the cap. Only ``self_harm``
moves, and only down; every pattern is linear.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from pydantic import Field

from guardrails.protocol import GuardConfig

from ._terms import alternation
from ._view import word_count

__all__ = ["DEPARTURES_PATH", "DepartureOptions", "cap_departure", "only_departure"]

DEPARTURES_PATH = Path(__file__).resolve().parent / "data" / "departures.json"
_WIDE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_WORD = re.compile(r"\w")


class DepartureOptions(GuardConfig):
    """The moderation guard's options of the departure stage (a base of its ``Config``)."""

    departures: bool = True
    """Cap ``self_harm`` on a short text that only says the writer is leaving (``_departures``). False: off."""
    departures_cap: float = Field(0.2, ge=0.0, le=1.0)
    """The cap (under the default policy's self_harm threshold, 0.40)."""
    departures_words: int = Field(10, ge=1)
    """Longer texts (words, ``_view.word_count``) are not capped."""


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(leave phrases, fill words) of the shipped data file, compiled once when first needed."""
    data = json.loads(DEPARTURES_PATH.read_text(encoding="utf-8"))
    fill = [" ".join(re.escape(part) for part in w.split()) for w in data.get("fill", [])]
    wide = [w for w in fill if _WIDE.search(w)]
    narrow = [w for w in fill if not _WIDE.search(w)]
    leave = "|".join(p for p in (alternation(data.get("leave", []), True),
                                 alternation(data.get("leave_unspaced", []), False)))
    fills = "|".join(p for p in (alternation(narrow, True), alternation(wide, False)))
    return re.compile(leave, re.IGNORECASE), re.compile(fills, re.IGNORECASE)


def only_departure(text: str, words: int = 10) -> bool:
    """Whether ``text`` (at most ``words`` words) holds a leave phrase and, those and the fill words
    taken out, no word character at all. Linear."""
    if not text or word_count(text) > words:
        return False
    leave, fill = _patterns()
    rest, found = leave.subn(" ", text)
    return found > 0 and _WORD.search(fill.sub(" ", rest)) is None


def cap_departure(options: DepartureOptions, categories: dict[str, float], text: str) -> dict[str, float]:
    """``categories`` with ``self_harm`` capped at ``departures_cap`` when ``only_departure(text)``;
    ``categories`` itself otherwise (never a higher score)."""
    if (not options.departures or categories.get("self_harm", 0.0) <= options.departures_cap
            or not only_departure(text, options.departures_words)):
        return categories
    return {**categories, "self_harm": options.departures_cap}
