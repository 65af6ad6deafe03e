"""Trivial guards for measuring the pipeline's own overhead (copied in spirit from tests/toy_guards.py).

``NoopGuard`` does almost nothing, so a policy of five of them measures what the pipeline costs
per rail. It honours ``GUARDRAILS_TEST_SLOWDOWN_MS`` (read once, when the guard is built): the
regression gate's own test sets it to prove that a slower guard fails the gate.
"""

from __future__ import annotations

import os
import time
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from guardrails.hookspecs import hookimpl
from guardrails.protocol import CheckContext, Resources
from guardrails.results import Verdict

SLOWDOWN_ENV = "GUARDRAILS_TEST_SLOWDOWN_MS"


class NoopGuard:
    """Scores its category 0.0 without looking at the text (plus an optional test slowdown)."""

    name: ClassVar[str] = "bench_noop"
    stages: ClassVar[frozenset[str]] = frozenset({"input", "output", "context"})
    changes_text: ClassVar[bool] = False
    categories: ClassVar[tuple[str, ...]] = ("custom",)

    class Config(BaseModel):
        """No options."""

        model_config = ConfigDict(extra="forbid")

    def __init__(self, config: Config, resources: Resources) -> None:
        self.delay_s = float(os.environ.get(SLOWDOWN_ENV, "0") or 0) / 1000
        self.verdict = Verdict(categories={"custom": 0.0})

    def check(self, text: str, context: CheckContext) -> Verdict:
        """Return the same all-clear verdict (after the test slowdown, if set)."""
        if self.delay_s:
            time.sleep(self.delay_s)
        return self.verdict


class BenchToyPlugin:
    """Registers the benchmark's trivial guards."""

    @hookimpl
    def register_guards(self, register: Any) -> None:
        """Hand NoopGuard to the SDK."""
        register(NoopGuard)


def toy_policy(n_guards: int, *, isolated: bool = False) -> dict[str, Any]:
    """A policy with ``n_guards`` NoopGuard rails on every stage (decision cache off: the rails run
    on every check, so the figures are the pipeline's own cost).

    NoopGuard is third-party code to the SDK; ``isolated`` keeps the third-party default timeout
    (each rail on its guard's own workers), otherwise the rails run inline, measuring the
    pipeline's own overhead."""
    rails = [{"guard": "bench_noop", "id": f"noop{i}"} for i in range(n_guards)]
    settings: dict[str, Any] = {"decision_cache": 0}
    if not isolated:
        settings["third_party_timeout_ms"] = None
    return {"name": f"bench-{n_guards}-noop", "version": "1", "settings": settings,
            "input": rails, "output": rails, "context": rails}


def toy_guard(n_guards: int) -> Any:
    """A Guard over ``n_guards`` trivial rails, with no entry-point plugins and no encoder."""
    from guardrails.guard import Guard
    from guardrails.plugins import get_plugin_manager
    from guardrails.protocol import Resources

    pm = get_plugin_manager(load_entrypoints=False, plugins=[BenchToyPlugin()])
    return Guard.from_policy(toy_policy(n_guards), plugin_manager=pm, resources=Resources({}))
