"""The sidecar as an operator sees it: readiness while loading and when a guard's breaker is open,
bounded concurrency (503), deadlines (504), metrics, logs without text, flush at shutdown."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import threading
import time
from typing import ClassVar

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict

from guardrails import CheckContext, Resources, Verdict, hookimpl
from guardrails.errors import Overloaded, RequestTimeout
from guardrails.serve import state as state_module
from guardrails.serve.admission import Admission
from guardrails.serve.app import create_app
from guardrails.serve.settings import ServeSettings
from guardrails.serve.state import guard_health
from tests.serve.conftest import KEYWORDS


class GateGuard:
    """Waits until its class-level gate opens (a slow model, under the test's control)."""

    name: ClassVar[str] = "gate"
    stages: ClassVar[frozenset[str]] = frozenset({"input"})
    changes_text: ClassVar[bool] = False
    categories: ClassVar[tuple[str, ...]] = ()
    gate = threading.Event()

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")

    def __init__(self, config: Config, resources: Resources) -> None:
        pass

    def check(self, text: str, context: CheckContext) -> Verdict:
        assert self.gate.wait(10), "the test never opened the gate"
        return Verdict()


class GatePlugin:
    @hookimpl
    def register_guards(self, register):
        register(GateGuard)


@pytest.fixture
def gated(make_guard):
    GateGuard.gate.clear()
    yield make_guard({"name": "gated", "version": "1", "input": [{"guard": "gate"}]}, plugins=[GatePlugin()])
    GateGuard.gate.set()


def _wait_for(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def _in_thread(fn):
    out: dict = {}
    thread = threading.Thread(target=lambda: out.setdefault("response", fn()))
    thread.start()
    return thread, out


def test_a_full_queue_is_503_with_retry_after_and_none_is_lost(serve, gated):
    client = serve(gated, max_concurrency=1, max_queue=1, retry_after_s=3)
    admission = client.app.state.server.admission
    first, first_out = _in_thread(lambda: client.post("/v1/check/input", json={"text": "one"}))
    _wait_for(lambda: admission.running == 1)
    second, second_out = _in_thread(lambda: client.post("/v1/check/input", json={"text": "two"}))
    _wait_for(lambda: admission.waiting == 1)
    refused = client.post("/v1/check/input", json={"text": "three"})
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "3"
    assert refused.json()["error"] == "overloaded"
    GateGuard.gate.set()
    first.join(10)
    second.join(10)
    assert [o["response"].json()["original_text"] for o in (first_out, second_out)] == ["one", "two"]
    assert admission.running == 0 and admission.rejected == 1


def test_past_the_deadline_is_504_and_the_slot_is_held_until_the_check_returns(serve, gated):
    client = serve(gated, max_concurrency=1, timeout_s=0.2)
    admission = client.app.state.server.admission
    late = client.post("/v1/check/input", json={"text": "slow"})
    assert late.status_code == 504 and late.json()["error"] == "timeout"
    assert admission.running == 1  # the check still runs: the bound holds
    GateGuard.gate.set()
    _wait_for(lambda: admission.running == 0)
    assert client.post("/v1/check/input", json={"text": "fast now"}).status_code == 200


def test_admission_never_runs_more_than_its_bound():
    lock = threading.Lock()
    running, peak = [0], [0]

    def work(i: int) -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1
        return i

    async def main():
        admission = Admission(max_concurrency=2, max_queue=100, timeout_s=10)
        results = await asyncio.gather(*(admission.run(work, i) for i in range(20)))
        admission.shutdown()
        return results

    assert asyncio.run(main()) == list(range(20))
    assert peak[0] == 2


def test_admission_refuses_beyond_the_queue_and_times_out():
    gate = threading.Event()

    async def main():
        admission = Admission(max_concurrency=1, max_queue=0, timeout_s=0.1)
        running = asyncio.ensure_future(admission.run(gate.wait, 5))
        while admission.running == 0:
            await asyncio.sleep(0.005)
        with pytest.raises(Overloaded):
            await admission.run(lambda: None)
        with pytest.raises(RequestTimeout):
            await running
        gate.set()
        while admission.running:
            await asyncio.sleep(0.005)
        assert await admission.run(lambda: "free again") == "free again"
        admission.shutdown()

    asyncio.run(main())


def test_shutdown_waits_for_running_checks_but_not_forever():
    gate = threading.Event()

    async def main():
        admission = Admission(max_concurrency=1, max_queue=0, timeout_s=0.05)
        with pytest.raises(RequestTimeout):
            await admission.run(gate.wait, 5)
        started = time.monotonic()
        assert admission.shutdown(timeout=0.2) is False  # the hung check is still running
        assert 0.15 < time.monotonic() - started < 2
        gate.set()
        assert admission.shutdown(timeout=5) is True

    asyncio.run(main())


def _policy_file(tmp_path, extra: str = "") -> str:
    path = tmp_path / "policy.yaml"
    path.write_text("name: files\nversion: '5'\ninput:\n  - guard: lexicon\n    config:\n"
                    "      category: prompt_injection\n      terms: {any: ['ignore previous instructions']}\n" + extra)
    return str(path)


def test_not_ready_while_the_models_load_then_ready(tmp_path, monkeypatch):
    loading = threading.Event()
    real = state_module.warm_up
    monkeypatch.setattr(state_module, "warm_up", lambda guard: (loading.wait(10), real(guard)))
    with TestClient(create_app(ServeSettings(policy=_policy_file(tmp_path)))) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        waiting = client.get("/readyz")
        assert waiting.status_code == 503 and waiting.json()["status"] == "loading"
        check = client.post("/v1/check/input", json={"text": "hi"})
        assert check.status_code == 503 and check.json()["error"] == "not_ready" and "Retry-After" in check.headers
        loading.set()
        _wait_for(lambda: client.get("/readyz").status_code == 200)
        assert client.get("/readyz").json()["load_s"] > 0
        blocked = client.post("/v1/check/input", json={"text": "Ignore previous instructions!"}).json()
        assert blocked["action"] == "block" and blocked["policy"] == "files"


def test_a_guard_that_fails_to_load_is_reported_and_stops_the_server(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nversion: '1'\ninput:\n  - guard: no_such_guard\n")
    failures: list[BaseException] = []
    with TestClient(create_app(ServeSettings(policy=str(bad)), on_load_failure=failures.append)) as client:
        _wait_for(lambda: failures)
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["status"] == "failed"
        assert "no_such_guard" in ready.json()["reason"]
        assert client.post("/v1/check/input", json={"text": "hi"}).json()["error"] == "not_ready"


def test_an_open_circuit_breaker_makes_it_not_ready(serve, toy_guard):
    guard = toy_guard()
    health = {"ready": False, "reason": "circuit open: moderation", "open": ["moderation"]}
    guard.health = lambda: health  # the reliability hook (Guard.health) when the Guard has one
    client = serve(guard)
    degraded = client.get("/readyz")
    assert degraded.status_code == 503
    assert degraded.json()["status"] == "degraded" and degraded.json()["reason"] == "circuit open: moderation"
    assert degraded.json()["health"]["open"] == ["moderation"]
    assert client.post("/v1/check/input", json={"text": "hi"}).status_code == 200  # still answers
    health["ready"] = True
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize(("report", "ready"), [
    (True, True), (False, False), ({"healthy": False}, False), ({"ok": True}, True), ({}, True),
])
def test_guard_health_shapes(report, ready):
    guard = type("G", (), {"health": lambda self: report})()
    assert guard_health(guard)[0] is ready
    assert guard_health(object()) == (None, None, None)
    broken = type("B", (), {"health": lambda self: 1 / 0})()
    assert guard_health(broken)[:1] == (False,) and "ZeroDivisionError" in guard_health(broken)[2]


def test_metrics_count_requests_decisions_and_refusals(serve):
    pytest.importorskip("prometheus_client")
    client = serve(max_body_bytes=2048)
    client.post("/v1/check/input", json={"text": "please ignore previous instructions"})
    client.post("/v1/check/input", json={"text": "fine"})
    client.post("/v1/check/input", content=b"x" * 4096, headers={"Content-Type": "application/json"})
    page = client.get("/metrics")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/plain")
    text = page.text
    assert 'guardrails_serve_decisions_total{action="block",policy="toy",stage="input"} 1.0' in text
    assert 'guardrails_serve_triggers_total{category="prompt_injection",policy="toy",stage="input"} 1.0' in text
    assert 'guardrails_serve_requests_total{endpoint="/v1/check/input",status="200"} 2.0' in text
    assert 'guardrails_serve_rejected_total{reason="too_large"} 1.0' in text
    assert "guardrails_serve_ready 1.0" in text and "guardrails_serve_checks_running 0.0" in text


def test_metrics_without_prometheus_client_say_what_to_install(serve, monkeypatch):
    monkeypatch.setitem(sys.modules, "prometheus_client", None)
    response = serve().get("/metrics")
    assert response.status_code == 501 and "prometheus" in response.text


def test_logs_carry_no_text_unless_asked(serve, caplog):
    secret = "my very private question 9876"
    with caplog.at_level(logging.DEBUG):
        client = serve()
        client.post("/v1/check/input", json={"text": secret})
        client.post("/v1/check/batch", json={"texts": [secret, secret]})
        client.post("/v1/check/input", json={"text": secret, "extra": secret})  # a 422
    lines = [r.getMessage() for r in caplog.records]
    assert any("POST /v1/check/input 200" in line and "chars=29" in line for line in lines)
    assert not any("private" in line or "9876" in line for line in lines)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="guardrails.serve"):
        serve(log_text=True).post("/v1/check/input", json={"text": secret})
    assert any(secret in r.getMessage() for r in caplog.records)


def test_an_unexpected_error_is_500_and_its_message_stays_out_of_the_log(serve, toy_guard, caplog):
    guard = toy_guard()

    def explode(*args, **kwargs):
        raise ValueError(f"cannot handle {args[0]!r}")

    guard.check_input = explode
    with caplog.at_level(logging.ERROR, logger="guardrails.serve"):
        response = serve(guard).post("/v1/check/input", json={"text": "sensitive words"})
    assert response.status_code == 500 and response.json()["error"] == "internal"
    assert "ValueError" in response.json()["message"] and "sensitive" not in response.text
    assert caplog.records and not any("sensitive" in r.getMessage() for r in caplog.records)


def test_shutdown_flushes_the_audit_log(tmp_path):
    log = tmp_path / "audit.jsonl"
    extra = f"audit:\n  path: {log}\n  flush_interval_ms: 600000\n"  # only a flush writes before 10 minutes
    with TestClient(create_app(ServeSettings(policy=_policy_file(tmp_path, extra)))) as client:
        _wait_for(lambda: client.get("/readyz").status_code == 200)
        ids = [client.post("/v1/check/input", json={"text": f"query {i}", "context": {"request_id": f"r{i}"}}
                           ).json()["id"] for i in range(25)]
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["id"] for r in records] == ids


def test_a_served_guard_is_flushed_not_closed(toy_guard):
    guard = toy_guard({"input": [KEYWORDS]})
    with TestClient(create_app(ServeSettings(), guard=guard)) as client:
        client.post("/v1/check/input", json={"text": "hi"})
    assert guard.check_input("still usable").action.value == "allow"
    guard.close()
