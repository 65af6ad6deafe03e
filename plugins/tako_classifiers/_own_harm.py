"""Self-harm before violence when the speaker is the victim.

The moderation head reads a first-person wish to die or a plan to kill oneself in a language it
knows little of as violence or privacy ("aaj raat khudkushi kar lunga": violence 0.75; "ab jeene
ka mann nahi karta": privacy 0.48), and the policy's block then hides the self-harm escalation
(support resources). When the disclosure lexicon (``_disclosures``) finds a ``self_harm`` phrase
in a short text (the residue, the text without its self_harm phrases, has at most
``own_harm_words`` words: "aaj raat"), each category of ``DEFERRED`` the head flags is read again
on the residue: the category takes the residue's score when the residue is clean (under
``own_harm_accept`` times the head's threshold on every category but self_harm), else keeps its
own. A residue with no word ("ab jeene ka mann nahi karta") is clean without a re-read.

A text that says more than the disclosure keeps its scores: the head reads "khudkushi kar lunga,
par pehle us harami boss ko khatam karunga" as violence 0.73, its rest alone under the bar, so a
re-read alone would let the threat through; a threat the lexicon finds ("tujhe maar dunga") is
lifted after this stage and blocks whatever it did. Hate, sexual and sexual_minors are never
lowered here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from guardrails.protocol import EncoderLike

__all__ = ["DEFERRED", "defer_to_self_harm", "residue"]

DEFERRED = ("violence", "privacy", "illicit", "harassment")
"""Categories a self-harm disclosure may be read as by the head (the speaker as the victim)."""
_WORD = re.compile(r"\w")
_WORDS = re.compile(r"\w+")


def residue(texts: Sequence[str], phrases: Sequence[str]) -> str:
    """The first of ``texts`` that holds every phrase (case-insensitively), without them (the
    pieces joined by newlines); the first text, without what it holds of them, when none holds
    them all. Linear in the texts' length (the phrases are at most a few)."""
    base = next((t for t in texts if all(p.lower() in t.lower() for p in phrases)), texts[0])
    body = "|".join(re.escape(p) for p in sorted(set(phrases), key=len, reverse=True) if p)
    return "\n".join(re.split(body, base, flags=re.IGNORECASE)) if body else base


def defer_to_self_harm(categories: Mapping[str, float], texts: Sequence[str], phrases: Sequence[str],
                       encoder: EncoderLike, raw_scores: Callable[[np.ndarray], dict[str, float]],
                       thresholds: Mapping[str, float], accept: float, max_words: int = 4) -> dict[str, float]:
    """``categories`` with each ``DEFERRED`` category at or over the head's threshold (0.5 where
    missing) lowered to the residue's score (``residue``: ``texts`` without the self_harm
    ``phrases``) when the residue has at most ``max_words`` words and scores under ``accept``
    times the threshold on every category but self_harm; else ``categories`` unchanged.
    ``raw_scores`` turns window vectors, shape (n, dim), into head outputs. One ``encoder.embed``
    call at most, only when a deferred category is flagged and the residue holds a word."""
    flagged = [c for c in DEFERRED if categories.get(c, 0.0) >= float(thresholds.get(c, 0.5))]
    if not flagged or not phrases or not texts:
        return dict(categories)
    rest = residue(texts, phrases)
    if len(_WORDS.findall(rest)) > max_words:
        return dict(categories)
    again: dict[str, float] = {}
    if _WORD.search(rest):
        again = raw_scores(encoder.embed([rest])[0:1])
        bar = {c: accept * float(thresholds.get(c, 0.5)) for c in {*DEFERRED, *thresholds, *again}}
        if any(again.get(c, 0.0) >= b for c, b in bar.items() if c != "self_harm"):
            return dict(categories)
    return {c: min(s, again.get(c, 0.0)) if c in flagged else s for c, s in categories.items()}
