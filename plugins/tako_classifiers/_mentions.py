"""The moderation guard's mention stage: a text that names someone by an @handle, read once more
with the handle replaced by a plain first name.

The shipped encoder reads an @handle itself as a sign of harassment (most @-mentions of its
training rows are pile-ons): "the tiktoker @lily.dances.07 is funny" 0.58, "regardez la vidéo de
@chloe.dance, trop drôle" 0.90, while the same text with "Lily" for the handle scores 0.06.
Dropping the "@" from every text before the encoder made the validation split worse (323 -> 572
benign rows flagged, as measured when the fault was filed), so this stage only re-reads a text the head flags.

A whole text (not a clause segment) of at most ``mentions_chars`` characters that holds an
@handle (``HANDLE``: "@" + letters, digits, "_" or inner "."; an e-mail address's "@" is not one)
and whose ``harassment`` reaches ``mentions_floor`` is embedded once more with every handle
replaced by ``mentions_name`` (one encoder call per batch, only for such texts). ``harassment``
takes the re-read's score when that scores under ``mentions_accept`` times the head's threshold on
EVERY category the head has one for (clearly benign once the handle is a name) -- unless the text
holds an insult, slur or profanity of the reviewed list (``_insults``, 17 languages: "@lily you are
a worthless idiot" keeps its score) or a veto term of ``data/mentions.json`` (a death wish or an
urge to self-harm aimed at a third person, insults the list lacks: "report @mario and tell him to
kill himself" re-reads 0.21 with "Alex", so the encoder alone would let it through). Only
``harassment`` moves, and only down.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from pydantic import Field

from guardrails.protocol import EncoderLike, GuardConfig

from ._disclosures import Terms
from ._insults import holds_insult

__all__ = ["HANDLE", "MENTIONS_PATH", "MentionOptions", "damp_mentions", "neutral_handles", "vetoed"]

MENTIONS_PATH = Path(__file__).resolve().parent / "data" / "mentions.json"

HANDLE = re.compile(r"(?<![\w.@])@[^\W_]\w*(?:\.\w+)*(?![\w@])")
"""An @handle: "@" not after a word character (so not an e-mail address's), then a letter or digit,
then word characters or inner dots ("@lily.dances.07", "@mario_cooks")."""


class MentionOptions(GuardConfig):
    """The moderation guard's options of the mention stage (a base of its ``Config``)."""

    mentions: bool = True
    """Read a flagged text that holds an @handle once more with the handle replaced by
    ``mentions_name``; harassment takes the lower score unless the text holds a listed insult or
    the re-read reaches the threshold (``_mentions``). False: off."""
    mentions_name: str = Field("Alex", min_length=1)
    """The name that stands for every handle in the re-read."""
    mentions_accept: float = Field(0.5, ge=0.0, le=1.0)
    """The re-read must score under this fraction of the head's threshold on every category for
    its harassment to be taken. Re-reads of benign mentions score at most 0.21 (harassment bar
    0.54 x 0.5 = 0.27); "@chloe.dance est une grosse conne" re-reads 0.34."""
    mentions_floor: float = Field(0.3, ge=0.0, le=1.0)
    """Only texts whose harassment reaches this are re-read."""
    mentions_chars: int = Field(600, ge=1)
    """Longer texts are not re-read."""


def neutral_handles(text: str, name: str = "Alex") -> str:
    """``text`` with every @handle (``HANDLE``) replaced by ``name``; ``text`` itself when it holds
    none. Linear."""
    return HANDLE.sub(name, text) if "@" in text else text


@lru_cache(maxsize=1)
def _veto() -> Terms:
    data = json.loads(MENTIONS_PATH.read_text(encoding="utf-8"))["veto"]
    return Terms.compile(data.get("spaced", []), data.get("unspaced", []), {}, validate=False)


def vetoed(text: str) -> bool:
    """Whether ``text`` holds a listed insult (``_insults``) or a veto term of ``data/mentions.json``:
    the mention stage leaves it alone. Linear."""
    return holds_insult(text) or next(_veto().finditer(text), None) is not None


def damp_mentions(options: MentionOptions, encoder: EncoderLike,
                  raw_scores: Callable[[np.ndarray], dict[str, float]], thresholds: Mapping[str, float],
                  groups: Sequence[list[tuple[str, bool]]], raws: list[list[dict[str, float]]]) -> None:
    """Lower, in place, the ``harassment`` output of each whole text that holds an @handle to that
    of the text with its handles replaced by ``mentions_name``, when that re-read stays under the
    ``mentions_accept`` times the head's threshold on every category and the text is not ``vetoed``
(module docstring).

    ``groups``/``raws``: as ``_style.agree_style`` takes them; ``raw_scores`` turns window vectors,
    shape (n, dim), into head outputs; ``thresholds``: the head's calibrated threshold per category
    (0.5 where missing). One ``embed_windows_batch`` call at most; the dicts in ``raws`` are
    replaced, never mutated (they may be memoised)."""
    if not options.mentions:
        return
    jobs: list[tuple[int, int, str]] = []
    for g, group in enumerate(groups):
        for i, (text, segment) in enumerate(group):
            if (segment or "@" not in text or len(text) > options.mentions_chars
                    or raws[g][i].get("harassment", 0.0) < options.mentions_floor):
                continue
            plain = neutral_handles(text, options.mentions_name)
            if plain != text and not vetoed(text):
                jobs.append((g, i, plain))
    if not jobs:
        return
    bar = {c: options.mentions_accept * float(thresholds.get(c, 0.5)) for c in {"harassment", *thresholds}}
    for (g, i, _), vec in zip(jobs, encoder.embed_windows_batch([p for _, _, p in jobs]), strict=True):
        again = raw_scores(vec)
        if all(again.get(c, 0.0) < b for c, b in bar.items()):
            raws[g][i] = {**raws[g][i], "harassment": min(again.get("harassment", 0.0), raws[g][i]["harassment"])}
