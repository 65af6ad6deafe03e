"""The hooks a plugin may implement. Mark implementations with ``guardrails.hookimpl``.

Every hook here is documented in docs/hooks.md and exercised by a test; a test fails when one
is not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from guardrails.protocol import CheckContext, EncoderLike
    from guardrails.results import Decision

PROJECT = "guardrails"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = ["PROJECT", "hookimpl", "hookspec", "on_decision", "register_encoders", "register_guards"]


@hookspec
def register_guards(register: Callable[[type[Any]], None]) -> None:
    """Hand guard classes to the SDK: call ``register(GuardClass)`` once per guard.

    The class needs ``name``, ``stages``, ``changes_text``, ``categories``, a nested pydantic
    ``Config`` and ``check(text, context) -> Verdict``; it is built as ``cls(config, resources)``.
    Two plugins registering the same guard name is an error that names both.
    """


@hookspec
def register_encoders(register: Callable[[str, Callable[[], EncoderLike]], None]) -> None:
    """Offer sentence encoders: call ``register(name, factory)``; the factory is called lazily.

    A policy selects an encoder per rail by name (``encoder: multilingual``); the first-party
    ``default`` encoder is the shipped int8 all-MiniLM-L6-v2.
    """


@hookspec
def on_decision(decision: Decision, context: CheckContext) -> None:
    """Called after every decision (audit logs, metrics, escalation queues).

    Runs on the request path: keep it fast and hand slow work to a background thread. An
    exception here is logged and swallowed, never raised into the request.
    """
