"""A guard's answer at the boundary: validated, then judged against its rail; or a failure verdict.

``judge`` checks what a guard returned before anything else reads it: a Verdict, scores that
are numbers in [0, 1] (NaN is not), category names that are short printable strings without
spaces, a changed text that is a ``str`` (or None), spans of the Span type with ``0 <= start <=
end``. Anything else raises GuardError, which the pipeline turns into that rail's error
(``error_kind="invalid_result"``) with the rail's own ``on_error`` outcome: a broken guard never
hands garbage to the rails after it. ``failed`` and ``unavailable`` build the verdict of a rail
that produced no result.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from guardrails.errors import GuardError
from guardrails.results import Action, ErrorKind, Span, Stage, Verdict, replaced, trusted

if TYPE_CHECKING:
    from guardrails.rails import Rail

__all__ = ["error_kind", "failed", "judge", "unavailable", "validate"]

_ALLOW = Action.ALLOW
_BLOCK = Action.BLOCK
MAX_CATEGORY_CHARS = 100
_KNOWN_NAMES: set[str] = set()
"""Category names already found valid (the fast path skips checking them again); bounded."""
_MAX_KNOWN = 10_000


def _bad(name: str, what: str) -> GuardError:
    return GuardError(f"guard {name!r} returned an invalid result: {what}")


def _category_ok(category: Any) -> bool:
    return (
        type(category) is str
        and 0 < len(category) <= MAX_CATEGORY_CHARS
        and category.isprintable()
        and " " not in category
    )


def _scores(name: str, categories: Any) -> dict[str, float] | None:
    """None when ``categories`` is already a valid dict of float scores; else the repaired dict
    (numbers that are not float, e.g. numpy scalars, become float). Raises GuardError."""
    if type(categories) is not dict:
        raise _bad(name, f"categories is {type(categories).__name__}, expected dict")
    known = _KNOWN_NAMES
    for category, score in categories.items():  # the fast path: float scores, names seen before
        if type(score) is not float or not 0.0 <= score <= 1.0 or category not in known:
            break
    else:
        return None
    repaired: dict[str, float] | None = None
    for category, score in categories.items():
        if not _category_ok(category):
            raise _bad(name, f"category name {category!r} is not a short printable string without spaces")
        if type(score) is not float:
            if isinstance(score, bool | str | bytes):
                raise _bad(name, f"score of {category!r} is {type(score).__name__}, expected a number")
            try:
                score = float(score)
            except (TypeError, ValueError):
                raise _bad(name, f"score of {category!r} is {type(score).__name__}, expected a number") from None
            if repaired is None:
                repaired = dict(categories)
            repaired[category] = score
        if not 0.0 <= score <= 1.0:  # NaN fails both comparisons
            shown = "NaN" if math.isnan(score) else f"{score:g}"
            raise _bad(name, f"score of {category!r} is {shown}, outside [0, 1]")
        if len(known) < _MAX_KNOWN:
            known.add(category)
    return repaired


def validate(raw: Any, name: str) -> Verdict:
    """``raw`` as a Verdict fit for the pipeline, or GuardError saying what is wrong with it."""
    if not isinstance(raw, Verdict):
        raise GuardError(f"guard {name!r} returned {type(raw).__name__}, expected Verdict")
    values = raw.__dict__
    repaired = _scores(name, values.get("categories"))
    text = values.get("text")
    if text is not None and type(text) is not str:
        raise _bad(name, f"text is {type(text).__name__}, expected str or None")
    spans = values.get("spans", ())
    if spans:
        if not isinstance(spans, tuple | list):
            raise _bad(name, f"spans is {type(spans).__name__}, expected a tuple of Span")
        for span in spans:
            if not isinstance(span, Span):
                raise _bad(name, f"a span is {type(span).__name__}, expected Span")
            start, end = span.__dict__.get("start"), span.__dict__.get("end")
            if type(start) is not int or type(end) is not int or not 0 <= start <= end:
                raise _bad(name, f"span ({start!r}, {end!r}) is not 0 <= start <= end")
    if type(values.get("details")) is not dict:
        raise _bad(name, f"details is {type(values.get('details')).__name__}, expected dict")
    if repaired is not None:
        return replaced(raw, {"categories": repaired})
    return raw


def judge(rail: Rail, stage: Stage, raw: Any, latency_ms: float) -> Verdict:
    """Validate ``raw`` and apply the rail's thresholds and actions (GuardError when invalid)."""
    spec = rail.spec
    verdict = validate(raw, spec.guard)
    threshold = rail.threshold
    triggered = tuple(c for c, s in verdict.__dict__["categories"].items() if s >= threshold(c))
    action = Action.most_severe([spec.action_for(c) for c in triggered]) if triggered else _ALLOW
    return replaced(
        verdict,
        {
            "guard": spec.guard,
            "rail": spec.rail_id,
            "stage": stage,
            "triggered": triggered,
            "action": action,
            "mode": spec.mode,
            "latency_ms": latency_ms,
            "error": None,
            "error_kind": None,
            "outcome": "ok",
        },
    )


def error_kind(exc: BaseException) -> ErrorKind:
    """timeout (GuardTimeout or any TimeoutError), invalid_result (GuardError), else exception."""
    if isinstance(exc, TimeoutError):
        return "timeout"
    return "invalid_result" if isinstance(exc, GuardError) else "exception"


def _no_result(
    rail: Rail, stage: Stage, kind: ErrorKind, message: str, latency_ms: float, details: dict[str, Any]
) -> Verdict:
    spec = rail.spec
    closed = spec.on_error == "fail_closed"
    return trusted(Verdict, {
        "guard": spec.guard,
        "categories": {},
        "spans": (),
        "text": None,
        "details": details,
        "stage": stage,
        "rail": spec.rail_id,
        "action": _BLOCK if closed else _ALLOW,
        "triggered": (),
        "mode": spec.mode,
        "latency_ms": latency_ms,
        "error": message,
        "error_kind": kind,
        "outcome": "fail_closed" if closed else "fail_open",
    })


def failed(rail: Rail, stage: Stage, exc: BaseException, latency_ms: float) -> Verdict:
    """The verdict of a rail whose guard raised, timed out or returned an invalid result."""
    return _no_result(rail, stage, error_kind(exc), f"{type(exc).__name__}: {exc}", latency_ms, {})


def unavailable(rail: Rail, stage: Stage, kind: ErrorKind, message: str, details: dict[str, Any]) -> Verdict:
    """The verdict of a rail that did not run: its circuit is open, or the call's budget is spent."""
    return _no_result(rail, stage, kind, message, 0.0, details)
