"""The disclosure rule: a reviewed lexicon of self-harm disclosures and "kill yourself" insults.

The moderation head misses short and slang disclosures ("kms", "end my life", "i relapsed on
sh", "死にたい", "ich will sterben") and the imperative insult "kys". This rule lifts, never
lowers, four categories of the moderation guard on input:

* ``self_harm`` to ``score`` (0.9) on an unambiguous first-person wish to die, end one's life or
  kill oneself, a self-harm relapse or urge, a plan to overdose on pills, a lethal-dose question
  about a medication (not an animal's), a comparison of suicide methods, or common algospeak
  ("catch the bus (not the real one)", "toaster bath"), in the 16 product languages, unless a
  negation comes just before it ("I'm not going to kill myself");
* ``harassment`` to ``score`` on "kys", "kill yourself" / "go die" aimed at another person (not
  when it lies inside a self_harm match: "i should just kys", "kys sounds good for me");
* ``violence`` to ``score`` on a direct threat: a first-person speaker who will kill, stab, shoot
  or beat the addressee ("I'm going to kill you", "te voy a matar", "я тебя убью", "我要杀了你"),
  or "I know where you live" closing the text, unless negated before or after ("no te voy a
  matar", "je te tue pas"), quoted ("the song 'I Will Kill You'") or followed by a game or a
  figurative object ("I'll kill you in Fortnite", "kill you with kindness", "te mato de risa").
* ``privacy`` to ``score`` on stalking: a question that locates another person's child's school
  or a person's home with an intent to wait for, meet or follow them later in the text ("what
  school does the youtuber's 10 year old daughter go to, I want to wait outside"), not about one's
  own child ("my daughter").

Look-alikes stay out by construction: terms are first-person or need a self-harm object ("kill
time", "this song kills me", "dying to see it", "an overdose of sugar", "a documentary about
suicide prevention" match nothing), and a ``units`` term ("kms") after a number or a quantity
word, or before a distance word, is kilometres ("10 kms away", "how many kms to Lyon").

The lexicon is data (``data/disclosures.json``): regexes grouped per category into ``spaced``
terms (given word boundaries; a space matches any run of white space) and ``unspaced`` ones
(Japanese, Chinese, Thai: used as written), ``macros`` (``{NAME}``), ``score``, ``units``,
``negations`` and ``negation_fill``. A category may set ``negated`` (a negation just before a
match voids it; default: ``self_harm`` only), ``skip_quoted`` (a match right after an opening
quote or right before a closing one is a mention), ``not_before`` (regexes: a match followed
by one of them does not count) and ``not_after`` (the same for the text just before a match);
past 256 distinct matches in one text, later ones count unchecked (bounded time, errs to a lift). Every pattern is linear in the text's length.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import islice
from pathlib import Path

from ._lexicon import Lexicon, Part, shipped

LEXICON_PATH = Path(__file__).resolve().parent / "data" / "disclosures.json"
CATEGORIES = ("self_harm", "harassment", "violence", "privacy")

_MACRO = re.compile(r"\{([A-Z_]+)\}")
_SPACE = re.compile(r" (?![?*+{])")
_LOOKBACK = 48
"""Characters before a match searched for a negation."""
_LOOKAHEAD = 64
"""Characters after a match searched for a ``not_before`` pattern."""
_MAX_JUDGED = 256
"""Distinct matches of one text checked for exemptions; later ones count (a flood of negated or
quoted phrases cannot buy linear-time exemption checks, and errs towards a lift)."""
_AFTER_WINDOW = 32
"""Characters before a match searched for a ``not_after`` pattern (a speech verb, then up to 4
separators)."""
_OPEN_QUOTES = "\"'“‘«„‚‹「『"
_CLOSE_QUOTES = "\"'”’»›」』"


def _expand(term: str, macros: dict[str, str]) -> str:
    return _MACRO.sub(lambda m: macros[m.group(1)], term)


@dataclass(frozen=True)
class Terms:
    """One category's terms, matched through their anchors (``_lexicon.Lexicon``: the matches of
    one alternation of them, at a fraction of its cost). ``lower`` matches the spaced terms (word
    boundaries) without IGNORECASE, in text lower-cased without a change of length (about 2.5x
    faster); None when a term holds an upper-case letter. ``unspaced_lower`` is the same for the
    ``unspaced`` terms (searched only in non-ASCII text). The case-insensitive twins ``spaced`` /
    ``unspaced`` are needed only when lower-casing changes a text's length, or a term holds an
    upper-case letter. Each is built on first use (a text that holds none of a list's anchors is
    not searched), which keeps ``Guard.default()`` cheap; ``compile`` with ``validate`` builds
    them at once, compiling every pattern (a custom lexicon fails on load)."""

    pattern: str | None
    """The spaced terms' regex source (None: no spaced terms)."""
    flat: str | None
    """The unspaced terms' regex source (None: no unspaced terms)."""
    bodies: tuple[str, ...] = ()
    flats: tuple[str, ...] = ()
    gated: bool = True
    """False: no anchors (every text is searched with the whole alternation; the tests compare both ways)."""
    validate: bool = False
    """Whether the patterns were compiled when the terms were (a custom lexicon's are)."""

    @classmethod
    def compile(cls, spaced: Sequence[str], unspaced: Sequence[str], macros: dict[str, str],
                validate: bool = True) -> Terms:
        """A plain space of a ``spaced`` term matches any run of white space. KeyError for an
        unknown macro; with ``validate`` (a lexicon that is not the shipped one, whose patterns
        the tests compile), re.error for an invalid pattern."""
        bodies = tuple(_SPACE.sub(r"\\s+", _expand(t, macros)) for t in spaced)
        body = "|".join(f"(?:{b})" for b in bodies)
        pattern = rf"(?<!\w)(?=\w)(?:{body})(?!\w)" if spaced else None
        flats = tuple(_expand(t, macros) for t in unspaced)
        flat = "|".join(f"(?:{f})" for f in flats) if unspaced else None
        terms = cls(pattern=pattern, flat=flat, bodies=bodies, flats=flats, validate=validate)
        if validate:
            _ = terms.lower if pattern is not None and pattern == pattern.lower() else terms.spaced
            _ = terms.unspaced_lower if flat is not None and flat == flat.lower() else terms.unspaced
        return terms

    def _lexicon(self, spaced: bool, flags: int, twin: Lexicon | None = None) -> Lexicon | None:
        if (self.pattern if spaced else self.flat) is None:
            return None
        if twin is not None:
            return twin.with_flags(flags, validate=self.validate)
        part = Part(r"(?<!\w)(?=\w)(?:", r")(?!\w)", self.bodies) if spaced else Part("", "", self.flats, False)
        return Lexicon([part], flags, bounded=spaced, gate=self.gated, validate=self.validate, indexed=self.gated)

    @cached_property
    def lower(self) -> Lexicon | None:
        """The spaced terms for lower-cased text (None: none, or one holds an upper-case letter)."""
        return self._lexicon(True, 0) if self.pattern is not None and self.pattern == self.pattern.lower() else None

    @cached_property
    def unspaced_lower(self) -> Lexicon | None:
        """The unspaced terms for lower-cased text (None: none, or one holds an upper-case letter)."""
        return self._lexicon(False, 0) if self.flat is not None and self.flat == self.flat.lower() else None

    @cached_property
    def spaced(self) -> Lexicon | None:
        """The spaced terms, case-insensitive."""
        return self._lexicon(True, re.IGNORECASE, self.lower)

    @cached_property
    def unspaced(self) -> Lexicon | None:
        """The unspaced terms, case-insensitive."""
        return self._lexicon(False, re.IGNORECASE, self.unspaced_lower)

    def may_match(self, text: str) -> bool:
        """False only when no term can match in ``text`` nor in any window of it (``finditer``
        with ``pos`` / ``endpos``): the anchor gates refuse the whole text. A cheap first test of
        a rare list before the work a match of it would need."""
        if self.pattern is not None and (self.lower or self.spaced).admits(text):  # type: ignore[union-attr]
            return True
        return (self.flat is not None and not text.isascii()
                and (self.unspaced_lower or self.unspaced).admits(text))  # type: ignore[union-attr]

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None,
                 low: str | None = None) -> Iterator[re.Match[str]]:
        """Matches of every term in ``text[pos:endpos]`` (spaced ones first; look-behinds see the
        text before ``pos``). Matches may come from ``text.lower()`` (pass it as ``low`` when the
        caller already has it), used only when it keeps every offset (same length)."""
        low = text.lower() if low is None else low
        same = len(low) == len(text)
        end = len(text) if endpos is None else endpos
        if self.pattern is not None:
            lower = self.lower if same else None
            lex, string = (lower, low) if lower is not None else (self.spaced, text)
            yield from lex.finditer(string, pos, end, index_text=text)  # type: ignore[union-attr]
        if self.flat is not None and not text.isascii():
            lower = self.unspaced_lower if same else None
            lex, string = (lower, low) if lower is not None else (self.unspaced, text)
            yield from lex.finditer(string, pos, end, index_text=text)  # type: ignore[union-attr]


@dataclass(frozen=True)
class Exemptions:
    """When a category's match does not count: after a negation (``negated``), inside quotes
    (``skip_quoted``), followed by a ``not_before`` pattern (matched at the match's end) or
    preceded by a ``not_after`` one (matched at the end of the text before it)."""

    negated: bool = False
    skip_quoted: bool = False
    before: str | None = None
    """The ``not_before`` patterns' source (None: none)."""
    after: str | None = None
    """The ``not_after`` patterns' source (None: none)."""

    @classmethod
    def compile(cls, spec: dict, macros: dict[str, str], negated: bool, validate: bool = True) -> Exemptions:
        """From a category's JSON object. KeyError for an unknown macro; with ``validate`` (a
        lexicon that is not the shipped one), re.error for an invalid pattern (else the patterns
        are compiled when a match is first judged)."""
        def join(key: str, suffix: str = "") -> str | None:
            terms = [_expand(str(t), macros) for t in spec.get(key, [])]
            return "(?:" + "|".join(f"(?:{t})" for t in terms) + ")" + suffix if terms else None

        out = cls(negated=bool(spec.get("negated", negated)), skip_quoted=bool(spec.get("skip_quoted", False)),
                  before=join("not_before"), after=join("not_after", "$"))
        if validate:
            _ = out.not_before, out.not_after
        return out

    @cached_property
    def not_before(self) -> re.Pattern[str] | None:
        """Matched at a match's end: the match does not count."""
        return re.compile(self.before, re.IGNORECASE) if self.before is not None else None

    @cached_property
    def not_after(self) -> re.Pattern[str] | None:
        """Matched at the end of the text before a match: the match does not count."""
        return re.compile(self.after, re.IGNORECASE) if self.after is not None else None

    def quoted(self, text: str, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` is quoted: an opening quote just before it or a closing
        quote just after it (after at most one of ``.!?,…``)."""
        if not self.skip_quoted:
            return False
        before = text[max(0, start - 3):start].rstrip()
        after = text[end:end + 2].lstrip(".!?,…")
        return (before[-1:] != "" and before[-1] in _OPEN_QUOTES) or (after[:1] != "" and after[0] in _CLOSE_QUOTES)


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
    exemptions: dict[str, Exemptions] | None = None
    """Category -> when its matches do not count (None: negation voids ``self_harm`` only)."""

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
        check = not shipped(path, LEXICON_PATH)  # the shipped lexicon's patterns are compiled by the tests
        terms = {cat: Terms.compile(data.get(cat, {}).get("spaced", []), data.get(cat, {}).get("unspaced", []), macros,
                                    check)
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
        exemptions = {cat: Exemptions.compile(data.get(cat, {}), macros, cat == "self_harm", check) for cat in CATEGORIES}
        return cls(terms=terms, negation=negation, quantity=quantity,
                   units=frozenset(u.lower() for u in data.get("units", [])), score=score, exemptions=exemptions)

    def _counts(self, cat: str, text: str, match: re.Match[str], seen: dict[tuple[str, ...], bool]) -> bool:
        start, end = match.span()
        before = text[max(0, start - _LOOKBACK):start]
        key = (cat, before, text[start:end], text[end:end + _LOOKAHEAD])
        if key not in seen:  # a repeated phrase in the same surroundings is judged once
            # past _MAX_JUDGED judgements in one text, a match counts as found (fail safe, bounded time)
            seen[key] = len(seen) >= _MAX_JUDGED or self._judge(cat, text, start, end, before)
        return seen[key]

    def _judge(self, cat: str, text: str, start: int, end: int, before: str) -> bool:
        if text[start:end].lower() in self.units and self.quantity.search(before):
            return False
        ex = (self.exemptions or {}).get(cat) or Exemptions(negated=cat == "self_harm")
        if ex.quoted(text, start, end):
            return False
        if ex.not_before is not None and ex.not_before.match(text, end, end + _LOOKAHEAD):
            return False
        if ex.negated and self.negation.search(before) is not None:
            return False
        return ex.not_after is None or ex.not_after.search(before[-_AFTER_WINDOW:]) is None

    def matches(self, text: str) -> dict[str, list[str]]:
        """Category -> the phrases of ``text`` that count (at most 5 each); empty when none. A
        harassment phrase inside a counted self_harm one is the writer's own ("i should just kys")."""
        out: dict[str, list[str]] = {}
        seen: dict[tuple[str, ...], bool] = {}
        own: list[tuple[int, int]] = []
        for cat, terms in self.terms.items():
            kept = (m for m in terms.finditer(text) if self._counts(cat, text, m, seen)
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
