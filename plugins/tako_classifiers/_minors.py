"""The sexual_minors rule: a reviewed lexicon combined with the moderation head's sexual score.

There is no labelled training data for sexualisation of minors, so no head is trained for it.
Instead a text scores when a minor-indicating term appears together with sexual content:

* a *direct* term (e.g. "child porn", "jailbait") scores 1.0;
* a minor term within ``window`` tokens of an explicit sexual term scores 0.9;
* otherwise a minor term anywhere lifts the moderation head's ``sexual`` score into this category;
* protective or educational context ("talk to my", "puberty", "report") multiplies by 0.3.

Minor terms include an age under 18 written in any common way: "14 year old", "14-year-old",
"fourteen-year-old", "14 years young", "14 years of age", "14yo", "14 y.o.", "14 y/o", "14-y-o",
"age 14", "aged 14", "age: 14", "at the age of 14", "(14f)", "7th grader", "girls under 16", and
the German, French, Spanish, Portuguese, Italian, Japanese and Chinese forms ("14-jährige",
"fille de 14 ans", "de 14 años (de edad)", "di 14 anni", "14歳", "14岁"). An age gate ("ages 14
and up", "age 16+", "minimum age 16") is not one, nor a duration ("14 años de matrimonio").

*Benign* terms are blanked before matching (same length, so offsets hold): a sexual word in
another sense ("nude lipstick", "comic strip", "naked eye", "what sex is the baby", "explicit
lyrics") never counts as sexual, and a text whose only sexual-looking words were such senses has
the head's ``sexual`` score and the head's own sexual_minors output damped by the protective
factor as well (``head_output``).

*Adult ages* (optional ``adult_age_terms``, ``{ADULT}`` = 18-99): the head learned "N year old" +
sexual => minors, so a text that states an adult age the ways a minor's age is written ("19 year
old", "19yo", "19 y/o", "aged 19", "age: 19", "(19f)", "i'm 19", "I am 22", "19-jährige", "de 19
años", "fille de 19 ans", "di 19 anni", "nineteen-year-old", "22-летняя", "ей 22 года", "19歳",
"19岁") and holds no minor term, no direct term and no ``adult_age_veto_terms`` match ("she's 14",
"under 21", "looks young", "little sister", "14-летняя", "школьница", "ロリ", "中学生") has the
HEAD's own sexual_minors output damped by the protective factor (``head_output``; ``combine`` is
what the guard reports). The head's ``sexual`` output is never touched, and an age gate ("18+", "18 and up") is not an adult statement.

*Everyday context* (optional ``everyday_terms`` / ``everyday_veto_terms``): the head also learned
"N year old" alone as sexual, so a minor term in parenting, shopping, school or sports context
("my 13yo wants a phone", "which laptop for a 14 year old", "qué móvil para mi hijo de 13 años")
with no sexual term, no direct term and no veto match (images, private contact, being alone,
bodies, beds and baths, dating, trade or sale; undressing, touching, private parts, secrets, "for
me", video calls, in the 16 product languages) has the head's sexual_minors output, the rule score
and the head's ``sexual`` output (``sexual_output``) damped by the protective factor -- unless the
head already scores the text ``everyday_ceiling`` or more (``sexual`` 0.9, ``sexual_minors`` 0.95):
"my 12yo needs help with homework, how do I get her to undress for me" is not parenting.

*Coded terms* (optional ``coded_terms``: "pthc", Russian "цп" beside a minor cue, "pornografía
infantil", "児童ポルノ") are minor terms that score 0.9 alone, as if a sexual term stood beside
them. A request for sexual images or porn (optional ``protective_veto_terms``: "send me ... nude",
"explicit porn") keeps protective context from damping the rule ("medical question: send me
explicit pics of ...").

*Health education* (optional ``health_terms`` / ``health_veto_terms``): the head reads sex
education and puberty material in some languages as sexual ("이차 성징 설명 영상 초등학생용",
"Sexualkunde für Grundschüler Video", "التربية الجنسية للأطفال فيديو"), so a text that names a
health-education topic (sex education, puberty, secondary sex characteristics, menstruation, sexual
health, in the 16 product languages) and, with those words and benign senses
blanked, no sexual term, no direct term and nothing of the veto (photos, real, naked, "send",
"show me", private contact) is damped the same way as everyday context (``health_context``; same
length cap and ``everyday_ceiling``); no minor term is needed.
"""

from __future__ import annotations

import functools
import json
import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ._lexicon import Lexicon, shipped
from ._terms import _NEVER, _compile, _compile_mixed, _lower_of

LEXICON_PATH = Path(__file__).resolve().parent / "data" / "sexual_minors.json"

_TOKEN = re.compile(r"[\w\u0610-\u061a\u064b-\u065f\u0900-\u0e7f]+")
"""A word: letters, digits and the combining marks of Arabic and the Indic and Thai scripts (which
``\\w`` leaves out, so a Hindi word would count as several tokens of the ``window``)."""
_REQUIRED = ("minor_terms", "sexual_terms", "direct_terms", "protective_terms")
_MEMO, _MEMO_CHARS = 32, 4096
"""Texts whose minor-term and everyday-context answers a rule keeps, and the longest kept (chars)."""
EVERYDAY_MAX_CHARS = 1000
"""Longest text (characters) read for everyday context: the parenting and shopping questions it is
for are short, and a longer text is left to the head and the rule (a megabyte costs nothing)."""
EVERYDAY_CEILING = {"sexual": 0.9, "sexual_minors": 0.95}
"""Head outputs at or above which everyday context damps nothing (lexicon key ``everyday_ceiling``):
the phone and bike questions it is for score at most about 0.6 sexual and 0.88 sexual_minors, and
a request to undress a child in homework context scores 0.96 sexual."""
AGE_RULE_FLOOR = 0.1
"""Head outputs under which an age-rule question is not looked for (no decision would change)."""
AGE_RULE_CEILING = {"sexual": 0.95, "sexual_minors": 0.95}
"""The same for an age-rule question (lexicon key ``age_rule_ceiling``): "minimum age 13 to make an
account?" scores 0.90 sexual, "13yo nudes" 0.98 (and holds a sexual term, which no context damps)."""


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group())


def _near(a: list[int], b: list[int], window: int) -> bool:
    """True when some position of ``a`` is within ``window`` of some position of ``b`` (both
    sorted ascending); O((len(a) + len(b)) log len(b)), so a megabyte of hits stays fast."""
    for x in a:
        i = bisect_left(b, x - window)
        if i < len(b) and b[i] <= x + window:
            return True
    return False


@dataclass(frozen=True)
class MinorsRule:
    """Compiled lexicon; ``score(text, sexual_score)`` returns the sexual_minors score 0..1."""

    minor: re.Pattern[str]
    sexual: re.Pattern[str]
    direct: re.Pattern[str]
    protective: re.Pattern[str]
    window: int = 14
    protective_factor: float = 0.3
    benign: re.Pattern[str] = _NEVER
    minor_lower: re.Pattern[str] | None = None
    """``minor`` without IGNORECASE, for ASCII text in lower case (about 4x faster: the test most
    texts stop at); None when a term holds an upper-case letter (``\\W``, say)."""
    adult: re.Pattern[str] = _NEVER
    """An explicit adult age (``adult_age_terms``); never matches for a lexicon without them."""
    adult_veto: re.Pattern[str] = _NEVER
    """Young-age context that keeps an adult age from damping the head (``adult_age_veto_terms``)."""
    adult_lower: re.Pattern[str] | None = None
    adult_veto_lower: re.Pattern[str] | None = None
    """``adult`` and ``adult_veto`` for ASCII text in lower case, as ``minor_lower``."""
    sexual_lower: re.Pattern[str] | None = None
    benign_lower: re.Pattern[str] | None = None
    """``sexual`` and ``benign`` for ASCII text in lower case, as ``minor_lower``."""
    everyday: re.Pattern[str] = _NEVER
    """Parenting, shopping, school or sports context (``everyday_terms``); never matches when absent."""
    everyday_veto: re.Pattern[str] = _NEVER
    """Context that keeps an age in everyday context suspect (``everyday_veto_terms``)."""
    everyday_ceiling: tuple[float, float] = (EVERYDAY_CEILING["sexual"], EVERYDAY_CEILING["sexual_minors"])
    """(sexual, sexual_minors) head outputs from which everyday context no longer damps anything."""
    coded: re.Pattern[str] = _NEVER
    """Coded terms (``coded_terms``), minor terms too: a text holding one scores 0.9 as if a sexual
    term stood beside it ("pthc", "обмен цп с малолетками", "pornografía infantil")."""
    protective_veto: re.Pattern[str] = _NEVER
    """A request for sexual images or porn (``protective_veto_terms``: "send me nude pics", "explicit
    porn"): protective context ("medical question", "health class") does not damp a text holding one."""
    health: re.Pattern[str] = _NEVER
    """Health-education topics (``health_terms``); never matches when absent."""
    health_veto: re.Pattern[str] = _NEVER
    """Context that keeps a health-education text suspect (``health_veto_terms``)."""
    age_rule: re.Pattern[str] = _NEVER
    """A question about an age rule (``age_rule_terms``: minimum age, age limit, age rating, PEGI)."""
    age_rule_ceiling: tuple[float, float] = (AGE_RULE_CEILING["sexual"], AGE_RULE_CEILING["sexual_minors"])
    """(sexual, sexual_minors) head outputs from which an age-rule question no longer damps anything."""

    _has_minor: Callable[[str], bool] = field(init=False, repr=False, compare=False)
    _everyday: Callable[[str], bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # the guard asks the same text-only questions up to three times per text (head_output,
        # score, sexual_output): their answers are kept for the last _MEMO texts
        for name, find in (("_has_minor", self._find_minor), ("_everyday", self._find_everyday)):
            kept = functools.lru_cache(maxsize=_MEMO)(find)  # a long text is neither kept alive nor reused
            object.__setattr__(self, name, lambda t, *more, kept=kept, find=find: (kept if len(t) <= _MEMO_CHARS else find)(t, *more))

    @classmethod
    def load(cls, path: str | Path = LEXICON_PATH) -> MinorsRule:
        """Compile the lexicon file: JSON with ``minor_terms``, ``sexual_terms``, ``direct_terms``
        and ``protective_terms`` lists, optional ``benign_terms``, ``macros`` (``{NAME}`` ->
        pattern), ``window`` (tokens), ``word_start`` (bool, see ``_compile``), ``adult_age_terms``
        ``adult_age_veto_terms``, ``everyday_terms``, ``everyday_veto_terms``, ``health_terms``,
        ``health_veto_terms``, ``age_rule_terms`` and ``everyday_ceiling`` / ``age_rule_ceiling``
        (``{"sexual": x, "sexual_minors": y}``; see ``head_output`` and ``everyday_context``), ``coded_terms``
        (minor terms that score 0.9 alone) and ``protective_veto_terms``. KeyError for a
        missing list or an unknown macro; re.error for an invalid pattern."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        macros = {str(k): str(v) for k, v in data.get("macros", {}).items()}
        start = bool(data.get("word_start", False))
        ceiling = {**EVERYDAY_CEILING, **data.get("everyday_ceiling", {})}
        rule_ceiling = {**AGE_RULE_CEILING, **data.get("age_rule_ceiling", {})}

        def terms(key: str) -> list[str]:
            coded = data.get("coded_terms", []) if key == "minor_terms" else []
            return list(data[key] if key in _REQUIRED else data.get(key, [])) + list(coded)

        def mixed(key: str) -> re.Pattern[str]:  # a term may begin inside CJK or Thai text ("出售儿童色情")
            return _compile_mixed(terms(key), macros, start, check, gated=True)

        check = not shipped(path, LEXICON_PATH)  # the shipped lexicon's patterns are compiled by the tests

        def pattern(key: str, inside_cjk: bool = False) -> re.Pattern[str]:
            return _compile(terms(key), macros, start, inside_cjk, check)

        def lower(key: str) -> re.Pattern[str] | None:
            return _lower_of(terms(key), macros, start, check)

        rule = cls(
            minor=mixed("minor_terms"), sexual=_compile_mixed(terms("sexual_terms"), macros, start, check), direct=pattern("direct_terms"),
            protective=pattern("protective_terms", inside_cjk=True), window=int(data.get("window", 14)),
            benign=pattern("benign_terms"), minor_lower=lower("minor_terms"), adult=pattern("adult_age_terms"),
            adult_veto=pattern("adult_age_veto_terms", inside_cjk=True), adult_lower=lower("adult_age_terms"),
            adult_veto_lower=lower("adult_age_veto_terms"), sexual_lower=lower("sexual_terms"),
            benign_lower=lower("benign_terms"), everyday=pattern("everyday_terms", inside_cjk=True),
            everyday_veto=pattern("everyday_veto_terms", inside_cjk=True),
            health=pattern("health_terms", inside_cjk=True), health_veto=pattern("health_veto_terms", inside_cjk=True),
            everyday_ceiling=(float(ceiling["sexual"]), float(ceiling["sexual_minors"])),
            age_rule=pattern("age_rule_terms", inside_cjk=True),
            age_rule_ceiling=(float(rule_ceiling["sexual"]), float(rule_ceiling["sexual_minors"])),
            protective_veto=pattern("protective_veto_terms", inside_cjk=True), coded=pattern("coded_terms", inside_cjk=True),
        )
        for read in (rule.minor_lower, rule.sexual_lower, rule.adult_lower):  # every check reads these
            if isinstance(read, Lexicon):
                read.prepare()
        return rule

    def _find_minor(self, text: str) -> bool:
        if self.minor_lower is not None and text.isascii():
            return self.minor_lower.search(text.lower()) is not None
        return self.minor.search(text) is not None

    def _token_positions(self, text: str, pattern: re.Pattern[str], searched: str | None = None) -> list[int]:
        """Token indices (in ``text``) where ``pattern`` matches ``searched`` (``text`` with some
        spans blanked, same length; default ``text``)."""
        starts = [m.start() for m in pattern.finditer(text if searched is None else searched)]
        if not starts:
            return []
        bounds = [m.start() for m in _TOKEN.finditer(text)]
        out = []
        j = 0
        for s in starts:
            while j < len(bounds) and bounds[j] < s:
                j += 1
            out.append(j)
        return out

    def everyday_context(self, text: str, sexual_score: float = 0.0, head_score: float = 0.0) -> bool:
        """Whether ``text`` holds a minor term only in everyday context: a minor term and an
        ``everyday`` term, and no sexual term (benign senses blanked), no direct term and no
        ``everyday_veto`` match; False for a text over ``EVERYDAY_MAX_CHARS``, and when the head's
        ``sexual_score`` or its sexual_minors ``head_score`` (0..1) reaches ``everyday_ceiling``.
        Also True for a question about an age rule (``age_rule``: "minimum age 13 to make an
        account?", "edad mínima"), minor term or not, with no sexual, direct or coded term and no
        ``everyday_veto`` match, under ``age_rule_ceiling``."""
        if len(text) > EVERYDAY_MAX_CHARS:
            return False
        if sexual_score < self.everyday_ceiling[0] and head_score < self.everyday_ceiling[1] and self._everyday(text):
            return True
        return (AGE_RULE_FLOOR <= max(sexual_score, head_score)  # under it, damping changes no decision
                and sexual_score < self.age_rule_ceiling[0] and head_score < self.age_rule_ceiling[1]
                and self._everyday(text, True))

    def _find_everyday(self, text: str, age_rule: bool = False) -> bool:
        """``everyday_context`` without the head's scores (kept per text: ``_everyday``); with
        ``age_rule`` an ``age_rule`` term stands for the minor and everyday terms."""
        if not (self.age_rule.search(text) if age_rule else self._has_minor(text) and self.everyday.search(text)):
            return False
        if self.everyday_veto.search(text):
            return False
        searched = self.benign.sub(_blank, text)
        return not self.sexual.search(searched) and not self.direct.search(searched) and not self.coded.search(searched)

    def health_context(self, text: str, sexual_score: float = 0.0, head_score: float = 0.0) -> bool:
        """Whether ``text`` is health-education material: a ``health`` term, and with health terms
        and benign senses blanked no sexual term, no direct term, and no ``health_veto`` match;
        False for a text over ``EVERYDAY_MAX_CHARS`` and from ``everyday_ceiling`` on (as
        ``everyday_context``)."""
        if sexual_score >= self.everyday_ceiling[0] or head_score >= self.everyday_ceiling[1]:
            return False
        if len(text) > EVERYDAY_MAX_CHARS or not self.health.search(text) or self.health_veto.search(text):
            return False
        searched = self.health.sub(_blank, self.benign.sub(_blank, text))
        return not self.sexual.search(searched) and not self.direct.search(searched) and not self.coded.search(searched)

    def _quiet(self, text: str, sexual_score: float, head_score: float) -> bool:
        """Everyday or health-education context (both damp the same outputs)."""
        return self.everyday_context(text, sexual_score, head_score) or self.health_context(text, sexual_score, head_score)

    def sexual_output(self, text: str, sexual_score: float, head_score: float = 0.0) -> float:
        """The head's ``sexual`` output for ``text`` (0..1), times the protective factor when
        ``everyday_context`` or ``health_context(text, sexual_score, head_score)`` holds
        (``head_score``: the head's own sexual_minors output); else ``sexual_score`` unchanged."""
        if sexual_score <= 0.0 or not self._quiet(text, sexual_score, head_score):
            return sexual_score
        return sexual_score * self.protective_factor

    def head_output(self, text: str, head_score: float, sexual_score: float = 0.0) -> float:
        """The moderation head's sexual_minors output for ``text`` (0..1), times the protective
        factor when ``text`` states an adult age (``adult``) and holds no minor term, no direct
        term and no ``adult_veto`` match, or when its only sexual-looking words were benign senses
        ("nude colour palette", as ``score`` damps the head's ``sexual`` score); else
        ``head_score`` unchanged; also damped when ``everyday_context`` or ``health_context(text,
        sexual_score, head_score)`` holds (``sexual_score``: the head's ``sexual`` output)."""
        if head_score <= 0.0:
            return head_score
        if self._quiet(text, sexual_score, head_score):
            return head_score * self.protective_factor  # "my 13yo wants a phone", "청소년 성교육 영상"
        low = text.lower() if text.isascii() else None

        def hit(pattern: re.Pattern[str], lower: re.Pattern[str] | None) -> bool:
            return (pattern.search(text) if lower is None or low is None else lower.search(low)) is not None

        if hit(self.sexual, self.sexual_lower) and hit(self.benign, self.benign_lower):
            searched = self.benign.sub(_blank, text)
            if not self.sexual.search(searched) and not self.direct.search(searched):
                return head_score * self.protective_factor  # its only sexual-looking words meant something else
        if not hit(self.adult, self.adult_lower) or hit(self.adult_veto, self.adult_veto_lower):
            return head_score
        if self._has_minor(text) or self.direct.search(text):
            return head_score
        return head_score * self.protective_factor

    def combine(self, text: str, head_score: float, sexual_score: float) -> float:
        """The reported sexual_minors score 0..1: the maximum of ``head_output`` and ``score``."""
        return max(self.head_output(text, head_score, sexual_score), self.score(text, sexual_score, head_score))

    def score(self, text: str, sexual_score: float = 0.0, head_score: float = 0.0) -> float:
        """sexual_minors score of ``text`` given the moderation head's ``sexual`` score (and its own
        sexual_minors ``head_score``, read only for ``everyday_context`` / ``health_context``)."""
        if not self._has_minor(text):  # blanking never adds a match: most texts stop here
            return 0.0
        searched = self.benign.sub(_blank, text)
        minors = self._token_positions(text, self.minor, searched)
        if not minors:
            return 0.0
        if self.direct.search(searched):
            base = 1.0
        else:
            base = float(sexual_score)
            sexual = self._token_positions(text, self.sexual, searched)
            if _near(minors, sexual, self.window) or self.coded.search(searched):
                base = max(base, 0.9)
            elif not sexual and searched != text and self.sexual.search(text):
                base *= self.protective_factor  # its only sexual-looking words meant something else
        if (self.protective.search(text) and not self.protective_veto.search(searched)) or self._quiet(
                text, sexual_score, head_score):
            base *= self.protective_factor
        return base
