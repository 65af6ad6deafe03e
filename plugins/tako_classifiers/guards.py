"""Model guards: prompt injection, jailbreak, moderation and custom heads on the shared encoder.

Each guard embeds the detection view of the text (``context.view(text)``) and any decoded blobs
(``context.decoded``) in overlapping token windows through ``resources.encoder(head.encoder)``;
a category's score is its head's calibrated probability, maximised over windows and texts.
``check_batch`` sends all texts of a batch through the encoder together.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import Field

from guardrails.errors import ModelError
from guardrails.protocol import BaseGuard, CheckContext, EncoderLike, GuardConfig, Resources
from guardrails.results import Verdict
from guardrails.runtime.heads import Head
from guardrails.runtime.scan import scan
from guardrails.runtime.segments import token_budget
from guardrails.runtime.triage import Triage, shipped_triage_path

from ._address import cap_how_to
from ._context import DocumentThresholds, document_score, rescale
from ._counter import damp_counter_speech
from ._disclosures import DisclosureRule, lift
from ._figurative import damp_figurative
from ._frames import SafeFramesRule
from ._heads import (
    HEADS_DIR,
    RETRAIN_HINT,
    SAFETY_HEAD,
    SEXUAL_MINORS_THRESHOLD,
    encoder_for,
    load_head,
    score_memo,
    shipped_head_path,
)
from ._minors import MinorsRule
from ._options import JailbreakOptions, ModerationOptions
from ._personas import PERSONAS_PATH, PersonaRule, lift_persona
from ._requests import HarmfulRequestRule
from ._self_directed import damp_self_directed
from ._style import agree_style
from ._view import detection_view, has_placeholder, segments, short_full_stop, typed_clauses

__all__ = ["HARM_CATEGORIES", "HEADS_DIR", "RETRAIN_HINT", "SAFETY_HEAD", "SEXUAL_MINORS_THRESHOLD", "HeadGuard",
           "JailbreakGuard", "ModerationGuard", "PromptInjectionGuard", "shipped_head_path"]

HARM_CATEGORIES = ("hate", "harassment", "sexual", "sexual_minors", "self_harm", "violence", "illicit",
                   "privacy")
"""The moderation guard's categories. ``sexual_minors`` is the maximum of the head's output and a
reviewed lexicon rule; ``privacy`` covers requests to locate, track, expose or dox a private person."""


class _HeadsGuard(BaseGuard):
    """Shared machinery: embed views (+ decoded blobs) in windows, score with heads, max-pool."""

    heads: tuple[Head, ...]
    encoder: EncoderLike
    recommended_thresholds: dict[str, float]
    """Per category, the threshold calibrated with the head (used where a policy sets none)."""
    reads_redactions = False
    """Whether the view is read as earlier rails redacted it (``detection_view``)."""

    def _texts(self, text: str, context: CheckContext) -> list[tuple[str, bool]]:
        """(text, is_segment) pairs to embed: the view, decoded blobs, and any extra segments;
        none for content-free text (``context.content_free``)."""
        if context.content_free:
            return []
        view = detection_view(text, context, redactions=self.reads_redactions)
        decoded = [d for d in context.decoded if d and d != view]
        if context.stage != "context":  # a document's hidden pieces are bounded by documents.hidden_text
            decoded = decoded[: token_budget().decoded]
        return [(t, False) for t in (view, *decoded)]

    def _raw(self, windows: np.ndarray) -> dict[str, float]:
        scores: dict[str, float] = {}
        for head in self.heads:
            scores.update(score_memo().scores(head, windows))
        return scores

    def _finish(self, raws: list[dict[str, float]], texts: list[tuple[str, bool]], stage: str) -> Verdict:
        """Turn per-text raw head scores into the guard's categories (max over texts)."""
        if not texts:  # content-free: zero scores, the encoder never called
            return Verdict(categories=dict.fromkeys(self.recommended_thresholds, 0.0),
                           details={"texts_scored": 0, "content_free": True})
        out: dict[str, float] = {}
        for raw, (text, segment) in zip(raws, texts, strict=True):
            for cat, score in self._categories(raw, text, stage, segment).items():
                out[cat] = max(out.get(cat, 0.0), float(score))
        return Verdict(categories=out, details={"texts_scored": len(texts)})

    def _categories(self, raw: dict[str, float], text: str, stage: str, segment: bool = False) -> dict[str, float]:
        raise NotImplementedError

    def _embed(self, groups: list[list[tuple[str, bool]]]) -> list[list[np.ndarray]]:
        """Window vectors per text of each group: the first text (the view) in windows, the rest
        (decoded blobs, segments) one window each, within the token budget; an empty group
        (content-free text) gets none and costs no encoder call."""
        firsts = [g[0][0] for g in groups if g]
        wins = iter(self.encoder.embed_windows_batch(firsts) if firsts else [])
        extras = [t for g in groups for t, _ in g[1:]]
        vecs = self.encoder.embed(extras) if extras else None
        out: list[list[np.ndarray]] = []
        i = 0
        for group in groups:
            if not group:
                out.append([])
                continue
            out.append([next(wins), *(vecs[j:j + 1] for j in range(i, i + len(group) - 1))])  # type: ignore[index]
            i += len(group) - 1
        return out

    def check(self, text: str, context: CheckContext) -> Verdict:
        """Score ``text`` (and decoded blobs in ``context``): category -> probability 0..1."""
        texts = self._texts(text, context)
        (windows,) = self._embed([texts])
        return self._finish([self._raw(w) for w in windows], texts, context.stage)

    def check_batch(self, texts: Sequence[str], contexts: Sequence[CheckContext]) -> list[Verdict]:
        """``check`` for many texts, embedded through the encoder in one batch."""
        groups = [self._texts(t, c) for t, c in zip(texts, contexts, strict=True)]
        if not groups:
            return []
        return [
            self._finish([self._raw(w) for w in windows], group, ctx.stage)
            for group, windows, ctx in zip(groups, self._embed(groups), contexts, strict=True)
        ]

    def score_windows(self, windows: np.ndarray, text: str, stage: str = "input") -> dict[str, float]:
        """Category scores from precomputed window embeddings (training and evaluation use this)."""
        return self._categories(self._raw(windows), text, stage)


class PromptInjectionGuard(_HeadsGuard):
    """Finds attempts to override the system's instructions, typed by the user or hidden in
    retrieved documents and tool output.

    On the ``context`` stage the score is the maximum of the direct-injection and the indirect
    (instructions planted in a document) outputs of the injection head, each at its own bar
    (``_context.DocumentThresholds``), the direct output's higher on a text that names neither the
    model nor the reader's answer, and the jailbreak output on a text that casts the assistant in a
    role ("act as DAN", ``_context.document_score``); on ``input`` only the direct output is used
    unless ``indirect_on_input`` is set.
    """

    name = "prompt_injection"
    stages = frozenset({"input", "context"})
    categories = ("prompt_injection",)
    reads_redactions = True

    class Config(GuardConfig):
        """Options of the prompt_injection guard."""

        head: str | None = None
        """Path of a replacement injection head (default: the shipped one)."""
        indirect_on_input: bool = False
        """Also use the document-injection output on user input (more recall, more false positives)."""
        segment_chars: int = Field(400, ge=0)
        """Texts longer than this are also scored sentence by sentence with the direct-injection
        output, so one planted instruction is not diluted by a long window (0: off)."""
        document_segments: bool = True
        """On the context stage, score every document (and the text hidden in its markup) per
        segment too (a sentence, short sentences grouped), the first included; keep the maximum."""
        document_thresholds: DocumentThresholds = Field(default_factory=DocumentThresholds)
        """Head outputs a document (whole, or one segment) must reach on the context stage."""
        how_to_cap: float = Field(0.4, ge=0.0, le=1.0)
        """Cap on the direct output of a how-to, README, terms or recipe (``_address``); 1.0: off."""
        scan_chars: int = Field(2000, ge=0)
        """Texts longer than this are scanned instead (guardrails.runtime.scan): sentence groups,
        the pre-pass picks those that need the encoder, best first, stopping at ``stop_at`` (0: off)."""
        scan_budget_chars: int | None = Field(4000, ge=0)
        """Characters of segments one scan embeds beyond the first and last (None: no cap)."""
        triage: bool = True
        """Use the shipped pre-pass; False scans every segment in document order (up to the budget)."""
        stop_at: float | None = Field(None, ge=0.0, le=1.0)
        """Score that ends a scan early (default: the head's recommended threshold; set it when the
        policy raises the prompt_injection threshold above that)."""

    def __init__(self, config: PromptInjectionGuard.Config, resources: Resources) -> None:
        super().__init__(config, resources)
        head = load_head(config.head or shipped_head_path(SAFETY_HEAD))
        self.heads = (head,)
        self.encoder = encoder_for(head, resources)
        self._t_direct = float(head.thresholds.get("prompt_injection", 0.5))
        self._t_context = float(head.thresholds.get("indirect_injection")
                                or head.provenance.get("context_threshold", self._t_direct))
        self._t_doc = config.document_thresholds
        self.recommended_thresholds = {"prompt_injection": self._t_direct}
        self._triage = Triage.load(shipped_triage_path("injection")) if config.triage else None

    def _texts(self, text: str, context: CheckContext) -> list[tuple[str, bool]]:
        texts = super()._texts(text, context)
        if not texts:
            return texts
        if context.stage == "context" and self.config.document_segments:
            whole = {t for t, _ in texts}  # every segment of the document and of its hidden text
            pieces = (seg for t, _ in list(texts) for seg in segments(t, min_chars=20))
            return texts + [(seg, True) for seg in dict.fromkeys(pieces) if seg not in whole]
        view = texts[0][0]
        if self.config.segment_chars and len(view) > self.config.segment_chars:
            texts += [(seg, True) for seg in segments(view, limit=token_budget().segments)]
        return texts

    def _long(self, text: str, context: CheckContext) -> bool:
        return (bool(self.config.scan_chars) and not context.content_free
                and len(context.view(text)) > self.config.scan_chars)

    def _scan(self, text: str, context: CheckContext) -> Verdict:
        """A long text: the scan of its segments, plus any decoded blobs scored whole."""
        view = detection_view(text, context, redactions=True)
        stop = self.config.stop_at if self.config.stop_at is not None else self._t_direct
        report = scan(view, self.encoder.embed_windows_batch,
                      lambda vecs, seg: self._categories(self._raw(vecs), seg, context.stage,
                                                         context.stage == "context")["prompt_injection"],
                      stop=stop, triage=self._triage, budget_chars=self.config.scan_budget_chars,
                      group=getattr(self.encoder, "pool_threads", 1))
        score = report.score
        blobs = [(d, False) for d in context.decoded if d and d != view]
        if blobs:
            windows = self.encoder.embed_windows_batch([d for d, _ in blobs])
            score = max(score, self._finish([self._raw(w) for w in windows], blobs, context.stage)
                        .categories["prompt_injection"])
        return Verdict(categories={"prompt_injection": score}, details={"scan": report.details()})

    def check(self, text: str, context: CheckContext) -> Verdict:
        """Score ``text``: whole (and by sentence) when short, by a segment scan when long."""
        return self._scan(text, context) if self._long(text, context) else super().check(text, context)

    def check_batch(self, texts: Sequence[str], contexts: Sequence[CheckContext]) -> list[Verdict]:
        """``check`` for many texts: the short ones through the encoder together, long ones scanned."""
        short = [i for i, (t, c) in enumerate(zip(texts, contexts)) if not self._long(t, c)]
        out: list[Verdict | None] = [None] * len(texts)
        for i, verdict in zip(short, super().check_batch([texts[i] for i in short], [contexts[i] for i in short])):
            out[i] = verdict
        return [v if v is not None else self._scan(t, c) for v, t, c in zip(out, texts, contexts)]

    def _categories(self, raw: dict[str, float], text: str, stage: str, segment: bool = False) -> dict[str, float]:
        score, indirect = raw.get("prompt_injection", 0.0), raw.get("indirect_injection", 0.0)
        score = cap_how_to(score, text, self.config.how_to_cap, documents=stage == "context")
        if stage == "context":  # each output at its own bar (_context.document_score), jailbreak with a persona cue
            return {"prompt_injection": document_score(raw, score, text, self._t_doc, self._t_context, self._t_direct)}
        if self.config.indirect_on_input and not segment:
            score = max(score, rescale(indirect, self._t_context, self._t_direct))
        return {"prompt_injection": score}


class JailbreakGuard(_HeadsGuard):
    """Finds attempts to make the model ignore its safety rules: role-play and DAN-style
    personas, hypothetical framing, "developer mode", adversarial suffixes."""

    name = "jailbreak"
    stages = frozenset({"input"})
    categories = ("jailbreak",)
    reads_redactions = True

    Config = JailbreakOptions

    def __init__(self, config: JailbreakGuard.Config, resources: Resources) -> None:
        super().__init__(config, resources)
        self.heads = (load_head(config.head or shipped_head_path(SAFETY_HEAD)),)
        self.encoder = encoder_for(self.heads[0], resources)
        self.recommended_thresholds = {"jailbreak": float(self.heads[0].thresholds["jailbreak"])}
        self.personas = PersonaRule.load(config.persona_lexicon or PERSONAS_PATH) if config.personas else None

    def check(self, text: str, context: CheckContext) -> Verdict:
        """Score ``text`` (and decoded blobs): jailbreak probability 0..1, lifted by the persona rule."""
        return self.check_batch([text], [context])[0]

    def check_batch(self, texts: Sequence[str], contexts: Sequence[CheckContext]) -> list[Verdict]:
        """``check`` for many texts (one encoder batch), then the persona rule (``lift_persona``)."""
        verdicts = super().check_batch(texts, contexts)
        return [lift_persona(self.personas, v, t, c) for v, t, c in zip(verdicts, texts, contexts, strict=True)]

    def _categories(self, raw: dict[str, float], text: str, stage: str, segment: bool = False) -> dict[str, float]:
        return {"jailbreak": raw.get("jailbreak", 0.0)}


class ModerationGuard(_HeadsGuard):
    """Scores harmful content for input and output: hate, harassment, sexual, sexual_minors,
    self_harm, violence, illicit, privacy (scores in [0, 1]).

    Every category comes from the shared multi-task head; ``sexual_minors`` is the maximum of the
    head's output and a reviewed lexicon rule (minor-indicating terms together with sexual content,
    damped in protective or educational context). A reviewed disclosure lexicon lifts ``self_harm``,
    ``harassment`` and ``violence`` (direct threats) on input (``_disclosures``), a reviewed harmful-request
    lexicon ``illicit`` and ``violence`` (``_requests``: how to make a bomb, meth, a ghost gun, in 16
    languages). ``self_harm`` is also scored clause by clause on
    input (``clause_categories``), the maximum kept, so that it is never diluted by PII, an
    injection or an unrelated question. A short text typed as chat and flagged for harassment is
    read again in sentence case, and keeps that score only if the re-read agrees (``_style``).
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
        whole text's score under the floor), or that is short and closes with a full stop
        (``stop_chars``, ``stop_words``), one window per clause, the maximum kept."""
        groups = [self._texts(t, c) for t, c in zip(texts, contexts, strict=True)]
        raws = [[self._raw(w) for w in windows] for windows in self._embed(groups)]
        per_clause, floor = self._per_clause, self.config.clause_floor
        for text, group, raw, ctx in zip(texts, groups, raws, contexts, strict=True):
            if not group or not per_clause or ctx.stage not in self.config.clause_stages:
                continue
            stop = short_full_stop(group[0][0], self.config.stop_chars, self.config.stop_words)
            if max(r.get(c, 0.0) for r in raw for c in per_clause) < floor and not has_placeholder(text) and not stop:
                continue
            pieces = typed_clauses(group[0][0], whole=stop)
            if pieces:
                vecs = self.encoder.embed(pieces)
                group.extend((p, True) for p in pieces)
                raw.extend(self._raw(vecs[j : j + 1]) for j in range(len(pieces)))
        damp_figurative(self.config, self.encoder, self._raw, groups, raws, self.heads[0].thresholds)  # idioms
        agree_style(self.config, self.encoder, self._raw, self.recommended_thresholds, groups, raws)  # "ti voglio bene"
        damp_self_directed(self.config, groups, raws)  # "I feel like such an idiot"
        damp_counter_speech(self.config, self.encoder, self._raw, self.heads[0].thresholds, groups, raws)  # counter-speech
        out = [self._finish(raw, group, ctx.stage) for group, raw, ctx in zip(groups, raws, contexts, strict=True)]
        return [self._disclose(v, t, g, c) for v, t, g, c in zip(out, texts, groups, contexts, strict=True)]

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
            if hits:
                verdict = verdict.model_copy(update={"categories": lift(verdict.categories, lifted),
                                                     "details": {**verdict.details, key: hits}})
        return verdict

    @property
    def _per_clause(self) -> tuple[str, ...]:
        return tuple(c for c in self.config.clause_categories if c in self._wanted)

    def _categories(self, raw: dict[str, float], text: str, stage: str, segment: bool = False) -> dict[str, float]:
        if segment:
            return {c: raw.get(c, 0.0) for c in self._per_clause}
        out = {c: raw.get(c, 0.0) for c in HARM_CATEGORIES}
        out["sexual_minors"] = self.rule.combine(text, out["sexual_minors"], out["sexual"])
        out["sexual"] = self.rule.sexual_output(text, out["sexual"])  # "which phone for a 13 year old"
        if self.frames is not None:
            out = self.frames.damp(out, text, stage, self.heads[0].thresholds, self.config.frames)
        return {c: out[c] for c in self._wanted}


class HeadGuard(_HeadsGuard):
    """Runs a custom head (trained with ``guardrails train-head``) from ``config.path``.

    Its categories are the head's own; set their thresholds and actions on the rail, e.g.
    ``{guard: head, config: {path: ./refunds.head.json}, thresholds: {refund_request: 0.6}}``.
    """

    name = "head"
    stages = frozenset({"input", "output", "context"})
    categories = ()

    class Config(GuardConfig):
        """Options of the head guard."""

        path: str
        """Path of the head's ``NAME.head.json`` (relative paths are relative to the working directory)."""

    def __init__(self, config: HeadGuard.Config, resources: Resources) -> None:
        super().__init__(config, resources)
        try:
            head = load_head(config.path)
        except ModelError as exc:
            raise ModelError(f"head guard: {exc}") from exc
        self.heads = (head,)
        self.encoder = encoder_for(head, resources)
        self.head_categories = head.categories
        self.recommended_thresholds = {c: float(head.thresholds[c]) for c in head.categories}

    def _categories(self, raw: dict[str, float], text: str, stage: str, segment: bool = False) -> dict[str, float]:
        return {c: raw.get(c, 0.0) for c in self.head_categories}
