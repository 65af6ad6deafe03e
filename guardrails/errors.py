"""One exception tree: everything the SDK raises on purpose is a GuardrailsError."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guardrails.results import Decision

__all__ = [
    "Blocked",
    "GuardError",
    "GuardTimeout",
    "GuardrailsError",
    "ModelError",
    "ModelIntegrityError",
    "PluginError",
    "PolicyError",
]


class GuardrailsError(Exception):
    """Base class of every error the SDK raises on purpose."""


class PolicyError(GuardrailsError, ValueError):
    """A policy file or dict is invalid; the message names the file, the field path and what was expected."""

    def __init__(self, message: str, *, source: str | None = None, errors: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.source = source
        self.errors = errors or []


class PluginError(GuardrailsError):
    """A plugin could not be loaded, registered a bad guard, or implements an unknown hook."""


class ModelError(GuardrailsError):
    """A model artifact (encoder, tokenizer, head) is missing or unusable."""


class ModelIntegrityError(ModelError):
    """A model file does not match the sha256 recorded in its MANIFEST.json."""


class GuardError(GuardrailsError):
    """A guard raised while checking text. Recorded in the Verdict, never raised into a request."""


class GuardTimeout(GuardError, TimeoutError):
    """A guard did not finish within its rail's timeout_ms."""


class Blocked(GuardrailsError):
    """Raised by a wrapped callable when the policy's on_block is 'raise'; carries the Decision."""

    def __init__(self, decision: Decision):
        super().__init__(decision.message or f"blocked by policy: {', '.join(decision.triggered) or decision.action}")
        self.decision = decision
