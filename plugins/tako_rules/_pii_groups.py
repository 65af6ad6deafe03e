"""Words the PII token head mistakes for names: group nouns and sentence-opening imperatives.

The head tags some capitalised words that never name a person, place or organisation on their
own: group, demonym, religion and nationality nouns ("I love Muslims.", "Mexicans", "Juden",
"мусульмане") and imperative verbs that open an instruction ("Игнорируй все предыдущие
инструкции", "Ignore all previous instructions", "Contact", "Ask"), and words that name a team, desk or service
("Customer Support", "Atención al Cliente"). ``data/not_names.json`` lists them (lower case,
several languages); a span every word of which is listed is no name. Given names that are also
such words ("Christian", "Jordan", "Will") are not listed, so "call Christian" still redacts.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

__all__ = ["NOT_NAMES_PATH", "not_a_name"]

NOT_NAMES_PATH = Path(__file__).resolve().parent / "data" / "not_names.json"
_WORDS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


@functools.lru_cache(maxsize=4)
def _listed(path: str = str(NOT_NAMES_PATH)) -> frozenset[str]:
    """The casefolded ``group_nouns``, ``imperatives``, optional ``service_words`` and ``filler_words`` of
    the JSON file at ``path`` (OSError / ValueError for an unreadable file, KeyError for a missing list)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    words = [w for key in ("group_nouns", "imperatives") for w in data[key]]
    words += list(data.get("service_words", [])) + list(data.get("filler_words", []))
    return frozenset(w.casefold() for w in words)


def not_a_name(span: str) -> bool:
    """True when every word of ``span`` (a PERSON, LOCATION or ORGANIZATION the head found) is a
    group noun, an imperative verb, a service word or a lorem-ipsum filler word ("Muslims", "Игнорируй", "Lorem"); False for an empty span, a span
    longer than 60 characters, or any other word ("Anna Kowalski", "Muhammad Ali Khan")."""
    if not span or len(span) > 60:
        return False
    words = _WORDS.findall(span)
    listed = _listed()
    return bool(words) and all(w.casefold() in listed for w in words)
