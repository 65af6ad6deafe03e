"""Guard: runs a policy's rails on text, chat messages, documents and batches, sync or async."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy
from pydantic import ValidationError

from guardrails._pipeline import Rail, StageResult, StageRunner
from guardrails.errors import GuardrailsError, PluginError, PolicyError
from guardrails.plugins import GuardInfo, collect_encoders, collect_guards, get_plugin_manager
from guardrails.policy import Policy, format_validation_error, load_policy, load_policy_source
from guardrails.protocol import CheckContext, RequestContext, Resources
from guardrails.results import Action, Decision, Stage, trusted

if TYPE_CHECKING:
    from concurrent.futures import Executor, ThreadPoolExecutor

__all__ = ["Guard", "InvalidInput"]

log = logging.getLogger("guardrails")

_DOCUMENT_ROLES = frozenset({"tool", "function", "document", "retrieved", "context", "ipython"})
TextLike = str | bytes | None
MessagesLike = Sequence[Mapping[str, Any]]


class InvalidInput(GuardrailsError, TypeError):
    """The value given to a check is neither text, bytes, None nor chat messages."""


def _coerce_text(value: Any) -> tuple[str, str | None]:
    """Text to check and, when the input needed repair, a note saying what was done."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value, None
        except UnicodeEncodeError:
            return value.encode("utf-8", "replace").decode("utf-8"), "lone surrogates replaced"
    if value is None:
        return "", "input was None; checked as empty text"
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        try:
            return raw.decode("utf-8"), None
        except UnicodeDecodeError:
            return raw.decode("utf-8", "replace"), "invalid UTF-8 replaced with U+FFFD"
    raise InvalidInput(
        f"expected text (str or UTF-8 bytes), None or chat messages, got {type(value).__name__}"
    )


def _content_text(content: Any) -> str:
    if isinstance(content, list):  # multi-part content: [{"type": "text", "text": ...}, ...]
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
    return _coerce_text(content)[0]


def _is_messages(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(m, Mapping) for m in value) and bool(value)


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
        source: str
        if isinstance(policy, Policy):
            self.policy, source = policy, f"<policy {policy.name}>"
        elif policy is None:
            self.policy, source = load_policy(None), "<default policy>"
        else:
            self.policy, source = load_policy_source(policy)
        self.source = source
        self.plugin_manager = plugin_manager or get_plugin_manager()
        self.resources = resources or Resources(collect_encoders(self.plugin_manager))
        self._executor_obj: ThreadPoolExecutor | None = None
        self._executor_lock = threading.Lock()
        available = collect_guards(self.plugin_manager)
        self._instances: dict[tuple[str, str], Any] = {}
        self._runners: dict[str, StageRunner] = {
            stage: StageRunner(stage, self._build_rails(stage, available), self.policy.settings, self._executor)
            for stage in ("input", "output", "context")
        }
        from guardrails.ops import attach  # audit, metrics, escalation sinks and the shadow policy

        self._ops = attach(self, shadow)

    @classmethod
    def default(cls, **kwargs: Any) -> Guard:
        """The shipped default policy with every first-party guard."""
        return cls(None, **kwargs)

    @classmethod
    def from_policy(cls, policy: Policy | str | Path | Mapping[str, Any], **kwargs: Any) -> Guard:
        """A Guard for a policy file (YAML, TOML, JSON), a dict, or a Policy."""
        return cls(policy, **kwargs)

    # construction ---------------------------------------------------------------------------

    def _build_rails(self, stage: Stage, available: dict[str, GuardInfo]) -> list[Rail]:
        rails = []
        default_timeout = self.policy.settings.timeout_ms
        for index, spec in enumerate(getattr(self.policy, stage)):
            if not spec.enabled:
                continue
            where = f"{stage}[{index}]"
            info = available.get(spec.guard)
            if info is None:
                names = ", ".join(sorted(available)) or "none"
                raise PolicyError(
                    f"{self.source}: {where}.guard: no guard named {spec.guard!r} is installed "
                    f"(installed: {names})",
                    source=self.source,
                )
            if stage not in info.cls.stages:
                raise PolicyError(
                    f"{self.source}: {where}.guard: guard {spec.guard!r} does not support stage "
                    f"{stage!r} (it supports {', '.join(sorted(info.cls.stages))})",
                    source=self.source,
                )
            try:
                config = info.cls.Config.model_validate(spec.config)
            except ValidationError as exc:
                raise format_validation_error(exc, self.source, prefix=f"{where}.config") from None
            key = (spec.guard, config.model_dump_json())
            instance = self._instances.get(key)
            if instance is None:
                try:
                    instance = info.cls(config, self.resources)
                except GuardrailsError:
                    raise
                except Exception as exc:
                    raise PluginError(f"{self.source}: {where}: building guard {spec.guard!r} failed: {exc}") from exc
                self._instances[key] = instance
            timeout_ms = spec.timeout_ms or default_timeout
            rails.append(Rail(
                spec=spec,
                guard=instance,
                timeout_s=timeout_ms / 1000 if timeout_ms else None,
                recommended=dict(getattr(instance, "recommended_thresholds", None) or {}),
            ))
        return rails

    def _executor(self) -> Executor:
        if self._executor_obj is None:
            with self._executor_lock:
                if self._executor_obj is None:
                    from concurrent.futures import ThreadPoolExecutor

                    self._executor_obj = ThreadPoolExecutor(
                        max_workers=self.policy.settings.max_workers, thread_name_prefix="guardrails"
                    )
        return self._executor_obj

    def close(self) -> None:
        """Release the worker threads (a guard cut off by its timeout may still be running)."""
        if self._executor_obj is not None:
            self._executor_obj.shutdown(wait=False, cancel_futures=True)
            self._executor_obj = None
        self._ops.close()

    def __enter__(self) -> Guard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def guards(self) -> dict[str, list[str]]:
        """The rail ids of each stage, in order."""
        return {stage: [r.spec.rail_id for r in runner.rails] for stage, runner in self._runners.items()}

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
        settings = self.policy.settings
        action = result.action
        message = None
        if action in (Action.BLOCK, Action.ESCALATE):
            message = next((settings.messages[c] for c in result.triggered if c in settings.messages), None)
            if message is None and action is Action.BLOCK:
                message = settings.refusal_message
        details: dict[str, Any] = {}
        if note:
            details["input_note"] = note
        if context.request.language:
            details["language"] = context.request.language
        shadow = self._ops.shadow.run(stage, original, context) if self._ops.shadow else None
        if shadow is not None:
            details["shadow"] = shadow.record
        decision = trusted(Decision, {
            "id": os.urandom(12).hex(),
            "stage": stage,
            "action": action,
            "triggered": tuple(result.triggered),
            "categories": result.categories,
            "text": result.text,
            "original_text": original,
            "verdicts": tuple(result.verdicts),
            "policy": self.policy.name,
            "policy_version": self.policy.version,
            "message": message,
            "shadow_action": shadow.action if shadow else result.shadow_action,
            "shadow_triggered": shadow.triggered if shadow else tuple(result.shadow_triggered),
            "documents": extra.get("documents", ()),
            "dropped_documents": extra.get("dropped_documents", ()),
            "messages": extra.get("messages"),
            "latency_ms": (time.perf_counter() - started) * 1000,
            "created_at": time.time(),
            "details": details,
        })
        self._emit(decision, context)
        return decision

    def _emit(self, decision: Decision, context: CheckContext) -> None:
        try:
            self.plugin_manager.hook.on_decision(decision=decision, context=context)
        except Exception:  # a sink must never break the request
            log.exception("an on_decision hook raised; the decision stands")

    def _check_text(
        self, stage: Stage, value: Any, request: RequestContext | None, **ctx: Any
    ) -> Decision:
        started = time.perf_counter()
        text, note = _coerce_text(value)
        context = CheckContext(stage=stage, request=request or RequestContext(), **ctx)
        result = self._runners[stage].run(text, context)
        return self._decision(stage, text, result, started, context, note)

    def check_input(
        self,
        text: TextLike | MessagesLike,
        *,
        documents: Sequence[TextLike] | None = None,
        context: RequestContext | None = None,
    ) -> Decision:
        """Run the input rails on a prompt or on chat messages (and context rails on documents).

        With chat messages the last user turn is checked by the input rails, and every tool,
        function or document message (plus ``documents``) by the context rails; a blocked
        document is dropped on its own (``Decision.dropped_documents``), not the whole request.
        """
        if _is_messages(text) or documents:
            return self._check_chat(text, documents or (), context)
        return self._check_text("input", text, context)

    def check_output(
        self,
        text: TextLike,
        *,
        prompt: TextLike | MessagesLike = None,
        context: RequestContext | None = None,
    ) -> Decision:
        """Run the output rails on a model's answer; ``prompt`` is what the model was asked."""
        if _is_messages(prompt):
            prompt = next((_content_text(m.get("content")) for m in reversed(prompt) if m.get("role") == "user"), "")
        prompt_text = _coerce_text(prompt)[0] if prompt is not None else None
        return self._check_text("output", text, context, prompt=prompt_text)

    def check_context(
        self, documents: Sequence[TextLike], *, context: RequestContext | None = None
    ) -> list[Decision]:
        """Run the context rails on each retrieved document or tool output."""
        request = context or RequestContext()
        return [
            self._check_text("context", doc, request, document_index=i) for i, doc in enumerate(documents)
        ]

    def _check_chat(
        self, value: Any, documents: Sequence[TextLike], request: RequestContext | None
    ) -> Decision:
        started = time.perf_counter()
        request = request or RequestContext()
        messages = [dict(m) for m in value] if _is_messages(value) else []
        user_index = next((i for i in range(len(messages) - 1, -1, -1) if messages[i].get("role") == "user"), None)
        if messages:
            user_text = _content_text(messages[user_index].get("content")) if user_index is not None else ""
            note = None
        else:
            user_text, note = _coerce_text(value)
        if request.system_prompt is None:
            request.system_prompt = next(
                (_content_text(m.get("content")) for m in messages if m.get("role") == "system"), None
            )
        doc_slots: list[tuple[int, str]] = [
            (i, _content_text(m.get("content"))) for i, m in enumerate(messages) if m.get("role") in _DOCUMENT_ROLES
        ]
        offset = len(messages)
        doc_slots += [(offset + j, _coerce_text(d)[0]) for j, d in enumerate(documents)]
        doc_decisions = tuple(
            self._check_text("context", text, request, document_index=slot) for slot, text in doc_slots
        )
        dropped = tuple(slot for (slot, _), d in zip(doc_slots, doc_decisions) if d.action is Action.BLOCK)
        context = CheckContext(stage="input", request=request, messages=tuple(messages))
        result = self._runners["input"].run(user_text, context)
        passed_on: tuple[dict[str, Any], ...] | None = None
        if messages:
            out = []
            for i, m in enumerate(messages):
                if i in dropped:
                    continue
                if i == user_index and result.text != user_text:
                    m = {**m, "content": result.text}
                elif m.get("role") in _DOCUMENT_ROLES:
                    doc = doc_decisions[[s for s, _ in doc_slots].index(i)]
                    if doc.text != doc.original_text:
                        m = {**m, "content": doc.text}
                out.append(m)
            passed_on = tuple(out)
        return self._decision(
            "input", user_text, result, started, context, note,
            documents=doc_decisions, dropped_documents=dropped, messages=passed_on,
        )

    def check_input_batch(self, texts: Iterable[TextLike], *, context: RequestContext | None = None) -> list[Decision]:
        """Decisions for many prompts, in order, batched through the encoder rail by rail."""
        return self._check_batch("input", list(texts), None, context)

    def check_output_batch(
        self,
        texts: Iterable[TextLike],
        *,
        prompts: Sequence[TextLike] | None = None,
        context: RequestContext | None = None,
    ) -> list[Decision]:
        """Decisions for many answers (``prompts`` aligned with them), batched through the encoder."""
        return self._check_batch("output", list(texts), prompts, context)

    def _check_batch(
        self, stage: Stage, values: list[Any], prompts: Sequence[Any] | None, request: RequestContext | None
    ) -> list[Decision]:
        if not values:
            return []
        started = time.perf_counter()
        coerced = [_coerce_text(v) for v in values]
        contexts = [
            CheckContext(
                stage=stage,
                request=request or RequestContext(),
                prompt=_coerce_text(prompts[i])[0] if prompts is not None else None,
            )
            for i in range(len(values))
        ]
        results = self._runners[stage].run_batch([t for t, _ in coerced], contexts)
        return [
            self._decision(stage, text, result, started, ctx, note)
            for (text, note), result, ctx in zip(coerced, results, contexts)
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
        return await _to_thread(self.check_input_batch, list(texts), **kwargs)

    async def acheck_output_batch(self, texts: Iterable[TextLike], **kwargs: Any) -> list[Decision]:
        """``check_output_batch`` without blocking the running event loop."""
        return await _to_thread(self.check_output_batch, list(texts), **kwargs)

    # wrapping -------------------------------------------------------------------------------

    def wrap(self, fn: Callable[..., Any] | None = None, **options: Any) -> Any:
        """Decorate an LLM call: input rails before it, output rails after (streams too).

        Use as ``@guard.wrap`` or ``@guard.wrap(on_block="raise")``. The callable's first
        argument (or ``prompt=`` / ``messages=``) is the prompt or chat messages; it may return
        text, or a sync or async iterator of text chunks. See docs/wrapping.md.
        """
        from guardrails._wrap import wrap_callable

        if fn is None:
            return lambda f: wrap_callable(self, f, **options)
        return wrap_callable(self, fn, **options)


async def _to_thread(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    import asyncio

    return await asyncio.to_thread(fn, *args, **kwargs)
