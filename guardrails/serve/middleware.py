"""The outermost layer of the sidecar: request id, early 413, one log line and metrics per request.

A pure ASGI middleware (no per-request task or body copy). It gives every request an id (the
``X-Request-ID`` header when it is sane, else a new one) and echoes it in the answer, refuses a
body whose ``Content-Length`` is over the limit before anything parses it (413; the body is read
and dropped first, so that clients which send it all before reading see the answer; bodies
without a length are counted as they arrive by Starlette's body limit), and writes one log line
per request on the ``guardrails.serve`` logger: method, path, status, milliseconds, request id
and what the endpoint noted (action, triggered categories, text length, a hash prefix), never
the text unless ``log_text`` is set. Probes (/healthz, /readyz, /metrics) log at DEBUG.
"""

from __future__ import annotations

import logging
import os
import re
import time
from typing import TYPE_CHECKING, Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guardrails.serve.errors import error_response, too_large_message

if TYPE_CHECKING:
    from guardrails.serve.state import ServerState

__all__ = ["DRAIN_BYTES", "ENDPOINTS", "RequestLog"]

log = logging.getLogger("guardrails.serve")

ENDPOINTS = frozenset({
    "/v1/check/input", "/v1/check/output", "/v1/check/context", "/v1/check/batch", "/v1/policy",
    "/healthz", "/readyz", "/metrics", "/openapi.json", "/docs",
})
"""Paths counted under their own name in the metrics; any other is counted as ``other``."""
_PROBES = frozenset({"/healthz", "/readyz", "/metrics"})
_SANE_ID = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")


DRAIN_BYTES = 64 * 1024 * 1024
"""A declared body over the limit but under this size is read and dropped before the 413."""


async def _drain(receive: Receive) -> bool:
    """Read the request body to its end, keeping nothing; False if the client went away."""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return False
        if not message.get("more_body", False):
            return True


class RequestLog:
    """ASGI middleware; ``state`` gives the settings and the metrics."""

    def __init__(self, app: ASGIApp, state: ServerState) -> None:
        self.app = app
        self.state = state
        self.max_body = state.settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = Headers(scope=scope)
        given = headers.get("x-request-id", "")
        request_id = given if _SANE_ID.fullmatch(given) else os.urandom(8).hex()
        notes: dict[str, Any] = scope.setdefault("state", {})
        notes["request_id"] = request_id
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            length = headers.get("content-length", "")
            if length.isdigit() and int(length) > self.max_body:
                self.state.metrics.reject("too_large")
                # a client that asked "Expect: 100-continue" never sends the body; any other sends
                # it all before reading the answer, and closing on unread bytes resets the
                # connection: read the body and drop it (up to DRAIN_BYTES), then answer
                expects = "100-continue" in headers.get("expect", "").lower()
                drained = not expects and int(length) <= DRAIN_BYTES and await _drain(receive)
                response = error_response(413, "too_large", too_large_message(self.max_body),
                                          headers=None if drained else {"Connection": "close"})
                await response(scope, receive, send_with_id)
                return
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started, notes)

    def _record(self, scope: Scope, status: int, seconds: float, notes: dict[str, Any]) -> None:
        path = scope.get("path", "")
        self.state.metrics.request(path if path in ENDPOINTS else "other", status, seconds)
        level = logging.DEBUG if path in _PROBES and status < 500 else logging.INFO
        if not log.isEnabledFor(level):
            return
        extra = " ".join(f"{k}={v!r}" if k == "text" else f"{k}={v}" for k, v in (notes.get("log") or {}).items())
        log.log(level, "%s %s %d %.1f ms id=%s%s", scope.get("method", "?"), path, status, seconds * 1000,
                notes["request_id"], f" {extra}" if extra else "")
