"""Output guards: system-prompt leakage, refusals, relevance, output shape; and length limits."""

from __future__ import annotations

import importlib
import json
import re
from typing import Any

from pydantic import BaseModel, Field, ValidationError, model_validator

from guardrails.errors import PolicyError
from guardrails.protocol import BaseGuard, CheckContext, GuardConfig, Resources
from guardrails.results import Span, Verdict, verdict
from tako_rules._common import calibrate, similarity_encoder
from tako_rules._schema import check_schema, validate

__all__ = ["LimitsGuard", "OutputShapeGuard", "RefusalGuard", "RelevanceGuard", "SystemPromptLeakGuard"]

_REFUSAL = (
    r"\b(?:i'?m|i am) sorry,? but\b|\bsorry,? (?:but )?i (?:can ?not|can'?t|won'?t)\b"
    r"|\bi (?:can ?not|can'?t|won'?t|will not|am unable to|am not able to|'?m unable to|'?m not able to)"
    r" (?:help|assist|provide|comply|do that|fulfil|fulfill|support|create|generate|share|engage"
    r"|answer|continue|write|give|offer|discuss)\b"
    r"|\bas an ai(?: language model| assistant)?,? i\b|\bi must (?:decline|refuse)\b"
    r"|\bi(?:'m| am) not (?:comfortable|allowed|permitted)\b|\bi apologi[sz]e,? but\b"
    r"|\b(?:this|that|your) request (?:goes against|violates)\b"
)
_FENCE = r"^\s{0,8}```[a-zA-Z0-9_-]{0,20}[ \t]*\n?(.*?)\n?```\s{0,8}$"


class SystemPromptLeakGuard(BaseGuard):
    """Flags answers that leak the system prompt: a canary token (config ``canary`` or request
    metadata ``canary``) or word n-gram overlap with the system prompt (config ``system_prompt``
    or ``RequestContext.system_prompt``)."""

    name = "system_prompt_leak"
    stages = frozenset({"output"})
    categories = ("system_prompt_leak",)
    metadata_keys = ("canary",)
    """RequestContext.metadata keys this guard reads (part of the decision cache's key)."""

    class Config(GuardConfig):
        """Canary and overlap settings."""

        canary: str | None = None
        system_prompt: str | None = None
        """Used when the request carries no system prompt."""
        ngram: int = Field(6, ge=2, le=20)
        full_overlap: float = Field(0.3, gt=0.0, le=1.0)
        """Share of the prompt's n-grams found in the answer that scores 1.0 (linear below)."""
        min_prompt_words: int = Field(8, ge=1)

    def __init__(self, config: SystemPromptLeakGuard.Config, resources: Resources | None = None) -> None:
        super().__init__(config, resources)
        self._word = re.compile(r"\w+")
        self._cache: dict[str, frozenset[tuple[str, ...]]] = {}

    def _grams(self, text: str) -> frozenset[tuple[str, ...]]:
        n = self.config.ngram
        words = self._word.findall(text.lower())
        return frozenset(tuple(words[i : i + n]) for i in range(len(words) - n + 1))

    def _prompt_grams(self, prompt: str) -> frozenset[tuple[str, ...]]:
        grams = self._cache.get(prompt)
        if grams is None:
            if len(self._cache) > 256:
                self._cache.clear()
            grams = self._cache[prompt] = self._grams(prompt)
        return grams

    def check(self, text: str, context: CheckContext) -> Verdict:
        """1.0 on a canary; else the n-gram coverage of the system prompt, scaled."""
        canaries = [c for c in (self.config.canary, context.request.metadata.get("canary")) if c]
        for canary in canaries:
            idx = text.find(canary)
            if idx != -1:
                span = Span(start=idx, end=idx + len(canary), category=self.name, label="CANARY")
                return Verdict(categories={self.name: 1.0}, spans=(span,), details={"canary": True})
        prompt = context.request.system_prompt or self.config.system_prompt
        if not prompt or len(self._word.findall(prompt)) < self.config.min_prompt_words:
            return Verdict()
        pgrams = self._prompt_grams(prompt)
        if not pgrams:
            return Verdict()
        shared = pgrams & self._grams(text)
        coverage = len(shared) / len(pgrams)
        score = min(1.0, coverage / self.config.full_overlap)
        return Verdict(categories={self.name: round(score, 4)},
                       details={"coverage": round(coverage, 4), "shared_ngrams": len(shared)})


class RefusalGuard(BaseGuard):
    """Detects that the model refused ("I'm sorry, but I can't help with that"). Recorded for
    metrics (over-refusal rates); its category ``refusal`` is meant to map to ``allow``."""

    name = "refusal"
    stages = frozenset({"output"})
    categories = ("refusal",)

    class Config(GuardConfig):
        """Where to look."""

        head_chars: int = Field(300, ge=20)
        """A refusal phrase in the first ``head_chars`` scores 1.0, later ones ``later_score``."""
        later_score: float = Field(0.4, ge=0.0, le=1.0)
        extra_phrases: list[str] = Field(default_factory=list)
        """More refusal phrases (plain text, matched case-insensitively)."""

    def __init__(self, config: RefusalGuard.Config, resources: Resources | None = None) -> None:
        super().__init__(config, resources)
        extra = "".join("|" + re.escape(p.lower()) for p in config.extra_phrases)
        self._pattern = re.compile(_REFUSAL + extra, re.IGNORECASE)

    def check(self, text: str, context: CheckContext) -> Verdict:
        """Score ``refusal`` and record the phrase."""
        m = self._pattern.search(text.replace("\u2019", "'"))
        if m is None:
            return verdict(details={"refused": False})
        score = 1.0 if m.start() < self.config.head_chars else self.config.later_score
        return Verdict(categories={"refusal": score},
                       details={"refused": score >= 0.5, "phrase": m.group(), "at": m.start()})


class RelevanceGuard(BaseGuard):
    """Scores ``off_topic`` when the answer is dissimilar to the prompt (encoder cosine). A
    similarity equal to ``min_similarity`` scores 0.5. Raises PolicyError when built on an encoder
    that is not a similarity space (the shipped one): set ``encoder:``."""

    name = "relevance"
    stages = frozenset({"output"})
    categories = ("off_topic",)

    class Config(GuardConfig):
        """The similarity below which an answer counts as off-topic."""

        min_similarity: float = Field(0.2, ge=0.0, lt=1.0)
        encoder: str = "default"
        min_answer_chars: int = Field(20, ge=0)
        """Shorter answers ("Yes.", "42") are not judged."""

    def __init__(self, config: RelevanceGuard.Config, resources: Resources) -> None:
        super().__init__(config, resources)
        self._resources = resources
        similarity_encoder(resources, config.encoder, self.name)  # PolicyError now, not a useless rail

    def check(self, text: str, context: CheckContext) -> Verdict:
        """Best window similarity between the answer and ``context.prompt``."""
        prompt = context.prompt
        if not prompt or len(text.strip()) < self.config.min_answer_chars:
            return Verdict(details={"skipped": "no prompt" if not prompt else "short answer"})
        encoder = self._resources.encoder(self.config.encoder)
        q = encoder.embed([prompt])[0]
        sim = float((encoder.embed_windows(text) @ q).max())
        score = calibrate(1.0 - sim, 1.0 - self.config.min_similarity)
        return Verdict(categories={"off_topic": round(score, 4)}, details={"similarity": round(sim, 4)})


class OutputShapeGuard(BaseGuard):
    """Checks that the answer is JSON (optionally inside a code fence) that validates against a
    JSON Schema subset (``json_schema``) or a pydantic model (``model: "pkg.mod:Class"``)."""

    name = "output_shape"
    stages = frozenset({"output"})
    categories = ("output_shape",)

    class Config(GuardConfig):
        """The expected shape."""

        json_schema: dict[str, Any] | None = None
        model: str | None = None
        strip_code_fence: bool = True

        @model_validator(mode="after")
        def _schema_ok(self) -> OutputShapeGuard.Config:
            if self.json_schema is not None:
                check_schema(self.json_schema)
            return self

    def __init__(self, config: OutputShapeGuard.Config, resources: Resources | None = None) -> None:
        super().__init__(config, resources)
        self._fence = re.compile(_FENCE, re.DOTALL)
        self._model: Any = None
        if config.model:
            module, _, attr = config.model.partition(":")
            try:
                self._model = getattr(importlib.import_module(module), attr)
            except (ImportError, AttributeError, ValueError) as exc:
                raise PolicyError(f"output_shape: cannot import model {config.model!r}: {exc}") from exc
            if not (isinstance(self._model, type) and issubclass(self._model, BaseModel)):
                raise PolicyError(f"output_shape: {config.model!r} is not a pydantic model")

    def check(self, text: str, context: CheckContext) -> Verdict:
        """1.0 with the errors when the answer is not valid JSON of the expected shape."""
        body = text
        if self.config.strip_code_fence and "```" in text:
            m = self._fence.match(text)
            if m:
                body = m.group(1)
        try:
            value = json.loads(body)
        except (ValueError, RecursionError) as exc:
            reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            return Verdict(categories={"output_shape": 1.0}, details={"errors": [f"not JSON: {reason}"]})
        errors: list[str] = []
        if self.config.json_schema is not None:
            errors += validate(value, self.config.json_schema)
        if self._model is not None:
            try:
                self._model.model_validate(value)
            except ValidationError as exc:
                errors += [f"$.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        if errors:
            return Verdict(categories={"output_shape": 1.0}, details={"errors": errors[:20]})
        return Verdict(categories={"output_shape": 0.0})


class LimitsGuard(BaseGuard):
    """Scores ``length`` 1.0 when a text is longer than ``max_chars`` or ``max_tokens``
    (approximate: words and punctuation marks); with ``truncate`` it returns the cut text."""

    name = "limits"
    stages = frozenset({"input", "output", "context"})
    changes_text = True
    categories = ("length",)

    class Config(GuardConfig):
        """The limits."""

        max_chars: int | None = Field(None, ge=1)
        max_tokens: int | None = Field(None, ge=1)
        truncate: bool = False
        """Return the text cut at the limit (applied when the rail's action is redact)."""

    def __init__(self, config: LimitsGuard.Config, resources: Resources | None = None) -> None:
        super().__init__(config, resources)
        self._token = re.compile(r"\w+|[^\w\s]")

    def check(self, text: str, context: CheckContext) -> Verdict:
        """1.0 over a limit, with the counts; the truncated text when configured."""
        cfg = self.config
        cut: int | None = None
        details: dict[str, Any] = {"chars": len(text)}
        if cfg.max_chars is not None and len(text) > cfg.max_chars:
            cut = cfg.max_chars
        if cfg.max_tokens is not None and len(text) > cfg.max_tokens:
            count = 0
            for m in self._token.finditer(text):
                count += 1
                if count > cfg.max_tokens:
                    cut = m.start() if cut is None else min(cut, m.start())
                    break
            details["tokens_over"] = count > cfg.max_tokens
        if cut is None:
            return Verdict(details=details)
        details["limit_at"] = cut
        truncated = text[:cut].rstrip() if cfg.truncate else None
        return Verdict(categories={"length": 1.0}, text=truncated, details=details)
