"""First-party model guards (tako_classifiers): prompt_injection, jailbreak, moderation, head.

Registered through the ``guardrails`` entry-point group exactly like a third-party plugin.
The guards share the ``default`` encoder (int8, five layers of multilingual-e5-small fine-tuned
on every category at once) and the one multi-task head shipped in this package
(``heads/safety.head.json``); see docs/model-card.md for what they were trained on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from guardrails.hookspecs import hookimpl

from .guards import HeadGuard, JailbreakGuard, ModerationGuard, PromptInjectionGuard

__all__ = ["HeadGuard", "JailbreakGuard", "ModerationGuard", "PromptInjectionGuard", "register_guards"]


@hookimpl
def register_guards(register: Callable[[type[Any]], None]) -> None:
    """Register the four model guards."""
    for cls in (PromptInjectionGuard, JailbreakGuard, ModerationGuard, HeadGuard):
        register(cls)
