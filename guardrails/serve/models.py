"""The request bodies of the sidecar's endpoints and the small bodies it answers besides decisions.

Decisions are answered as the Python API's own ``guardrails.Decision`` (with its ``Verdict`` and
``Span``): one source of truth, published in the OpenAPI document at ``/openapi.json``. The
request models below mirror the arguments of ``Guard.check_input``, ``check_output``,
``check_context`` and ``check_batch``; unknown fields are an error that names the field.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from guardrails.protocol import RequestContext
from guardrails.results import Stage

__all__ = [
    "BatchRequest",
    "ChatMessage",
    "CheckContextRequest",
    "CheckInputRequest",
    "CheckOutputRequest",
    "ErrorBody",
    "FieldError",
    "Health",
    "PolicyInfo",
    "Readiness",
    "RequestInfo",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContentPart(BaseModel):
    """One part of a multi-part chat message; the ``text`` parts are checked."""

    model_config = ConfigDict(extra="allow")

    type: str = "text"
    text: str | None = None


class ChatMessage(BaseModel):
    """A chat message as OpenAI-style APIs send it; other fields (``name``, ``tool_call_id``)
    are kept and passed on unchanged in ``Decision.messages``."""

    model_config = ConfigDict(extra="allow")

    role: str = Field(min_length=1, examples=["user"])
    """``user`` (the input rails check every one), ``system``, ``assistant`` (redacted by the
    input stage's redacting rails), or a document role (``tool``, ``function``, ``document``,
    ``retrieved``, ``context``) for the context rails, then redacted like an assistant turn."""
    content: str | list[ContentPart] | None = None


class RequestInfo(_Strict):
    """The per-request context (``guardrails.RequestContext``) a check may use."""

    request_id: str | None = Field(default=None, max_length=200)
    """Copied into ``metadata["request_id"]`` (the audit log's ``include_metadata`` can record it);
    defaults to the ``X-Request-ID`` header."""
    system_prompt: str | None = None
    language: str | None = Field(default=None, max_length=35)
    """A BCP 47 language tag the caller already knows (``pt-BR``)."""
    metadata: dict[str, str | int | float | bool | None] = Field(default_factory=dict)

    def context(self, request_id: str | None) -> RequestContext:
        """The RequestContext of this request."""
        metadata: dict[str, Any] = dict(self.metadata)
        rid = self.request_id or request_id
        if rid:
            metadata.setdefault("request_id", rid)
        return RequestContext(system_prompt=self.system_prompt, metadata=metadata, language=self.language)


class CheckInputRequest(_Strict):
    """``POST /v1/check/input``: a prompt (``text``) or a conversation (``messages``), and
    optionally retrieved ``documents`` for the context rails. Exactly one of ``text`` and
    ``messages``."""

    text: str | None = Field(default=None, examples=["how do I kill a python process"])
    messages: list[ChatMessage] | None = Field(default=None, min_length=1)
    documents: list[str] = Field(default_factory=list)
    context: RequestInfo = Field(default_factory=lambda: RequestInfo())

    @model_validator(mode="after")
    def _one_of_text_or_messages(self) -> CheckInputRequest:
        if (self.text is None) == (self.messages is None):
            raise ValueError("give exactly one of 'text' (a prompt) or 'messages' (a conversation)")
        return self

    def value(self) -> str | list[dict[str, Any]]:
        """What ``Guard.check_input`` takes: the text, or the messages as plain dicts."""
        if self.messages is not None:
            return [m.model_dump(exclude_unset=True) for m in self.messages]
        return self.text or ""


class CheckOutputRequest(_Strict):
    """``POST /v1/check/output``: a model's answer and the prompt (text or messages) it answered."""

    text: str = Field(examples=["Use kill -9 with the process id."])
    prompt: str | list[ChatMessage] | None = None
    context: RequestInfo = Field(default_factory=lambda: RequestInfo())

    def prompt_value(self) -> str | list[dict[str, Any]] | None:
        """What ``Guard.check_output(prompt=...)`` takes."""
        if isinstance(self.prompt, list):
            return [m.model_dump(exclude_unset=True) for m in self.prompt]
        return self.prompt


class CheckContextRequest(_Strict):
    """``POST /v1/check/context``: retrieved documents or tool outputs, one decision each."""

    documents: list[str] = Field(min_length=1)
    context: RequestInfo = Field(default_factory=lambda: RequestInfo())


class BatchRequest(_Strict):
    """``POST /v1/check/batch``: many texts through one stage, batched through the encoder;
    ``prompts`` (output stage) are aligned with ``texts``."""

    stage: Stage = "input"
    texts: list[str] = Field(min_length=1)
    prompts: list[str | None] | None = None
    context: RequestInfo = Field(default_factory=lambda: RequestInfo())


class FieldError(BaseModel):
    """One problem with a request body: where (``field``, dotted), what, and pydantic's type."""

    field: str
    message: str
    type: str


class ErrorBody(BaseModel):
    """Every error the sidecar answers: a stable ``error`` code and a sentence for people."""

    error: Literal[
        "invalid_json", "invalid_request", "unsupported_media_type", "unauthorized", "not_found",
        "method_not_allowed", "too_large", "overloaded", "not_ready", "timeout", "invalid_input", "internal",
    ]
    message: str
    fields: list[FieldError] = Field(default_factory=list)
    """For ``invalid_request``: each field that is wrong."""


class Health(BaseModel):
    """``GET /healthz``: the process is up and answering."""

    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    """``GET /readyz``: whether checks can be answered now (503 while not)."""

    ready: bool
    status: Literal["loading", "ready", "degraded", "failed", "stopping"]
    reason: str | None = None
    """Why not ready: models loading, a policy that failed to load, a guard's open circuit breaker."""
    load_s: float | None = None
    """How long building the Guard and warming its models took, in seconds."""
    health: JsonValue = None
    """What ``Guard.health()`` reported, when the Guard has one."""


class PolicyInfo(BaseModel):
    """``GET /v1/policy``: the policy in force."""

    name: str
    version: str
    rails: dict[str, list[str]]
    """Rail ids of each stage (input, output, context), in the order they run."""
    thresholds: dict[str, dict[str, dict[str, float]]]
    """Per stage, per rail id, the threshold in force for each category the rail knows of."""
    sdk_version: str
