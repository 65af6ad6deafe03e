"""Flags plot spoilers ("the killer is ...", "dies at the end") in answers about videos."""

from __future__ import annotations

import re

from pydantic import Field

from guardrails import BaseGuard, CheckContext, GuardConfig, Resources, Span, Verdict, hookimpl

DEFAULT_PATTERNS = [
    r"\bdies at the end\b",
    r"\bthe (?:killer|murderer|villain|traitor) (?:is|was)\b",
    r"\bspoiler(?: alert)?\b",
    r"\bin the (?:final|last) episode\b.{0,40}\b(?:dies|is killed|turns out)\b",
]


class SpoilerGuard(BaseGuard):
    """Scores category ``spoiler`` 1.0 when an answer reveals a plot point."""

    name = "spoilers"
    stages = frozenset({"output"})
    categories = ("spoiler",)

    class Config(GuardConfig):
        """Options of the spoiler guard."""

        patterns: list[str] = Field(default_factory=lambda: list(DEFAULT_PATTERNS))
        """Regular expressions (case-insensitive) that reveal a plot point."""

    def __init__(self, config: Config, resources: Resources) -> None:
        super().__init__(config, resources)
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
