"""The hooks a plugin may implement. Mark implementations with ``guardrails.hookimpl``.

Every hook here is documented in docs/hooks.md and exercised by a test; a test fails when one
is not. Hooks are called with keyword arguments: an implementation may take any subset of a
hook's arguments, by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import argparse

    from pydantic import BaseModel

    from guardrails.guard import Guard
    from guardrails.protocol import CheckContext, EncoderLike
    from guardrails.results import Decision

PROJECT = "guardrails"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = [
    "PROJECT",
    "guard_built",
    "hookimpl",
    "hookspec",
    "on_decision",
    "register_commands",
    "register_encoders",
    "register_guards",
    "register_policy_sections",
]


@hookspec
def register_guards(register: Callable[[type[Any]], None]) -> None:
    """Hand guard classes to the SDK: call ``register(GuardClass)`` once per guard.

    The class needs ``name``, ``stages``, ``changes_text``, ``categories``, a nested pydantic
    ``Config`` and ``check(text, context) -> Verdict``; it is built as ``cls(config, resources)``.
    Two plugins registering the same guard name is an error that names both.

    :param register: call it with each guard class the plugin offers.
    """


@hookspec
def register_encoders(register: Callable[[str, Callable[[], EncoderLike]], None]) -> None:
    """Offer sentence encoders: call ``register(name, factory)``; the factory is called lazily.

    A policy selects an encoder per rail by name (``encoder: multilingual``); the first-party
    ``default`` encoder is the shipped int8 multilingual encoder (``guardrails/models/encoder``).

    :param register: call it with an encoder name and a zero-argument factory building it.
    """


@hookspec
def register_policy_sections(register: Callable[[str, type[BaseModel]], None]) -> None:
    """Declare top-level policy sections the plugin owns: call ``register(name, Model)``.

    A policy file's ``name:`` section is validated against the pydantic ``Model`` when the policy
    is loaded, with errors that name the file and the field (``audit.max_bytes: ...``); the
    validated model is then ``policy.section(name)``. A name that is a core policy field, or
    that two plugins declare, is a PluginError.

    :param register: call it with the section's name and the pydantic model that validates it.
    """


@hookspec
def guard_built(guard: Guard) -> None:
    """Called once a Guard is built, before its first check: attach what its policy enables.

    Read the plugin's own section (``guard.policy.section("audit")``) and attach sinks with
    ``guard.add_sink(sink)``: a sink's ``on_decision(decision, context)`` then sees this Guard's
    decisions only, and is flushed and closed with it. An exception fails the build (the sinks
    attached so far are closed); raise PolicyError for a bad setting.

    :param guard: the Guard just built; its policy, plugin manager and resources are set.
    """


@hookspec
def on_decision(decision: Decision, context: CheckContext) -> None:
    """Called after every decision of every Guard built on this plugin manager.

    Runs on the request path: keep it fast and hand slow work to a background thread. An
    exception here is logged and swallowed, never raised into the request. For one Guard's
    decisions only, attach a sink with ``guard.add_sink`` (see ``guard_built``).

    :param decision: the policy's Decision on one text (or chat turn).
    :param context: the CheckContext of the check (stage, request, prompt, document index).
    """


@hookspec
def register_commands(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add subcommands to the ``guardrails`` command line.

    Call ``subparsers.add_parser(name, help=...)``, add its arguments and
    ``set_defaults(func=run)``: ``run(args) -> int`` is called with the parsed arguments and
    returns the exit status. Import heavy modules inside ``run``, not at the top of the plugin:
    the parser is built for every command.

    :param subparsers: the argparse subparsers object of the ``guardrails`` command.
    """
