"""Safety metrics through the OpenTelemetry API (extra ``telemetry``).

Instruments (meter ``guardrails``):

=====================================  =========  ==========================================
name                                   kind       attributes
=====================================  =========  ==========================================
``guardrails.decisions``               counter    policy, stage, action
``guardrails.triggers``                counter    policy, stage, category, action
``guardrails.shadow.decisions``        counter    policy, stage, action, shadow_action
``guardrails.decision.duration``       histogram  policy, stage (milliseconds)
``guardrails.guard.duration``          histogram  policy, stage, rail (milliseconds)
``guardrails.score``                   histogram  policy, stage, category (0..1)
``guardrails.guard.errors``            counter    policy, stage, rail, kind, outcome
``guardrails.decision_cache``          counter    policy, stage, result (hit|miss)
=====================================  =========  ==========================================

``kind`` of an error: ``error`` (the guard raised or returned an invalid result), ``timeout``,
``unavailable`` (its circuit is open after repeated timeouts: the rail did not run) or ``budget``
(the call's time budget was spent before the rail finished).

Without a configured MeterProvider the API is a no-op, so nothing leaves the process unless the
application sets one up (or the policy asks for the Prometheus endpoint).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from guardrails.errors import PolicyError
from guardrails.hookspecs import hookimpl
from guardrails.ops.settings import MetricsSettings
from guardrails.protocol import CheckContext
from guardrails.results import Decision

__all__ = ["MetricsSink", "instrument", "metrics_sink_from_settings", "prometheus_meter_provider"]

log = logging.getLogger("guardrails.metrics")

LATENCY_BUCKETS_MS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000)
_KINDS = frozenset({"timeout", "unavailable", "budget"})
SCORE_BUCKETS = tuple(round(0.1 * i, 1) for i in range(1, 10)) + (0.95, 0.99)
_PROMETHEUS: dict[tuple[str, int], Any] = {}
_PROMETHEUS_LOCK = threading.Lock()


def _need_otel() -> Any:
    try:
        from opentelemetry import metrics
    except ImportError:  # pragma: no cover - depends on the install
        raise PolicyError(
            "metrics: needs the OpenTelemetry API; install the extra: pip install 'tako-guardrails[telemetry]'"
        ) from None
    return metrics


class MetricsSink:
    """A sink that records counters and histograms for every decision.

    ``meter_provider`` defaults to the global one (a no-op until the application configures an
    OpenTelemetry SDK). Attach it with :func:`instrument` or let the policy's ``metrics:``
    section attach it.
    """

    def __init__(self, meter_provider: Any = None) -> None:
        metrics = _need_otel()
        provider = meter_provider or metrics.get_meter_provider()
        meter = provider.get_meter("guardrails")
        self.meter_provider = provider
        self.decisions = meter.create_counter(
            "guardrails.decisions", unit="{decision}", description="Decisions by policy, stage and action"
        )
        self.triggers = meter.create_counter(
            "guardrails.triggers", unit="{category}",
            description="Categories over their threshold in enforcing rails, by stage and action",
        )
        self.shadow = meter.create_counter(
            "guardrails.shadow.decisions", unit="{decision}",
            description="Decisions that ran in shadow: enforced action against shadow action",
        )
        self.errors = meter.create_counter(
            "guardrails.guard.errors", unit="{error}", description="Guards that raised or timed out"
        )
        self.cache = meter.create_counter(
            "guardrails.decision_cache", unit="{check}",
            description="Decision cache lookups of cacheable checks: hit, or miss (rails ran)",
        )
        self.latency = _histogram(meter, "guardrails.decision.duration", "ms",
                                  "Time to decide, whole policy", LATENCY_BUCKETS_MS)
        self.guard_latency = _histogram(meter, "guardrails.guard.duration", "ms",
                                        "Time per rail", LATENCY_BUCKETS_MS)
        self.scores = _histogram(meter, "guardrails.score", "1",
                                 "Category scores (0..1) per check", SCORE_BUCKETS)

    @hookimpl
    def on_decision(self, decision: Decision, context: CheckContext) -> None:
        """Record one decision."""
        base = {"policy": decision.policy, "stage": decision.stage}
        action = decision.action.value
        self.decisions.add(1, {**base, "action": action})
        self.latency.record(decision.latency_ms, base)
        cache = decision.details.get("cache")
        if cache:
            self.cache.add(1, {**base, "result": cache})
        for category in decision.triggered:
            self.triggers.add(1, {**base, "category": category, "action": action})
        for category, score in decision.categories.items():
            self.scores.record(score, {**base, "category": category})
        if decision.shadow_action is not None:
            self.shadow.add(1, {**base, "action": action, "shadow_action": decision.shadow_action.value})
        for verdict in decision.verdicts:
            rail = verdict.rail or verdict.guard
            self.guard_latency.record(verdict.latency_ms, {**base, "rail": rail})
            if verdict.error:
                kind = verdict.error_kind if verdict.error_kind in _KINDS else "error"
                self.errors.add(1, {**base, "rail": rail, "kind": kind, "outcome": verdict.outcome})


def _histogram(meter: Any, name: str, unit: str, description: str, buckets: tuple[float, ...]) -> Any:
    try:
        return meter.create_histogram(
            name, unit=unit, description=description, explicit_bucket_boundaries_advisory=list(buckets)
        )
    except TypeError:  # an older API without bucket advice
        return meter.create_histogram(name, unit=unit, description=description)


def prometheus_meter_provider(port: int = 9464, addr: str = "127.0.0.1") -> Any:
    """An SDK MeterProvider whose metrics are served for Prometheus at ``http://addr:port/metrics``."""
    try:
        from opentelemetry.exporter.prometheus import PrometheusMetricReader
        from opentelemetry.sdk.metrics import MeterProvider
        from prometheus_client import start_http_server
    except ImportError:
        raise PolicyError(
            "metrics.prometheus: needs the Prometheus exporter; install the extra: "
            "pip install 'tako-guardrails[telemetry,prometheus]'"
        ) from None
    key = (addr, port)
    with _PROMETHEUS_LOCK:
        if key not in _PROMETHEUS:  # one endpoint per address, shared by every Guard
            if port:
                start_http_server(port, addr=addr)
            _PROMETHEUS[key] = MeterProvider(metric_readers=[PrometheusMetricReader()])
        return _PROMETHEUS[key]


def metrics_sink_from_settings(settings: MetricsSettings) -> MetricsSink:
    """The sink a policy's ``metrics:`` section asks for."""
    provider = None
    if settings.prometheus is not None:
        provider = prometheus_meter_provider(settings.prometheus.port, settings.prometheus.addr)
    return MetricsSink(provider)


def instrument(guard: Any, meter_provider: Any = None) -> MetricsSink:
    """Record the metrics of ``guard``'s decisions on ``meter_provider`` (default: the global one)."""
    return guard.add_sink(MetricsSink(meter_provider))
