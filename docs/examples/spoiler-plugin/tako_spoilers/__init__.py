"""Flags plot spoilers ("the killer is ...", "dies at the end") in answers about videos."""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from guardrails import CheckContext, Resources, Span, Verdict, hookimpl

DEFAULT_PATTERNS = [
    r"\bdies at the end\b",
    r"\bthe (?:killer|murderer|villain|traitor) (?:is|was)\b",
    r"\bspoiler(?: alert)?\b",
    r"\bin the (?:final|last) episode\b.{0,40}\b(?:dies|is killed|turns out)\b",
]


class SpoilerGuard:
    """Scores category ``spoiler`` 1.0 when an answer reveals a plot point."""

    name: ClassVar[str] = "spoilers"
    stages: ClassVar[frozenset[str]] = frozenset({"output"})
    changes_text: ClassVar[bool] = False
    categories: ClassVar[tuple[str, ...]] = ("spoiler",)

    class Config(BaseModel):
        """Options of the spoiler guard."""

        model_config = ConfigDict(extra="forbid")
        patterns: list[str] = Field(default_factory=lambda: list(DEFAULT_PATTERNS))
        """Regular expressions (case-insensitive) that reveal a plot point."""

    def __init__(self, config: Config, resources: Resources) -> None:
        self.pattern = re.compile("|".join(f"(?:{p})" for p in config.patterns), re.IGNORECASE)

    def check(self, text: str, context: CheckContext) -> Verdict:
        """Find spoiler phrases in ``text``."""
        spans = tuple(
            Span(start=m.start(), end=m.end(), category="spoiler", label="SPOILER")
            for m in self.pattern.finditer(text)
        )
        return Verdict(categories={"spoiler": 1.0 if spans else 0.0}, spans=spans)


@hookimpl
def register_guards(register):
    """Hand the spoiler guard to tako-guardrails."""
    register(SpoilerGuard)
