"""Rails: a policy's rail specs bound to built guards, each guard with its own workers and breaker.

``build_rails`` validates each rail's guard config against the guard's ``Config`` (errors name the
file and the field), builds one guard per distinct config, and gives each guard its own daemon
workers and circuit breaker (guardrails.isolation). A rail's timeout: its own ``timeout_ms``
(0: none, inline), else ``settings.timeout_ms``, else ``settings.third_party_timeout_ms`` for a
guard that is not this distribution's own (``is_first_party``), else none: inline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from guardrails.errors import GuardrailsError, PluginError, PolicyError
from guardrails.policy import Policy, PolicySettings, RailSpec, format_validation_error
from guardrails.protocol import CheckContext, Resources
from guardrails.results import Action, Stage, Verdict

if TYPE_CHECKING:
    from guardrails.isolation import CircuitBreaker, GuardWorkers
    from guardrails.plugins import GuardInfo

__all__ = [
    "FIRST_PARTY_DISTRIBUTION",
    "Rail",
    "build_rails",
    "health_report",
    "is_first_party",
    "redacting_rails",
    "thresholds_report",
]

FIRST_PARTY_DISTRIBUTION = "tako-guardrails"
FIRST_PARTY_PACKAGES = frozenset({"guardrails", "tako_rules", "tako_classifiers", "tako_language"})


def is_first_party(info: GuardInfo) -> bool:
    """True for a guard of this distribution's own plugins (entry points of tako-guardrails, or
    its packages registered directly); every other guard is third-party code."""
    if info.distribution is not None:
        return info.distribution.split(" ", 1)[0] == FIRST_PARTY_DISTRIBUTION
    return str(getattr(info.cls, "__module__", "")).split(".", 1)[0] in FIRST_PARTY_PACKAGES


def _workers() -> GuardWorkers:
    """A rail's default workers (``guardrails.isolation`` loads with a rail, not on import)."""
    from guardrails.isolation import GuardWorkers

    return GuardWorkers("guard")


def _breaker() -> CircuitBreaker:
    from guardrails.isolation import CircuitBreaker

    return CircuitBreaker()


@dataclass(frozen=True)
class Rail:
    """A policy rail bound to a constructed guard, its workers and its circuit breaker."""

    spec: RailSpec
    guard: Any
    timeout_s: float | None
    """None: the rail runs inline on the caller's thread (no timeout)."""
    recommended: dict[str, float] = field(default_factory=dict)
    """The guard's ``recommended_thresholds`` (calibrated with its model), used where the policy sets none."""
    workers: GuardWorkers = field(default_factory=_workers)
    """The guard's own daemon workers (shared by the rails of one guard instance)."""
    breaker: CircuitBreaker = field(default_factory=_breaker)
    third_party: bool = False
    escalates: bool = False
    """It scores a category of ``settings.escalate`` (self_harm): the short-circuit never skips it."""
    changes_text: bool = field(init=False)
    barrier: bool = field(init=False)
    """Rails after this one must see its effect: it changes the text or sets the detection view."""
    _thresholds: dict[str, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        changes = bool(getattr(self.guard, "changes_text", False))
        object.__setattr__(self, "changes_text", changes)
        object.__setattr__(self, "barrier", changes or bool(getattr(self.guard, "sets_view", False)))
        object.__setattr__(self, "_thresholds", {})

    def threshold(self, category: str) -> float:
        """The threshold of ``category`` on this rail (``RailSpec.threshold_for``, remembered)."""
        found = self._thresholds.get(category)
        if found is None:
            found = self.spec.threshold_for(category, self.recommended)
            if len(self._thresholds) < 1_000:
                self._thresholds[category] = found
        return found

    @property
    def batch(self) -> Callable[[list[str], list[CheckContext]], list[Verdict]] | None:
        """The guard's own batched check; None for none, or for BaseGuard's one-by-one default."""
        batch = getattr(self.guard, "check_batch", None)
        return None if getattr(batch, "sequential", False) else batch

    @property
    def timeout_ms(self) -> float | None:
        return self.timeout_s * 1000 if self.timeout_s is not None else None


def _timeout_ms(spec: RailSpec, settings: PolicySettings, third_party: bool) -> float | None:
    if spec.timeout_ms is not None:
        return spec.timeout_ms or None  # 0: inline, no timeout
    if settings.timeout_ms is not None:
        return settings.timeout_ms
    return settings.third_party_timeout_ms if third_party else None


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
    field); ``instances`` caches one (guard, workers, breaker) per (guard name, config) across
    stages. A third-party rail without a timeout of its own gets ``settings.third_party_timeout_ms``.
    """
    rails = []
    settings = policy.settings
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
        built = instances.get(key)
        if built is None:
            try:
                instance = info.cls(config, resources)
            except PolicyError as exc:  # a configuration the guard refuses: name the rail
                raise PolicyError(f"{source}: {where} (rail {spec.rail_id!r}): {exc}", source=source) from exc
            except GuardrailsError:
                raise
            except Exception as exc:
                raise PluginError(f"{source}: {where}: building guard {spec.guard!r} failed: {exc}") from exc
            from guardrails.isolation import CircuitBreaker, GuardWorkers

            built = (
                instance,
                GuardWorkers(spec.guard, settings.max_workers),
                CircuitBreaker(settings.breaker_threshold, settings.breaker_cooldown_ms / 1000),
            )
            instances[key] = built
        instance, workers, breaker = built
        third_party = not is_first_party(info)
        timeout_ms = _timeout_ms(spec, settings, third_party)
        recommended = dict(getattr(instance, "recommended_thresholds", None) or {})
        scored = {*recommended, *getattr(instance, "head_categories", ())} or set(getattr(instance, "categories", ()))
        scored |= {*spec.actions, *spec.thresholds}  # categories the policy names on this rail
        rails.append(Rail(
            spec=spec,
            guard=instance,
            timeout_s=timeout_ms / 1000 if timeout_ms else None,
            recommended=recommended,
            workers=workers,
            breaker=breaker,
            third_party=third_party,
            escalates=not scored.isdisjoint(settings.escalate),
        ))
    return rails


def _capped(action: Action) -> Action:
    return action if action.severity <= Action.REDACT.severity else Action.REDACT


def redacting_rails(rails: Iterable[Rail]) -> list[Rail]:
    """The rails of ``rails`` that change the text (redactors such as secrets and pii, pure
    transformations), for text the stage's classifiers do not judge: a chat's assistant and tool
    turns. Each keeps its guard, workers, breaker and thresholds; an action more severe than
    ``redact`` (a secrets rail set to block, say) becomes ``redact``, so such a turn is redacted,
    never blocked. Shadow rails and rails that only score or set the detection view are left out.
    A rail whose guard fails still follows its own ``on_error``."""
    out = []
    for rail in rails:
        if not rail.changes_text or rail.spec.mode == "shadow":
            continue
        spec = rail.spec.model_copy(update={
            "action": _capped(rail.spec.action),
            "actions": {c: _capped(a) for c, a in rail.spec.actions.items()},
        })
        out.append(replace(rail, spec=spec, escalates=False))
    return out


def health_report(rails: Iterable[tuple[str, Rail]]) -> dict[str, Any]:
    """What ``Guard.health()`` returns for (stage, rail) pairs.

    ``{"ok": bool, "unhealthy": [keys], "rails": {"stage.rail_id": {...}}}``. Per rail: ``guard``,
    ``isolated`` (runs on its guard's workers, with ``timeout_ms``), ``third_party``, the guard's
    circuit breaker (``state``: closed, open or half_open; ``consecutive_timeouts``, ``calls``,
    ``timeouts``, ``errors``, ``trips``, ``retry_in_ms``) and its ``workers`` (``threads``,
    ``busy``, ``stuck``: busy with a call whose caller gave up, ``queued``, ``rejected``). ``ok``
    is false while a circuit is not closed or a worker is stuck; ``unhealthy`` names those rails.
    """
    report: dict[str, dict[str, Any]] = {}
    unhealthy = []
    for stage, rail in rails:
        key = f"{stage}.{rail.spec.rail_id}"
        entry = {
            "guard": rail.spec.guard,
            "isolated": rail.timeout_s is not None,
            "timeout_ms": rail.timeout_ms,
            "third_party": rail.third_party,
            **rail.breaker.stats(),
            "workers": rail.workers.stats(),
        }
        report[key] = entry
        if entry["state"] != "closed" or entry["workers"]["stuck"]:
            unhealthy.append(key)
    return {"ok": not unhealthy, "unhealthy": unhealthy, "rails": report}


def thresholds_report(rails: Iterable[Rail], categories: Iterable[str] = ()) -> dict[str, dict[str, float]]:
    """What ``Guard.thresholds()`` returns for one stage's rails: per rail id, the threshold in
    force (in [0, 1]) for each category the rail knows of (its guard's categories, its recommended
    thresholds, the policy's own) and each of ``categories``."""
    extra = tuple(categories)
    out: dict[str, dict[str, float]] = {}
    for rail in rails:
        known = (*getattr(rail.guard, "categories", ()), *rail.recommended, *rail.spec.thresholds, *extra)
        out[rail.spec.rail_id] = {c: rail.spec.threshold_for(c, rail.recommended) for c in dict.fromkeys(known)}
    return out
