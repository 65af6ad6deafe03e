"""Fixtures for the sidecar tests: an app over the toy guards, a TestClient that runs its lifespan."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the sidecar needs the 'serve' extra (pip install 'tako-guardrails[serve]')")
pytest.importorskip("httpx", reason="the sidecar tests need httpx (the 'serve' extra)")

from fastapi.testclient import TestClient  # noqa: E402

from guardrails.serve.app import create_app  # noqa: E402
from guardrails.serve.settings import ServeSettings  # noqa: E402
from tests.toy_guards import ToyPlugin  # noqa: E402

KEYWORDS = {"guard": "keyword", "config": {"words": {"prompt_injection": ["ignore previous instructions"],
                                                     "hate": ["hateword"]}}}
DIGITS = {"guard": "digits", "action": "redact"}
TOY_POLICY = {"name": "toy", "version": "3", "input": [KEYWORDS, DIGITS], "output": [KEYWORDS, DIGITS],
              "context": [KEYWORDS]}


def comparable(decision: dict[str, Any]) -> dict[str, Any]:
    """A decision's JSON without what differs between two runs (ids, times, latencies)."""
    out = {k: v for k, v in decision.items() if k not in ("id", "latency_ms", "created_at")}
    out["verdicts"] = [{k: v for k, v in verdict.items() if k != "latency_ms"} for verdict in decision["verdicts"]]
    out["documents"] = [comparable(d) for d in decision["documents"]]
    if isinstance(decision.get("details"), dict):  # a decision-cache hit or miss is not a difference
        out["details"] = {k: v for k, v in decision["details"].items() if k != "cache"}
    return out


def as_json(decision: Any) -> dict[str, Any]:
    """A Python-API Decision as the sidecar would send it."""
    import json

    return json.loads(decision.model_dump_json())


@pytest.fixture
def toy_guard(make_guard) -> Callable[..., Any]:
    """A Guard over the toy guards: ``toy_guard(extra_policy)``."""

    def build(extra: dict[str, Any] | None = None) -> Any:
        return make_guard({**TOY_POLICY, **(extra or {})}, plugins=[ToyPlugin()])

    return build


@pytest.fixture
def serve(toy_guard) -> Iterator[Callable[..., TestClient]]:
    """``serve(guard=None, **settings) -> TestClient`` with the app started (lifespan run)."""
    clients: list[TestClient] = []

    def start(guard: Any = None, **settings: Any) -> TestClient:
        app = create_app(ServeSettings(**settings), guard=guard if guard is not None else toy_guard())
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.__exit__(None, None, None)
