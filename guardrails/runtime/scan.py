"""Scanning a long text: a cheap pre-pass picks the segments that need the encoder, most
suspicious first, and the scan stops once one scores over the stop score.

The segments are sentence groups of at most 300 characters (guardrails.runtime.segments): short
enough that one planted instruction is not diluted by the prose around it, whether it has a
sentence of its own or is glued into one. The first and the last segment always run (where
planted instructions usually sit); then every segment the triage model passes, best first, until
their characters reach ``budget_chars``. With a triage model, a segment longer than its window
(24 words) is also scored on its best 24 words, so an instruction glued into a long sentence is
not diluted by it. Segments run in groups of the encoder's pool size, so a scan uses the cores it
has and can stop after any group. Deterministic: the same text always runs the same segments in
the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from guardrails.runtime.segments import Segment, TokenBudget, sentence_groups
from guardrails.runtime.triage import Triage

__all__ = ["SEGMENT_CHARS", "ScanPlan", "ScanReport", "plan_scan", "scan"]

SEGMENT_CHARS = 300
"""The longest segment a scan embeds, in characters."""


@dataclass(frozen=True)
class ScanReport:
    """What a scan of one text did and found."""

    score: float
    """The best segment score (0.0 when no segment ran)."""
    best: Segment | None
    """The segment that scored it."""
    segments: int
    """Segments of the text (of the part read, past the character budget)."""
    scored: int
    """Texts the encoder ran on: segments, and the best words of long ones."""
    early_exit: bool
    """True when the scan stopped at a segment over the stop score."""
    complete: bool
    """True when every segment of the whole text was scored (no triage skip, no budget cut)."""

    def details(self) -> dict[str, object]:
        """A JSON-ready summary for ``Verdict.details``."""
        out: dict[str, object] = {"segments": self.segments, "segments_scored": self.scored,
                                  "early_exit": self.early_exit, "complete": self.complete}
        if self.best is not None:
            out["best_segment"] = [self.best.start, self.best.end]
        return out


@dataclass(frozen=True)
class ScanPlan:
    """Which segments of a text a scan runs, in order."""

    segments: list[Segment]
    """Every segment of the text (of the part read, past the character budget)."""
    order: list[int]
    """Indices into ``segments``, in the order they run."""
    complete: bool
    """True when ``order`` covers every segment of the whole text."""
    extra: dict[int, Segment]
    """Segment index -> its best words, also scored (long segments, with a triage model)."""


def plan_scan(
    text: str, *, triage: Triage | None = None, budget_chars: int | None = 4000,
    budget: TokenBudget | None = None,
) -> ScanPlan:
    """The segments of ``text`` and the order to run them in (see the module docstring).

    Texts longer than ``budget.max_chars`` are read in the budget's character pieces (head, tail,
    evenly spaced middle). ``budget_chars=None`` runs every segment the triage passes.
    """
    budget = budget or TokenBudget()
    pieces = budget.char_pieces(len(text))
    segs: list[Segment] = []
    for c0, c1 in pieces:
        segs += [Segment(c0 + s.start, c0 + s.end)
                 for s in sentence_groups(text[c0:c1], max_chars=SEGMENT_CHARS, max_segments=None)]
    if not segs:
        return ScanPlan([], [], len(pieces) == 1, {})
    ends = list(dict.fromkeys([0, len(segs) - 1]))
    rest = [i for i in range(len(segs)) if i not in ends]
    words = triage.words(text) if triage is not None else None
    if triage is not None and rest:
        scores = triage.scores(text, [segs[i] for i in rest], words)
        passed = np.flatnonzero(triage.needs_encoder(scores))
        rest = [rest[i] for i in passed[np.argsort(-scores[passed], kind="stable")]]
    order, used = list(ends), sum(len(segs[i]) for i in ends)
    for i in rest:
        if budget_chars is not None and used + len(segs[i]) > budget_chars:
            break
        order.append(i)
        used += len(segs[i])
    extra: dict[int, Segment] = {}
    if triage is not None:
        best = triage.best_spans(text, [segs[i] for i in order], words)
        extra = {i: span for i, span in zip(order, best) if span != segs[i]}
    return ScanPlan(segs, order, len(pieces) == 1 and len(order) == len(segs), extra)


def scan(
    text: str,
    embed: Callable[[list[str]], Sequence[np.ndarray]],
    score: Callable[[np.ndarray, str], float],
    *,
    stop: float | None,
    triage: Triage | None = None,
    budget_chars: int | None = 4000,
    group: int = 1,
    budget: TokenBudget | None = None,
) -> ScanReport:
    """Score the segments of ``text`` that need it, best candidates first; see the module docstring.

    ``embed`` maps segment texts to their window vectors (an encoder's ``embed_windows_batch``);
    ``score(vectors, segment_text)`` gives a segment's score; the scan stops once a score reaches
    ``stop`` (None: never). ``group`` segments run per ``embed`` call.
    """
    plan = plan_scan(text, triage=triage, budget_chars=budget_chars, budget=budget)
    best, best_seg, done = 0.0, None, 0
    group = max(1, group)
    for g in range(0, len(plan.order), group):
        idx = plan.order[g : g + group]
        chunk = [plan.segments[i] for i in idx] + [plan.extra[i] for i in idx if i in plan.extra]
        texts = [s.of(text) for s in chunk]
        for seg, seg_text, vectors in zip(chunk, texts, embed(texts)):
            value = float(score(vectors, seg_text))
            if value > best or best_seg is None:
                best, best_seg = value, seg
        done += len(chunk)
        if stop is not None and best >= stop:
            return ScanReport(best, best_seg, len(plan.segments), done, True, False)
    return ScanReport(best, best_seg, len(plan.segments), done, False, plan.complete)
