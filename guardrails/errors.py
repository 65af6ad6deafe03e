"""One exception tree: everything the SDK raises on purpose is a GuardrailsError.

::

    GuardrailsError                  base of every error the SDK raises on purpose
    ├── PolicyError (ValueError)     a policy file, dict or section is invalid (file, field, expectation)
    ├── PluginError                  a plugin failed to load, registered a bad guard, or a hook failed
    ├── ModelError                   a model artifact (encoder, tokenizer, head) is missing or unusable
    │   └── ModelIntegrityError      a model file does not match the sha256 in its manifest
    ├── GuardError                   a guard failed on a text (recorded in the Verdict, never raised
    │   │                            into a request): it returned something other than a Verdict
    │   └── GuardTimeout (TimeoutError)  a guard did not answer within its rail's timeout_ms
    ├── InvalidInput (TypeError)     a check was given something that is not text or chat messages
    ├── DataError (ValueError)       a data file (scan input, labelled data, audit log) cannot be read
    ├── ServeError                   the HTTP sidecar cannot take a request now (answered, never raised
    │   │                            into a caller): guardrails.serve
    │   ├── Overloaded               every check slot is busy and the queue is full (503)
    │   ├── NotReady                 the Guard is still loading, or failed to load (503)
    │   └── RequestTimeout (TimeoutError)  no decision within the request's deadline (504)
    └── Blocked                      a wrapped call was blocked and the policy says on_block: raise

``GuardError`` and ``GuardTimeout`` are raised inside the pipeline and caught there: the rail's
``on_error`` decides, and the Verdict records the message (``error``) and its kind
(``error_kind``: ``timeout``, ``invalid`` or ``exception``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guardrails.results import Decision

__all__ = [
    "Blocked",
    "DataError",
    "GuardError",
    "GuardTimeout",
    "GuardrailsError",
    "InvalidInput",
    "ModelError",
    "ModelIntegrityError",
    "NotReady",
    "Overloaded",
    "PluginError",
    "PolicyError",
    "RequestTimeout",
    "ServeError",
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
    """A plugin could not be loaded, registered a bad guard, implements an unknown hook, or a hook failed."""


class ModelError(GuardrailsError):
    """A model artifact (encoder, tokenizer, head) is missing or unusable."""


class ModelIntegrityError(ModelError):
    """A model file does not match the sha256 recorded in its MANIFEST.json."""


class GuardError(GuardrailsError):
    """A guard failed on a text. Recorded in the Verdict, never raised into a request."""


class GuardTimeout(GuardError, TimeoutError):
    """A guard did not finish within its rail's timeout_ms."""


class InvalidInput(GuardrailsError, TypeError):
    """The value given to a check is neither text, bytes, None nor chat messages."""


class DataError(GuardrailsError, ValueError):
    """A data file (``guardrails scan`` input, labelled data, an audit log) cannot be read; the
    message names the file (and the line, where there is one)."""


class ServeError(GuardrailsError):
    """The HTTP sidecar cannot take a request now; it answers with a status code and this message."""


class Overloaded(ServeError):
    """Every check slot of the sidecar is busy and its queue is full (answered 503 with Retry-After)."""


class NotReady(ServeError):
    """The sidecar's Guard is still loading, or failed to load (answered 503 with Retry-After)."""


class RequestTimeout(ServeError, TimeoutError):
    """The sidecar had no decision within the request's deadline (answered 504)."""


class Blocked(GuardrailsError):
    """Raised by a wrapped callable when the policy's on_block is 'raise'; carries the Decision."""

    def __init__(self, decision: Decision):
        super().__init__(decision.message or f"blocked by policy: {', '.join(decision.triggered) or decision.action}")
        self.decision = decision
