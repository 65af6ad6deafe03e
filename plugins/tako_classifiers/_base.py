"""The shared machinery of the model guards (``_HeadsGuard``): embed the detection view of a text
and its decoded blobs in token windows through the shared encoder, score them with heads, keep the
maximum per category. The guards themselves: ``guards`` (prompt injection, jailbreak, custom heads)
and ``_moderation`` (moderation)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from guardrails.protocol import BaseGuard, CheckContext, EncoderLike
from guardrails.results import Verdict, verdict
from guardrails.runtime.heads import Head
from guardrails.runtime.segments import token_budget

from ._heads import (
    score_memo,
)
from ._view import detection_view


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
            return verdict(dict.fromkeys(self.recommended_thresholds, 0.0),
                           details={"texts_scored": 0, "content_free": True})
        out: dict[str, float] = {}
        for raw, (text, segment) in zip(raws, texts, strict=True):
            for cat, score in self._categories(raw, text, stage, segment).items():
                out[cat] = max(out.get(cat, 0.0), float(score))
        return verdict(out, details={"texts_scored": len(texts)})  # float scores: no validation

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
