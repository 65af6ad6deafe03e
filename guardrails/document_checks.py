"""Retrieved documents and tool outputs through the rails: redacted like the input, then judged.

Every document (each ``documents=`` entry of ``Guard.check_input``, each tool or document message
of a chat, each text of ``Guard.check_context`` and of ``Guard.check_batch("context", ...)``) goes
to the model, so it is treated like the input it becomes:

1. the input stage's redacting rails (``rails.redacting_rails``: secrets, pii and other rails that
   change the text, never more than ``redact``) run on it first, with the request's vault, so a
   value gets the same placeholder or pseudonym in a document as in the user's turns, and the
   classifiers see the redacted text, as they do on the input stage;
2. the context rails (injection, planted instructions) judge the redacted text; a document they
   block is dropped.

The document's Decision (stage ``context``) carries both: ``text`` is the redacted text (what may
be passed on; never the raw values, so neither does a sink that records ``text``), ``original_text``
the text as given, ``verdicts`` the redacting rails' verdicts (stage ``input``) followed by the
context rails' (stage ``context``), ``triggered`` and ``spans`` of both. A dropped document is
redacted too, so its record holds no raw value either.

An entry that is not text is read when it carries text the usual way (a mapping's ``text``,
``content`` or ``page_content``; an object's ``page_content`` or ``text`` attribute, as LangChain
and LlamaIndex documents have; None is empty text). Any other entry (a number, a dict with none of
those) gets a Decision that drops it unchecked, with a note in ``details["input_note"]``: it is
never passed on, and never a crash.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from guardrails.inputs import document_text
from guardrails.pipeline import StageResult
from guardrails.protocol import CheckContext, RequestContext
from guardrails.results import Action, Decision
from guardrails.turns import CheckedTurn, check_turns

if TYPE_CHECKING:
    from guardrails.guard import Guard

__all__ = ["check_documents", "merge_results"]


def merge_results(first: StageResult, then: StageResult) -> StageResult:
    """One result of two stages run one after the other on a text (``then`` on ``first.text``):
    ``then``'s text, the verdicts of both in order, the most severe action, every triggered
    category once, the highest score per category, the facts of both."""
    out = StageResult(
        text=then.text,
        verdicts=[*first.verdicts, *then.verdicts],
        action=Action.most_severe([first.action, then.action]),
        triggered=list(dict.fromkeys([*first.triggered, *then.triggered])),
        shadow_triggered=list(dict.fromkeys([*first.shadow_triggered, *then.shadow_triggered])),
        details={**first.details, **then.details},
    )
    shadows = [a for a in (first.shadow_action, then.shadow_action) if a is not None]
    out.shadow_action = Action.most_severe(shadows) if shadows else None
    for category, score in [*first.categories.items(), *then.categories.items()]:
        out.categories[category] = max(score, out.categories.get(category, -1.0))
    return out


def check_documents(
    guard: Guard,
    values: Sequence[Any],
    request: RequestContext | None,
    *,
    slots: Sequence[int] | None = None,
    deadline: float | None = None,
    batch: bool = False,
) -> tuple[list[Decision], list[CheckedTurn | None]]:
    """The Decision of each document in ``values`` (redacted, then judged by the context rails),
    and each one's redaction (a CheckedTurn indexed by its slot; None when nothing redacts or the
    entry is not text). ``slots`` number the documents (``document_index``; default 0..n-1);
    ``request`` None gives each document a RequestContext of its own (independent texts); ``batch`` sends the context rails' misses through the encoder together (one start time)."""
    slots = list(range(len(values))) if slots is None else list(slots)
    requests = [request or RequestContext() for _ in values]
    if not batch:
        out = [_one(guard, value, req, slot, deadline) for value, req, slot in zip(values, requests, slots)]
        return [d for d, _ in out], [r for _, r in out]
    started = time.perf_counter()
    read = [document_text(v) for v in values]
    redactions = [_redact(guard, text, req, slot, deadline) for (text, _), req, slot in zip(read, requests, slots)]
    scored = [_scored(text, r) for (text, _), r in zip(read, redactions)]
    contexts = [guard._context("context", t, req, document_index=s, deadline=deadline)
                for t, req, s in zip(scored, requests, slots)]
    readable = [i for i, (text, _) in enumerate(read) if text is not None]
    results: list[Any] = [None] * len(values)
    cached: list[Any] = [None] * len(values)
    found, status = guard._decisions.run_batch(
        guard._runners["context"], [scored[i] for i in readable], [contexts[i] for i in readable]
    )
    for i, result, cache in zip(readable, found, status):
        results[i], cached[i] = result, cache
    decisions = [
        _decided(guard, text, note, redactions[i], results[i], cached[i], started, contexts[i])
        for i, (text, note) in enumerate(read)
    ]
    return decisions, redactions


def _one(guard: Guard, value: Any, request: RequestContext, slot: int, deadline: float | None
         ) -> tuple[Decision, CheckedTurn | None]:
    started = time.perf_counter()
    text, note = document_text(value)
    redaction = _redact(guard, text, request, slot, deadline)
    scored = _scored(text, redaction)
    context = guard._context("context", scored, request, document_index=slot, deadline=deadline)
    result, cache = guard._decisions.run(guard._runners["context"], scored, context) if text is not None else (None, None)
    return _decided(guard, text, note, redaction, result, cache, started, context), redaction


def _redact(guard: Guard, text: str | None, request: RequestContext, slot: int, deadline: float | None
            ) -> CheckedTurn | None:
    """The input stage's redacting rails on one document (None: not text, or no such rail)."""
    redacting = guard._runners["input"].redacting
    if text is None or not redacting.rails:
        return None

    def input_context(part: str) -> CheckContext:
        return guard._context("input", part, request, document_index=slot, deadline=deadline)

    return check_turns(redacting.run, [(slot, text)], input_context, request, guard._turns, scope="redact")[0]


def _scored(text: str | None, redaction: CheckedTurn | None) -> str:
    return redaction.result.text if redaction is not None else text or ""


def _decided(guard: Guard, text: str | None, note: str | None, redaction: CheckedTurn | None,
             result: StageResult | None, cache: Any, started: float, context: CheckContext) -> Decision:
    if text is None or result is None:  # not text: dropped unchecked
        return guard._decision("context", "", StageResult(text="", action=Action.BLOCK), started, context, note)
    merged = merge_results(redaction.result, result) if redaction is not None else result
    return guard._decision("context", text, merged, started, context, note, cache=cache)
