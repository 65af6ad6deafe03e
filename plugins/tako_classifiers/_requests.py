"""The harmful-request rule: a reviewed lexicon of requests for instructions to make, get or use a
clearly dangerous object, in the 16 product languages.

The moderation head reads "how do I make a pipe bomb" in English but scores its other-language
forms low ("wie baue ich eine Rohrbombe", "como fazer uma bomba caseira", "cómo preparar
metanfetamina en casa"). This rule lifts, never lowers, ``illicit`` (and ``violence`` for weapons,
explosives and poisons meant to kill) to ``score`` (0.9) on input when a text REQUESTS a method or
a source (how to / step by step / recipe / make / build / cook / synthesise / buy / get) for:

* ``weapons``: bombs, pipe bombs, IEDs, explosives (TATP, PETN, RDX, C-4), napalm, Molotov
  cocktails, ghost / untraceable / 3D-printed guns, silencers, full-auto conversion, nerve agents,
  ricin, poison to kill a person;
* ``drugs``: meth, fentanyl, crack, heroin, cocaine, GHB.
* ``mass_harm_agents``: culturing, concentrating, weaponising or a synthesis route for a biological or
  chemical agent (anthrax, botulinum toxin, sarin, a nerve agent), not its history or vaccine.
* ``filmed_assault``: beating up or attacking people (the homeless, the elderly, strangers) as a video
  or prank idea, or filmed for views; not a news report of such a video.
* ``eliminationist`` (lifts ``hate`` only): a group said to deserve death or to be a waste
  of resources ("disabled people should not be kept alive"); a report of the claim ("saying that
  disabled people ...", ``veto``) is left to the counter-speech stage.
* ``drug_emoji``: two or more drug emoji with a delivery, cash or DM cue ("who has 🍃🍃 delivered
  tonight, cash"); not with "tea" or "herbs"; a single emoji only right before a dealer word
  ("💊 plug near me") or a no-prescription phrase ("💊 without prescription dm me", not "no
  prescription needed") that a contact, delivery or near-me cue follows; else it is left to the
  normalised text.

Look-alikes stay out by construction or by ``veto``: a text with no request shape matches
nothing ("the history of the atomic bomb", "how did the Manhattan project build the bomb",
"Breaking Bad meth scene explained", "what is fentanyl"), and veto terms are blanked out before
matching ("bath bomb", "bomb calorimeter", "bomba de chocolate", "bombe
glacée", "water gun", "a silencer for my generator", "fentanyl test strips"). Safe-question frames
(``_frames``) still hold: a short in-game or informational question is not lifted.

The lexicon is data (``data/harmful_requests.json``): ``macros`` (``{NAME}``), ``score``, ``groups``
(name -> ``categories`` lifted, ``spaced`` and ``unspaced`` terms, compiled as
``_disclosures.Terms``, and optional ``objects``: the object words alone, a cheap first pass) and ``veto`` (``spaced`` / ``unspaced``). Every pattern is linear in the
text's length (gaps are bounded runs of words): a megabyte costs one veto pass and one pass per group.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ._disclosures import Terms
from ._lexicon import shipped

__all__ = ["REQUESTS_PATH", "HarmfulRequestRule"]

REQUESTS_PATH = Path(__file__).resolve().parent / "data" / "harmful_requests.json"
_KNOWN = frozenset({"illicit", "violence", "hate"})


@dataclass(frozen=True)
class Group:
    """One object group: its compiled terms and the categories it lifts."""

    name: str
    categories: tuple[str, ...]
    terms: Terms
    objects: Terms | None = None
    """The group's object words alone: a text naming none is not searched with ``terms``."""


@dataclass(frozen=True)
class HarmfulRequestRule:
    """Compiled lexicon; ``scores(texts)`` gives the lifted categories of a text and its views."""

    groups: tuple[Group, ...]
    veto: Terms
    score: float = 0.9

    @staticmethod
    def default_path() -> Path:
        """The shipped lexicon, ``data/harmful_requests.json``."""
        return REQUESTS_PATH

    @classmethod
    def load(cls, path: str | Path = REQUESTS_PATH) -> HarmfulRequestRule:
        """Compile the lexicon file (JSON; see the module docstring). KeyError for an unknown
        macro, re.error for an invalid pattern, ValueError for a score outside 0..1 or a group
        lifting a category other than ``illicit`` / ``violence`` / ``hate``."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        macros = {str(k): str(v) for k, v in data.get("macros", {}).items()}
        score = float(data.get("score", 0.9))
        if not 0.0 <= score <= 1.0:
            raise ValueError(f"harmful-request lexicon {path}: score {score} is outside 0..1")
        check = not shipped(path, REQUESTS_PATH)  # the shipped lexicon's patterns are compiled by the tests
        groups = []
        for name, group in data.get("groups", {}).items():
            cats = tuple(str(c) for c in group.get("categories", ["illicit"]))
            if not cats or set(cats) - _KNOWN:
                raise ValueError(f"harmful-request lexicon {path}: group {name!r} lifts {list(cats)}; "
                                 f"known: {sorted(_KNOWN)}")
            objects = group.get("objects")
            groups.append(Group(name, cats, Terms.compile(group.get("spaced", []), group.get("unspaced", []), macros, check),
                                Terms.compile(objects.get("spaced", []), objects.get("unspaced", []), macros, check)
                                if objects else None))
        veto = data.get("veto", {})
        return cls(groups=tuple(groups), veto=Terms.compile(veto.get("spaced", []), veto.get("unspaced", []), macros, check),
                   score=score)

    def _masked(self, text: str) -> str:
        """``text`` with every veto term blanked out (same length, so offsets hold): a vetoed
        look-alike cannot take part in a match, and a request after it is still read ("how to make
        a bath bomb and a pipe bomb" matches on "pipe bomb")."""
        spans = [(m.start(), m.end()) for m in self.veto.finditer(text)]
        if not spans:
            return text
        parts, at = [], 0
        for start, end in spans:
            if start >= at:
                parts += [text[at:start], " " * (end - start)]
                at = end
        return "".join(parts) + text[at:]

    def matches(self, text: str) -> dict[str, list[str]]:
        """Group name -> the first request of ``text`` it matches (one phrase); empty when none.
        Veto terms are blanked out first (``_masked``)."""
        out: dict[str, list[str]] = {}
        masked: str | None = None
        for group in self.groups:
            if group.objects is not None and next(group.objects.finditer(text), None) is None:
                continue
            if masked is None:
                masked = self._masked(text)
            m = next((m for m in group.terms.finditer(masked) if m.end() > m.start()), None)
            if m is not None:
                out[group.name] = [text[m.start():m.end()]]
        return out

    def scores(self, texts: Iterable[str]) -> tuple[dict[str, float], dict[str, list[str]]]:
        """(category -> ``score`` for each category a matched group lifts, group -> phrases)."""
        hits: dict[str, list[str]] = {}
        for text in dict.fromkeys(t for t in texts if t):
            for name, phrases in self.matches(text).items():
                hits.setdefault(name, []).extend(p for p in phrases if p not in hits.get(name, []))
        lifted = {c: self.score for g in self.groups if g.name in hits for c in g.categories}
        return lifted, hits
