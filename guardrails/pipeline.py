"""The stage runner: a stage's rails (guardrails.rails) run over one text or a batch.

``StageRunner`` runs the rails in policy order: inline when a rail has no timeout (the fast path), on the guard's own daemon
workers when it has one (guardrails.isolation), with every answer validated at the boundary
(guardrails.outcomes), short-circuit on block (never past a rail that scores an escalating
category such as self_harm), parallel groups, shadow rails, a per-call time budget and a cap on
the characters one text may cost.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from guardrails.outcomes import error_kind, failed, judge, unavailable
from guardrails.policy import PolicySettings
from guardrails.protocol import CheckContext
from guardrails.rails import Rail, redacting_rails
from guardrails.results import Action, Stage, Verdict

if TYPE_CHECKING:
    from guardrails.isolation import Job

__all__ = ["StageResult", "StageRunner", "bound_view", "cut_text"]

_ALLOW = Action.ALLOW
_BLOCK = Action.BLOCK
_REDACT = Action.REDACT
_REDACT_SEVERITY = Action.REDACT.severity
_now = time.perf_counter

_CUT_LOOKBACK = 200
"""A text cut at ``max_chars`` is cut at the last whitespace within this many characters, if any."""


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
    details: dict[str, Any] = field(default_factory=dict)
    """Facts for ``Decision.details``: ``truncated``, ``budget_exceeded``, ``unavailable`` rails."""

    @property
    def stopped(self) -> bool:
        return self.action is _BLOCK


def bound_view(context: CheckContext, max_chars: int | None) -> None:
    """Keep the detection view a rail set within ``max_chars`` (normalisation can expand a text
    many times, e.g. NFKC turns U+FDFA into 18 characters): its head and tail halves are kept."""
    view = context.normalized
    if max_chars is not None and view is not None and len(view) > max_chars:
        half = max_chars // 2
        context.normalized = f"{view[:half]}\n{view[-half:]}"
        context.hidden["view_cut"] = len(view)


def cut_text(text: str, max_chars: int) -> str:
    """The first ``max_chars`` characters of ``text``, ending at a whitespace when one is near."""
    head = text[:max_chars]
    space = max(head.rfind(" ", max_chars - _CUT_LOOKBACK), head.rfind("\n", max_chars - _CUT_LOOKBACK))
    return head[:space] if space > 0 else head


class StageRunner:
    """Runs one stage's rails in policy order."""

    def __init__(self, stage: Stage, rails: list[Rail], settings: PolicySettings) -> None:
        self.stage = stage
        self.rails = rails
        self.settings = settings
        self.budget_s = settings.time_budget_ms / 1000 if settings.time_budget_ms else None
        self._warm = False
        """False until a first call has finished: guards load their models lazily on that call,
        and a model's load is not the request's work, so the time budget starts after it."""
        self.max_chars = settings.max_chars
        self._groups = self._plan_groups(rails, settings.parallel)
        self._redacting: StageRunner | None = None

    @property
    def redacting(self) -> StageRunner:
        """A runner of this stage's redacting rails only (``rails.redacting_rails``), built on
        first use: a chat's assistant and tool turns are redacted, never judged."""
        if self._redacting is None:
            self._redacting = StageRunner(self.stage, redacting_rails(self.rails), self.settings)
        return self._redacting

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

    def deadline(self, n_texts: int = 1) -> float | None:
        """The perf_counter time by which a call over ``n_texts`` texts must be done (None: no
        budget, or no call has finished yet: the first one loads the models)."""
        return _now() + self.budget_s * n_texts if self.budget_s is not None and self._warm else None

    def _skip(self, rail: Rail, context: CheckContext) -> bool:
        languages = rail.spec.languages
        lang = context.request.language
        if not languages or lang is None or lang == "und":  # unknown language: every rail runs
            return False
        return lang not in languages

    # one rail on one text -----------------------------------------------------------------------

    def _call(self, rail: Rail, text: str, context: CheckContext, deadline: float | None) -> Verdict:
        if rail.timeout_s is None:
            start = _now()
            try:
                return judge(rail, self.stage, rail.guard.check(text, context), (_now() - start) * 1000)
            except Exception as exc:  # a guard must never break the caller's request
                return failed(rail, self.stage, exc, (_now() - start) * 1000)
        return self._collect(rail, self._start(rail, rail.guard.check, text, context), deadline)

    def _start(self, rail: Rail, fn: Callable[..., Any], *args: Any) -> tuple[Job | Verdict, float]:
        """Hand a call to the rail's workers: (the job, or a verdict when it cannot start; start time)."""
        start = _now()
        if not rail.breaker.allow():
            retry = rail.breaker.retry_in_s()
            return unavailable(
                rail, self.stage, "unavailable",
                f"circuit open: guard {rail.spec.guard!r} timed out {rail.breaker.threshold} times in a row; "
                f"next trial call in {retry:.1f} s",
                {"circuit": "open", "retry_in_ms": round(retry * 1000, 1)},
            ), start
        try:
            return rail.workers.submit(fn, *args), start
        except Exception as exc:  # the guard's queue is full: as good as a timeout
            rail.breaker.record(error_kind(exc))
            return failed(rail, self.stage, exc, 0.0), start

    def _wait(self, rail: Rail, job: Job, start: float, deadline: float | None) -> tuple[Any, str | None]:
        """Wait for ``job``: (raw result, None), or (exception, kind) where kind may be ``budget``."""
        timeout = None if rail.timeout_s is None else max(0.0, rail.timeout_s - (_now() - start))
        by_budget = False
        if deadline is not None:
            left = max(0.0, deadline - _now())
            if timeout is None or left < timeout:
                timeout, by_budget = left, True
        try:
            raw = rail.workers.wait(job, timeout, rail.timeout_ms)
        except Exception as exc:
            kind = error_kind(exc)
            if kind == "timeout" and by_budget:
                rail.breaker.release()  # the call's budget, not the guard, ran out
                return exc, "budget"
            rail.breaker.record(kind)
            return exc, kind
        rail.breaker.record(None)
        return raw, None

    def _collect(self, rail: Rail, started: tuple[Job | Verdict, float], deadline: float | None) -> Verdict:
        job, start = started
        if isinstance(job, Verdict):
            return job
        raw, kind = self._wait(rail, job, start, deadline)
        ms = (_now() - start) * 1000
        if kind == "budget":
            return unavailable(rail, self.stage, "budget",
                               f"GuardTimeout: the call's time budget ran out after this rail had run {ms:.0f} ms",
                               {"budget_ms": self.settings.time_budget_ms})
        if kind is not None:
            return failed(rail, self.stage, raw, ms)
        try:
            return judge(rail, self.stage, raw, ms)
        except Exception as exc:
            return failed(rail, self.stage, exc, ms)

    def _over_budget(self, rail: Rail, during: bool = False) -> Verdict:
        when = "ran out while this rail ran" if during else "was spent before this rail ran"
        return unavailable(rail, self.stage, "budget",
                           f"GuardTimeout: the call's time budget of {self.settings.time_budget_ms:g} ms {when}",
                           {"budget_ms": self.settings.time_budget_ms})

    # recording --------------------------------------------------------------------------------

    @staticmethod
    def _record(result: StageResult, rail: Rail, verdict: Verdict) -> None:
        result.verdicts.append(verdict)
        for category, score in verdict.categories.items():
            if score > result.categories.get(category, -1.0):
                result.categories[category] = score
        kind = verdict.error_kind
        if kind is not None and kind in ("budget", "unavailable"):
            result.details.setdefault("budget_exceeded" if kind == "budget" else "unavailable", []).append(
                rail.spec.rail_id)
        triggered = verdict.triggered
        acting = [c for c in triggered if rail.spec.action_for(c) is not _ALLOW] if triggered else ()
        if verdict.mode == "shadow":
            current = result.shadow_action or _ALLOW
            result.shadow_action = Action.most_severe([current, verdict.action])
            result.shadow_triggered.extend(c for c in acting if c not in result.shadow_triggered)
            return
        if verdict.action is not _ALLOW and verdict.action.severity > result.action.severity:
            result.action = verdict.action
        if acting:
            result.triggered.extend(c for c in acting if c not in result.triggered)
        if (
            verdict.text is not None
            and rail.changes_text
            and verdict.error is None
            and (verdict.action.severity >= _REDACT_SEVERITY or not verdict.categories)
        ):
            result.text = verdict.text  # a redaction the policy acts on, or a pure transformation

    def _bounded(self, text: str) -> StageResult:
        """A fresh result for ``text``, cut to ``max_chars`` (or blocked) when it is longer."""
        limit = self.max_chars
        if limit is None or len(text) <= limit:
            return StageResult(text=text)
        kept = cut_text(text, limit)
        block = self.settings.on_oversize == "block"
        return StageResult(
            text="" if block else kept,
            action=_BLOCK if block else _REDACT,
            details={"truncated": {"chars": len(text), "checked": 0 if block else len(kept),
                                   "max_chars": limit, "on_oversize": self.settings.on_oversize}},
        )

    # whole stage ------------------------------------------------------------------------------

    def run(self, text: str, context: CheckContext) -> StageResult:
        """Run the rails on one text, within the call's deadline (``context.deadline`` or a fresh one)."""
        result = self._bounded(text)
        if result.stopped:
            return result
        run_all = self.settings.run_all
        deadline = context.deadline if context.deadline is not None else self.deadline()
        for group in self._groups:
            if result.stopped and not run_all:
                group = [r for r in group if r.escalates]  # never skip the rail scoring self_harm
                if not group:
                    continue
            if len(group) == 1:
                rail = group[0]
                if self._skip(rail, context):
                    continue
                if deadline is not None and _now() > deadline:
                    self._record(result, rail, self._over_budget(rail))
                    continue
                self._record(result, rail, self._call(rail, result.text, context, deadline))
                if rail.barrier:
                    bound_view(context, self.max_chars)
                continue
            live = [r for r in group if not self._skip(r, context)]
            if deadline is not None and _now() > deadline:
                for rail in live:
                    self._record(result, rail, self._over_budget(rail))
                continue
            started = [self._start(r, r.guard.check, result.text, context) for r in live]
            for rail, handle in zip(live, started):
                self._record(result, rail, self._collect(rail, handle, deadline))
        self._warm = True
        return result

    def run_batch(self, texts: list[str], contexts: list[CheckContext]) -> list[StageResult]:
        """Run the rails rail by rail over many texts, so model guards batch through the encoder.

        The time budget is ``time_budget_ms`` per text, for the batch as a whole."""
        results = [self._bounded(t) for t in texts]
        run_all = self.settings.run_all
        deadline = self.deadline(len(texts))
        for rail in self.rails:
            live = [
                i for i, r in enumerate(results)
                if (run_all or rail.escalates or not r.stopped) and not self._skip(rail, contexts[i])
            ]
            if not live:
                continue
            if deadline is not None and _now() > deadline:
                for i in live:
                    self._record(results[i], rail, self._over_budget(rail))
                continue
            verdicts = self._call_batch(rail, [results[i].text for i in live], [contexts[i] for i in live], deadline)
            for i, verdict in zip(live, verdicts):
                self._record(results[i], rail, verdict)
                if rail.barrier:
                    bound_view(contexts[i], self.max_chars)
        self._warm = True
        return results

    def _call_batch(
        self, rail: Rail, texts: list[str], contexts: list[CheckContext], deadline: float | None
    ) -> list[Verdict]:
        batch = rail.batch
        if batch is None or len(texts) == 1:
            return [self._call(rail, t, c, deadline) for t, c in zip(texts, contexts)]
        if rail.timeout_s is not None and rail.breaker.state != "closed":
            return [self._call(rail, t, c, deadline) for t, c in zip(texts, contexts)]  # unavailable, or a trial
        start = _now()
        try:
            if rail.timeout_s is None:
                raws = batch(texts, contexts)
            else:
                budget = own = rail.timeout_s * len(texts)
                if deadline is not None:
                    budget = min(budget, max(0.0, deadline - start))
                try:
                    raws = rail.workers.call(budget, batch, texts, contexts)
                except TimeoutError:
                    if budget < own:  # the call's budget ran out, not the guard's time
                        return [self._over_budget(rail, during=True) for _ in texts]
                    raise
            if not isinstance(raws, list | tuple) or len(raws) != len(texts):
                raise ValueError(f"check_batch returned {type(raws).__name__} for {len(texts)} texts")
        except TimeoutError as exc:  # the whole batch ran out of time: no second try per text
            rail.breaker.record("timeout")
            ms = (_now() - start) * 1000 / len(texts)
            return [failed(rail, self.stage, exc, ms) for _ in texts]
        except Exception:  # isolate the failing text: fall back to one call per text
            return [self._call(rail, t, c, deadline) for t, c in zip(texts, contexts)]
        if rail.timeout_s is not None:
            rail.breaker.record(None)
        per_text = (_now() - start) * 1000 / len(texts)
        out = []
        for raw in raws:
            try:
                out.append(judge(rail, self.stage, raw, per_text))
            except Exception as exc:
                out.append(failed(rail, self.stage, exc, per_text))
        return out
