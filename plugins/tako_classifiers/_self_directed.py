"""Insults aimed at nobody present: the writer ("I feel like such an idiot, I forgot my
password") or a fictional villain ("this villain is a pathetic loser in the movie").

The moderation head reads any insult as harassment (0.56 and 0.72 for those two), although
nobody is insulted. This stage caps the ``harassment`` output of a text at
``self_directed_cap`` (0.3, under the head's 0.54) when

* a reviewed ``self`` phrase (first person + insult, 16 languages and nl: "I'm such an idiot",
  "what a loser I am", "me siento tan tonto", "ich bin so ein Idiot") or ``fiction`` phrase
  (villain / antagonist / bad guy + insult, English, with a film, show or book word in the text)
  occurs in it,
* every insult of the reviewed list (``_insults``, ``data/insults.json``) in it lies inside such
  a phrase ("I'm such an idiot and he's a moron" keeps its score), and
* no second-person word ("you", "u", "tu", "du bist" ...) occurs in it ("I feel like an idiot
  talking to you, moron" keeps its score).

The phrases are data (``data/self_directed.json``: ``self`` / ``fiction`` terms in the
``_disclosures.Terms`` shape with ``{FILL}`` / ``{INSULT}`` macros, ``fiction_cues``,
``second_person``). Every pattern is linear. A cap only lowers a score, never raises one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import Field

from guardrails.protocol import GuardConfig

from ._disclosures import Terms
from ._insults import _shipped as _insults

__all__ = ["SELF_DIRECTED_PATH", "SelfDirectedOptions", "SelfDirectedRule", "damp_self_directed"]

SELF_DIRECTED_PATH = Path(__file__).resolve().parent / "data" / "self_directed.json"


class SelfDirectedOptions(GuardConfig):
    """The moderation guard's options of this stage (a base of its ``Config``)."""

    self_directed: bool = True
    """Cap ``harassment`` at ``self_directed_cap`` on a text whose insults all aim at the writer
    or at a fictional villain and that addresses nobody (``_self_directed``). False: off."""
    self_directed_cap: float = Field(0.3, ge=0.0, le=1.0)
    """The cap (under the head's recommended harassment threshold, 0.54)."""


def _words(words: Sequence[str]) -> re.Pattern[str]:
    body = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)) or "(?!)"
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class SelfDirectedRule:
    """Compiled phrases; ``applies(text)`` says whether the text's insults aim at nobody present."""

    own: Terms
    fiction: Terms
    cues: re.Pattern[str]
    second_person: re.Pattern[str]

    @classmethod
    def load(cls, path: str | Path = SELF_DIRECTED_PATH) -> SelfDirectedRule:
        """Compile a data file (shape: the module docstring). OSError or json.JSONDecodeError for
        an unreadable file, KeyError for an unknown macro, re.error for an invalid pattern."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        macros = {str(k): str(v) for k, v in data.get("macros", {}).items()}
        own, fic = data.get("self", {}), data.get("fiction", {})
        return cls(own=Terms.compile(own.get("spaced", []), own.get("unspaced", []), macros),
                   fiction=Terms.compile(fic.get("spaced", []), fic.get("unspaced", []), macros),
                   cues=_words(data.get("fiction_cues", [])), second_person=_words(data.get("second_person", [])))

    def applies(self, text: str) -> bool:
        """Whether ``text`` holds a self or fiction phrase, every listed insult in it lies inside
        one, and it addresses nobody. Linear."""
        spans = [(m.start(), m.end()) for m in self.own.finditer(text)]
        if self.cues.search(text):
            spans += [(m.start(), m.end()) for m in self.fiction.finditer(text)]
        if not spans or self.second_person.search(text):
            return False
        for m in _insults().terms.finditer(text):
            if not any(s <= m.start() and m.end() <= e for s, e in spans):
                return False
        return True


@lru_cache(maxsize=1)
def shipped_rule() -> SelfDirectedRule:
    """The rule of the shipped data file (loaded once)."""
    return SelfDirectedRule.load()


def damp_self_directed(options: SelfDirectedOptions, groups: Sequence[list[tuple[str, bool]]],
                       raws: list[list[dict[str, float]]]) -> None:
    """Cap, in place, the ``harassment`` output of each whole text (not a clause segment) that
    ``SelfDirectedRule.applies`` to. ``groups``/``raws``: as ``_style.agree_style`` takes them;
    the dicts in ``raws`` are replaced, never mutated (they may be memoised)."""
    if not options.self_directed:
        return
    cap = options.self_directed_cap
    for group, raw in zip(groups, raws, strict=True):
        for i, (text, segment) in enumerate(group):
            if not segment and raw[i].get("harassment", 0.0) > cap and shipped_rule().applies(text):
                raw[i] = {**raw[i], "harassment": cap}
