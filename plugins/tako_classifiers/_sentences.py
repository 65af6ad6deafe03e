"""The moderation guard's sentence stage: an insult, threat or hateful sentence is not diluted by
unrelated sentences around it.

The head reads a whole text (a 128-token window) at once, so one harmful sentence between
unrelated ones loses most of its score: "You are a disgusting worthless freak and I hope you rot."
scores harassment 0.91 alone, 0.53 between two runs of lorem ipsum and 0.46 between a sentence
about ducks and one about soup (the head's threshold is 0.54); "Eres una inútil y das asco,
nadie te quiere." 0.90 alone, 0.03 inside four everyday sentences. So on input a view of two or
more sentences (``sentence_groups``; lorem-ipsum placeholder runs left out first,
``_view.without_filler``) is read sentence by sentence for ``sentence_categories`` when it is
not already flagged for one of them and either scores at least ``sentence_floor`` times its
threshold or holds a listed insult (``_insults``). Each sentence is judged as if it had been
typed alone: the moderation guard's lowering stages (idioms, style agreement, self-directed
insults, counter-speech) run on it first. The whole text then takes, per category, the highest
sentence score, unless a lowering stage lowered the whole text's own score for that category (the
text's context cleared it: "My kids watched a cartoon. The villain is a stupid loser in the
movie.").

Cost: one ``embed`` call per batch for the sentences of the texts that qualify, at most
``token_budget().segments`` sentences a text (those holding a listed insult first, then the
first, the last and an even sample of the rest), plus whatever the lowering stages re-read for
them; a view of over ``sentence_chars`` (600) characters without its lorem ipsum is not read. A
lift only raises a score, never lowers one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from pydantic import Field

from guardrails.protocol import EncoderLike, GuardConfig
from guardrails.runtime.segments import select, sentence_groups, token_budget

from ._disclosures import Terms
from ._insults import holds_insult
from ._view import segments, typed, typed_clauses, without_filler

__all__ = ["SENTENCES_PATH", "SentenceOptions", "addresses_someone", "clauses_alone", "lift_sentences", "sentences"]

SENTENCES_PATH = Path(__file__).resolve().parent / "data" / "sentences.json"

Damp = Callable[[list[list[tuple[str, bool]]], list[list[dict[str, float]]]], None]
"""Runs the guard's lowering stages, in place, on ``(groups, raws)`` shaped as the guard's own."""


class SentenceOptions(GuardConfig):
    """The moderation guard's options of the sentence stage (a base of its ``Config``)."""

    sentences: bool = True
    """Read the sentences of a multi-sentence input alone for ``sentence_categories`` and keep the
    highest (``_sentences``). False: off."""
    sentence_categories: list[str] = Field(default_factory=lambda: ["harassment", "hate", "violence"])
    """The categories a sentence may lift."""
    sentence_addressed: list[str] = Field(default_factory=lambda: ["harassment"])
    """Categories a sentence lifts only when it addresses someone (``addresses_someone``): an
    insult aimed at a person, not one reported ("a classmate called him a worthless loser")."""
    sentence_stages: list[str] = Field(default_factory=lambda: ["input"])
    """Stages where the stage runs."""
    sentence_floor: float = Field(0.3, ge=0.0, le=1.0)
    """A text is read sentence by sentence when, for some category it is not flagged for, it
    scores at least this fraction of the head's threshold, or when it holds a listed insult."""
    sentence_chars: int = Field(600, ge=0)
    """Views longer than this (characters, lorem-ipsum placeholder runs left out) are not read by
    the stage (0: off); nor is any view over ``token_budget().max_chars``. With a 2000 cap the
    stage read documents typed as input, and a sentence of an encyclopedic paragraph (Luther's
    doctrine, in Turkish) read alone crossed the hate threshold; 600 leaves them out (train-side
    validation split: harm_en caught +150 rows instead of +159, benign social +87 instead of +93)."""
    sentence_min_chars: int = Field(16, ge=1)
    """A sentence shorter than this joins the one before it (``sentence_groups``)."""
    clause_sentences: int = Field(12, ge=0)
    """At most this many sentences of a long view (over 400 characters, lorem ipsum left out) are
    read alone for ``clause_categories`` (self_harm) when the view's score is under the head's
    threshold, after lorem-ipsum placeholder runs are left out (``clauses_alone``). 0: off (the
    view is cut as it is, lorem ipsum included, at most ``token_budget().segments``, 4, sentences).
    With that, a disclosure in the middle of nine sentences was not read: "I'm going to jump off
    the bridge tonight, nobody will miss me." 0.69 alone, 0.27 between eight runs of lorem ipsum."""


@lru_cache(maxsize=1)
def _second_person() -> Terms:
    data = json.loads(SENTENCES_PATH.read_text(encoding="utf-8"))["second_person"]
    return Terms.compile(data.get("spaced", []), data.get("unspaced", []), {}, validate=False)  # shipped: the tests compile it


def addresses_someone(text: str) -> bool:
    """Whether ``text`` holds a second-person word (``data/sentences.json``: "you", "eres",
    "du", "ты", "お前", "你", "너" ...). Linear."""
    return next(_second_person().finditer(text), None) is not None


def sentences(view: str, min_chars: int = 16, limit: int | None = None) -> list[str]:
    """The sentences of ``view`` read alone: lorem-ipsum placeholder runs left out
    (``without_filler``), then ``sentence_groups`` (a sentence under ``min_chars`` characters joins
    the one before); ``[]`` when that leaves one piece equal to ``view``. At most ``limit``
    (default ``token_budget().segments``): those holding a listed insult first, then the first, the
    last and an even sample of the others, in text order. Linear in ``len(view)``."""
    base = without_filler(view)
    pieces = [g.of(base) for g in sentence_groups(base, min_chars=min_chars, max_chars=300, max_segments=None)]
    pieces = [p for p in dict.fromkeys(pieces) if p.strip()]
    if len(pieces) < 2 and (base is view or not pieces):
        return []
    cap = token_budget().segments if limit is None else limit
    if len(pieces) <= cap:
        return pieces
    first = [i for i, p in enumerate(pieces) if holds_insult(p)][:cap]
    taken = set(first)
    rest = [i for i in range(len(pieces)) if i not in taken]
    keep = sorted([*first, *(rest[j] for j in select(len(rest), cap - len(first)))]) if cap > len(first) else first
    return [pieces[i] for i in keep]


def clauses_alone(view: str, options: SentenceOptions, *, whole: bool, under: bool) -> list[str]:
    """The typed clauses (``_view.typed_clauses``) the moderation guard reads alone for its
    ``clause_categories`` in ``view``: lorem-ipsum placeholder runs left out first
    (``without_filler``; the rest, when short, is also read whole), so the placeholder cannot
    dilute a disclosure between its runs; ``whole``: read the typed view first; ``under``: the
    view scores under the head's threshold, so a long one (over 400 characters) is read at up to
    ``clause_sentences`` of its distinct sentences (a repeated filler sentence counts once; the
    first, the last and an even sample) instead of ``token_budget().segments``. Linear in
    ``len(view)``; at most 9 pieces for a short view, ``clause_sentences`` for a long one."""
    if not options.clause_sentences:
        return typed_clauses(view, whole=whole)
    base = without_filler(view)
    if base is not view:
        base = base.strip() or view
    if len(base) <= 400 or not under:
        return typed_clauses(base, whole=whole or (base is not view and len(base) <= 400))
    pieces = list(dict.fromkeys(segments(base, limit=len(base))))  # a repeated filler sentence counts once
    pieces = [pieces[i] for i in select(len(pieces), options.clause_sentences)]
    return list(dict.fromkeys(t for t in map(typed, pieces) if t and t != base))


def lift_sentences(options: SentenceOptions, encoder: EncoderLike, raw_scores: Callable[[np.ndarray], dict[str, float]],
                   thresholds: Mapping[str, float], groups: Sequence[list[tuple[str, bool]]],
                   raws: list[list[dict[str, float]]], before: Sequence[dict[str, float] | None],
                   stages: Sequence[str], damp: Damp) -> None:
    """Raise, in place, the ``sentence_categories`` outputs of each view (``raws[g][0]``) to the
    highest of its sentences (``sentences``), each scored alone and passed through ``damp``.

    ``groups``/``raws``: as the guard holds them after its lowering stages (the first pair of a
    group is the view); ``before``: each view's head outputs before those stages (a category they
    lowered is not lifted); ``stages``: each text's stage; ``thresholds``: the head's calibrated
    threshold per category (0.5 where missing). One ``embed`` call at most; the dicts in ``raws``
    are replaced, never mutated."""
    if not options.sentences or not options.sentence_chars:
        return
    cats = list(options.sentence_categories)
    jobs: list[tuple[int, list[str], list[str]]] = []
    for g, group in enumerate(groups):
        if not group or group[0][1] or stages[g] not in options.sentence_stages or before[g] is None:
            continue
        view, raw, orig = group[0][0], raws[g][0], before[g]
        bar = {c: float(thresholds.get(c, 0.5)) for c in cats}
        open_ = [c for c in cats if raw.get(c, 0.0) < bar[c] and raw.get(c, 0.0) >= orig.get(c, 0.0)]
        if not open_ or len(view) > token_budget().max_chars or not (
                any(raw.get(c, 0.0) >= options.sentence_floor * bar[c] for c in open_) or holds_insult(view)):
            continue
        if len(without_filler(view)) > options.sentence_chars:
            continue
        pieces = sentences(view, options.sentence_min_chars)
        if pieces:
            jobs.append((g, open_, pieces))
    if not jobs:
        return
    texts = [p for _, _, pieces in jobs for p in pieces]
    vecs = encoder.embed(texts)
    sub_groups = [[(p, False)] for p in texts]
    sub_raws = [[raw_scores(vecs[j:j + 1])] for j in range(len(texts))]
    damp(sub_groups, sub_raws)
    j = 0
    for g, open_, pieces in jobs:
        scored = [r[0] for r in sub_raws[j:j + len(pieces)]]
        j += len(pieces)
        raw = raws[g][0]
        direct = [addresses_someone(p) for p in pieces]
        up = {c: max((s.get(c, 0.0) for s, d in zip(scored, direct, strict=True)
                      if d or c not in options.sentence_addressed), default=0.0) for c in open_}
        up = {c: v for c, v in up.items() if v > raw.get(c, 0.0)}
        if up:
            raws[g][0] = {**raw, **up}
