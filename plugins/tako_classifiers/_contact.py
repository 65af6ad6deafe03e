"""The moderation guard's contact stage: a request to write to, reply to or forward to an address
that an earlier rail redacted is not doxxing.

The encoder reads the raw e-mail address of such a request as a request to expose someone: "write
to maria.lopez@empresa.es please" privacy 0.94 (blocked), "forward this to sales@acme.com" 0.83,
"escribe a ana.garcia@correo.es para confirmar la cita" 0.70, while the same texts as the ``pii``
rail passes them on ("write to [EMAIL] please") score 0.00. A text that an earlier rail redacted
(``_view.has_placeholder``), whose ``privacy`` reaches ``contact_floor``, that holds a ``contact``
verb of ``data/contact_requests.json`` (write, send, email, forward, reply; escribe, envía,
écris, schreib, manda, scrivi, напиши ...) and no ``locate`` cue (an address, a home, where
someone lives or works, a real name, a phone number, "who is", tracking, doxxing, in the same 8
languages: "find the home address of [EMAIL]" and "descubra onde mora [EMAIL]" keep their score)
is embedded once more as redacted, and ``privacy`` takes that re-read when it scores under
``contact_accept`` times the head's threshold. Only ``privacy`` moves, and only down; the address
itself stays redacted by the ``pii`` rail. Every pattern is linear.
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
from guardrails.results import Verdict

from ._terms import alternation
from ._view import has_placeholder, without_placeholders

__all__ = ["CONTACT_PATH", "ContactOptions", "contact_request", "settle_contact"]

CONTACT_PATH = Path(__file__).resolve().parent / "data" / "contact_requests.json"


class ContactOptions(GuardConfig):
    """The moderation guard's options of the contact stage (a base of its ``Config``)."""

    contact_requests: bool = True
    """Re-read a redacted request to write to a contact for ``privacy`` (``_contact``). False: off."""
    contact_floor: float = Field(0.3, ge=0.0, le=1.0)
    """Only texts whose privacy reaches this are re-read."""
    contact_accept: float = Field(0.5, ge=0.0, le=1.0)
    """The redacted re-read's privacy is taken only under this fraction of the head's threshold."""
    contact_chars: int = Field(600, ge=1)
    """Longer texts are not re-read."""


def _words(terms: Sequence[str]) -> re.Pattern[str]:
    return re.compile(alternation(list(terms)), re.IGNORECASE)


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(contact verbs, locate cues) of the shipped data file, compiled once when first needed."""
    data = json.loads(CONTACT_PATH.read_text(encoding="utf-8"))
    return _words(data.get("contact", [])), _words(data.get("locate", []))


def contact_request(text: str) -> bool:
    """Whether redacted ``text`` holds a placeholder and, outside its placeholders ("[EMAIL]" is no
    verb), a contact verb and no locate cue. Linear."""
    if not has_placeholder(text):
        return False
    contact, locate = _patterns()
    rest = without_placeholders(text)
    return contact.search(rest) is not None and locate.search(rest) is None


def settle_contact(options: ContactOptions, encoder: EncoderLike,
                   raw_scores: Callable[[np.ndarray], dict[str, float]], thresholds: Mapping[str, float],
                   verdicts: list[Verdict], texts: Sequence[str]) -> list[Verdict]:
    """``verdicts`` with ``privacy`` lowered to the re-read of each redacted text (``texts``, as the
    rails before passed them on) that ``contact_request`` holds for, when that re-read scores under
    ``contact_accept`` times the head's privacy threshold (0.5 where missing); one
    ``embed_windows_batch`` call at most, only for such texts."""
    if not options.contact_requests:
        return verdicts
    jobs = [i for i, (v, t) in enumerate(zip(verdicts, texts, strict=True))
            if v.categories.get("privacy", 0.0) >= options.contact_floor and len(t) <= options.contact_chars
            and contact_request(t)]
    if not jobs:
        return verdicts
    bar = options.contact_accept * float(thresholds.get("privacy", 0.5))
    out = list(verdicts)
    for i, vec in zip(jobs, encoder.embed_windows_batch([texts[i] for i in jobs]), strict=True):
        again = raw_scores(vec).get("privacy", 0.0)
        if again < bar and again < out[i].categories["privacy"]:
            out[i] = out[i].model_copy(update={"categories": {**out[i].categories, "privacy": again},
                                               "details": {**out[i].details, "contact": round(again, 4)}})
    return out
