"""Guard: runs a policy's rails on text, chat messages, documents and batches, sync or async.

The request path: the pipeline runs the rails, the shadow runner the candidate policy, and each
decision goes to the Guard's own sinks and the global ``on_decision`` hook. Plugins attach what
a policy enables (audit, metrics, escalation) from the ``guard_built`` hook; this module never
imports them.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

from guardrails.errors import GuardrailsError, PluginError
from guardrails.inputs import (
    MessagesLike,
    TextLike,
    aligned,
    coerce_text,
    is_messages,
    prompt_text,
    text_sequence,
)
from guardrails.pipeline import StageResult, StageRunner
from guardrails.plugins import (
    collect_encoders,
    collect_guards,
    collect_policy_sections,
    get_plugin_manager,
)
from guardrails.policy import Policy, load_policy, load_policy_source
from guardrails.protocol import CheckContext, RequestContext, Resources
from guardrails.rails import build_rails, health_report, thresholds_report
from guardrails.results import Decision, Stage, decision_spans, trusted
from guardrails.sinks import Operations, SinkT

if TYPE_CHECKING:
    from guardrails.rails import Rail
    from guardrails.shadow import ShadowRunner

__all__ = ["Guard"]

log = logging.getLogger("guardrails")
Hold = Callable[[Decision, CheckContext], None]
"""``hold(decision, context)``: takes a check's Decision in place of the sinks (streaming)."""


class Guard:
    """Runs a policy: input rails, output rails and context rails, with a Decision per check.

    Build one per policy and share it: it is safe to call from many threads at once. Guards'
    models load once, here; per-request state lives in the RequestContext.
    """

    def __init__(
        self,
        policy: Policy | str | Path | Mapping[str, Any] | None = None,
        *,
        plugin_manager: pluggy.PluginManager | None = None,
        resources: Resources | None = None,
        shadow: Any = None,
    ) -> None:
        self.plugin_manager = plugin_manager or get_plugin_manager()
        sections = collect_policy_sections(self.plugin_manager)
        if isinstance(policy, Policy):
            self.policy, self.source = policy, f"<policy {policy.name}>"
        elif policy is None:
            self.policy, self.source = load_policy(None, sections=sections), "<default policy>"
        else:
            self.policy, self.source = load_policy_source(policy, sections=sections)
        self.resources = resources or Resources(collect_encoders(self.plugin_manager))
        available = collect_guards(self.plugin_manager)
        instances: dict[tuple[str, str], Any] = {}  # one guard per distinct config, shared by stages
        self._runners: dict[str, StageRunner] = {
            stage: StageRunner(
                stage,
                build_rails(self.policy, stage, available, self.resources, self.source, instances),
                self.policy.settings,
            )
            for stage in ("input", "output", "context")
        }
        self._core_content = {  # stages where no normalising rail decides content-free itself
            stage: not any(getattr(r.guard, "sets_view", False) for r in runner.rails)
            for stage, runner in self._runners.items()
        }
        from guardrails.conversation import TurnCache  # with a Guard, not on import
        from guardrails.decision_cache import DecisionCache

        self._turns = TurnCache()
        self._decisions = DecisionCache(self._runners, self.policy)
        self._operations = Operations()
        self._shadow: ShadowRunner | None = None
        settings = self.policy.shadow
        if shadow is None and settings is not None:
            shadow = settings.policy
        if shadow is not None:
            from guardrails.shadow import ShadowRunner, resolve_candidate  # a shadow launch only
            candidate = resolve_candidate(shadow, self.source, self._sibling, sections)
            self._shadow = ShadowRunner(candidate, settings.sample_rate if settings is not None else 1.0)
        try:
            self.plugin_manager.hook.guard_built(guard=self)
        except BaseException as exc:
            self.close()
            if isinstance(exc, GuardrailsError) or not isinstance(exc, Exception):
                raise
            raise PluginError(f"{self.source}: a guard_built hook failed: {exc}") from exc

    def _sibling(self, policy: Policy) -> Guard:
        """A Guard of ``policy`` sharing this one's plugins and encoders (and so their caches)."""
        return Guard(policy, plugin_manager=self.plugin_manager, resources=self.resources)

    @classmethod
    def default(cls, **kwargs: Any) -> Guard:
        """The shipped default policy with every first-party guard."""
        return cls(None, **kwargs)

    @classmethod
    def from_policy(cls, policy: Policy | str | Path | Mapping[str, Any], **kwargs: Any) -> Guard:
        """A Guard for a policy file (YAML, TOML, JSON), a dict, or a Policy."""
        return cls(policy, **kwargs)

    def _rails(self) -> list[tuple[Stage, Rail]]:
        return [(stage, rail) for stage, runner in self._runners.items() for rail in runner.rails]  # type: ignore[misc]

    def close(self) -> None:
        """Flush and close the sinks and stop the guards' worker threads. Never waits for a guard
        stuck in a call: its workers are daemon threads, so the process can still exit."""
        for workers in {id(r.workers): r.workers for _, r in self._rails()}.values():
            workers.close()
        self._operations.close()
        if self._shadow is not None:
            self._shadow.close()

    def __enter__(self) -> Guard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def guards(self) -> dict[str, list[str]]:
        """The rail ids of each stage, in order."""
        return {stage: [r.spec.rail_id for r in runner.rails] for stage, runner in self._runners.items()}

    @property
    def operations(self) -> Operations:
        """This Guard's sinks: ``.sinks``, ``.sink(kind)``, ``.flush()``, ``.stats()``, ``.close()``."""
        return self._operations

    def add_sink(self, sink: SinkT) -> SinkT:
        """Attach a sink (an object with ``on_decision(decision, context)``) to this Guard only.

        It sees every decision of this Guard, after the Guard decides, and is flushed and closed
        with it. Returns the sink.
        """
        return self._operations.add(sink)

    def thresholds(self, stage: Stage, categories: Iterable[str] = ()) -> dict[str, dict[str, float]]:
        """Per rail id of ``stage``, the threshold in force for each category the rail knows of.

        A rail knows its guard's categories, its recommended thresholds and the policy's own;
        ``categories`` adds more (a custom head's categories, say).
        """
        return thresholds_report(self._runners[stage].rails, categories)

    def health(self) -> dict[str, Any]:
        """``{"ok": bool, "unhealthy": [rail keys], "rails": {"stage.rail_id": {...}}}``: each rail's
        circuit breaker and worker threads; see guardrails.rails.health_report."""
        return health_report(self._rails())

    decision_cache = property(lambda self: self._decisions, doc="The DecisionCache: ``.info()``, ``.clear()``.")

    def run_rails(self, stage: Stage, text: str, context: CheckContext) -> StageResult:
        """Run one stage's rails on ``text`` without a Decision (the shadow runner's call)."""
        return self._runners[stage].run(text, context)

    # decisions ------------------------------------------------------------------------------

    def _decision(
        self,
        stage: Stage,
        original: str,
        result: StageResult,
        started: float,
        context: CheckContext,
        note: str | None = None,
        **extra: Any,
    ) -> Decision:
        action, escalated, message = self.policy.settings.outcome(result.action, result.triggered)
        details: dict[str, Any] = dict(result.details) if result.details else {}
        if note:
            details["input_note"] = note
        if extra.get("content_free", context.content_free):
            details["content_free"] = True
        if "turns" in extra:
            details["turns"] = extra["turns"]
        if context.request.language:
            details["language"] = context.request.language
        details.update({"cache": extra["cache"]} if extra.get("cache") else {})
        decision = trusted(Decision, {
            "id": os.urandom(12).hex(),
            "stage": stage,
            "action": action,
            "triggered": tuple(result.triggered),
            "categories": result.categories,
            "text": result.text,
            "original_text": original,
            "verdicts": tuple(result.verdicts),
            "spans": extra["spans"] if "spans" in extra else decision_spans(original, result.verdicts),
            "policy": self.policy.name,
            "policy_version": self.policy.version,
            "message": message,
            "shadow_action": result.shadow_action,
            "shadow_triggered": tuple(result.shadow_triggered),
            "documents": extra.get("documents", ()),
            "dropped_documents": extra.get("dropped_documents", ()),
            "kept_documents": extra.get("kept_documents", ()),
            "escalated": escalated,
            "messages": extra.get("messages"),
            "latency_ms": (time.perf_counter() - started) * 1000,
            "created_at": time.time(),
            "details": details,
        })
        return self._publish(decision, context) if extra.get("publish", True) else decision

    def _publish(self, decision: Decision, context: CheckContext) -> Decision:
        """Run the shadow on a decision and hand it to the sinks and the on_decision hook (once per
        decision: ``_decision(..., publish=False)`` leaves it to the caller); returns it as published."""
        if self._shadow is not None:
            decision = self._shadow.apply(decision, context)
        if self._operations.sinks:
            self._operations.emit(decision, context)
        try:
            self.plugin_manager.hook.on_decision(decision=decision, context=context)
        except Exception:  # a sink must never break the request
            log.exception("an on_decision hook raised; the decision stands")
        return decision

    def _context(self, stage: Stage, text: str, request: RequestContext, **ctx: Any) -> CheckContext:
        """A CheckContext: a document's hidden markup text; content-free if no rail decides it."""
        if stage == "context":
            from guardrails.documents import hidden_text

            ctx["decoded"] = hidden_text(text)
        context = CheckContext(stage=stage, request=request, **ctx)
        if self._core_content[stage]:
            from guardrails.content import is_content_free

            context.content_free = is_content_free(text)
        return context

    def _check_text(self, stage: Stage, value: Any, request: RequestContext | None, hold: Hold | None = None, **ctx: Any) -> Decision:
        """One text's Decision; ``hold(decision, context)`` gets it instead of the sinks when given."""
        started = time.perf_counter()
        text, note = coerce_text(value)
        context = self._context(stage, text, request or RequestContext(), **ctx)
        result, cache = self._decisions.run(self._runners[stage], text, context)
        decision = self._decision(stage, text, result, started, context, note, cache=cache, publish=hold is None)
        if hold is not None:
            hold(decision, context)
        return decision

    def check_input(
        self,
        text: TextLike | MessagesLike,
        *,
        documents: Sequence[TextLike] | None = None,
        context: RequestContext | None = None,
    ) -> Decision:
        """Run the input rails on a prompt or on chat messages (and context rails on documents).

        Every user turn of a chat runs the input rails (each distinct turn once) and the most severe
        decides; each tool/document message and ``documents`` entry runs the context rails, a
        blocked one is dropped (``dropped_documents``/``kept_documents``). ``Decision.messages``:
        the conversation to pass on, every turn redacted. InvalidInput for malformed messages.
        """
        docs = text_sequence(documents, "documents") if documents is not None else None
        if is_messages(text) or docs is not None:
            from guardrails.conversation import check_chat

            return check_chat(self, text, docs or (), context)
        return self._check_text("input", text, context)

    def check_output(
        self, text: TextLike, *, prompt: TextLike | MessagesLike = None, context: RequestContext | None = None
    ) -> Decision:
        """Run the output rails on a model's answer; ``prompt`` is what the model was asked."""
        return self._check_text("output", text, context, prompt=prompt_text(prompt))

    def _check_output(self, text: TextLike, *, prompt: Any = None, context: RequestContext | None = None, hold: Hold | None = None) -> Decision:
        """``check_output``, the Decision handed to ``hold`` instead of the sinks (the streaming judge's checks)."""
        return self._check_text("output", text, context, hold, prompt=prompt_text(prompt))

    def check_context(
        self, documents: Sequence[TextLike], *, context: RequestContext | None = None
    ) -> list[Decision]:
        """Run the context rails on each retrieved document or tool output (text hidden in its
        markup, such as comments and hidden elements, is scored too), after the input stage's
        redacting rails: each Decision's ``text`` is the document redacted (guardrails.document_checks)."""
        from guardrails.document_checks import check_documents

        docs = text_sequence(documents, "documents")
        deadline = self._runners["context"].deadline(len(docs) or 1)
        return check_documents(self, docs, context or RequestContext(), deadline=deadline)[0]

    def check_input_batch(self, texts: Iterable[TextLike], *, context: RequestContext | None = None) -> list[Decision]:
        """Decisions for many prompts, in order, batched through the encoder rail by rail."""
        return self.check_batch("input", texts, context=context)

    def check_output_batch(
        self,
        texts: Iterable[TextLike],
        *,
        prompts: Sequence[TextLike] | None = None,
        context: RequestContext | None = None,
    ) -> list[Decision]:
        """Decisions for many answers (``prompts`` aligned with them), batched through the encoder."""
        return self.check_batch("output", texts, prompts=prompts, context=context)

    def check_batch(
        self,
        stage: Stage,
        texts: Iterable[TextLike],
        *,
        prompts: Sequence[TextLike] | None = None,
        context: RequestContext | None = None,
    ) -> list[Decision]:
        """Decisions for many texts on any stage (input, output or context), in order, batched
        through the encoder rail by rail; ``prompts`` (output stage) are aligned with the texts.
        Context-stage texts are redacted first, as ``check_context`` does."""
        values = text_sequence(texts, "texts")
        prompts = aligned(prompts, len(values))
        request = context
        if not values:
            return []
        if stage == "context":  # documents: redacted first (guardrails.document_checks)
            from guardrails.document_checks import check_documents

            return check_documents(self, values, request, batch=True)[0]
        started = time.perf_counter()
        coerced = [coerce_text(v) for v in values]
        contexts = [
            self._context(stage, coerced[i][0], request or RequestContext(),
                          prompt=coerce_text(prompts[i])[0] if prompts is not None else None)
            for i in range(len(values))
        ]
        results, cached = self._decisions.run_batch(self._runners[stage], [t for t, _ in coerced], contexts)
        return [
            self._decision(stage, text, result, started, ctx, note, cache=cache)
            for (text, note), result, ctx, cache in zip(coerced, results, contexts, cached)
        ]

    # async twins ------------------------------------------------------------------------------

    async def acheck_input(self, text: TextLike | MessagesLike, **kwargs: Any) -> Decision:
        """``check_input`` without blocking the running event loop."""
        return await _to_thread(self.check_input, text, **kwargs)

    async def acheck_output(self, text: TextLike, **kwargs: Any) -> Decision:
        """``check_output`` without blocking the running event loop."""
        return await _to_thread(self.check_output, text, **kwargs)

    async def acheck_context(self, documents: Sequence[TextLike], **kwargs: Any) -> list[Decision]:
        """``check_context`` without blocking the running event loop."""
        return await _to_thread(self.check_context, documents, **kwargs)

    async def acheck_input_batch(self, texts: Iterable[TextLike], **kwargs: Any) -> list[Decision]:
        """``check_input_batch`` without blocking the running event loop."""
        return await _to_thread(self.check_input_batch, text_sequence(texts, "texts"), **kwargs)

    async def acheck_output_batch(self, texts: Iterable[TextLike], **kwargs: Any) -> list[Decision]:
        """``check_output_batch`` without blocking the running event loop."""
        return await _to_thread(self.check_output_batch, text_sequence(texts, "texts"), **kwargs)

    # wrapping -------------------------------------------------------------------------------

    def wrap(self, fn: Callable[..., Any] | None = None, **options: Any) -> Any:
        """Decorate an LLM call: input rails before it, output rails after (streams too).

        Use as ``@guard.wrap`` or ``@guard.wrap(on_block="raise", prompt_arg="q", extract=fn)``.
        The prompt is the parameter named prompt, messages, input, text or query (or
        ``prompt_arg``; self/cls skipped; TypeError when decorating if none binds). Answers that
        are not text go through ``extract`` (default: OpenAI- and Anthropic-style responses).
        See docs/wrapping.md (streaming loads with the first wrap, not with the SDK).
        """
        from guardrails.wrap import wrap_callable

        return (lambda f: wrap_callable(self, f, **options)) if fn is None else wrap_callable(self, fn, **options)


async def _to_thread(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    import asyncio

    return await asyncio.to_thread(fn, *args, **kwargs)
