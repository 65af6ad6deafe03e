"""First-party deterministic guards (tako_rules): normalisation, PII, secrets, lexicons and
topics, URLs, planted instructions in documents, output checks and length limits. Registered through the ``guardrails`` entry
point ``rules``, exactly like a third-party plugin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from guardrails.hookspecs import hookimpl

__all__ = ["GUARD_CLASSES", "register_guards"]

GUARD_CLASSES = (
    "tako_rules.normalize:NormalizeGuard",
    "tako_rules.pii:PiiGuard",
    "tako_rules.pii:PiiRestoreGuard",
    "tako_rules.secrets:SecretsGuard",
    "tako_rules.lexicon:LexiconGuard",
    "tako_rules.lexicon:TopicGuard",
    "tako_rules.urls:UrlGuard",
    "tako_rules.planted:PlantedInstructionsGuard",
    "tako_rules.output:SystemPromptLeakGuard",
    "tako_rules.output:RefusalGuard",
    "tako_rules.output:RelevanceGuard",
    "tako_rules.output:OutputShapeGuard",
    "tako_rules.output:LimitsGuard",
)
"""Every guard this package registers, as ``module:Class``."""


@hookimpl
def register_guards(register: Callable[[type[Any]], None]) -> None:
    """Register every guard in GUARD_CLASSES (modules are imported here, not at package import)."""
    import importlib

    for path in GUARD_CLASSES:
        module, _, name = path.partition(":")
        register(getattr(importlib.import_module(module), name))
