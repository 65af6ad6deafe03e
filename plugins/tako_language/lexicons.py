"""Per-language seed lexicons shipped as data files (profanity, banned terms, algospeak).

``profanity.yaml`` and ``banned.yaml`` are in the lexicon guard's file format
(``{terms: {lang: [...]}}``); ``algospeak.yaml`` is in the normalize rail's format (entries
mapping a euphemism to the plain word). They are small, hand-reviewed SEED lists for en, de,
es and fr, meant to be extended per market. See docs/multilingual.md.
"""

from __future__ import annotations

from pathlib import Path

import yaml

__all__ = ["LEXICONS", "lexicon_file", "lexicon_terms"]

LEXICONS = ("algospeak", "banned", "profanity")
"""Names of the shipped lexicon files."""
_DATA = Path(__file__).resolve().parent / "data"


def lexicon_file(name: str) -> Path:
    """Absolute path of a shipped lexicon (``profanity``, ``banned`` or ``algospeak``)."""
    if name not in LEXICONS:
        raise ValueError(f"no lexicon {name!r}; shipped: {', '.join(LEXICONS)}")
    return _DATA / f"{name}.yaml"


def lexicon_terms(name: str) -> dict[str, list[str]]:
    """The terms of ``profanity`` or ``banned`` by language code (``any``: every language)."""
    if name == "algospeak":
        raise ValueError("algospeak is a mapping file; pass lexicon_file('algospeak') to the normalize rail")
    data = yaml.safe_load(lexicon_file(name).read_text(encoding="utf-8"))
    return {lang: list(terms) for lang, terms in data["terms"].items()}
