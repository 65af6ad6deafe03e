"""The disclosure rule: a reviewed lexicon of self-harm disclosures and "kill yourself" insults.

The moderation head misses short and slang disclosures ("kms", "end my life", "i relapsed on
sh", "死にたい", "ich will sterben") and the imperative insult "kys". This rule lifts, never
lowers, two categories of the moderation guard on input:

* ``self_harm`` to ``score`` (0.9) on an unambiguous first-person wish to die, end one's life or
  kill oneself, a self-harm relapse or urge, a plan to overdose on pills, a lethal-dose question
  about a medication (not an animal's), a comparison of suicide methods, or common algospeak
  ("catch the bus (not the real one)", "toaster bath"), in the 16 product languages, unless a
  negation comes just before it ("I'm not going to kill myself");
* ``harassment`` to ``score`` on "kys", "kill yourself" / "go die" aimed at another person (not
  when it lies inside a self_harm match: "i should just kys", "kys sounds good for me").

Look-alikes stay out by construction: terms are first-person or need a self-harm object ("kill
time", "this song kills me", "dying to see it", "an overdose of sugar", "a documentary about
suicide prevention" match nothing), and a ``units`` term ("kms") after a number or a quantity
word, or before a distance word, is kilometres ("10 kms away", "how many kms to Lyon").

The lexicon is data (``data/disclosures.json``): regexes grouped per category into ``spaced``
terms (given word boundaries; a space matches any run of white space) and ``unspaced`` ones
(Japanese, Chinese, Thai: used as written), ``macros`` (``{NAME}``), ``score``, ``units``,
``negations`` and ``negation_fill``. Every pattern is linear in the text's length.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

LEXICON_PATH = Path(__file__).resolve().parent / "data" / "disclosures.json"
CATEGORIES = ("self_harm", "harassment")

_MACRO = re.compile(r"\{([A-Z_]+)\}")
_SPACE = re.compile(r" (?![?*+{])")
_LOOKBACK = 48
"""Characters before a self_harm match searched for a negation."""


def _expand(term: str, macros: dict[str, str]) -> str:
    return _MACRO.sub(lambda m: macros[m.group(1)], term)


@dataclass(frozen=True)
class Terms:
    """One category's terms: ``spaced`` (word boundaries, case-insensitive), ``lower`` (the same
    without IGNORECASE, for ASCII text in lower case: about 3x faster; None when a term holds an
    upper-case letter) and ``unspaced`` (searched only in non-ASCII text)."""

    spaced: re.Pattern[str] | None
    lower: re.Pattern[str] | None
    unspaced: re.Pattern[str] | None

    @classmethod
    def compile(cls, spaced: Sequence[str], unspaced: Sequence[str], macros: dict[str, str]) -> Terms:
        """A plain space of a ``spaced`` term matches any run of white space; re.error for an
        invalid pattern, KeyError for an unknown macro."""
        body = "|".join("(?:" + _SPACE.sub(r"\\s+", _expand(t, macros)) + ")" for t in spaced)
        pattern = rf"(?<!\w)(?=\w)(?:{body})(?!\w)"
        return cls(
            spaced=re.compile(pattern, re.IGNORECASE) if spaced else None,
            lower=re.compile(pattern) if spaced and pattern == pattern.lower() else None,
            unspaced=re.compile("|".join(f"(?:{_expand(t, macros)})" for t in unspaced), re.IGNORECASE)
            if unspaced else None,
        )

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """Matches of every term in ``text`` (spaced ones first)."""
        if self.spaced is not None:
            if self.lower is not None and text.isascii():
                yield from self.lower.finditer(text.lower())
            else:
                yield from self.spaced.finditer(text)
        if self.unspaced is not None and not text.isascii():
            yield from self.unspaced.finditer(text)


@dataclass(frozen=True)
class DisclosureRule:
    """Compiled lexicon; ``scores(texts)`` gives the lifted categories of a text and its views."""

    terms: dict[str, Terms]
    """Category -> its compiled terms."""
    negation: re.Pattern[str]
    """Matches at the end of the text before a self_harm match when that match is negated."""
    quantity: re.Pattern[str]
    """Matches at the end of the text before a ``units`` term when that term is a measure."""
    units: frozenset[str]
    score: float = 0.9

    @staticmethod
    def default_path() -> Path:
        """The shipped lexicon, ``data/disclosures.json``."""
        return LEXICON_PATH

    @classmethod
    def load(cls, path: str | Path = LEXICON_PATH) -> DisclosureRule:
        """Compile the lexicon file (JSON; see the module docstring). KeyError for an unknown
        macro, re.error for an invalid pattern, ValueError for a score outside 0..1 or an
        unknown category."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        macros = {str(k): str(v) for k, v in data.get("macros", {}).items()}
        unknown = {k for k, v in data.items() if isinstance(v, dict) and k not in ("macros", *CATEGORIES)}
        if unknown:
            raise ValueError(f"disclosure lexicon {path}: unknown categories {sorted(unknown)}; known: {CATEGORIES}")
        terms = {cat: Terms.compile(data.get(cat, {}).get("spaced", []), data.get(cat, {}).get("unspaced", []), macros)
                 for cat in CATEGORIES}
        score = float(data.get("score", 0.9))
        if not 0.0 <= score <= 1.0:
            raise ValueError(f"disclosure lexicon {path}: score {score} is outside 0..1")
        words = [str(n) for n in data.get("negations", [])]
        heads = [re.escape(n) if n[:2] in ("n'", "n’") else rf"(?<!\w){re.escape(n)}" for n in words] or ["(?!)"]
        fill = "|".join(re.escape(str(w)) for w in data.get("negation_fill", [])) or "(?!)"
        negation = re.compile(rf"(?:{'|'.join(heads)})\s+(?:(?:{fill})\s+){{0,3}}$", re.IGNORECASE)
        num = macros.get("NUM", r"\d+")
        quantity = re.compile(rf"(?:(?<!\w)(?:{num})|\d)\s*$", re.IGNORECASE)
        return cls(terms=terms, negation=negation, quantity=quantity,
                   units=frozenset(u.lower() for u in data.get("units", [])), score=score)

    def _counts(self, cat: str, text: str, match: re.Match[str]) -> bool:
        before = text[max(0, match.start() - _LOOKBACK):match.start()]
        if text[match.start():match.end()].lower() in self.units and self.quantity.search(before):
            return False
        return cat != "self_harm" or self.negation.search(before) is None

    def matches(self, text: str) -> dict[str, list[str]]:
        """Category -> the phrases of ``text`` that count (at most 5 each); empty when none. A
        harassment phrase inside a counted self_harm one is the writer's own ("i should just kys")."""
        out: dict[str, list[str]] = {}
        own: list[tuple[int, int]] = []
        for cat, terms in self.terms.items():
            kept = (m for m in terms.finditer(text) if self._counts(cat, text, m)
                    and not (cat == "harassment" and any(s < m.end() and m.start() < e for s, e in own)))
            spans = list(islice(((m.start(), m.end()) for m in kept), 5))
            if cat == "self_harm":
                own = spans
            if spans:
                out[cat] = [text[s:e] for s, e in spans]
        return out

    def scores(self, texts: Iterable[str]) -> tuple[dict[str, float], dict[str, list[str]]]:
        """(category -> ``score`` for each category some text matches, category -> phrases)."""
        hits: dict[str, list[str]] = {}
        for text in dict.fromkeys(t for t in texts if t):
            for cat, phrases in self.matches(text).items():
                hits.setdefault(cat, []).extend(p for p in phrases if p not in hits.get(cat, []))
        return {cat: self.score for cat in hits}, hits


def lift(categories: dict[str, float], lifted: dict[str, float]) -> dict[str, float]:
    """``categories`` with each category of ``lifted`` it reports raised to at least that score."""
    return {c: max(s, lifted[c]) if c in lifted else s for c, s in categories.items()}
