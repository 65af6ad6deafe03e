"""Algospeak lexicon helpers of the normalize guard: the hint every spelling of a term holds, and
whether the lexicon may be matched case-sensitively on the lower case of an ASCII text."""

from __future__ import annotations

import re
from collections.abc import Collection

__all__ = ["_ascii_exact", "_hint"]


def _hint(term: str) -> str:
    """A substring every spelling of ``term`` contains (its first 3+ letter piece, or a symbol)."""
    pieces = re.findall(r"\w+", term)
    first = next((p for p in pieces if len(p) >= 3), "")
    if first or not pieces:
        return first or term
    return next((c for c in term if not c.isalnum() and not c.isspace()), pieces[0])


_FOLDS_TO_ASCII = frozenset("\u0130\u0131\u017f\u212a")
"""The characters outside ASCII that match an ASCII letter case-insensitively (İ ı ſ and the Kelvin sign)."""


def _ascii_exact(terms: Collection[str], hints: Collection[str]) -> bool:
    """True when, on ASCII text, the lexicon's pattern matching the lower case equals matching the
    text case-insensitively, and a match implies a hint: every term is ASCII or holds a character
    no ASCII one matches, and no hint has a space (a term's ``\\s+`` may stand for other spaces)."""
    unsafe = [t for t in terms if not t.isascii() and all(c.isascii() or c in _FOLDS_TO_ASCII for c in t)]
    return not unsafe and all(terms) and all(h and not any(c.isspace() for c in h) for h in hints)
