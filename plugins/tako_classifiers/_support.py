"""Support messages addressed to someone else: "if you're having thoughts of suicide, call or
text 988, you're not alone".

The moderation head reads the suicide words of a support message as a disclosure (self_harm 0.52
for that text, over the default policy's escalation bar 0.40), so a message pointing a reader to
a crisis line is escalated as if its writer were at risk. On input, a text that

* points to a crisis line, a hotline number or someone to talk to (``help``: "call or text 988",
  "reach out to a crisis line", "you're not alone", "llama al 024", "ruf die Telefonseelsorge an"),
* addresses a second person or anyone (``addressed``: "you", "if you", "tú", "du", "vous"),
* names no first person (``first_person``: "I", "me", "my", "yo", "ich", "je"; "I know the 988
  number exists but I want to die" is never capped), and
* asks for no method (``method_veto``: "how to", "best way", "which bridge", "painless")

has its ``self_harm`` capped at ``support_cap`` (0.3) and is not read clause by clause. Only
``self_harm`` moves, only down; the disclosure lexicon (``_disclosures``) lifts after the cap, so
a listed disclosure inside a support message still escalates.

The lexicon is data (``data/support_messages.json``: ``help``, ``addressed``, ``first_person``,
``method_veto``), each a list of regex pieces joined into one case-insensitive alternation on
word edges; every piece is linear, so a megabyte costs four passes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ._terms import _compile

__all__ = ["SUPPORT_PATH", "SupportLexicon", "support_lexicon"]

SUPPORT_PATH = Path(__file__).resolve().parent / "data" / "support_messages.json"
_LISTS = ("help", "addressed", "first_person", "method_veto")


@dataclass(frozen=True)
class SupportLexicon:
    """The compiled lexicon; ``holds(text)`` says whether ``text`` is a support message."""

    help: re.Pattern[str]
    addressed: re.Pattern[str]
    first_person: re.Pattern[str]
    method_veto: re.Pattern[str]

    @classmethod
    def load(cls, path: str | Path = SUPPORT_PATH) -> SupportLexicon:
        """Compile the lexicon at ``path``. KeyError naming a missing list; re.error for an invalid
        piece; OSError / ValueError for an unreadable file."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        missing = [k for k in _LISTS if k not in data]
        if missing:
            raise KeyError(f"support lexicon {path}: missing lists {missing}")
        return cls(*(_compile([str(t) for t in data[k]]) for k in _LISTS))

    def holds(self, text: str) -> bool:
        """Whether ``text`` points someone else to help: a ``help`` cue and an ``addressed`` word,
        and neither a ``first_person`` word nor a ``method_veto`` cue."""
        return (self.help.search(text) is not None and self.addressed.search(text) is not None
                and self.first_person.search(text) is None and self.method_veto.search(text) is None)


@lru_cache(maxsize=4)
def support_lexicon(path: str | None = None) -> SupportLexicon:
    """The lexicon at ``path`` (default: the shipped one), compiled once per path."""
    return SupportLexicon.load(path or SUPPORT_PATH)
