"""Metrics (in-memory OpenTelemetry reader), escalation sinks and the shadow policy."""

from __future__ import annotations

import json
import sys
import types

import pytest

from guardrails import Action, Guard
from guardrails.ops.audit import AuditSink
from guardrails.ops.escalation import EscalationSink

KEYWORDS = {
    "guard": "keyword",
    "config": {"words": {"hate": ["hateword"], "self_harm": ["hurt myself"], "sexual_minors": ["csamword"]}},
    "actions": {"self_harm": "escalate"},
}


def _points(reader) -> dict[str, list]:
    out: dict[str, list] = {}
    data = reader.get_metrics_data()
    for rm in data.resource_metrics:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                out.setdefault(metric.name, []).extend(metric.data.data_points)
    return out


def _count(points, **attrs) -> float:
    return sum(p.value for p in points if all(p.attributes.get(k) == v for k, v in attrs.items()))


def test_metrics_count_a_known_sequence(toy):
    pytest.importorskip("opentelemetry.sdk")
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    from guardrails.ops.metrics import instrument

    reader = InMemoryMetricReader()
    guard = toy({"input": [KEYWORDS, {"guard": "exploding", "id": "broken"}], "output": [KEYWORDS],
                 "settings": {"run_all": True}})
    instrument(guard, MeterProvider(metric_readers=[reader]))
    for text in ("hello", "hateword", "hateword again", "I want to hurt myself", "fine"):
        guard.check_input(text)
    guard.check_output("hateword", prompt="q")
    points = _points(reader)
    decisions = points["guardrails.decisions"]
    assert _count(decisions, stage="input", action="allow") == 2
    assert _count(decisions, stage="input", action="block") == 2
    assert _count(decisions, stage="input", action="escalate") == 1
    assert _count(decisions, stage="output", action="block") == 1
    triggers = points["guardrails.triggers"]
    assert _count(triggers, stage="input", category="hate") == 2
    assert _count(triggers, stage="input", category="self_harm", action="escalate") == 1
    errors = points["guardrails.guard.errors"]
    assert _count(errors, rail="broken", kind="error", outcome="fail_open") == 5
    latency = points["guardrails.decision.duration"]
    assert sum(p.count for p in latency) == 6
    rails = {p.attributes["rail"]: p.count for p in points["guardrails.guard.duration"] if p.attributes["stage"] == "input"}
    assert rails == {"keyword": 5, "broken": 5}
    scores = [p for p in points["guardrails.score"] if p.attributes["category"] == "hate" and p.attributes["stage"] == "input"]
    assert scores[0].count == 5 and scores[0].sum == 2.0
    guard.close()


def test_metrics_section_without_provider_is_a_quiet_noop(toy):
    pytest.importorskip("opentelemetry")
    guard = toy({"input": [KEYWORDS], "metrics": {}})
    assert guard.check_input("hateword").blocked
    guard.close()


def test_escalation_queue_and_callables(toy, tmp_path):
    queue_file = tmp_path / "review" / "queue.jsonl"
    got: list = []
    module = types.ModuleType("esc_test_target")
    module.receive = lambda record, decision: got.append(("import", record["id"], decision.action))
    sys.modules["esc_test_target"] = module
    try:
        guard = toy({
            "input": [KEYWORDS, {"guard": "digits", "action": "redact"}],
            "escalation": {"queue": str(queue_file), "callables": ["esc_test_target:receive"]},
            "settings": {"run_all": True},
        })
        sink = guard.operations.sink(EscalationSink)
        sink.callables.append(lambda record, decision: got.append(("code", record["id"], decision.action)))
        harm = guard.check_input("I want to hurt myself, call 5550100")
        minors = guard.check_input("csamword")
        guard.check_input("hateword")  # block, not escalated
        guard.check_input("hello")
        assert sink.flush()
        guard.close()
    finally:
        del sys.modules["esc_test_target"]
    records = [json.loads(line) for line in queue_file.read_text().splitlines()]
    assert [r["id"] for r in records] == [harm.id, minors.id]
    first, second = records
    assert first["type"] == "escalation" and first["reasons"] == ["action:escalate"]
    assert first["message"] == harm.message and "988" in first["message"]  # support resources shown
    assert first["text"] == "I want to hurt myself, call [NUM]"  # the redacted text
    assert second["action"] == "block" and second["reasons"] == ["category:sexual_minors"]
    assert got == [("import", harm.id, Action.ESCALATE), ("code", harm.id, Action.ESCALATE),
                   ("import", minors.id, Action.BLOCK), ("code", minors.id, Action.BLOCK)]


def test_a_failing_escalation_callable_is_logged(toy, caplog):
    def broken(record, decision):
        raise RuntimeError("pager down")

    guard = toy({"input": [KEYWORDS], "escalation": {}})
    sink = guard.operations.sink(EscalationSink)
    sink.callables.append(broken)
    assert guard.check_input("hurt myself").action is Action.ESCALATE
    sink.flush()
    assert sink.stats()["callable_errors"] == 1 and "pager down" in caplog.text
    guard.close()


def test_bad_callable_path_is_a_policy_error(toy):
    from guardrails.errors import PolicyError

    with pytest.raises(PolicyError, match="escalation.callables"):
        toy({"input": [KEYWORDS], "escalation": {"callables": ["no_such_module_xyz:f"]}})


def test_shadow_policy_runs_beside_and_is_audited(toy, tmp_path):
    log = tmp_path / "audit.jsonl"
    candidate = {"name": "candidate", "version": "2", "input": [
        {"guard": "keyword", "config": {"words": {"hate": ["hateword", "newword"]}}, "action": "block"}]}
    base = toy({"input": []})
    prod = {"name": "test", "version": "7", "input": [KEYWORDS], "audit": {"path": str(log)}}
    guard = Guard.from_policy(prod, plugin_manager=base.plugin_manager, resources=base.resources, shadow=candidate)
    d1 = guard.check_input("newword here")
    d2 = guard.check_input("hateword")
    d3 = guard.check_input("hello")
    guard.close()
    assert d1.action is Action.ALLOW and d1.shadow_action is Action.BLOCK and d1.shadow_triggered == ("hate",)
    assert d1.details["shadow"]["policy"] == "candidate" and d1.details["shadow"]["policy_version"] == "2"
    assert d2.action is Action.BLOCK and d2.shadow_action is Action.BLOCK
    assert d3.shadow_action is Action.ALLOW
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["shadow_action"] for r in records] == ["block", "block", "allow"]
    assert records[0]["action"] == "allow" and records[0]["shadow"]["triggered"] == ["hate"]


def _write_policies(tmp_path, sample_rate: float = 1.0):
    import yaml

    (tmp_path / "candidate.yaml").write_text(yaml.safe_dump(
        {"name": "cand", "input": [{"guard": "keyword", "config": {"words": {"hate": ["newword"]}}}],
         "audit": {"path": str(tmp_path / "never.jsonl")}}))
    prod = {"name": "test", "version": "7", "input": [KEYWORDS],
            "shadow": {"policy": "candidate.yaml", "sample_rate": sample_rate}}
    (tmp_path / "prod.yaml").write_text(yaml.safe_dump(prod))
    return tmp_path / "prod.yaml"


def test_shadow_section_in_policy_file(toy, tmp_path):
    base = toy({"input": []})
    guard = Guard.from_policy(_write_policies(tmp_path), plugin_manager=base.plugin_manager, resources=base.resources)
    decision = guard.check_input("newword")
    assert decision.action is Action.ALLOW and decision.shadow_action is Action.BLOCK
    assert guard.operations.sink(AuditSink) is None
    guard.close()
    assert not (tmp_path / "never.jsonl").exists()  # the candidate's own sinks are never attached


def test_shadow_sample_rate_zero_never_runs(toy, tmp_path):
    base = toy({"input": []})
    guard = Guard.from_policy(_write_policies(tmp_path, 0.0), plugin_manager=base.plugin_manager,
                              resources=base.resources)
    decision = guard.check_input("newword")
    assert decision.shadow_action is None and "shadow" not in decision.details
    guard.close()


def test_metrics_count_timeouts_by_guard(toy):
    pytest.importorskip("opentelemetry.sdk")
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    from guardrails.ops.metrics import instrument

    reader = InMemoryMetricReader()
    guard = toy({"input": [{"guard": "sleepy", "config": {"seconds": 0.3}, "timeout_ms": 20,
                            "on_error": "fail_closed"}]})
    instrument(guard, MeterProvider(metric_readers=[reader]))
    assert guard.check_input("hello").action is Action.BLOCK
    errors = _points(reader)["guardrails.guard.errors"]
    assert _count(errors, rail="sleepy", kind="timeout", outcome="fail_closed") == 1
    guard.close()


def test_prometheus_without_the_extra_names_the_install(toy):
    try:
        import opentelemetry.exporter.prometheus  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("the prometheus extra is installed")
    from guardrails.errors import PolicyError

    with pytest.raises(PolicyError, match=r"tako-guardrails\[telemetry,prometheus\]"):
        toy({"input": [KEYWORDS], "metrics": {"prometheus": {"port": 0}}})


@pytest.mark.parametrize("section, where", [
    ({"audit": {"path": "a.jsonl", "max_bytes": -1}}, "audit.max_bytes"),
    ({"audit": {"path": "a.jsonl", "flush_interval": 5}}, "audit.flush_interval"),
    ({"escalation": {"actions": ["page"]}}, "escalation.actions"),
    ({"shadow": {"policy": "c.yaml", "sample_rate": 2}}, "shadow.sample_rate"),
    ({"metrics": {"prometheus": {"port": 99999}}}, "metrics.prometheus.port"),
])
def test_ops_sections_are_validated_with_the_field_path(section, where):
    from guardrails.errors import PolicyError
    from guardrails.policy import load_policy

    with pytest.raises(PolicyError, match=where.replace(".", r"\.")):
        load_policy({"name": "p", **section})
