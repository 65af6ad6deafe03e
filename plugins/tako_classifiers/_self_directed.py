"""Insults aimed at nobody present: the writer ("I feel like such an idiot, I forgot my
password") or a fictional villain ("this villain is a pathetic loser in the movie").

The moderation head reads any insult as harassment (0.56 and 0.72 for those two), although
nobody is insulted. This stage caps the ``harassment`` output of a text at
``self_directed_cap`` (0.3, under the head's 0.54) when

* a reviewed ``self`` phrase (first person + insult, 16 languages and nl: "I'm such an idiot",
  "what a loser I am", "me siento tan tonto", "ich bin so ein Idiot") or ``fiction`` phrase
  (villain / antagonist / bad guy + insult, English, with a film, show or book word in the text)
  occurs in it, and for ``fiction`` the rest of the text names no real person (``fiction_person``:
  a classmate, neighbour or coworker, a relative, "just like", "the real-life version", a street
  address, "go tell her": "the villain is a loser in the movie, just like my classmate Jake" keeps
  its score),
* every insult of the reviewed list (``_insults``, ``data/insults.json``) in it lies inside such
  a phrase ("I'm such an idiot and he's a moron" keeps its score),
* no second-person word ("you", "u", "tu", "du bist" ...) occurs in it ("I feel like an idiot
  talking to you, moron" keeps its score; Japanese, Chinese, Korean and Thai ones match inside a
  word, since those scripts put no space after them: "お前もバカ", "너도", "你是"), and
* its residue (the text without those phrases), read again through the guard's encoder, scores
  under ``self_directed_accept`` times the head's threshold on EVERY category it scores (sexual,
  violence, hate, harassment, self_harm, illicit, privacy, sexual_minors, the injection ones): a
  self-insult must not shield an attack made with words off the insult list ("I'm such a loser.
  Maria in 7B is a fat cow and everyone should tell her to kill herself", "I'm such an idiot,
  Maria in 7B should be raped": residue sexual 0.85) -- the text then keeps its original scores.

The phrases are data (``data/self_directed.json``: ``self`` / ``fiction`` terms in the
``_disclosures.Terms`` shape with ``{FILL}`` / ``{INSULT}`` macros, ``fiction_cues``,
``fiction_person``, ``second_person``). Every pattern is linear. A cap only lowers a score, never raises one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from pydantic import Field

from guardrails.protocol import EncoderLike, GuardConfig

from ._disclosures import Terms
from ._insults import _shipped as _insults
from ._lexicon import shipped

__all__ = ["RESIDUE_CATEGORIES", "SELF_DIRECTED_PATH", "SelfDirectedOptions", "SelfDirectedRule",
           "damp_self_directed"]

SELF_DIRECTED_PATH = Path(__file__).resolve().parent / "data" / "self_directed.json"
RESIDUE_CATEGORIES = ("hate", "harassment", "sexual", "sexual_minors", "self_harm", "violence", "illicit", "privacy")
"""Categories the residue must score under (its share of the threshold) for the cap to apply, besides
every other category the head has a threshold for (``damp_self_directed`` reads them all)."""
_WORD = re.compile(r"\w")


class SelfDirectedOptions(GuardConfig):
    """The moderation guard's options of this stage (a base of its ``Config``)."""

    self_directed: bool = True
    """Cap ``harassment`` at ``self_directed_cap`` on a text whose insults all aim at the writer
    or at a fictional villain and that addresses nobody (``_self_directed``). False: off."""
    self_directed_cap: float = Field(0.3, ge=0.0, le=1.0)
    """The cap (under the head's recommended harassment threshold, 0.54)."""
    self_directed_accept: float = Field(0.5, ge=0.0, le=1.0)
    """The residue (the text without its self / fiction phrases) must score under this fraction
    of the head's threshold on every category it scores for the cap to apply: clearly
    benign. The residues of real self-deprecation score about 0.0 ("I forgot my password"; at
    most 0.19, "for trusting him"); those of the trial-31 bypasses 0.29-0.89 (1.0 let through
    "my coworker Priya is a filthy dog who deserves to be beaten", violence 0.56 of 0.615)."""
    self_directed_chars: int = Field(2000, ge=1)
    """Texts longer than this (characters) are not capped (the residue would need every window
    embedded again)."""


_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]|[\u0e00-\u0e7f]{3}")
"""Kana, CJK, hangul, or three Thai characters: a word of a script written without spaces between words."""


def _words(words: Sequence[str]) -> re.Pattern[str]:
    """``words`` as one case-insensitive pattern: within word boundaries, except the words of a script
    written without spaces (``_UNSPACED``: "お前" in "お前もバカ", "너" in "너도", "你" in "你是"), which
    match anywhere; never matches when empty."""
    ordered = sorted(set(words), key=len, reverse=True)
    spaced = "|".join(re.escape(w) for w in ordered if not _UNSPACED.search(w)) or "(?!)"
    unspaced = "|".join(re.escape(w) for w in ordered if _UNSPACED.search(w)) or "(?!)"
    return re.compile(rf"(?<!\w)(?:{spaced})(?!\w)|{unspaced}", re.IGNORECASE)


def _terms(terms: Sequence[str]) -> re.Pattern[str]:
    """``terms`` (regexes) as one case-insensitive pattern within word boundaries; never matches when empty."""
    body = "|".join(f"(?:{t})" for t in terms) or "(?!)"
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class SelfDirectedRule:
    """Compiled phrases; ``applies(text)`` says whether the text's insults aim at nobody present."""

    own: Terms
    fiction: Terms
    cues: re.Pattern[str]
    second_person: re.Pattern[str]
    person: re.Pattern[str] = re.compile(r"(?!)")
    """A real person outside the villain phrase (``fiction_person``): the fiction path does not apply."""

    @classmethod
    def load(cls, path: str | Path = SELF_DIRECTED_PATH) -> SelfDirectedRule:
        """Compile a data file (shape: the module docstring). OSError or json.JSONDecodeError for
        an unreadable file, KeyError for an unknown macro, re.error for an invalid pattern."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        macros = {str(k): str(v) for k, v in data.get("macros", {}).items()}
        own, fic = data.get("self", {}), data.get("fiction", {})
        check = not shipped(path, SELF_DIRECTED_PATH)  # the shipped lexicon's patterns are compiled by the tests
        return cls(own=Terms.compile(own.get("spaced", []), own.get("unspaced", []), macros, check),
                   fiction=Terms.compile(fic.get("spaced", []), fic.get("unspaced", []), macros, check),
                   cues=_words(data.get("fiction_cues", [])), second_person=_words(data.get("second_person", [])),
                   person=_terms(data.get("fiction_person", [])))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """``(start, end)`` of each self or fiction phrase of ``text`` when every listed insult in
        it lies inside one and it addresses nobody; else ``[]``. Linear."""
        spans = [(m.start(), m.end()) for m in self.own.finditer(text)]
        if self.cues.search(text):
            fiction = [(m.start(), m.end()) for m in self.fiction.finditer(text)]
            if fiction and not self._names_a_person(text, fiction):
                spans += fiction
        if not spans or self.second_person.search(text):
            return []
        for m in _insults().terms.finditer(text):
            if not any(s <= m.start() and m.end() <= e for s, e in spans):
                return []
        return sorted(spans)

    def _names_a_person(self, text: str, spans: list[tuple[int, int]]) -> bool:
        """Whether ``text`` outside ``spans`` names a real person (``fiction_person``). Linear."""
        for m in self.person.finditer(text):
            if not any(s <= m.start() and m.end() <= e for s, e in spans):
                return True
        return False

    def applies(self, text: str) -> bool:
        """Whether ``text`` holds a self or fiction phrase, every listed insult in it lies inside
        one, and it addresses nobody. Linear."""
        return bool(self.spans(text))

    def residue(self, text: str) -> str:
        """``text`` without its self and fiction phrases (the pieces left joined by newlines):
        what the stage re-reads before capping ("I'm such a loser. Maria is a fat cow" -> "Maria
        is a fat cow"); ``text`` itself when the rule does not apply. Linear."""
        pieces, pos = [], 0
        for start, end in self.spans(text):
            if start >= pos:
                pieces.append(text[pos:start])
                pos = end
            else:
                pos = max(pos, end)
        return "\n".join([*pieces, text[pos:]])


@lru_cache(maxsize=1)
def shipped_rule() -> SelfDirectedRule:
    """The rule of the shipped data file (loaded once)."""
    return SelfDirectedRule.load()


def damp_self_directed(options: SelfDirectedOptions, encoder: EncoderLike,
                       raw_scores: Callable[[np.ndarray], dict[str, float]], thresholds: Mapping[str, float],
                       groups: Sequence[list[tuple[str, bool]]], raws: list[list[dict[str, float]]]) -> None:
    """Cap, in place, the ``harassment`` output of each whole text (not a clause segment) that
    ``SelfDirectedRule.applies`` to and whose residue (``SelfDirectedRule.residue``: the text
    without its self / fiction phrases) scores under ``self_directed_accept`` times the head's
    threshold on every category of ``RESIDUE_CATEGORIES`` and of ``thresholds``; a text with anything else harmful
    in it keeps its score.

    ``groups``/``raws``: as ``_style.agree_style`` takes them; ``raw_scores`` turns window
    vectors, shape (n, dim), into head outputs; ``thresholds``: the head's calibrated threshold
    per category (0.5 where missing). One ``embed_windows_batch`` call at most, only for texts
    the rule applies to whose residue holds a word; the dicts in ``raws`` are replaced, never
    mutated (they may be memoised)."""
    if not options.self_directed:
        return
    cap, rule = options.self_directed_cap, shipped_rule()
    jobs: list[tuple[int, int, str]] = []
    for g, group in enumerate(groups):
        for i, (text, segment) in enumerate(group):
            if segment or raws[g][i].get("harassment", 0.0) <= cap or len(text) > options.self_directed_chars:
                continue
            rest = rule.residue(text)
            if rest != text:
                jobs.append((g, i, rest))
    reread = [j for j in jobs if _WORD.search(j[2])]
    vectors = iter(encoder.embed_windows_batch([rest for _, _, rest in reread]) if reread else ())
    bar = {c: options.self_directed_accept * float(thresholds.get(c, 0.5)) for c in {*RESIDUE_CATEGORIES, *thresholds}}
    for g, i, rest in jobs:
        if _WORD.search(rest):
            again = raw_scores(next(vectors))
            if any(again.get(c, 0.0) >= b for c, b in bar.items()):
                continue  # "I'm such a loser. Maria is a fat cow, tell her to kill herself"; "..., Maria should be raped"
        raws[g][i] = {**raws[g][i], "harassment": cap}
