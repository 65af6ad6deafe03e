"""How the sidecar answers what goes wrong: one JSON body (``ErrorBody``), a stable code each.

=====================================================  ======  ==========================
what                                                   status  ``error``
=====================================================  ======  ==========================
body is not JSON                                       400     invalid_json
a field is missing, of the wrong type, or unknown      422     invalid_request (``fields``)
body sent without ``Content-Type: application/json``   415     unsupported_media_type
missing or wrong bearer token                          401     unauthorized
body over ``max_body_bytes``                           413     too_large
text the Guard refuses (``InvalidInput``)              422     invalid_input
queue full                                             503     overloaded (Retry-After)
models still loading, or load failed                   503     not_ready (Retry-After)
no decision within ``timeout_s``                       504     timeout
anything else                                          500     internal (logged, no text)
=====================================================  ======  ==========================

Validation messages never echo the request's text back, and nothing here logs it.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from guardrails.errors import GuardrailsError, InvalidInput, NotReady, Overloaded, RequestTimeout
from guardrails.serve.models import ErrorBody, FieldError

if TYPE_CHECKING:
    from guardrails.serve.metrics import ServeMetrics

__all__ = ["error_response", "field_name", "install_handlers", "too_large_message"]

log = logging.getLogger("guardrails.serve")

_STATUS_CODES = {400: "invalid_json", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
                 413: "too_large", 415: "unsupported_media_type", 422: "invalid_request",
                 503: "not_ready", 504: "timeout"}
RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (400, 401, 413, 415, 422, 503, 504)
}
"""The error responses every check endpoint documents in the OpenAPI document."""


def too_large_message(limit: int) -> str:
    """The 413 message."""
    return f"request body is over the limit of {limit} bytes (max_body_bytes); split it, or use /v1/check/batch"


def field_name(loc: Sequence[int | str]) -> str:
    """A pydantic error location as a field path: ``("body", "messages", 2, "role")`` ->
    ``messages[2].role``; ``body`` for the body as a whole."""
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[1:]
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


def error_response(status: int, code: str, message: str, fields: list[FieldError] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """An ErrorBody as a JSON response."""
    body = ErrorBody(error=code, message=message, fields=fields or [])  # type: ignore[arg-type]
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    bad_json = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if bad_json is not None:
        where = bad_json.get("loc", ("body", "?"))[-1]
        reason = (bad_json.get("ctx") or {}).get("error", "JSON decode error")
        return error_response(400, "invalid_json", f"the body is not valid JSON: {reason} at character {where}")
    media = request.headers.get("content-type", "")
    if "json" not in media and any(tuple(e.get("loc", ())) == ("body",) for e in errors):
        return error_response(415, "unsupported_media_type",
                              f"send the body as JSON with 'Content-Type: application/json' (got {media or 'none'!r})")
    fields = [FieldError(field=field_name(e.get("loc", ())), message=str(e.get("msg", "")), type=str(e.get("type", "")))
              for e in errors]
    summary = "; ".join(f"{f.field}: {f.message}" for f in fields)
    return error_response(422, "invalid_request", f"invalid request body: {summary}", fields)


def install_handlers(app: FastAPI, metrics: ServeMetrics, retry_after_s: int, max_body_bytes: int) -> None:
    """Register the exception handlers that turn every failure into an ErrorBody."""
    retry = {"Retry-After": str(retry_after_s)}

    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation(request, exc)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "internal" if exc.status_code >= 500 else "invalid_request")
        message = str(exc.detail)
        if exc.status_code == 413:
            metrics.reject("too_large")
            message = too_large_message(max_body_bytes)
        elif exc.status_code == 401:
            metrics.reject("unauthorized")
        return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(Overloaded)
    async def overloaded(request: Request, exc: Overloaded) -> JSONResponse:
        metrics.reject("overloaded")
        return error_response(503, "overloaded", f"too many requests waiting: {exc}; retry later", headers=retry)

    @app.exception_handler(NotReady)
    async def not_ready(request: Request, exc: NotReady) -> JSONResponse:
        metrics.reject("not_ready")
        return error_response(503, "not_ready", str(exc), headers=retry)

    @app.exception_handler(RequestTimeout)
    async def timeout(request: Request, exc: RequestTimeout) -> JSONResponse:
        metrics.reject("timeout")
        return error_response(504, "timeout", str(exc))

    @app.exception_handler(InvalidInput)
    async def invalid_input(request: Request, exc: InvalidInput) -> JSONResponse:
        return error_response(422, "invalid_input", str(exc))

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        # the message of a GuardrailsError names files and fields, never the checked text
        detail = str(exc) if isinstance(exc, GuardrailsError) else ""
        # the traceback without the exception's own message, which might quote the text
        where = "" if detail else "\n" + "".join(traceback.format_tb(exc.__traceback__))
        log.error("%s %s failed: %s%s%s", request.method, request.url.path, type(exc).__name__,
                  f": {detail}" if detail else "", where.rstrip())
        return error_response(500, "internal", f"the check failed ({type(exc).__name__}); see the sidecar's log")
