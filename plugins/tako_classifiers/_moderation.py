"""The moderation guard: the shared head's harm categories plus the moderation stages (minors rule,
safe-question frames, idioms, style agreement, self-directed insults, counter-speech, and the
lexicons that lift on input: disclosures and threats, harmful requests)."""

from __future__ import annotations

from collections.abc import Sequence

from guardrails.errors import ModelError
from guardrails.protocol import CheckContext, Resources
from guardrails.results import Verdict

from ._base import _HeadsGuard
from ._contact import settle_contact
from ._counter import damp_counter_speech
from ._departures import cap_departure
from ._disclosures import DisclosureRule, lift
from ._figurative import damp_figurative
from ._frames import SafeFramesRule
from ._heads import (
    SAFETY_HEAD,
    SEXUAL_MINORS_THRESHOLD,
    encoder_for,
    load_head,
    shipped_head_path,
)
from ._mentions import damp_mentions
from ._minors import MinorsRule
from ._options import ModerationOptions
from ._own_harm import defer_to_self_harm
from ._requests import HarmfulRequestRule
from ._self_directed import damp_self_directed
from ._sentences import clauses_alone, lift_sentences
from ._style import agree_style
from ._support import support_lexicon
from ._view import has_placeholder, redacted_clauses, short_full_stop

__all__ = ["HARM_CATEGORIES", "ModerationGuard"]

HARM_CATEGORIES = ("hate", "harassment", "sexual", "sexual_minors", "self_harm", "violence", "illicit",
                   "privacy")
"""The moderation guard's categories. ``sexual_minors`` is the maximum of the head's output and a
reviewed lexicon rule; ``privacy`` covers requests to locate, track, expose or dox a private person."""


class ModerationGuard(_HeadsGuard):
    """Scores harmful content for input and output: hate, harassment, sexual, sexual_minors,
    self_harm, violence, illicit, privacy (scores in [0, 1]).

    Every category comes from the shared multi-task head; ``sexual_minors`` is the maximum of the
    head's output and a reviewed lexicon rule (minor-indicating terms together with sexual content,
    damped in protective or educational context). A reviewed disclosure lexicon lifts ``self_harm``,
    ``harassment`` and ``violence`` (direct threats) on input (``_disclosures``), a reviewed harmful-request
    lexicon ``illicit`` and ``violence`` (``_requests``: how to make a bomb, meth, a ghost gun, in 16
    languages); a short text the disclosure lexicon finds a self-harm phrase in has violence, privacy,
    illicit and harassment read on the rest of the text (``_own_harm``: the speaker is the victim).
    ``self_harm`` is also scored clause by clause on
    input (``clause_categories``), the maximum kept, so that it is never diluted by PII, an
    injection or an unrelated question. A short text typed as chat and flagged for harassment is
    read again in sentence case, and keeps that score only if the re-read agrees (``_style``).
    A multi-sentence input near a ``harassment``, ``hate`` or ``violence`` threshold (or holding a
    listed insult) is read sentence by sentence, each sentence through the lowering stages below,
    and keeps the highest (``_sentences``), so unrelated filler cannot dilute an insult.
    Stages that only lower one category: idioms (``_figurative``), safe-question frames
    (``_frames``), insults aimed at the writer or a film villain (``_self_directed``: harassment)
    and counter-speech or positive, neutral and negated statements about a group (``_counter``:
    hate), @mentions read with the handle as a name (``_mentions``: harassment), a short text
    that only says the writer is leaving (``_departures``: self_harm), and a redacted request to write
    to a contact (``_contact``: privacy). A support message that points someone else to a crisis line
    ("if you're having thoughts of suicide, call or text 988") has ``self_harm`` capped (``_support``).
    """

    name = "moderation"
    stages = frozenset({"input", "output"})
    categories = HARM_CATEGORIES

    Config = ModerationOptions

    def __init__(self, config: ModerationGuard.Config, resources: Resources) -> None:
        super().__init__(config, resources)
        unknown = set(config.categories or ()) - set(HARM_CATEGORIES)
        if unknown:
            raise ModelError(f"moderation: unknown categories {sorted(unknown)}; known: {HARM_CATEGORIES}")
        self.heads = (load_head(config.head or shipped_head_path(SAFETY_HEAD)),)
        self.encoder = encoder_for(self.heads[0], resources)
        self.rule = MinorsRule.load(config.lexicon) if config.lexicon else MinorsRule.load()
        self._wanted = tuple(config.categories or HARM_CATEGORIES)
        self.frames = SafeFramesRule.load(config.frames.lexicon) if config.frames.enabled else None
        self.disclosures = (DisclosureRule.load(config.disclosure_lexicon or DisclosureRule.default_path())
                            if config.disclosures else None)
        self.requests = (HarmfulRequestRule.load(config.harmful_requests_lexicon or HarmfulRequestRule.default_path())
                         if config.harmful_requests else None)
        head = self.heads[0]
        rule_thr = head.provenance.get("rule_thresholds", {}).get("sexual_minors", SEXUAL_MINORS_THRESHOLD)
        recommended = {"sexual_minors": float(rule_thr), **head.thresholds}
        self.recommended_thresholds = {c: float(recommended[c]) for c in self._wanted if c in recommended}

    def check(self, text: str, context: CheckContext) -> Verdict:
        """Score ``text`` (and decoded blobs): category -> probability 0..1; see ``check_batch``."""
        return self.check_batch([text], [context])[0]

    def check_batch(self, texts: Sequence[str], contexts: Sequence[CheckContext]) -> list[Verdict]:
        """Whole texts through the encoder in one batch; then, on ``clause_stages``, the clauses of
        each text whose whole-text score for a ``clause_categories`` category reaches
        ``clause_floor``, or that an earlier rail redacted (PII beside a disclosure pulls the
        whole text's score under the floor; such a text's clauses are read also without the
        redacted values, ``redacted_clauses``), or that is short and closes with a full stop
        (``stop_chars``, ``stop_words``), one window per clause, the maximum kept."""
        groups = [self._texts(t, c) for t, c in zip(texts, contexts, strict=True)]
        raws = [[self._raw(w) for w in windows] for windows in self._embed(groups)]
        per_clause, floor = self._per_clause, self.config.clause_floor
        for text, group, raw, ctx in zip(texts, groups, raws, contexts, strict=True):
            if not group or not per_clause or ctx.stage not in self.config.clause_stages:
                continue
            stop = short_full_stop(group[0][0], self.config.stop_chars, self.config.stop_words)
            redacted = has_placeholder(text)
            if max(r.get(c, 0.0) for r in raw for c in per_clause) < floor and not redacted and not stop:
                continue
            if self._support(group[0][0], ctx.stage):  # "if you're thinking of suicide, call 988": capped whole
                continue
            under = all(raw[0].get(c, 0.0) < self.heads[0].thresholds.get(c, 0.5) for c in per_clause)
            pieces = clauses_alone(group[0][0], self.config, whole=stop, under=under)
            if redacted:  # the clauses again without the values: an address dilutes its clause
                pieces = list(dict.fromkeys([*pieces, *redacted_clauses(group[0][0], text)]))
            if pieces:
                vecs = self.encoder.embed(pieces)
                group.extend((p, True) for p in pieces)
                raw.extend(self._raw(vecs[j : j + 1]) for j in range(len(pieces)))
        before = [raw[0] if raw else None for raw in raws]
        self._damp(groups, raws)
        lift_sentences(self.config, self.encoder, self._raw, self.heads[0].thresholds, groups, raws, before,
                       [c.stage for c in contexts], self._damp)  # an insult between unrelated sentences
        out = [self._finish(raw, group, ctx.stage) for group, raw, ctx in zip(groups, raws, contexts, strict=True)]
        out = [v.model_copy(update={"categories": cap_departure(self.config, v.categories, t)})
               for v, t in zip(out, texts, strict=True)]  # "so I'm leaving now"
        out = settle_contact(self.config, self.encoder, self._raw, self.heads[0].thresholds, out, texts)  # "write to [EMAIL]"
        return [self._disclose(v, t, g, c) for v, t, g, c in zip(out, texts, groups, contexts, strict=True)]

    def _damp(self, groups: list[list[tuple[str, bool]]], raws: list[list[dict[str, float]]]) -> None:
        """The stages that only lower a score, in place (``raws`` as ``check_batch`` holds them)."""
        damp_figurative(self.config, self.encoder, self._raw, groups, raws, self.heads[0].thresholds)  # idioms
        agree_style(self.config, self.encoder, self._raw, self.recommended_thresholds, groups, raws)  # "ti voglio bene"
        damp_self_directed(self.config, self.encoder, self._raw, self.heads[0].thresholds, groups, raws)  # "I feel like such an idiot"
        damp_counter_speech(self.config, self.encoder, self._raw, self.heads[0].thresholds, groups, raws)  # counter-speech
        damp_mentions(self.config, self.encoder, self._raw, self.heads[0].thresholds, groups, raws)  # "@lily.dances.07 is funny"

    def _disclose(self, verdict: Verdict, text: str, group: list[tuple[str, bool]], ctx: CheckContext) -> Verdict:
        """``verdict`` with self_harm / harassment / violence lifted by the disclosure lexicon and illicit / violence
        by the harmful-request lexicon (raw text and views); a framed question is not lifted for a request."""
        views = [text, *(t for t, segment in group if not segment)]
        for rule, stages, key in ((self.disclosures, self.config.disclosure_stages, "disclosures"),
                                  (self.requests, self.config.harmful_requests_stages, "harmful_requests")):
            if rule is None or ctx.stage not in stages or (
                    key == "harmful_requests" and self.frames is not None and self.frames.holds(text, self.config.frames)):
                continue
            lifted, hits = rule.scores(views)
            if key == "disclosures" and hits.get("self_harm") and self.config.own_harm:  # "khudkushi kar lunga"
                verdict = self._own_harm(verdict, views, hits["self_harm"])
            if hits:
                verdict = verdict.model_copy(update={"categories": lift(verdict.categories, lifted),
                                                     "details": {**verdict.details, key: hits}})
        return verdict

    def _own_harm(self, verdict: Verdict, views: list[str], phrases: list[str]) -> Verdict:
        """``verdict`` with the categories the head reads a self-harm disclosure as lowered to what
        the rest of the text says (``_own_harm.defer_to_self_harm``)."""
        cats = defer_to_self_harm(verdict.categories, views, phrases, self.encoder, self._raw,
                                  self.heads[0].thresholds, self.config.own_harm_accept,
                                  self.config.own_harm_words)
        if cats == verdict.categories:
            return verdict
        lowered = {c: round(verdict.categories[c], 4) for c in cats if cats[c] != verdict.categories[c]}
        return verdict.model_copy(update={"categories": cats, "details": {**verdict.details, "own_harm": lowered}})

    @property
    def _per_clause(self) -> tuple[str, ...]:
        return tuple(c for c in self.config.clause_categories if c in self._wanted)

    def _categories(self, raw: dict[str, float], text: str, stage: str, segment: bool = False) -> dict[str, float]:
        if segment:
            return {c: raw.get(c, 0.0) for c in self._per_clause}
        out = {c: raw.get(c, 0.0) for c in HARM_CATEGORIES}
        head_minors = out["sexual_minors"]
        out["sexual_minors"] = self.rule.combine(text, head_minors, out["sexual"])
        out["sexual"] = self.rule.sexual_output(text, out["sexual"], head_minors)  # "which phone for a 13 year old"
        if self.frames is not None:
            out = self.frames.damp(out, text, stage, self.heads[0].thresholds, self.config.frames)
        if out["self_harm"] > self.config.support_cap and self._support(text, stage):
            out["self_harm"] = self.config.support_cap
        return {c: out[c] for c in self._wanted}

    def _support(self, text: str, stage: str) -> bool:
        """Whether ``text`` is a support message to someone else on a ``support_stages`` stage (``_support``)."""
        return (self.config.support_messages and stage in self.config.support_stages
                and support_lexicon(self.config.support_lexicon).holds(text))
