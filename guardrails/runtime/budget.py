"""The per-call token budget: how much encoder work one text may cost, whatever the text.

A placeholder in one place until ``guardrails.runtime.segments`` (issue 17) owns segments,
windows and this budget. Deterministic by construction: the budget is counted in tokens and
windows, never in time, so the same text gets the same windows, and the same decision, on any
machine. The time budget of a call (``settings.time_budget_ms``) is only the backstop.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TokenBudget", "token_budget"]


@dataclass(frozen=True)
class TokenBudget:
    """Encoder work allowed per checked text."""

    tokens_per_text: int
    """Tokens of one text fed to the model in windows (the shipped encoder's ``max_tokens_per_call``);
    past it, head, tail and an even sample of middle windows are kept."""
    segments: int
    """Sentence segments a guard may score on their own besides the whole text, one window each."""
    decoded: int
    """Texts decoded from blobs in the text (base64, hex, ...) a guard scores, one window each."""

    @property
    def max_windows(self) -> int:
        """The most encoder windows one text can cost a guard."""
        return self.tokens_per_text // 128 + self.segments + self.decoded


def token_budget() -> TokenBudget:
    """The shipped per-text budget: 768 tokens of windows (6 windows of 128 tokens) over the
    text, plus 4 sentence segments and 2 decoded blobs of one window each: any text costs a
    guard at most 12 encoder windows, however long or token-dense it is."""
    return TokenBudget(tokens_per_text=768, segments=4, decoded=2)
