"""The values a check returns: Action, Span, Verdict (one guard) and Decision (the whole policy)."""

from __future__ import annotations

from enum import Enum
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Action", "Decision", "ErrorKind", "Span", "Stage", "Verdict", "decision_spans", "verdict"]

Stage = Literal["input", "output", "context"]
"""Where a rail runs: user input, model output, or retrieved context (documents, tool output)."""

ErrorKind = Literal["timeout", "invalid_result", "exception", "unavailable", "budget"]
"""Why a rail produced no result: its guard timed out, returned an invalid result (not a Verdict,
a score outside [0, 1] or NaN, a text that is not str, a bad category name), or raised; or the
rail did not run: its guard's circuit is open after repeated timeouts (``unavailable``), or the
call's time budget was spent (``budget``)."""

_SEVERITY = {"allow": 0, "warn": 1, "redact": 2, "escalate": 3, "block": 4}
_M = TypeVar("_M", bound=BaseModel)


_new = object.__new__
_set_attr = object.__setattr__
_set_fields = BaseModel.__dict__["__pydantic_fields_set__"].__set__  # the slots' own setters: faster
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__
_ALL_FIELDS: dict[type, set[str]] = {}


def trusted(cls: type[_M], values: dict[str, Any]) -> _M:
    """Build a model from values the SDK produced itself, skipping validation (the hot path).

    ``values`` must hold every field; only for internal use on already-typed data of frozen
    models (the instances share one read-only set of field names).
    """
    fields = _ALL_FIELDS.get(cls)
    if fields is None:
        fields = _ALL_FIELDS.setdefault(cls, set(cls.model_fields))
    obj = _new(cls)
    _set_attr(obj, "__dict__", values)
    _set_fields(obj, fields)
    _set_extra(obj, None)
    _set_private(obj, None)
    return obj


def replaced(model: _M, update: dict[str, Any]) -> _M:
    """A copy of ``model`` with ``update`` applied, without validation (the hot path)."""
    return trusted(type(model), {**model.__dict__, **update})


class Action(str, Enum):
    """What the caller should do with the text, ordered allow < warn < redact < escalate < block."""

    ALLOW = "allow"
    WARN = "warn"
    REDACT = "redact"
    ESCALATE = "escalate"
    BLOCK = "block"

    @property
    def severity(self) -> int:
        """Rank of the action; the most severe action of all rails wins."""
        return _SEVERITY[self._value_]

    @classmethod
    def most_severe(cls, actions: list[Action] | tuple[Action, ...]) -> Action:
        """The most severe of ``actions`` (allow when empty)."""
        return max(actions, key=lambda a: _SEVERITY[a._value_], default=cls.ALLOW)

    def __str__(self) -> str:
        return self.value


class Span(BaseModel):
    """A located finding in the checked text: [start, end) character offsets into the text the guard saw."""

    model_config = ConfigDict(frozen=True)

    start: int
    end: int
    category: str
    label: str = ""
    """A finer label than the category, e.g. EMAIL or AWS_ACCESS_KEY."""
    replacement: str | None = None
    """What a redacting guard put in place of the span."""


class Verdict(BaseModel):
    """One guard's result on one text.

    A guard fills ``categories`` (scores 0..1), and where it applies ``spans``, ``text`` (the
    changed text, for guards that change text) and ``details``. The pipeline fills ``guard``,
    ``stage``, ``action``, ``triggered``, ``mode``, ``latency_ms``, ``error``, ``error_kind`` and
    ``outcome``.
    """

    model_config = ConfigDict(frozen=True)

    guard: str = ""
    categories: dict[str, float] = Field(default_factory=dict)
    spans: tuple[Span, ...] = ()
    text: str | None = None
    """The text after this guard, when the guard changes text (redaction); None when unchanged."""
    details: dict[str, Any] = Field(default_factory=dict)
    """Guard-specific facts worth recording (e.g. the detected language, hidden characters)."""

    stage: Stage | None = None
    rail: str = ""
    """The rail's id in the policy (defaults to the guard name)."""
    action: Action = Action.ALLOW
    triggered: tuple[str, ...] = ()
    mode: Literal["enforce", "shadow"] = "enforce"
    latency_ms: float = 0.0
    error: str | None = None
    """What went wrong (``"GuardTimeout: no result within 50 ms"``); None when the guard answered."""
    error_kind: ErrorKind | None = None
    """The kind of failure (see ``ErrorKind``); None when the guard answered."""
    outcome: Literal["ok", "fail_open", "fail_closed", "skipped"] = "ok"
    """``fail_open``/``fail_closed``: the rail produced no result and its ``on_error`` decided."""


def verdict(
    categories: dict[str, float] | None = None,
    *,
    spans: tuple[Span, ...] = (),
    text: str | None = None,
    details: dict[str, Any] | None = None,
) -> Verdict:
    """A guard's ``Verdict`` built without pydantic validation: equal to ``Verdict(categories=...,
    spans=..., text=..., details=...)`` for well-typed values (float scores, a tuple of Span, a
    str or None, a dict), which the pipeline checks at the boundary anyway (guardrails.outcomes).
    For the SDK's own guards on the hot path: about a microsecond, and no validator to bring back
    into the CPU caches after the encoder has run (tens of microseconds)."""
    return trusted(Verdict, {
        **_VERDICT_DEFAULTS, "categories": {} if categories is None else categories, "spans": spans, "text": text,
        "details": {} if details is None else details,
    })


class Decision(BaseModel):
    """The policy's decision on one text (or one chat turn, or one set of documents)."""

    model_config = ConfigDict(frozen=True)

    id: str
    stage: Stage
    action: Action
    triggered: tuple[str, ...] = ()
    """Categories over their threshold in enforcing rails."""
    categories: dict[str, float] = Field(default_factory=dict)
    """Every category any guard scored, the highest score per category."""
    text: str
    """The text after redaction: what may be passed on."""
    original_text: str
    verdicts: tuple[Verdict, ...] = ()
    spans: tuple[Span, ...] = ()
    """Every located finding of the enforcing rails (PII entities, secrets, URLs, ...), sorted by
    position, with ``[start, end)`` offsets into ``original_text`` and a type ``label`` (EMAIL,
    PHONE, PERSON, AWS_ACCESS_KEY_ID, ...); ``replacement`` is what a redacting rail put there."""
    policy: str = ""
    policy_version: str = ""
    message: str | None = None
    """What to show the user instead: support resources whenever self_harm triggered (whatever
    else did), else a category's message or the refusal on block."""
    shadow_action: Action | None = None
    """What shadow rails (or a shadow policy) would have done; None when nothing ran in shadow."""
    shadow_triggered: tuple[str, ...] = ()
    documents: tuple[Decision, ...] = ()
    """For chat/RAG checks: one decision per retrieved document or tool output (stage 'context'),
    in the order of ``dropped_documents``' numbering; each one's ``text`` is the document after the
    input stage's redacting rails (what to pass on), its verdicts those rails' and the context rails'."""
    dropped_documents: tuple[int, ...] = ()
    """Indexes of the documents the context rails dropped: into ``documents=``, or for a chat into
    ``messages`` (tool/document messages), with ``documents=`` entries following the messages."""
    kept_documents: tuple[int, ...] = ()
    """Indexes of the documents kept (same numbering as ``dropped_documents``), in order."""
    escalated: bool = False
    """True when the decision must go to a human or carries support: the action is escalate, or
    an escalating category (``settings.escalate``: self_harm, sexual_minors) triggered."""
    messages: tuple[dict[str, Any], ...] | None = None
    """For chat checks: the conversation to pass on (user turn redacted, dropped documents removed)."""
    latency_ms: float = 0.0
    created_at: float = 0.0
    details: dict[str, Any] = Field(default_factory=dict)

    @property
    def flagged(self) -> bool:
        """True when some enforcing rail triggered a category or failed closed."""
        return bool(self.triggered) or self.action is not Action.ALLOW

    @property
    def blocked(self) -> bool:
        """True when the action is block."""
        return self.action is Action.BLOCK

    def to_record(self, *, include_text: bool = True) -> dict[str, Any]:
        """A flat JSON-ready dict (what ``guardrails scan`` writes per line)."""
        record: dict[str, Any] = {
            "id": self.id,
            "stage": self.stage,
            "action": self.action.value,
            "flagged": self.flagged,
            "triggered": list(self.triggered),
            "categories": {k: round(v, 4) for k, v in sorted(self.categories.items())},
            "policy": self.policy,
            "policy_version": self.policy_version,
            "latency_ms": round(self.latency_ms, 3),
        }
        if include_text:
            record = {"text": self.text, **record}
        if self.message:
            record["message"] = self.message
        if self.escalated:
            record["escalated"] = True
        if self.shadow_action is not None:
            record["shadow_action"] = self.shadow_action.value
            record["shadow_triggered"] = list(self.shadow_triggered)
        errors = {v.rail or v.guard: v.error for v in self.verdicts if v.error}
        if errors:
            record["errors"] = errors
        return record


_VERDICT_DEFAULTS = dict(Verdict().__dict__)
"""Every field of a Verdict at its default (the mutable ones are replaced per verdict)."""


def _edit_of(before: str, verdict: Verdict) -> list[tuple[int, int, int]] | None:
    """The edit ``verdict`` made to ``before`` as sorted (start, end, replacement length) triples,
    when its spans reproduce its text exactly; None otherwise."""
    spans = sorted((sp for sp in verdict.spans if sp.replacement is not None), key=lambda sp: sp.start)
    out: list[str] = []
    edit: list[tuple[int, int, int]] = []
    pos = 0
    for sp in spans:
        if sp.start < pos or sp.end > len(before):
            return None
        out.append(before[pos : sp.start])
        out.append(sp.replacement or "")
        edit.append((sp.start, sp.end, len(sp.replacement or "")))
        pos = sp.end
    out.append(before[pos:])
    return edit if "".join(out) == verdict.text else None


def _back(edit: list[tuple[int, int, int]], pos: int, end: bool) -> int:
    """Map an offset of an edit's result to the text before the edit (inside a replacement: its
    whole source span)."""
    shift = 0
    for start, stop, length in edit:
        new_start = start + shift
        if pos < new_start or (end and pos == new_start):
            break
        if pos < new_start + length or (end and pos == new_start + length):
            return stop if end else start
        shift += length - (stop - start)
    return pos - shift


def decision_spans(original: str, verdicts: tuple[Verdict, ...] | list[Verdict]) -> tuple[Span, ...]:
    """The located findings of enforcing, answering rails that scored a category, mapped to
    offsets into ``original`` through the redactions of the rails before them.

    Rails see the text as the redacting rails before them left it; this undoes those edits. After
    a rail whose new text its spans do not explain (a rewrite), later findings cannot be placed in
    ``original`` and are left out.
    """
    if not any(v.spans for v in verdicts):  # the common case, cheaply
        return ()
    out: list[Span] = []
    edits: list[list[tuple[int, int, int]]] = []
    current = original
    opaque = False
    for v in verdicts:
        if v.mode != "enforce" or v.error is not None:
            continue
        if v.spans and v.categories and not opaque:
            for sp in v.spans:
                start, end = sp.start, sp.end
                for edit in reversed(edits):
                    start, end = _back(edit, start, False), _back(edit, end, True)
                start = min(max(start, 0), len(original))
                out.append(replaced(sp, {"start": start, "end": min(max(end, start), len(original)),
                                         "label": sp.label or sp.category}))
        applied = v.text is not None and (v.action.severity >= _SEVERITY["redact"] or not v.categories)
        if applied and v.text != current:
            edit = _edit_of(current, v)
            if edit is None:
                opaque = True  # a rewrite its spans do not describe: later offsets cannot be mapped
            else:
                edits.append(edit)
            current = v.text  # type: ignore[assignment]
    out.sort(key=lambda sp: (sp.start, sp.end))
    return tuple(out)
