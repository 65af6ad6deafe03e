"""The stage runner: a policy's rails bound to built guards, run over one text or a batch.

``build_rails`` turns a stage's rail specs into Rails (guard configs validated, one guard per
distinct config); ``StageRunner`` runs them in policy order with timeouts, error handling,
short-circuit on block (never past a rail that scores an escalating category such as
self_harm), parallel groups and shadow rails.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import (
    TimeoutError as FutureTimeout,  # distinct from TimeoutError before 3.11
)
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from guardrails.errors import GuardError, GuardrailsError, GuardTimeout, PluginError, PolicyError
from guardrails.policy import Policy, PolicySettings, RailSpec, format_validation_error
from guardrails.protocol import CheckContext, Resources
from guardrails.results import Action, ErrorKind, Stage, Verdict, replaced

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from guardrails.plugins import GuardInfo

_ALLOW = Action.ALLOW
_BLOCK = Action.BLOCK
_REDACT_SEVERITY = Action.REDACT.severity


@dataclass(frozen=True)
class Rail:
    """A policy rail bound to a constructed guard."""

    spec: RailSpec
    guard: Any
    timeout_s: float | None
    recommended: dict[str, float] = field(default_factory=dict)
    """The guard's ``recommended_thresholds`` (calibrated with its model), used where the policy sets none."""
    escalates: bool = False
    """It scores a category of ``settings.escalate`` (self_harm): the short-circuit never skips it."""

    @property
    def changes_text(self) -> bool:
        return bool(getattr(self.guard, "changes_text", False))

    @property
    def barrier(self) -> bool:
        """Rails after this one must see its effect: it changes the text or sets the detection view."""
        return self.changes_text or bool(getattr(self.guard, "sets_view", False))

    @property
    def batch(self) -> Callable[[list[str], list[CheckContext]], list[Verdict]] | None:
        """The guard's own batched check; None for none, or for BaseGuard's one-by-one default."""
        batch = getattr(self.guard, "check_batch", None)
        return None if getattr(batch, "sequential", False) else batch

    @property
    def timeout_ms(self) -> float | None:
        return self.timeout_s * 1000 if self.timeout_s is not None else None


def build_rails(
    policy: Policy,
    stage: Stage,
    available: dict[str, GuardInfo],
    resources: Resources,
    source: str,
    instances: dict[tuple[str, str], Any],
) -> list[Rail]:
    """The enabled rails of ``stage``, each bound to a guard built from ``available`` classes.

    Guard configs are validated against the guard's ``Config`` (errors name ``source`` and the
    field); ``instances`` caches one guard per (guard name, config) across stages.
    """
    rails = []
    default_timeout = policy.settings.timeout_ms
    for index, spec in enumerate(getattr(policy, stage)):
        if not spec.enabled:
            continue
        where = f"{stage}[{index}]"
        info = available.get(spec.guard)
        if info is None:
            names = ", ".join(sorted(available)) or "none"
            raise PolicyError(
                f"{source}: {where}.guard: no guard named {spec.guard!r} is installed (installed: {names})",
                source=source,
            )
        if stage not in info.cls.stages:
            raise PolicyError(
                f"{source}: {where}.guard: guard {spec.guard!r} does not support stage "
                f"{stage!r} (it supports {', '.join(sorted(info.cls.stages))})",
                source=source,
            )
        try:
            config = info.cls.Config.model_validate(spec.config)
        except ValidationError as exc:
            raise format_validation_error(exc, source, prefix=f"{where}.config") from None
        key = (spec.guard, config.model_dump_json())
        instance = instances.get(key)
        if instance is None:
            try:
                instance = info.cls(config, resources)
            except GuardrailsError:
                raise
            except Exception as exc:
                raise PluginError(f"{source}: {where}: building guard {spec.guard!r} failed: {exc}") from exc
            instances[key] = instance
        timeout_ms = spec.timeout_ms or default_timeout
        recommended = dict(getattr(instance, "recommended_thresholds", None) or {})
        scored = {*recommended, *getattr(instance, "head_categories", ())} or set(getattr(instance, "categories", ()))
        scored |= {*spec.actions, *spec.thresholds}  # categories the policy names on this rail
        rails.append(Rail(
            spec=spec,
            guard=instance,
            timeout_s=timeout_ms / 1000 if timeout_ms else None,
            recommended=recommended,
            escalates=not scored.isdisjoint(policy.settings.escalate),
        ))
    return rails


@dataclass
class StageResult:
    """What one stage produced for one text."""

    text: str
    verdicts: list[Verdict] = field(default_factory=list)
    action: Action = _ALLOW
    triggered: list[str] = field(default_factory=list)
    shadow_action: Action | None = None
    shadow_triggered: list[str] = field(default_factory=list)
    categories: dict[str, float] = field(default_factory=dict)

    @property
    def stopped(self) -> bool:
        return self.action is _BLOCK


def _judge(rail: Rail, stage: Stage, raw: Any, latency_ms: float) -> Verdict:
    spec = rail.spec
    if not isinstance(raw, Verdict):
        raise GuardError(f"guard {spec.guard!r} returned {type(raw).__name__}, expected Verdict")
    triggered = tuple(c for c, s in raw.categories.items() if s >= spec.threshold_for(c, rail.recommended))
    action = Action.most_severe([spec.action_for(c) for c in triggered]) if triggered else _ALLOW
    return replaced(
        raw,
        {
            "guard": spec.guard,
            "rail": spec.rail_id,
            "stage": stage,
            "triggered": triggered,
            "action": action,
            "mode": spec.mode,
            "latency_ms": latency_ms,
        }
    )


def _error_kind(exc: BaseException) -> ErrorKind:
    if isinstance(exc, TimeoutError):
        return "timeout"
    return "invalid" if isinstance(exc, GuardError) else "exception"


def _failed(rail: Rail, stage: Stage, exc: BaseException, latency_ms: float) -> Verdict:
    spec = rail.spec
    closed = spec.on_error == "fail_closed"
    return Verdict(
        guard=spec.guard,
        rail=spec.rail_id,
        stage=stage,
        action=_BLOCK if closed else _ALLOW,
        mode=spec.mode,
        latency_ms=latency_ms,
        error=f"{type(exc).__name__}: {exc}",
        error_kind=_error_kind(exc),
        outcome="fail_closed" if closed else "fail_open",
    )


class StageRunner:
    """Runs one stage's rails in policy order."""

    def __init__(
        self,
        stage: Stage,
        rails: list[Rail],
        settings: PolicySettings,
        executor: Callable[[], Executor],
    ) -> None:
        self.stage = stage
        self.rails = rails
        self.settings = settings
        self._executor = executor
        self._groups = self._plan_groups(rails, settings.parallel)

    @staticmethod
    def _plan_groups(rails: list[Rail], parallel: bool) -> list[list[Rail]]:
        if not parallel:
            return [[r] for r in rails]
        groups: list[list[Rail]] = []
        for rail in rails:
            if groups and not rail.barrier and not groups[-1][-1].barrier:
                groups[-1].append(rail)
            else:
                groups.append([rail])
        return groups

    def _skip(self, rail: Rail, context: CheckContext) -> bool:
        languages = rail.spec.languages
        lang = context.request.language
        if not languages or lang is None or lang == "und":  # unknown language: every rail runs
            return False
        return lang not in languages

    def _call(self, rail: Rail, text: str, context: CheckContext) -> Verdict:
        start = time.perf_counter()
        try:
            if rail.timeout_s is None:
                raw = rail.guard.check(text, context)
            else:
                future = self._executor().submit(rail.guard.check, text, context)
                try:
                    raw = future.result(rail.timeout_s)
                except FutureTimeout:
                    raise GuardTimeout(f"no result within {rail.timeout_ms:g} ms") from None
            return _judge(rail, self.stage, raw, (time.perf_counter() - start) * 1000)
        except Exception as exc:  # a guard must never break the caller's request
            return _failed(rail, self.stage, exc, (time.perf_counter() - start) * 1000)

    @staticmethod
    def _record(result: StageResult, rail: Rail, verdict: Verdict) -> None:
        result.verdicts.append(verdict)
        for category, score in verdict.categories.items():
            if score > result.categories.get(category, -1.0):
                result.categories[category] = score
        acting = [c for c in verdict.triggered if rail.spec.action_for(c) is not _ALLOW]
        if verdict.mode == "shadow":
            current = result.shadow_action or _ALLOW
            result.shadow_action = Action.most_severe([current, verdict.action])
            result.shadow_triggered.extend(c for c in acting if c not in result.shadow_triggered)
            return
        if verdict.action.severity > result.action.severity:
            result.action = verdict.action
        result.triggered.extend(c for c in acting if c not in result.triggered)
        if (
            verdict.text is not None
            and rail.changes_text
            and verdict.error is None
            and (verdict.action.severity >= _REDACT_SEVERITY or not verdict.categories)
        ):
            result.text = verdict.text  # a redaction the policy acts on, or a pure transformation

    def run(self, text: str, context: CheckContext) -> StageResult:
        """Run the rails on one text."""
        result = StageResult(text=text)
        run_all = self.settings.run_all
        for group in self._groups:
            if result.stopped and not run_all:
                group = [r for r in group if r.escalates]  # never skip the rail scoring self_harm
                if not group:
                    continue
            if len(group) == 1:
                rail = group[0]
                if self._skip(rail, context):
                    continue
                self._record(result, rail, self._call(rail, result.text, context))
                continue
            live = [r for r in group if not self._skip(r, context)]
            pool = self._executor()
            futures = [pool.submit(self._call, r, result.text, context) for r in live]
            for rail, future in zip(live, futures):
                self._record(result, rail, future.result())
        return result

    def run_batch(self, texts: list[str], contexts: list[CheckContext]) -> list[StageResult]:
        """Run the rails rail by rail over many texts, so model guards batch through the encoder."""
        results = [StageResult(text=t) for t in texts]
        run_all = self.settings.run_all
        for rail in self.rails:
            live = [
                i for i, r in enumerate(results)
                if (run_all or rail.escalates or not r.stopped) and not self._skip(rail, contexts[i])
            ]
            if not live:
                continue
            verdicts = self._call_batch(rail, [results[i].text for i in live], [contexts[i] for i in live])
            for i, verdict in zip(live, verdicts):
                self._record(results[i], rail, verdict)
        return results

    def _call_batch(self, rail: Rail, texts: list[str], contexts: list[CheckContext]) -> list[Verdict]:
        batch = rail.batch
        if batch is None or len(texts) == 1:
            return [self._call(rail, t, c) for t, c in zip(texts, contexts)]
        start = time.perf_counter()
        try:
            if rail.timeout_s is None:
                raws = batch(texts, contexts)
            else:
                raws = self._executor().submit(batch, texts, contexts).result(rail.timeout_s * len(texts))
            if len(raws) != len(texts):
                raise ValueError(f"check_batch returned {len(raws)} verdicts for {len(texts)} texts")
        except Exception:  # isolate the failing text: fall back to one call per text
            return [self._call(rail, t, c) for t, c in zip(texts, contexts)]
        per_text = (time.perf_counter() - start) * 1000 / len(texts)
        out = []
        for raw in raws:
            try:
                out.append(_judge(rail, self.stage, raw, per_text))
            except Exception as exc:
                out.append(_failed(rail, self.stage, exc, per_text))
        return out
