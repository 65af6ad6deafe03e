"""Chats and documents through the rails: every user turn once, the most severe turn decides.

A client-supplied history can carry an injection or PII in any turn, so each user turn runs the
input rails and the most severe turn decides. A per-Guard bounded cache (guardrails.turns) keyed
by the turn's text (and the request's language when it is checked) keeps a long conversation from
re-scoring old turns; a turn whose check failed (a rail error) or that stored pseudonyms in the
request's vault is never cached. Each tool, function or document message (and each of
``documents=``) is a document (guardrails.document_checks): the input stage's redacting rails
redact it, then the context rails judge it; a blocked one is dropped, the others are kept,
redacted. An Anthropic ``tool_result`` part is a document too; a blocked one keeps its
``tool_use_id`` with its content replaced by a notice (``tool_blocks``), and tool-call arguments
are redacted.

The whole history goes to the model provider, so every assistant turn also runs the input
stage's redacting rails (``rails.redacting_rails``: secrets, pii, pure transformations; never
more than ``redact``) with the same request vault, so one value gets one placeholder in every
turn and document. The classifiers do not judge those turns: an odd assistant turn never blocks
a conversation. A kept document's redaction counts in the chat's Decision like an assistant
turn's (action at most ``redact``, ``pii``/``secrets`` in ``triggered``). The operator's system
and developer messages pass unchanged.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from guardrails import tool_blocks
from guardrails.inputs import ChatTurn
from guardrails.pipeline import StageResult
from guardrails.protocol import CheckContext, RequestContext
from guardrails.results import Action, Decision, decision_spans
from guardrails.turns import CheckedTurn, TurnCache, check_turns

if TYPE_CHECKING:
    from guardrails.guard import Guard

__all__ = ["CheckedTurn", "TurnCache", "check_chat", "check_turns", "combine", "turn_details"]


def combine(checked: Sequence[CheckedTurn], others: Sequence[CheckedTurn] = ()) -> StageResult:
    """One stage result for the whole chat: the most severe turn of ``checked`` (user turns) and
    ``others`` (assistant and tool turns through the redacting rails) decides, the latest in the
    conversation on a tie; categories are the highest score over turns, the text is the last
    user turn's."""
    last = checked[-1].result
    turns = sorted([*checked, *others], key=lambda c: -1 if c.index is None else c.index) if others else checked
    deciding = max(reversed(turns), key=lambda c: c.result.action.severity).result
    out = StageResult(text=last.text, verdicts=list(deciding.verdicts), action=deciding.action)
    shadow: list[Action] = []
    for turn in turns:
        result = turn.result
        out.triggered.extend(c for c in result.triggered if c not in out.triggered)
        out.shadow_triggered.extend(c for c in result.shadow_triggered if c not in out.shadow_triggered)
        if result.shadow_action is not None:
            shadow.append(result.shadow_action)
        for category, score in result.categories.items():
            if score > out.categories.get(category, -1.0):
                out.categories[category] = score
        for key, value in result.details.items():  # truncated, budget_exceeded, unavailable rails
            if isinstance(value, list):
                kept = out.details.setdefault(key, [])
                kept.extend(v for v in value if v not in kept)
            else:
                out.details.setdefault(key, value)
    out.shadow_action = Action.most_severe(shadow) if shadow else None
    return out


def turn_details(checked: Sequence[CheckedTurn], others: Sequence[CheckedTurn] = ()) -> dict[str, Any]:
    """What the Decision records about a chat's turns: how many user turns were checked and
    cached, and the index, action and categories of each flagged turn (user, assistant or tool;
    in message order)."""
    flagged = [
        {"index": t.index, "action": t.result.action.value, "triggered": list(t.result.triggered)}
        for t in sorted([*checked, *others], key=lambda c: -1 if c.index is None else c.index)
        if t.result.action is not Action.ALLOW
    ]
    return {"checked": len(checked), "cached": sum(t.cached for t in checked), "flagged": flagged}


def check_chat(guard: Guard, value: Any, documents: Sequence[Any], request: RequestContext | None) -> Decision:
    """``Guard.check_input`` on chat messages, or on a prompt with ``documents=``."""
    from guardrails.document_checks import check_documents

    started = time.perf_counter()
    request = request or RequestContext()
    turn = ChatTurn.split(value, documents)
    deadline = guard._runners["input"].deadline()  # one time budget for the documents and every turn
    if request.system_prompt is None:
        request.system_prompt = turn.system_prompt()
    n_messages = len(turn.messages)
    doc_values = [text for slot, text in turn.documents if slot < n_messages] + list(documents)
    doc_decisions, doc_redactions = check_documents(  # redacted, then judged: document_checks
        guard, doc_values, request, slots=[slot for slot, _ in turn.documents], deadline=deadline)
    dropped = tuple(slot for (slot, _), d in zip(turn.documents, doc_decisions) if d.action is Action.BLOCK)
    blocks = tool_blocks.tool_results(turn.messages)  # Anthropic tool_result parts: tool output
    block_decisions, block_redactions = check_documents(
        guard, [text for _, _, text in blocks], request, slots=[i for i, _, _ in blocks], deadline=deadline)
    runner = guard._runners["input"]
    messages = tuple(turn.messages)
    contexts: list[CheckContext] = []

    def make_context(text: str) -> CheckContext:
        contexts.append(guard._context("input", text, request, messages=messages, deadline=deadline))
        return contexts[-1]

    turns: list[tuple[int | None, str]] = list(turn.user_turns) if turn.messages else [(None, turn.user_text)]
    checked = check_turns(runner.run, turns or [(None, "")], make_context, request,
                          guard._turns if turn.messages else None)
    context = contexts[-1] if contexts else make_context(turn.user_text)
    redacting = runner.redacting

    def other_context(text: str) -> CheckContext:
        return guard._context("input", text, request, messages=messages, deadline=deadline)

    others = check_turns(redacting.run, turn.others, other_context, request, guard._turns,
                         scope="redact") if redacting.rails and turn.others else []
    others += [r for r, d in zip(doc_redactions, doc_decisions) if r is not None and d.action is not Action.BLOCK]
    kept_blocks = [(b, d) for b, d in zip(blocks, block_decisions) if d.action is not Action.BLOCK]
    arguments = tool_blocks.tool_arguments(turn.messages)
    tools = check_turns(redacting.run, arguments, other_context, request, guard._turns,
                        scope="redact") if redacting.rails and arguments else []
    if blocks or tools:
        results: dict[tuple[int, int], tuple[str, str] | None] = {(i, j): None for i, j, _ in blocks}
        results.update({(i, j): (d.text, text) for (i, j, text), d in kept_blocks})
        turn.messages = tool_blocks.apply(turn.messages, results, [c.result.text for c in tools] or [t for _, t in arguments],
                                          lambda part: redacting.run(part, other_context(part)).text)
        others = [*others, *tools, *(r for r, d in zip(block_redactions, block_decisions)
                                     if r is not None and d.action is not Action.BLOCK)]
    passed = turn.passed_on(
        {c.index: c.result.text for c in checked if c.index is not None},
        {slot: d.text for (slot, _), d in zip(turn.documents, doc_decisions)},
        dropped,
        lambda part: runner.run(part, make_context(part)).text,
        {c.index: c.result.text for c in others if c.index is not None},
        lambda part: redacting.run(part, other_context(part)).text,
    )
    extra: dict[str, Any] = {"turns": turn_details(checked, others)} if turn.messages else {}
    if blocks:
        extra["turns"]["tool_results"] = [
            {"index": i, "part": j, "tool_use_id": turn.messages[i]["content"][j].get("tool_use_id"),
             "action": d.action.value, "dropped": d.action is Action.BLOCK}
            for (i, j, _), d in zip(blocks, block_decisions)
        ]
    extra["spans"] = decision_spans(turn.user_text, checked[-1].result.verdicts)  # offsets into the last turn
    slots = sorted([*zip((s for s, _ in turn.documents), doc_decisions),
                    *zip((i for i, _, _ in blocks), block_decisions)], key=lambda e: e[0])
    return guard._decision(
        "input", turn.user_text, combine(checked, others), started, context, turn.note,
        documents=tuple(d for _, d in slots), messages=passed,
        dropped_documents=tuple(s for s, d in slots if d.action is Action.BLOCK),
        kept_documents=tuple(s for s, d in slots if d.action is not Action.BLOCK),
        content_free=all(c.content_free for c in checked), **extra,
    )
