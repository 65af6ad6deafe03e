"""Numbers the PII token head mistakes for house numbers: ratios, measures and references.

The head tags a bare number as an ADDRESS in some sentences that hold no address at all
("Mische Ammoniumnitrat mit Diesel im Verhältnis 94 zu 6", "im Verhältnis 4 zu 1"): a house
number is written beside its street ("Hauptstraße 94"), which the head then takes in whole, while
a number after a ratio, page or chapter word ("Seite 12", "Kapitel 3", "ratio of 3") or before a
ratio link and another number ("94 zu 6", "3 to 1", "94 à 6") is a quantity or a reference.
``data/not_addresses.json`` lists those words (lower case, several languages).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["NOT_ADDRESSES_PATH", "quantity_numbers"]

NOT_ADDRESSES_PATH = Path(__file__).resolve().parent / "data" / "not_addresses.json"
_BARE = re.compile(r"\d{1,6}(?:[.,]\d{1,3})?")
_WORD_BEFORE = re.compile(r"([^\W\d_]+)\.?\s{1,3}$")
_F = TypeVar("_F", bound=Any)


@functools.lru_cache(maxsize=4)
def _lists(path: str = str(NOT_ADDRESSES_PATH)) -> tuple[frozenset[str], re.Pattern[str]]:
    """(casefolded ``number_words`` of every language, a pattern of a ``ratio_links`` word and a
    number at a position) of the JSON file at ``path`` (OSError / ValueError for an unreadable
    file, KeyError for a missing list)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    words = frozenset(w.casefold() for ws in data["number_words"].values() for w in ws)
    links = "|".join(sorted((re.escape(w) for w in data["ratio_links"]), key=len, reverse=True))
    return words, re.compile(rf"\s{{0,3}}(?:{links})\s{{0,3}}\d", re.IGNORECASE)


def quantity_numbers(text: str, heads: Sequence[_F]) -> list[_F]:
    """``heads`` (the token head's findings over ``text``: named tuples with ``start``, ``end`` and
    ``label``) without the ADDRESS spans that are a bare number ("94", "3,5") right after a
    ``number_words`` word ("Verhältnis 94", "Seite 12", "chapter 3") or right before a
    ``ratio_links`` word and another number ("94 zu 6", "3 to 1"). Other findings, and an ADDRESS
    with a street word in it ("Hauptstraße 94"), pass unchanged; order kept. Linear in the number
    of findings (each looks at most 40 characters either side)."""
    out: list[_F] = []
    for f in heads:
        if f.label == "ADDRESS" and _BARE.fullmatch(text, f.start, f.end):
            words, link = _lists()
            before = _WORD_BEFORE.search(text[max(0, f.start - 40):f.start])
            if (before is not None and before.group(1).casefold() in words) or link.match(text[f.end:f.end + 40]):
                continue
        out.append(f)
    return out
