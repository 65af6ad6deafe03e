"""The sidecar's ASGI app: ``create_app(settings, guard=None) -> FastAPI``.

=============================  ==================================================================
endpoint                       answers
=============================  ==================================================================
``POST /v1/check/input``       a Decision on a prompt or a conversation (+ documents)
``POST /v1/check/output``      a Decision on a model's answer, given its prompt
``POST /v1/check/context``     a list of Decisions, one per retrieved document or tool output
``POST /v1/check/batch``       a list of Decisions, one per text, through one stage
``GET /v1/policy``             the policy in force: name, version, rails, thresholds
``GET /healthz``               200 while the process answers
``GET /readyz``                200 when checks can be answered, else 503 and why
``GET /metrics``               Prometheus text (needs prometheus-client)
``GET /openapi.json``          the OpenAPI document (``/docs`` renders it)
=============================  ==================================================================

Decisions are ``guardrails.Decision`` serialised as pydantic does (``model_dump_json``): the same
fields, values and order as the Python API returns. See docs/serving.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import HTTPBearer
from pydantic import TypeAdapter
from pydantic_core import PydanticSerializationError
from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import RequestBodyLimitMiddleware

from guardrails import __version__
from guardrails.results import Decision
from guardrails.serve.errors import RESPONSES, install_handlers
from guardrails.serve.metrics import INSTALL_HINT
from guardrails.serve.middleware import RequestLog
from guardrails.serve.models import (
    BatchRequest,
    CheckContextRequest,
    CheckInputRequest,
    CheckOutputRequest,
    Health,
    PolicyInfo,
    Readiness,
)
from guardrails.serve.settings import ServeSettings, configure_logging
from guardrails.serve.state import ServerState

if TYPE_CHECKING:
    from guardrails.guard import Guard

__all__ = ["BearerToken", "create_app", "create_app_from_env"]

_DECISIONS = TypeAdapter(list[Decision])


def _json(value: Decision | list[Decision]) -> Response:
    """The Decision(s) as JSON; a value pydantic cannot serialise (a third-party guard's numpy
    scalar or set in ``details``) becomes its nearest JSON value instead of failing the request."""
    try:
        body = _DECISIONS.dump_json(value) if isinstance(value, list) else value.model_dump_json()
    except PydanticSerializationError:
        plain = _DECISIONS.dump_python(value) if isinstance(value, list) else value.model_dump()
        body = json.dumps(plain, default=_jsonable, ensure_ascii=False).encode("utf-8")
    return Response(body, media_type="application/json")


def _jsonable(value: Any) -> Any:
    if callable(getattr(value, "tolist", None)):  # numpy arrays and scalars
        return value.tolist()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return str(value)


def _too_many(field: str, limit: int) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", field), "type": "too_long",
                                    "msg": f"at most {limit} items per request (max_batch); split the request"}])


def _note(request: Request, texts: Sequence[str], decisions: Sequence[Decision], log_text: bool) -> None:
    """What the request log line says about the checks (never the text, unless log_text)."""
    actions: dict[str, int] = {}
    for d in decisions:
        actions[d.action.value] = actions.get(d.action.value, 0) + 1
    note: dict[str, Any] = {
        "action": ",".join(f"{a}x{n}" if n > 1 else a for a, n in sorted(actions.items())),
        "triggered": ",".join(sorted({c for d in decisions for c in d.triggered})) or "-",
        "chars": sum(len(t) for t in texts),
    }
    if len(texts) == 1:
        note["sha256"] = hashlib.sha256(texts[0].encode("utf-8", "replace")).hexdigest()[:16]
    if log_text:
        note["text"] = list(texts) if len(texts) > 1 else texts[0]
    request.state.log = note


class BearerToken(HTTPBearer):
    """Requires ``Authorization: Bearer <token>`` (compared in constant time); 401 otherwise."""

    def __init__(self, token: str) -> None:
        super().__init__(auto_error=False, description="the token given to `guardrails serve`")
        self._expected = token.encode("utf-8")

    async def __call__(self, request: Request) -> None:  # type: ignore[override]
        creds = await super().__call__(request)
        given = creds.credentials.encode("utf-8") if creds is not None else b""
        if not hmac.compare_digest(given, self._expected):
            raise HTTPException(401, "missing or wrong bearer token (Authorization: Bearer ...)",
                                headers={"WWW-Authenticate": "Bearer"})


def create_app(settings: ServeSettings | None = None, *, guard: Guard | None = None,
               on_load_failure: Callable[[BaseException], None] | None = None) -> FastAPI:
    """The sidecar app for ``settings`` (defaults: ``ServeSettings()``).

    With ``guard`` the app serves it as is (the caller closes it); without, the app builds one
    from ``settings.policy`` (or the default policy) in the background when it starts and closes
    it when it stops. ``app.state.server`` is the ServerState (Guard, readiness, admission).
    """
    settings = settings or ServeSettings()
    state = ServerState(settings, guard, on_load_failure)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import asyncio

        state.start()
        try:
            yield
        finally:
            await asyncio.to_thread(state.stop)

    app = FastAPI(
        title="tako-guardrails sidecar",
        version=__version__,
        description="Policy-driven input and output guards over HTTP: the same decisions as the Python API.",
        lifespan=lifespan,
        redoc_url=None,
    )
    app.state.server = state
    install_handlers(app, state.metrics, settings.retry_after_s, settings.max_body_bytes)
    # Starlette counts the bytes of a body sent without a length (its 413 reaches our handler);
    # RequestLog, outside it, answers a too-long Content-Length before anything reads the body
    app.add_middleware(RequestBodyLimitMiddleware, max_body_size=settings.max_body_bytes)
    app.add_middleware(RequestLog, state=state)

    dependencies = [Depends(BearerToken(settings.token.get_secret_value()))] if settings.token is not None else []
    v1 = APIRouter(prefix="/v1", dependencies=dependencies, responses=RESPONSES)
    limit, log_text = settings.max_batch, settings.log_text

    @v1.post("/check/input", response_model=Decision, summary="Check a prompt or a conversation")
    async def check_input(body: CheckInputRequest, request: Request) -> Response:
        """Input rails on ``text`` or on the last user turn of ``messages``; context rails on
        ``documents`` and on tool or document messages (a blocked one is dropped on its own)."""
        guard = state.require()
        for field, items in (("documents", body.documents), ("messages", body.messages or ())):
            if len(items) > limit:
                raise _too_many(field, limit)
        context = body.context.context(request.state.request_id)
        decision = await state.admission.run(guard.check_input, body.value(), documents=body.documents or None,
                                             context=context)
        _note(request, [decision.original_text], [decision], log_text)
        return _json(decision)

    @v1.post("/check/output", response_model=Decision, summary="Check a model's answer")
    async def check_output(body: CheckOutputRequest, request: Request) -> Response:
        """Output rails on ``text``, the answer to ``prompt``."""
        guard = state.require()
        context = body.context.context(request.state.request_id)
        decision = await state.admission.run(guard.check_output, body.text, prompt=body.prompt_value(), context=context)
        _note(request, [body.text], [decision], log_text)
        return _json(decision)

    @v1.post("/check/context", response_model=list[Decision], summary="Check retrieved documents")
    async def check_context(body: CheckContextRequest, request: Request) -> Response:
        """Context rails on each document; one Decision each, in order."""
        guard = state.require()
        if len(body.documents) > limit:
            raise _too_many("documents", limit)
        context = body.context.context(request.state.request_id)
        decisions = await state.admission.run(guard.check_context, body.documents, context=context)
        _note(request, body.documents, decisions, log_text)
        return _json(decisions)

    @v1.post("/check/batch", response_model=list[Decision], summary="Check many texts through one stage")
    async def check_batch(body: BatchRequest, request: Request) -> Response:
        """``Guard.check_batch``: one Decision per text, in order, batched through the encoder."""
        guard = state.require()
        if len(body.texts) > limit:
            raise _too_many("texts", limit)
        if body.prompts is not None and len(body.prompts) != len(body.texts):
            raise RequestValidationError([{"loc": ("body", "prompts"), "type": "value_error",
                                           "msg": f"{len(body.prompts)} prompts for {len(body.texts)} texts; "
                                                  "give one per text (null where there is none)"}])
        context = body.context.context(request.state.request_id)
        decisions = await state.admission.run(guard.check_batch, body.stage, body.texts, prompts=body.prompts,
                                              context=context)
        _note(request, body.texts, decisions, log_text)
        return _json(decisions)

    @v1.get("/policy", response_model=PolicyInfo, summary="The policy in force")
    async def policy() -> PolicyInfo:
        guard = state.require()
        return PolicyInfo(name=guard.policy.name, version=guard.policy.version, rails=guard.guards,
                          thresholds={stage: guard.thresholds(stage) for stage in guard.guards},  # type: ignore[arg-type]
                          sdk_version=__version__)

    app.include_router(v1)

    @app.get("/healthz", response_model=Health, summary="Liveness")
    async def healthz() -> Health:
        return Health()

    @app.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}}, summary="Readiness")
    async def readyz() -> JSONResponse:
        ready = state.readiness()
        headers = None if ready.ready else {"Retry-After": str(settings.retry_after_s)}
        return JSONResponse(ready.model_dump(mode="json"), status_code=200 if ready.ready else 503, headers=headers)

    @app.get("/metrics", response_class=PlainTextResponse, dependencies=dependencies, summary="Prometheus metrics")
    async def metrics() -> Response:
        page = state.metrics.render()
        if page is None:
            return PlainTextResponse(INSTALL_HINT + "\n", status_code=501)
        return Response(page[0], media_type=page[1])

    return app


def create_app_from_env() -> FastAPI:
    """The app of a ``guardrails serve --workers N`` worker: settings from ``GUARDRAILS_SERVE_SETTINGS``."""
    settings = ServeSettings.from_worker_env()
    configure_logging(settings.log_level)
    return create_app(settings)
