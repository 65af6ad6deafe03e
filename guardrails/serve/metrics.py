"""Prometheus metrics of the sidecar (``GET /metrics``), through prometheus-client when installed.

The sidecar's own series live in a registry of their own (no global state is built):

==============================================  =========  =================================
name                                            kind       labels
==============================================  =========  =================================
``guardrails_serve_requests_total``             counter    endpoint, status
``guardrails_serve_request_duration_seconds``   histogram  endpoint
``guardrails_serve_checks_running``             gauge
``guardrails_serve_checks_waiting``             gauge
``guardrails_serve_rejected_total``             counter    reason (overloaded, too_large,
                                                           timeout, unauthorized, not_ready)
``guardrails_serve_ready``                      gauge      (1 ready, 0 not)
``guardrails_serve_decisions_total``            counter    policy, stage, action
``guardrails_serve_triggers_total``             counter    policy, stage, category
``guardrails_serve_guard_errors_total``         counter    policy, stage, rail, kind
==============================================  =========  =================================

The page also carries prometheus-client's default registry: the process collectors (resident
memory, CPU seconds) and whatever the policy's own ``metrics: {prometheus: {port: 0}}`` section
exports through OpenTelemetry (``guardrails_decisions_total`` ...), so one scrape sees all.
Without prometheus-client, /metrics answers 501 and says what to install.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guardrails.protocol import CheckContext
    from guardrails.results import Decision

__all__ = ["INSTALL_HINT", "ServeMetrics"]

INSTALL_HINT = "install prometheus-client for /metrics: pip install 'tako-guardrails[serve,prometheus]'"
_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class ServeMetrics:
    """The sidecar's counters; every method is a no-op when prometheus-client is missing.

    ``gauges`` maps ``running``, ``waiting`` and ``ready`` to zero-argument callables read at
    scrape time. Attach ``self`` to a Guard with ``guard.add_sink`` to count its decisions.
    """

    def __init__(self, gauges: dict[str, Callable[[], float]] | None = None) -> None:
        try:
            import prometheus_client as prom
        except ImportError:
            self.available = False
            return
        self.available = True
        self._prom = prom
        self.registry = prom.CollectorRegistry(auto_describe=True)
        reg = self.registry
        self.requests = prom.Counter("guardrails_serve_requests", "HTTP requests answered, by endpoint and status",
                                     ["endpoint", "status"], registry=reg)
        self.duration = prom.Histogram("guardrails_serve_request_duration_seconds",
                                       "Time from the request's arrival to its answer, queueing included",
                                       ["endpoint"], buckets=_SECONDS, registry=reg)
        self.rejected = prom.Counter("guardrails_serve_rejected", "Requests refused, by reason",
                                     ["reason"], registry=reg)
        self.decisions = prom.Counter("guardrails_serve_decisions", "Decisions by policy, stage and action",
                                      ["policy", "stage", "action"], registry=reg)
        self.triggers = prom.Counter("guardrails_serve_triggers", "Categories over their threshold in enforcing rails",
                                     ["policy", "stage", "category"], registry=reg)
        self.guard_errors = prom.Counter("guardrails_serve_guard_errors", "Guards that raised, timed out or "
                                         "returned garbage", ["policy", "stage", "rail", "kind"], registry=reg)
        for name, help_text in (("running", "Checks running now"), ("waiting", "Requests waiting for a slot"),
                                ("ready", "1 when checks can be answered, else 0")):
            fn = (gauges or {}).get(name)
            gauge = prom.Gauge(f"guardrails_serve_{'checks_' if name != 'ready' else ''}{name}", help_text, registry=reg)
            if fn is not None:
                gauge.set_function(fn)

    def request(self, endpoint: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        if self.available:
            self.requests.labels(endpoint, str(status)).inc()
            self.duration.labels(endpoint).observe(seconds)

    def reject(self, reason: str) -> None:
        """Count one refused request (``overloaded``, ``too_large``, ``timeout``, ...)."""
        if self.available:
            self.rejected.labels(reason).inc()

    def on_decision(self, decision: Decision, context: CheckContext) -> None:
        """A Guard sink: count the decision, its triggered categories and its guards' errors."""
        if not self.available:
            return
        policy, stage = decision.policy, decision.stage
        self.decisions.labels(policy, stage, decision.action.value).inc()
        for category in decision.triggered:
            self.triggers.labels(policy, stage, category).inc()
        for verdict in decision.verdicts:
            if verdict.error:
                self.guard_errors.labels(policy, stage, verdict.rail or verdict.guard,
                                         verdict.error_kind or "exception").inc()

    def render(self) -> tuple[bytes, str] | None:
        """The exposition page and its content type; None without prometheus-client."""
        if not self.available:
            return None
        prom: Any = self._prom
        page = prom.generate_latest(self.registry) + prom.generate_latest(prom.REGISTRY)
        return page, prom.CONTENT_TYPE_LATEST
