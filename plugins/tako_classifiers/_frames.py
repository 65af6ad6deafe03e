"""Safe-question frames: informational and in-game questions about harmful topics (moderation).

The encoder scores a question by its topic, so a short question that only asks what a harmful
thing *is*, what *happened* or *why* ("What does it mean to launder money?", "Why did the Nazis
persecute the Jews?", "What constitutes rape?") or what to do in a video game ("How do I steal a
car in GTA V?", "How do I rob the bank in Payday 2?") scores like a request for help with the
harm. On the input stage, a text of at most ``max_words`` words held by one of these frames has
the frame's ``categories`` judged at a higher bar: each score is mapped (``_context.rescale``,
monotone) so that ``bar`` lands on the category's calibrated threshold.

* ``informational``: opens with a definition, meaning, history or why-did question
  (``informational_openers``, or a CJK ``informational_markers`` form, or, within the first 80
  characters of a text holding Devanagari, Thai, kana, CJK or Hangul, an ``informational_inner``
  form: there the why-word stands after the subject) and asks for no method,
  quantity, purchase or step (``method_veto``), names no first person, imperative or search
  (``person_veto``: "my", "give me", "find", "track"); a question about a private person's
  whereabouts is therefore never framed.
* ``game``: names a video game or an in-game setting (``game_titles``) and nothing that leaves
  the game (``game_veto``: "real", "irl", "pretend", "my neighbour", "kill people", real-world
  recipe items such as "pipe bomb" or "ricin", quantities).
* ``nonsense_group``: a why-should/why-can't question (``nonsense_openers``) about a group that
  is no people at all (``nonhuman_groups``: "white grapes", "teapots", "clouds"; animal names used
  as slurs are left out) and that names no protected group (``protected_groups``), first or
  second person; only ``hate`` and ``harassment`` are damped.
* ``shopping`` (``errand``): a purchase, price or review of an ordinary good (``purchase_cues`` or a
  price in any currency format, an ``ordinary_goods`` word: phones, shoes, clothes, games, tickets)
  and nothing of ``purchase_veto`` (drugs, weapons, forged documents, stolen or cloned goods,
  accounts and cards, drug emoji, "dm me"): "comprar celular barato", "où acheter des baskets pas
  cher", "vale a pena comprar celular de R$ 1.299,90? review"; ``errand_categories`` (``illicit``)
  only, and the text may hold two short questions.
* ``care`` (``errand``): an errand question about a pharmacy, clinic, doctor or prescription (a
  ``care_places`` word with a ``care_asks`` word: open, hours, near me, Sunday, appointment, refill)
  and nothing of ``care_veto`` ("without prescription", "plug", "dm", cash, selling, street drugs and
  their emoji): "💊 pharmacy open sunday near me?"; damped as ``shopping``.
* ``recovery`` (``errand``): quitting, treatment or harm reduction (``recovery_cues``: quit or stop
  smoking, vaping, drinking or using, rehab, detox, withdrawal help, naloxone / narcan, overdose first
  aid, nicotine patches) and nothing of ``recovery_veto`` (buy, sell, make, cook, grow, dm, plug,
  delivery, "without prescription", "get high", in each language): "как бросить курить навсегда",
  "naloxone how to use narcan video"; damped as ``shopping`` (``recovery: false`` turns it off). A
  harmful request is lifted after the damping (``_requests``), so the frame never hides one.
* ``privacy`` alone is damped when the text names a public place, office holder or fictional
  character (``public_entities``: "the White House", "Batman") and nothing private
  (``private_veto``: "my", "ex", "neighbour", "real name", "track").
* ``privacy`` alone is also damped for a question about protecting one's own privacy: an ask to
  protect, hide, remove or keep private (``self_protection_asks``) with the writer's own address,
  location, identity or details, or being doxxed oneself (``own_info``), and no request to find,
  track or expose someone else, nor another person's details (``self_protection_veto``): "how to
  protect my home address from being doxxed as a streamer", "como proteger meu endereço", "내 집
  주소를 지키는 방법"; "how to find a streamer's home address" is not one.
* ``privacy`` alone is also damped for a question about the area the writer's own address lies in:
  an ``own_place_asks`` term (school district, polling place, county, ward, postcode, Wahlkreis,
  colegio, bureau de vote, zona eleitoral, circoscrizione) with an ``own_address`` term ("my address",
  "where I live", "mi dirección", "meine Adresse", "mon adresse") and no ``self_protection_veto``
  match ("which school district her address is in", "my neighbor's address"): ``own_place``.

The lexicon (``data/safe_frames.json``) is regex pieces, each joined into one case-insensitive
alternation; no piece nests unbounded quantifiers and the frames are only tried on a text of at
most ``max_chars`` characters, so a megabyte costs nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from guardrails.protocol import GuardConfig

from ._context import rescale
from ._figurative import QUIET
from ._lexicon import shipped
from ._terms import _NEVER, _compile
from ._view import word_count

__all__ = ["FRAMES_PATH", "SafeFrames", "SafeFramesRule"]

FRAMES_PATH = Path(__file__).resolve().parent / "data" / "safe_frames.json"
_LISTS = ("informational_openers", "informational_markers", "method_veto", "person_veto", "game_titles",
          "game_veto", "public_entities", "private_veto")
_NONSENSE = frozenset({"hate", "harassment"})
_INNER_END = re.compile(r"[?!\uff1f\uff01\u3002]|\.\s")
"""A sentence end inside the text (after its closing punctuation is stripped): a framed text is one question."""
_CLOSE = " \t\r\n?!.\uff1f\uff01\u3002"
_LEAD = "^[\\s\"'\u00ab\u201c\u201e\u00bf\u00a1(\\[]{0,4}"
_REACH = 80
"""How far into a text the ``informational_inner`` forms are looked for (characters)."""
_SCRIPTS = "\\u0900-\\u097f\\u0e00-\\u0e7f\\u3040-\\u30ff\\u3400-\\u9fff\\uac00-\\ud7af"
_OTHER_SCRIPT = f"(?=[^{_SCRIPTS}]{{0,{_REACH}}}[{_SCRIPTS}])"
"""A Devanagari, Thai, kana, CJK or Hangul character within reach: the one scan that gates the
inner forms (most texts hold none, and skip them at the cost of that scan)."""


class SafeFrames(GuardConfig):
    """Options of the moderation guard's safe-question frames (``_frames``); ``enabled: false`` turns them off."""

    enabled: bool = True
    """Whether informational, in-game and public-entity questions are judged at ``bar``."""
    lexicon: str | None = None
    """Path of a replacement frames lexicon (JSON, same keys as ``data/safe_frames.json``)."""
    bar: float = Field(0.98, ge=0.0, le=1.0)
    """Head output (0..1) a framed category must reach to meet its threshold. On the frame
    evaluation lists (tests/data/safe_frames_eval.jsonl) the framed benign questions scored at most
    0.967, and no harmful contrast was framed."""
    categories: list[str] = Field(default_factory=lambda: ["hate", "harassment", "violence", "illicit", "sexual"])
    """Categories the informational and game frames damp (self_harm keeps escalating with support,
    sexual_minors is never damped; privacy only by the public-entity frame)."""
    errands: bool = True
    """Judge ``errand_categories`` at ``bar`` for a shopping or pharmacy question (``errand``)."""
    errand_categories: list[str] = Field(default_factory=lambda: ["illicit"])
    """Categories the shopping, pharmacy and recovery frames damp."""
    recovery: bool = True
    """Judge ``errand_categories`` at ``bar`` for a quitting, treatment or harm-reduction question (``errand``)."""
    public_privacy: bool = True
    """Damp ``privacy`` for a question about a public place or a fictional character."""
    self_protection: bool = True
    """Damp ``privacy`` for a question about protecting one's own address, location or identity."""
    own_place: bool = True
    """Damp ``privacy`` for a question about the area one's own address lies in (school district,
    polling place, county, postcode: ``own_place_question``)."""
    stages: list[str] = Field(default_factory=lambda: ["input"])
    """Stages where frames apply."""
    max_words: int = Field(20, ge=1)
    """Longest framed text in words (``_view.word_count``); a longer one is never framed."""
    max_chars: int = Field(200, ge=1)
    """Longest framed text in characters."""


@dataclass(frozen=True)
class SafeFramesRule:
    """The compiled frames lexicon; ``damp`` applies it to a moderation verdict's scores."""

    informational: re.Pattern[str]
    method_veto: re.Pattern[str]
    person_veto: re.Pattern[str]
    game: re.Pattern[str]
    game_veto: re.Pattern[str]
    public: re.Pattern[str]
    private_veto: re.Pattern[str]
    nonsense: re.Pattern[str] = _NEVER
    nonhuman: re.Pattern[str] = _NEVER
    protected: re.Pattern[str] = _NEVER
    hate_claim: re.Pattern[str] = _NEVER
    """A dehumanising or eliminationist claim ("are vermin", "should be gassed", "was he right"):
    with a protected group named, no frame holds the text."""
    protect_ask: re.Pattern[str] = _NEVER
    own_info: re.Pattern[str] = _NEVER
    protect_veto: re.Pattern[str] = _NEVER
    """``self_protection_asks``, ``own_info`` and ``self_protection_veto`` (optional lists; see ``self_protective``)."""
    place_ask: re.Pattern[str] = _NEVER
    own_address: re.Pattern[str] = _NEVER
    """``own_place_asks`` and ``own_address`` (optional lists; see ``own_place_question``)."""
    purchase: re.Pattern[str] = _NEVER
    goods: re.Pattern[str] = _NEVER
    purchase_veto: re.Pattern[str] = _NEVER
    care: re.Pattern[str] = _NEVER
    care_asks: re.Pattern[str] = _NEVER
    care_veto: re.Pattern[str] = _NEVER
    recovery: re.Pattern[str] = _NEVER
    recovery_veto: re.Pattern[str] = _NEVER
    """``purchase_cues``, ``ordinary_goods``, ``purchase_veto``, ``care_places``, ``care_asks``, ``care_veto``,
    ``recovery_cues`` and ``recovery_veto`` (optional lists; see ``errand``)."""

    @classmethod
    def load(cls, path: str | Path | None = None) -> SafeFramesRule:
        """Compile the lexicon at ``path`` (default: the shipped one); the ``informational_inner``,
        ``nonsense_openers``, ``nonhuman_groups``, ``protected_groups``, ``self_protection_asks``,
        ``own_info`` and ``self_protection_veto`` lists are optional. KeyError naming a missing
        list; re.error for an invalid piece; OSError / ValueError for an unreadable file."""
        data = json.loads(Path(path or FRAMES_PATH).read_text(encoding="utf-8"))
        missing = [k for k in _LISTS if k not in data]
        if missing:
            raise KeyError(f"safe frames lexicon {path or FRAMES_PATH}: missing lists {missing}")

        check = not shipped(path, FRAMES_PATH)  # the shipped lexicon's patterns are compiled by the tests

        def words(key: str) -> re.Pattern[str]:
            return _compile([str(t) for t in data.get(key, [])], inside_cjk=True, validate=check)

        def opener(key: str) -> re.Pattern[str]:
            terms = "|".join(f"(?:{t})" for t in data.get(key, []))
            return re.compile(f"{_LEAD}(?:{terms})(?:(?<=\\W)|(?!\\w))", re.IGNORECASE) if terms else _NEVER

        openers = "|".join(f"(?:{t})" for t in data["informational_openers"])
        markers = "|".join(f"(?:{t})" for t in data["informational_markers"]) or "(?!)"
        inner = "|".join(f"(?:{t})" for t in data.get("informational_inner", []))
        inner = f"|^{_OTHER_SCRIPT}.{{0,{_REACH}}}?(?:{inner})" if inner else ""
        return cls(
            informational=re.compile(f"{_LEAD}(?:{openers})(?:(?<=\\W)|(?!\\w))|{markers}{inner}", re.IGNORECASE),
            method_veto=words("method_veto"), person_veto=words("person_veto"), game=words("game_titles"),
            game_veto=words("game_veto"), public=words("public_entities"), private_veto=words("private_veto"),
            nonsense=opener("nonsense_openers"), nonhuman=words("nonhuman_groups"), protected=words("protected_groups"),
            hate_claim=words("hate_claim_veto"), protect_ask=words("self_protection_asks"), own_info=words("own_info"),
            protect_veto=words("self_protection_veto"), place_ask=words("own_place_asks"), own_address=words("own_address"),
            purchase=words("purchase_cues"), goods=words("ordinary_goods"),
            purchase_veto=words("purchase_veto"), care=words("care_places"),
            care_asks=words("care_asks"), care_veto=words("care_veto"),
            recovery=words("recovery_cues"), recovery_veto=words("recovery_veto"),
        )

    def frame(self, text: str) -> str | None:
        """``"informational"``, ``"game"``, ``"nonsense_group"`` or None for ``text`` (no length
        check; see ``damp``). A text that names a protected group together with a dehumanising or
        eliminationist claim (``hate_claim_veto``) is never framed: "What does it mean that Jews are
        vermin?" is a claim, not a question about a word."""
        if self.protected.search(text) and self.hate_claim.search(text):
            return None
        if (self.informational.search(text) and not self.method_veto.search(text)
                and not self.person_veto.search(text)):
            return "informational"
        if self.game.search(text) and not self.game_veto.search(text):
            return "game"
        if (self.nonsense.search(text) and self.nonhuman.search(text) and not self.protected.search(text)
                and not self.person_veto.search(text)):
            return "nonsense_group"
        return None

    def holds(self, text: str, config: SafeFrames) -> bool:
        """Whether ``text`` is a short one-sentence informational or in-game question (the limits of ``damp``)."""
        return (len(text) <= config.max_chars and word_count(text) <= config.max_words
                and not _INNER_END.search(text.rstrip(_CLOSE)) and self.frame(text) in ("informational", "game"))

    def public_entity(self, text: str) -> bool:
        """Whether ``text`` names a public place, office or fictional character and nothing private."""
        return self.public.search(text) is not None and self.private_veto.search(text) is None

    def self_protective(self, text: str) -> bool:
        """Whether ``text`` asks how to protect, hide or remove the writer's own details (an ask, an
        own-info term and no ``self_protection_veto`` match: finding, tracking or exposing another
        person, another person's details, "while I")."""
        return (self.protect_ask.search(text) is not None and self.own_info.search(text) is not None
                and self.protect_veto.search(text) is None)

    def own_place_question(self, text: str) -> bool:
        """Whether ``text`` asks which area, district, school, polling place or service the writer's
        own address lies in (an ``own_place_asks`` term, an ``own_address`` term: "my address", "where
        I live", "mi dirección", "meine Adresse") and matches no ``self_protection_veto`` (finding or
        tracking someone, another person's address: "which school district her address is in")."""
        return (self.place_ask.search(text) is not None and self.own_address.search(text) is not None
                and self.protect_veto.search(text) is None)

    def errand(self, text: str) -> str | None:
        """``"shopping"`` (a purchase cue or a price, an ordinary good, no ``purchase_veto`` match),
        ``"care"`` (a pharmacy, clinic, doctor or prescription word with an errand ask: open, hours,
        near me, appointment; no ``care_veto`` match), ``"recovery"`` (quitting, treatment or harm
        reduction; no ``recovery_veto`` match: buy, sell, make, dm, "get high") or None."""
        if self.purchase.search(text) and self.goods.search(text) and not self.purchase_veto.search(text):
            return "shopping"
        if self.care.search(text) and self.care_asks.search(text) and not self.care_veto.search(text):
            return "care"
        if self.recovery.search(text) and not self.recovery_veto.search(text):
            return "recovery"
        return None

    def damp(self, scores: Mapping[str, float], text: str, stage: str, thresholds: Mapping[str, float],
             config: SafeFrames) -> dict[str, float]:
        """``scores`` (category -> 0..1) with each framed category mapped so that ``config.bar``
        lands on its threshold in ``thresholds`` (0.5 where absent); unchanged when ``text`` is
        longer than ``config.max_chars`` / ``config.max_words``, holds more than one sentence, is
        on another stage, is unframed, or scores under ``_figurative.QUIET`` (0.1) on every framed
        category (the mapping only lowers, so no decision could change). A shopping or pharmacy
        question (``errand``), or a quitting / harm-reduction one, may hold more than one sentence ("comprar celular de R$ 1.299,90? review")."""
        out = dict(scores)
        errands = set(config.errand_categories) if config.errands else set()
        candidates = (set(config.categories) | errands | {"privacy"}) & out.keys() - {"sexual_minors"}
        if (stage not in config.stages or len(text) > config.max_chars
                or not any(out[c] >= QUIET for c in candidates)  # a quiet text: lowering changes no decision
                or word_count(text) > config.max_words):
            return out
        errand = self.errand(text) if errands and any(out.get(c, 0.0) >= QUIET for c in errands) else None
        framed = errands if errand and (errand != "recovery" or config.recovery) else set()
        if not _INNER_END.search(text.rstrip(_CLOSE)):  # the other frames hold one sentence
            kind = self.frame(text)
            framed |= set(config.categories) & (_NONSENSE if kind == "nonsense_group" else set(config.categories)) if kind else set()
            if config.public_privacy and "privacy" in out and self.public_entity(text):
                framed.add("privacy")
            if config.self_protection and "privacy" in out and out["privacy"] >= QUIET and self.self_protective(text):
                framed.add("privacy")  # "how to protect my home address from being doxxed"
            if config.own_place and "privacy" in out and out["privacy"] >= QUIET and self.own_place_question(text):
                framed.add("privacy")  # "which school district my address is in"
        for cat in framed & out.keys() - {"sexual_minors"}:
            out[cat] = rescale(out[cat], config.bar, float(thresholds.get(cat, 0.5)))
        return out
