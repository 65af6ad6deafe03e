"""``guardrails serve``: the sidecar on uvicorn, one worker by default, a graceful stop.

The policy file is validated before anything listens (a bad policy exits 2 with the file and
field named); the models load in the background while ``/healthz`` already answers. SIGTERM or
SIGINT stops accepting connections, lets in-flight requests finish (``--shutdown-grace``), then
flushes and closes the audit log and the other sinks. A Guard that fails to load (a missing
model) stops the server with exit status 1.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from typing import Any

from guardrails.serve.settings import SETTINGS_ENV, TOKEN_ENV, ServeSettings, configure_logging

__all__ = ["add_serve_parser", "bind_socket", "run_serve"]

_FLAGS = ("policy", "host", "port", "workers", "max_concurrency", "max_queue", "max_body_bytes", "max_batch",
          "timeout_s", "retry_after_s", "token", "log_text", "log_level", "shutdown_grace_s")


def add_serve_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``serve`` subcommand to an argparse subparsers object."""
    defaults = ServeSettings.model_fields
    p = subparsers.add_parser(
        "serve", help="serve decisions over HTTP (the sidecar; extra 'serve')",
        description="Serve the policy's decisions over HTTP for services in other languages (docs/serving.md).",
    )
    p.add_argument("--policy", help="policy file (default: the shipped default policy)")
    p.add_argument("--host", help=f"address to listen on (default {defaults['host'].default})")
    p.add_argument("--port", type=int, help=f"TCP port, 0 for a free one (default {defaults['port'].default})")
    p.add_argument("--workers", type=int, help="worker processes, each with its own models (default 1)")
    p.add_argument("--max-concurrency", type=int, help="checks running at once per worker (default: the CPUs)")
    p.add_argument("--max-queue", type=int, help="requests waiting for a slot before 503 "
                   f"(default {defaults['max_queue'].default})")
    p.add_argument("--max-body-bytes", type=int, help="largest request body, else 413 "
                   f"(default {defaults['max_body_bytes'].default})")
    p.add_argument("--max-batch", type=int, help=f"most texts per request (default {defaults['max_batch'].default})")
    p.add_argument("--timeout", dest="timeout_s", type=float, help="seconds a request may wait and run, else 504 "
                   f"(default {defaults['timeout_s'].default:g})")
    p.add_argument("--retry-after", dest="retry_after_s", type=int, help="Retry-After seconds on a 503 (default 1)")
    p.add_argument("--token", help=f"require this bearer token (prefer ${TOKEN_ENV}: flags show in ps)")
    p.add_argument("--token-env", default=TOKEN_ENV, help=f"read the bearer token from this variable (default {TOKEN_ENV})")
    p.add_argument("--log-text", action="store_true", default=None, help="put checked texts in the request log")
    p.add_argument("--log-level", choices=("debug", "info", "warning", "error"), help="default info")
    p.add_argument("--shutdown-grace", dest="shutdown_grace_s", type=float,
                   help="seconds in-flight requests get on SIGTERM (default 10)")
    p.set_defaults(func=run_serve)
    return p


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free one), inheritable by workers.

    Created as IPPROTO_TCP with TCP_NODELAY: asyncio turns Nagle's algorithm off only on sockets
    it knows to be TCP, and with it on, a response written in two parts waits for the client's
    delayed ACK (40 ms on Linux) before its second part leaves.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def run_serve(args: argparse.Namespace) -> int:
    """Run ``guardrails serve``; returns the exit status."""
    try:
        import uvicorn  # noqa: F401
        from fastapi import FastAPI  # noqa: F401
    except ImportError as exc:
        print(f"error: guardrails serve needs the 'serve' extra ({exc.name} is missing): "
              "pip install 'tako-guardrails[serve]'", file=sys.stderr)
        return 2
    from pydantic import ValidationError

    values = {name: getattr(args, name) for name in _FLAGS if getattr(args, name, None) is not None}
    try:
        settings = ServeSettings.from_env(args.token_env, **values)
    except ValidationError as exc:
        for error in exc.errors():
            print(f"error: --{str(error['loc'][0]).replace('_s', '').replace('_', '-')}: {error['msg']}",
                  file=sys.stderr)
        return 2
    if settings.workers > 1 and settings.port == 0:
        print("error: --port 0 needs --workers 1 (each worker must share one known port)", file=sys.stderr)
        return 2
    if settings.policy:
        _validate_policy(settings.policy)  # a PolicyError exits 2 naming the file and field
    configure_logging(settings.log_level)
    if settings.workers > 1:
        return _run_workers(settings)
    return _run_one(settings)


def _validate_policy(path: str) -> None:
    from guardrails.plugins import collect_policy_sections, get_plugin_manager
    from guardrails.policy import load_policy

    load_policy(path, sections=collect_policy_sections(get_plugin_manager()))


def _uvicorn_options(settings: ServeSettings) -> dict[str, Any]:
    return {"log_level": settings.log_level, "access_log": False, "server_header": False, "lifespan": "on",
            "timeout_graceful_shutdown": settings.shutdown_grace_s}


def _run_one(settings: ServeSettings) -> int:
    import uvicorn

    from guardrails.serve.app import create_app

    failures: list[BaseException] = []
    server: uvicorn.Server | None = None

    def load_failed(exc: BaseException) -> None:
        failures.append(exc)
        if server is not None:
            server.should_exit = True

    app = create_app(settings, on_load_failure=load_failed)
    server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port, **_uvicorn_options(settings)))
    try:
        sock = bind_socket(settings.host, settings.port)
    except OSError as exc:
        print(f"error: cannot listen on {settings.host}:{settings.port}: {exc}", file=sys.stderr)
        return 2
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"guardrails serve: listening on http://{shown}:{port} (pid {os.getpid()}, "
          f"policy {settings.policy or 'default'})", flush=True)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 1 if failures else 0


def _run_workers(settings: ServeSettings) -> int:
    """``--workers N``: uvicorn's process supervisor over one socket bound here (see bind_socket);
    each worker builds its own app from the settings passed in SETTINGS_ENV."""
    import inspect

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    os.environ[SETTINGS_ENV] = settings.to_env()
    config = uvicorn.Config("guardrails.serve.app:create_app_from_env", factory=True, host=settings.host,
                            port=settings.port, workers=settings.workers, **_uvicorn_options(settings))
    try:
        sock = bind_socket(settings.host, settings.port)
    except OSError as exc:
        print(f"error: cannot listen on {settings.host}:{settings.port}: {exc}", file=sys.stderr)
        return 2
    print(f"guardrails serve: {settings.workers} workers listening on http://{settings.host}:{settings.port} "
          f"(pid {os.getpid()}, policy {settings.policy or 'default'})", flush=True)
    try:
        if "target" in inspect.signature(Multiprocess).parameters:  # uvicorn before 0.36
            Multiprocess(config, target=uvicorn.Server(config).run, sockets=[sock]).run()  # type: ignore[call-arg]
        else:
            Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
    return 0
