"""The sexual_minors rule: a reviewed lexicon combined with the moderation head's sexual score.

There is no labelled training data for sexualisation of minors, so no head is trained for it.
Instead a text scores when a minor-indicating term appears together with sexual content:

* a *direct* term (e.g. "child porn", "jailbait") scores 1.0;
* a minor term within ``window`` tokens of an explicit sexual term scores 0.9;
* otherwise a minor term anywhere lifts the moderation head's ``sexual`` score into this category;
* protective or educational context ("talk to my", "puberty", "report") multiplies by 0.3.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

LEXICON_PATH = Path(__file__).resolve().parent / "data" / "sexual_minors.json"

_TOKEN = re.compile(r"\w+", re.UNICODE)


def _compile(terms: list[str]) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(f"(?:{t})" for t in terms) + r")(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class MinorsRule:
    """Compiled lexicon; ``score(text, sexual_score)`` returns the sexual_minors score 0..1."""

    minor: re.Pattern[str]
    sexual: re.Pattern[str]
    direct: re.Pattern[str]
    protective: re.Pattern[str]
    window: int = 14
    protective_factor: float = 0.3

    @classmethod
    def load(cls, path: str | Path = LEXICON_PATH) -> MinorsRule:
        """Compile the lexicon file (JSON with minor/sexual/direct/protective term lists)."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(
            minor=_compile(data["minor_terms"]), sexual=_compile(data["sexual_terms"]),
            direct=_compile(data["direct_terms"]), protective=_compile(data["protective_terms"]),
            window=int(data.get("window", 14)),
        )

    def _token_positions(self, text: str, pattern: re.Pattern[str]) -> list[int]:
        starts = [m.start() for m in pattern.finditer(text)]
        if not starts:
            return []
        bounds = [m.start() for m in _TOKEN.finditer(text)]
        out = []
        j = 0
        for s in starts:
            while j < len(bounds) and bounds[j] < s:
                j += 1
            out.append(j)
        return out

    def score(self, text: str, sexual_score: float = 0.0) -> float:
        """sexual_minors score of ``text`` given the moderation head's ``sexual`` score."""
        minors = self._token_positions(text, self.minor)
        if not minors:
            return 0.0
        if self.direct.search(text):
            base = 1.0
        else:
            base = float(sexual_score)
            sexual = self._token_positions(text, self.sexual)
            if any(abs(m - s) <= self.window for m in minors for s in sexual):
                base = max(base, 0.9)
        if self.protective.search(text):
            base *= self.protective_factor
        return base
