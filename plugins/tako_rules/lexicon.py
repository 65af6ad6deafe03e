"""The lexicon guard (banned terms per language) and the topic guard (topics in plain words)."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from guardrails.errors import PolicyError
from guardrails.protocol import BaseGuard, CheckContext, EncoderLike, GuardConfig, Resources
from guardrails.results import Span, Verdict
from tako_rules._common import calibrate, load_yaml_path, similarity_encoder
from tako_rules._trie import trie_pattern

__all__ = ["LexiconGuard", "TopicGuard"]

_WORD = r"\w+"


class LexiconGuard(BaseGuard):
    """Flags banned terms (single words or phrases) on word boundaries, case-insensitively.

    Matches on the normalised view by default, so ``k1ll``, ``k i l l`` or homoglyph spellings
    of a term are caught once a ``normalize`` rail ran first. Lists are per language
    (``terms: {en: [...], de: [...]}``; ``any`` applies to every language) and may be loaded
    from YAML or plain-text files. Spans refer to the text matched (the view by default).
    """

    name = "lexicon"
    stages = frozenset({"input", "output", "context"})
    categories = ("lexicon",)

    class Config(GuardConfig):
        """The term lists and the category they score."""

        terms: dict[str, list[str]] = Field(default_factory=dict)
        """Language code (or ``any``) -> terms."""
        files: list[str] = Field(default_factory=list)
        """YAML files (``{en: [...]}`` or ``{terms: {en: [...]}}``) or .txt files, one term a line."""
        category: str = "lexicon"
        score: float = Field(1.0, ge=0.0, le=1.0)
        language_scoped: bool = False
        """Use only the request language's list (plus ``any``) when the language is known."""
        match_on: Literal["normalized", "raw"] = "normalized"
        max_spans: int = Field(100, ge=1)
        """Stop after this many matches (the score is the same)."""

    def __init__(self, config: LexiconGuard.Config, resources: Resources | None = None) -> None:
        super().__init__(config, resources)
        self._word = re.compile(_WORD)
        lists: dict[str, list[str]] = {k: list(v) for k, v in config.terms.items()}
        for path in config.files:
            for lang, terms in _load_terms(path).items():
                lists.setdefault(lang, []).extend(terms)
        self._lists = {lang: sorted({" ".join(self._word.findall(str(t).lower())) for t in terms} - {""})
                       for lang, terms in lists.items()}
        self.term_count = sum(len(v) for v in self._lists.values())
        self._all = self._compile(set().union(*self._lists.values()) if self._lists else set())
        self._scoped = {
            lang: self._compile(set(terms) | set(self._lists.get("any", ())))
            for lang, terms in self._lists.items()
        }

    @staticmethod
    def _compile(terms: set[str]) -> re.Pattern[str] | None:
        if not terms:
            return None
        return re.compile(r"(?<!\w)(?:" + trie_pattern(terms, space=r"[\W_]+") + r")(?!\w)", re.IGNORECASE)

    def _pattern_for(self, context: CheckContext) -> re.Pattern[str] | None:
        lang = context.request.language
        if not self.config.language_scoped or not lang:
            return self._all
        return self._scoped.get(lang, self._scoped.get("any"))

    def find(self, text: str, pattern: re.Pattern[str] | None = None) -> list[Span]:
        """Term matches in ``text`` (the longest term wins where terms share a start)."""
        pattern = self._all if pattern is None else pattern
        if pattern is None:
            return []
        spans = []
        for m in pattern.finditer(text):
            spans.append(Span(start=m.start(), end=m.end(), category=self.config.category,
                              label=" ".join(self._word.findall(m.group().lower()))))
            if len(spans) >= self.config.max_spans:
                break
        return spans

    def check(self, text: str, context: CheckContext) -> Verdict:
        """Score ``category`` when a banned term occurs."""
        target = context.view(text) if self.config.match_on == "normalized" else text
        spans = self.find(target, self._pattern_for(context))
        if not spans:
            return Verdict()
        return Verdict(categories={self.config.category: self.config.score}, spans=tuple(spans),
                       details={"terms": sorted({s.label for s in spans})})


def _load_terms(path: str) -> dict[str, list[str]]:
    p = Path(path).expanduser()
    if p.suffix.lower() in (".yaml", ".yml", ".json"):
        data = load_yaml_path(p, what="lexicon.files")
        if isinstance(data, dict) and "terms" in data:
            data = data["terms"]
        if isinstance(data, list):
            return {"any": [str(t) for t in data]}
        if isinstance(data, dict):
            return {str(k): [str(t) for t in v or []] for k, v in data.items()}
        raise PolicyError(f"lexicon.files: {str(p)!r} must hold a list or a language -> terms mapping")
    try:
        lines = p.read_text("utf-8").splitlines()
    except OSError as exc:
        raise PolicyError(f"lexicon.files: cannot read {str(p)!r}: {exc}", source=str(p)) from exc
    return {"any": [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]}


class Topic(BaseModel):
    """A topic to flag, described in plain words."""

    model_config = ConfigDict(extra="forbid")
    name: str
    description: str | list[str]
    """One or more sentences describing the topic (each is embedded; the best match counts)."""
    category: str | None = None
    """Category scored (default: the guard's ``category``)."""
    threshold: float | None = Field(None, ge=0.0, le=1.0)


class TopicGuard(BaseGuard):
    """Flags topics described in the policy (``competitor products``, ``medical diagnosis``)
    by cosine similarity between the text's encoder windows and the topic descriptions.

    Scores are calibrated so that a similarity equal to the threshold scores 0.5: a policy
    threshold of 0.5 on the category means "at or above the configured similarity". Raises
    PolicyError when built on an encoder that is not a similarity space (the shipped one).
    """

    name = "topic"
    stages = frozenset({"input", "output", "context"})
    categories = ("topic",)

    class Config(GuardConfig):
        """The topics and the similarity that counts as on-topic."""

        topics: list[Topic] = Field(default_factory=list)
        threshold: float = Field(0.45, ge=0.0, le=1.0)
        category: str = "topic"
        encoder: str = "default"

    def __init__(self, config: TopicGuard.Config, resources: Resources) -> None:
        super().__init__(config, resources)
        self._resources = resources
        if config.topics:  # PolicyError now, not a rail that flags everything later
            similarity_encoder(resources, config.encoder, self.name)
        self._lock = threading.Lock()
        self._matrix: np.ndarray | None = None
        self._owner: list[int] = []

    def _topic_matrix(self, encoder: EncoderLike) -> np.ndarray:
        if self._matrix is None:
            with self._lock:
                if self._matrix is None:
                    sentences: list[str] = []
                    owner: list[int] = []
                    for i, topic in enumerate(self.config.topics):
                        descs = [topic.description] if isinstance(topic.description, str) else topic.description
                        sentences += descs
                        owner += [i] * len(descs)
                    self._owner = owner
                    self._matrix = np.asarray(encoder.embed(sentences), dtype=np.float32)
        return self._matrix

    def _verdict(self, windows: np.ndarray, matrix: np.ndarray) -> Verdict:
        if windows.size == 0 or matrix.size == 0:
            return Verdict()
        sims = (np.asarray(windows, dtype=np.float32) @ matrix.T).max(axis=0)
        best: dict[str, float] = {}
        scores: dict[str, float] = {}
        flagged = []
        for j, sim in enumerate(sims.tolist()):
            topic = self.config.topics[self._owner[j]]
            best[topic.name] = max(best.get(topic.name, -1.0), sim)
        for topic in self.config.topics:
            sim = best[topic.name]
            threshold = topic.threshold if topic.threshold is not None else self.config.threshold
            category = topic.category or self.config.category
            score = calibrate(sim, threshold)
            scores[category] = max(scores.get(category, 0.0), score)
            if sim >= threshold:
                flagged.append(topic.name)
        details = {"similarity": {k: round(v, 4) for k, v in best.items()}, "topics": flagged}
        return Verdict(categories=scores, details=details)

    def check(self, text: str, context: CheckContext) -> Verdict:
        """Score each topic's category by its best window similarity."""
        if not self.config.topics:
            return Verdict()
        encoder = self._resources.encoder(self.config.encoder)
        matrix = self._topic_matrix(encoder)
        return self._verdict(encoder.embed_windows(context.view(text)), matrix)

    def check_batch(self, texts: list[str], contexts: list[CheckContext]) -> list[Verdict]:
        """``check`` for many texts, batched through the encoder."""
        if not self.config.topics:
            return [Verdict() for _ in texts]
        encoder = self._resources.encoder(self.config.encoder)
        matrix = self._topic_matrix(encoder)
        views = [c.view(t) for t, c in zip(texts, contexts)]
        return [self._verdict(w, matrix) for w in encoder.embed_windows_batch(views)]
