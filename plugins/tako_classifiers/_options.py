"""Options of the moderation and jailbreak guards (``ModerationGuard.Config``,
``JailbreakGuard.Config``), kept apart from the guards."""

from __future__ import annotations

from pydantic import Field

from guardrails.protocol import GuardConfig

from ._contact import ContactOptions
from ._counter import CounterOptions
from ._departures import DepartureOptions
from ._figurative import FigurativeOptions
from ._frames import SafeFrames
from ._mentions import MentionOptions
from ._self_directed import SelfDirectedOptions
from ._sentences import SentenceOptions
from ._style import StyleOptions

__all__ = ["JailbreakOptions", "ModerationOptions"]


class ModerationOptions(FigurativeOptions, StyleOptions, SelfDirectedOptions, CounterOptions, SentenceOptions,
                        MentionOptions, DepartureOptions, ContactOptions):
    """Options of the moderation guard (the ``figurative*`` ones: ``_figurative``; the ``style*``
    ones: ``_style``; the ``self_directed*`` ones: ``_self_directed``; the ``counter*`` ones:
    ``_counter``; the ``sentence*`` ones: ``_sentences``; the ``mentions*`` ones: ``_mentions``; the ``departures*`` ones: ``_departures``; the ``contact*`` ones: ``_contact``)."""

    head: str | None = None
    """Path of a replacement moderation head (default: the shipped one)."""
    categories: list[str] | None = Field(None)
    """Only report these categories (default: all eight)."""
    lexicon: str | None = None
    """Path of a replacement sexual_minors lexicon (JSON, same shape as the shipped one)."""
    clause_categories: list[str] = Field(default_factory=lambda: ["self_harm"])
    """Also scored clause by clause on input (and sentence by sentence on a long text), the
    maximum kept, so PII, an injection prefix or an unrelated question cannot dilute them."""
    clause_stages: list[str] = Field(default_factory=lambda: ["input"])
    """Stages where ``clause_categories`` are scored per clause."""
    clause_floor: float = Field(0.005, ge=0.0, le=1.0)
    """Clauses are scored only when the whole text's score for a clause category reaches this
    (0: always), or when an earlier rail redacted part of the text. On the train-side
    validation split (600 benign messages with a comma or "and", 111 self-harm rows) a floor
    of 0.005 kept every self-harm row that clause scoring adds (recall 0.712 vs 0.667
    whole-text only) and ran clauses for 5% of the benign ones."""
    stop_chars: int = Field(300, ge=0)
    """A view of at most this many characters and ``stop_words`` words that closes with a full
    stop (``.``, ``。``, ``!``) has its clauses scored whatever ``clause_floor`` (one more
    encoder pass): the encoder reads such a sentence as benign ("Ya no quiero vivir." 0.001,
    typed 0.73). 0: off."""
    stop_words: int | None = Field(6, ge=1)
    """Word cap of that pass (``_view.word_count``; None: none). Benign rows escalated for
    self_harm, validation split, before -> cap 6 (no cap): multilingual 0.31% -> 0.91%
    (1.33%), chat 1.10% -> 1.35% (1.35%); search, look-alikes, social +0.00 (social +0.22)."""
    disclosures: bool = True
    """Lift ``self_harm`` (a first-person wish to die, a self-harm relapse, a plan to overdose, in
    16 languages), ``harassment`` ("kys", "go kill yourself") and ``violence`` (direct threats: "te
    voy a matar", "I know where you live.") and ``privacy`` (locating a child's school with an intent to wait
    for her) to the lexicon's score (0.9) on a reviewed lexicon (``_disclosures``); never lowers a score. False: off."""
    disclosure_lexicon: str | None = None
    """Path of a replacement disclosure lexicon (JSON, same shape as ``data/disclosures.json``)."""
    disclosure_stages: list[str] = Field(default_factory=lambda: ["input"])
    """Stages where the disclosure lexicon runs."""
    own_harm: bool = True
    """When the disclosure lexicon finds a self_harm phrase in a short text, lower violence, privacy,
    illicit and harassment to the score of the text without it, if that rest is clean
    (``_own_harm``): the speaker is the victim, so the self-harm escalation is not hidden by a
    block. False: off."""
    own_harm_words: int = Field(4, ge=0)
    """Words the text may hold beyond its self_harm phrases for the lowering to apply ("aaj raat")."""
    own_harm_accept: float = Field(0.5, ge=0.0, le=1.0)
    """The rest must score under this fraction of the head's threshold on every category but
    self_harm for the lowering to apply."""
    harmful_requests: bool = True
    """Lift ``illicit`` (and ``violence`` for weapons, explosives and poisons) to the lexicon's score
    (0.9) on a request for instructions to make or get a bomb, explosive, ghost gun, silencer, nerve
    agent, meth, fentanyl, crack or heroin, in 16 languages, and ``hate`` on a group said to deserve death
    (``_requests``); never lowers a score;
    a short informational or in-game question (``frames``) is not lifted. False: off."""
    harmful_requests_lexicon: str | None = None
    """Path of a replacement harmful-request lexicon (JSON, same shape as ``data/harmful_requests.json``)."""
    harmful_requests_stages: list[str] = Field(default_factory=lambda: ["input"])
    """Stages where the harmful-request lexicon runs."""
    frames: SafeFrames = Field(default_factory=SafeFrames)
    """Informational / in-game / public-entity questions judged at a higher bar (``_frames``)."""
    support_messages: bool = True
    """Cap ``self_harm`` at ``support_cap`` on a support message addressed to someone else: a crisis
    line or someone to talk to, a second person, no first person, no method asked
    (``_support``: "if you're having thoughts of suicide, call or text 988"). False: off."""
    support_cap: float = Field(0.3, ge=0.0, le=1.0)
    """The ``self_harm`` score a support message keeps at most (under the default policy's 0.40)."""
    support_lexicon: str | None = None
    """Path of a replacement support lexicon (JSON, same keys as ``data/support_messages.json``)."""
    support_stages: list[str] = Field(default_factory=lambda: ["input"])
    """Stages where support messages are capped."""


class JailbreakOptions(GuardConfig):
    """Options of the jailbreak guard."""

    head: str | None = None
    """Path of a replacement jailbreak head (default: the shipped one)."""
    personas: bool = True
    """A reviewed persona-override lexicon lifts the score to its ``score`` (0.9) on input that
    gives the model a persona or mode defined by having no rules (``_personas``; False: off)."""
    persona_lexicon: str | None = None
    """Path of a replacement persona lexicon (same JSON shape; default: the shipped one)."""
