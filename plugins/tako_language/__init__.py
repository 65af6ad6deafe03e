"""First-party language guards: language identification and per-language lexicons.

The model guards need no language routing: the shipped encoder (``guardrails.runtime``) is
multilingual itself.
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

