"""A reviewed list of insults, slurs and profanity aimed at a person, read by the moderation
guard's style-agreement stage (``_style``): a short typed text that holds one keeps its typed
harassment score ("ты тупой урод", "sen bir aptalsın", "t'es qu'une sale pute").

The list is data (``data/insults.json``), per language (the 16 DESIGN.md languages and nl):
``spaced`` terms match case-insensitively on word boundaries (a space matches any run of white
space; a trailing ``*`` matches any word ending, "aptal*" -> "aptalsın"); ``unspaced`` ones
(Japanese, Chinese, Korean, Thai) are regexes matched anywhere in non-ASCII text. Every pattern is
one alternation of literals, linear in the text's length.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ._disclosures import Terms
from ._lexicon import shipped

__all__ = ["INSULTS_PATH", "InsultLexicon", "holds_insult"]

INSULTS_PATH = Path(__file__).resolve().parent / "data" / "insults.json"


def _spaced(term: str) -> str:
    prefix = term.endswith("*")
    body = r"\s+".join(re.escape(w) for w in term.rstrip("*").split())
    return body + (r"\w*" if prefix else "")


@dataclass(frozen=True)
class InsultLexicon:
    """Compiled insult terms (``_disclosures.Terms``: ``spaced`` at word boundaries, ``unspaced``
    anywhere in non-ASCII text)."""

    terms: Terms

    @classmethod
    def from_terms(cls, spaced: Mapping[str, Sequence[str]], unspaced: Mapping[str, Sequence[str]],
                   validate: bool = True) -> InsultLexicon:
        """``spaced``/``unspaced``: per language code, its terms (the data file's shape).
        re.error for an invalid ``unspaced`` regex; ValueError for an empty or non-string term."""
        words = [t for terms in spaced.values() for t in terms]
        marks = [t for terms in unspaced.values() for t in terms]
        if any(not isinstance(t, str) or not t.strip("* ") for t in (*words, *marks)):
            raise ValueError("insult terms must be non-empty strings")
        # longest first, so a prefix term does not shadow a longer phrase that starts with it
        return cls(Terms.compile([_spaced(t) for t in sorted(set(words), key=len, reverse=True)], marks, {}, validate))

    @classmethod
    def load(cls, path: Path = INSULTS_PATH) -> InsultLexicon:
        """The lexicon of a data file ({"spaced": {lang: [...]}, "unspaced": {lang: [...]}});
        OSError, json.JSONDecodeError, re.error or ValueError for a bad file."""
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls.from_terms(data.get("spaced", {}), data.get("unspaced", {}), not shipped(path, INSULTS_PATH))

    def search(self, text: str) -> str | None:
        """The first insult found in ``text`` (as written there), or None. Linear."""
        m = next(self.terms.finditer(text), None)
        return None if m is None else text[m.start():m.end()]


@lru_cache(maxsize=1)
def _shipped() -> InsultLexicon:
    return InsultLexicon.load()


def holds_insult(text: str) -> bool:
    """Whether ``text`` holds a term of the shipped list (``data/insults.json``). Linear."""
    return _shipped().search(text) is not None
