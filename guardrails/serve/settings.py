"""The sidecar's settings: where it listens, how much it admits, how long a request may take.

Built from the ``guardrails serve`` flags (guardrails.serve.commands) or passed to
``create_app(settings=...)``. Nothing here is read at import time; ``ServeSettings.from_env``
reads the bearer token from an environment variable when it is asked to.
"""

from __future__ import annotations

import json
import logging
import os
import sys

from pydantic import BaseModel, ConfigDict, Field, SecretStr

__all__ = ["SETTINGS_ENV", "TOKEN_ENV", "ServeSettings", "configure_logging", "default_concurrency"]

TOKEN_ENV = "GUARDRAILS_SERVE_TOKEN"
"""The environment variable holding the bearer token, unless ``--token-env`` names another."""
SETTINGS_ENV = "GUARDRAILS_SERVE_SETTINGS"
"""How ``guardrails serve --workers N`` hands its settings (JSON) to each worker process."""


def configure_logging(level: str) -> None:
    """Send log records at ``level`` and above to standard error (``guardrails serve`` and each
    of its workers call this once; uvicorn configures its own loggers)."""
    logging.basicConfig(level=level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def default_concurrency() -> int:
    """Checks run at once by default: one per CPU the process may use (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


class ServeSettings(BaseModel):
    """Everything ``guardrails serve`` can be told; every field has a flag of the same name.

    Sizes are in bytes, times in seconds. Unknown fields are an error naming the field.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    """Address to listen on; the default accepts connections from this machine only."""
    port: int = Field(default=8700, ge=0, le=65535)
    """TCP port; 0 picks a free one (printed on standard output once bound)."""
    policy: str | None = None
    """Policy file (YAML, TOML or JSON); None serves the shipped default policy."""
    workers: int = Field(default=1, ge=1)
    """Worker processes; each loads its own copy of the models (see docs/serving.md for the RSS)."""
    max_concurrency: int = Field(default_factory=default_concurrency, ge=1)
    """Checks running at once in one worker (threads); the default is the CPUs the process may use."""
    max_queue: int = Field(default=512, ge=0)
    """Requests waiting for a free slot; one more is answered 503 with Retry-After."""
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    """Largest request body accepted; a larger one is answered 413 without being read."""
    max_batch: int = Field(default=256, ge=1)
    """Most texts (or documents) in one request; more is a 422 naming the field."""
    timeout_s: float = Field(default=10.0, gt=0)
    """Longest a request may wait and run; past it the answer is 504 (the policy's per-rail
    ``timeout_ms`` still bounds each guard)."""
    retry_after_s: int = Field(default=1, ge=0)
    """The Retry-After header (seconds) sent with a 503."""
    token: SecretStr | None = None
    """Bearer token required on /v1/* and /metrics; None serves without authentication."""
    log_text: bool = False
    """Put the checked text in the request log (default: only its length and a hash prefix)."""
    log_level: str = "info"
    """Level of the ``guardrails.serve`` request log and uvicorn's own log."""
    shutdown_grace_s: float = Field(default=10.0, ge=0)
    """On SIGTERM/SIGINT: how long in-flight requests get to finish before the audit log is
    flushed and the process exits."""

    @classmethod
    def from_env(cls, token_env: str = TOKEN_ENV, **values: object) -> ServeSettings:
        """Settings from ``values``, with ``token`` read from the variable ``token_env`` when it
        is set and ``values`` has none."""
        token = os.environ.get(token_env)
        if values.get("token") is None and token:
            values["token"] = token
        return cls.model_validate(values)

    def to_env(self) -> str:
        """The settings as JSON (token included) for a worker process; see ``SETTINGS_ENV``."""
        data = self.model_dump(mode="json")
        data["token"] = self.token.get_secret_value() if self.token is not None else None
        return json.dumps(data)

    @classmethod
    def from_worker_env(cls) -> ServeSettings:
        """The settings a ``--workers`` parent put in ``SETTINGS_ENV`` (defaults when unset)."""
        raw = os.environ.get(SETTINGS_ENV)
        return cls.model_validate_json(raw) if raw else cls.from_env()
