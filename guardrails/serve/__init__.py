"""The HTTP sidecar: ``guardrails serve`` (extra ``serve``: FastAPI and uvicorn).

Services written in other languages get the same decisions as the Python API over HTTP on
localhost, with the same policy, audit log and metrics. Registered as the ``serve`` plugin
for the command line only (``guardrails.plugins.COMMAND_PLUGINS``): building a Guard never
imports it, and this module stays light (FastAPI is imported when the command runs).

- settings.py: ServeSettings, every flag of the command
- models.py: the request bodies (the answers are ``guardrails.Decision`` itself)
- app.py: ``create_app(settings, guard=None)``, the endpoints
- state.py: the one Guard (built in the background, warmed, readiness, flushed at shutdown)
- admission.py: bounded concurrency, bounded queue, a deadline per request
- middleware.py, errors.py, metrics.py: request log and early 413, error bodies, Prometheus
- commands.py: the ``serve`` subcommand (uvicorn, graceful shutdown, ``--workers``)

See docs/serving.md.
"""

from __future__ import annotations

from typing import Any

from guardrails.hookspecs import hookimpl

__all__ = ["register_commands"]


@hookimpl
def register_commands(subparsers: Any) -> None:
    """Add ``serve``."""
    from guardrails.serve.commands import add_serve_parser

    add_serve_parser(subparsers)
