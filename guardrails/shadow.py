"""The whole-policy shadow launch: a candidate policy runs beside the enforcing one, never acting.

The shadow changes the Decision (``shadow_action``, ``shadow_triggered``, ``details["shadow"]``),
so it is part of the core, not an operators' tool. The Guard builds the candidate (a Guard of the
candidate policy without its sections, sharing plugins and encoders) through ``resolve_candidate``
and runs it through a :class:`ShadowRunner` after its own rails.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from guardrails.policy import Policy, load_policy_source
from guardrails.protocol import CheckContext, RequestContext
from guardrails.results import Action, Decision, Stage, replaced

if TYPE_CHECKING:
    from guardrails.pipeline import StageResult

__all__ = ["ShadowOutcome", "ShadowRunner", "resolve_candidate"]

log = logging.getLogger("guardrails.shadow")


class Candidate(Protocol):
    """What the shadow runner needs of the candidate: its policy and a stage run without a Decision."""

    policy: Policy

    def run_rails(self, stage: Stage, text: str, context: CheckContext) -> StageResult: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class ShadowOutcome:
    """What the shadow policy would have done with one text."""

    action: Action
    triggered: tuple[str, ...]
    record: dict[str, Any]


def resolve_candidate(
    shadow: Any, base_source: str, build: Callable[[Policy], Any], sections: Mapping[str, Any] | None = None
) -> Any:
    """The candidate for ``shadow`` (a Guard, Policy, policy file or dict), built with ``build``.

    A relative file is looked up beside the enforcing policy's file first; ``sections`` are the
    plugin sections its file may hold. The candidate's own sections (audit, metrics, ...) and
    shadow are dropped: a candidate never writes or pages.
    """
    if hasattr(shadow, "run_rails"):  # already a Guard
        return shadow
    if isinstance(shadow, str | Path) and not Path(shadow).is_absolute():
        base = Path(base_source).parent if Path(base_source).is_file() else Path.cwd()
        if not Path(shadow).exists() and (base / shadow).exists():
            shadow = base / shadow
    if isinstance(shadow, Policy):
        policy = shadow
    else:
        source = dict(shadow) if isinstance(shadow, Mapping) else shadow
        policy = load_policy_source(source, sections=sections)[0]
    return build(policy.core_only())


class ShadowRunner:
    """Runs a candidate policy's rails on the same text after the enforcing policy (inline).

    The candidate sees a copy of the request (its PII vault changes stay its own), never acts,
    and never fires ``on_decision``: its result travels in the enforcing decision
    (``shadow_action``, ``shadow_triggered``, ``details["shadow"]``) and so in the audit log.
    """

    def __init__(self, candidate: Candidate, sample_rate: float = 1.0) -> None:
        self.candidate = candidate
        self.sample_rate = sample_rate
        self.policy = candidate.policy

    def run(self, stage: Stage, text: str, context: CheckContext) -> ShadowOutcome | None:
        """The candidate's outcome on ``text``; None when this check is not sampled."""
        if self.sample_rate < 1.0 and random.random() >= self.sample_rate:
            return None
        request = context.request
        ctx = CheckContext(
            stage=stage,
            request=RequestContext(
                system_prompt=request.system_prompt,
                metadata=dict(request.metadata),
                vault=dict(request.vault),
                language=request.language,
            ),
            prompt=context.prompt,
            messages=context.messages,
            document_index=context.document_index,
        )
        base = {"policy": self.policy.name, "policy_version": self.policy.version}
        started = time.perf_counter()
        try:
            result = self.candidate.run_rails(stage, text, ctx)
        except Exception as exc:  # the shadow must never break the request
            log.exception("shadow policy %s raised", self.policy.name)
            return ShadowOutcome(Action.ALLOW, (), {**base, "error": f"{type(exc).__name__}: {exc}"})
        record: dict[str, Any] = {
            **base,
            "action": result.action.value,
            "triggered": list(result.triggered),
            "scores": {k: round(v, 4) for k, v in sorted(result.categories.items())},
            "latency_ms": round((time.perf_counter() - started) * 1000, 3),
            "text_changed": result.text != text,
        }
        errors = {v.rail or v.guard: v.error for v in result.verdicts if v.error}
        if errors:
            record["errors"] = errors
        return ShadowOutcome(result.action, tuple(result.triggered), record)

    def apply(self, decision: Decision, context: CheckContext) -> Decision:
        """``decision`` with the candidate's outcome on its text (``shadow_action``,
        ``shadow_triggered``, ``details["shadow"]``; the shadow's time added to ``latency_ms``);
        ``decision`` itself when this check is not sampled."""
        started = time.perf_counter()
        shadow = self.run(decision.stage, decision.original_text, context)
        if shadow is None:
            return decision
        return replaced(decision, {
            "shadow_action": shadow.action,
            "shadow_triggered": shadow.triggered,
            "details": {**decision.details, "shadow": shadow.record},
            "latency_ms": decision.latency_ms + (time.perf_counter() - started) * 1000,
        })

    def close(self) -> None:
        """Close the candidate."""
        self.candidate.close()
