"""Fault injection: a plugin that returns garbage, hangs or is slow costs only its own rail."""

from __future__ import annotations

import asyncio
import math
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from guardrails import Action
from tests.fault_guards import FaultPlugin, HangingGuard
from tests.toy_guards import ToyPlugin

KEYWORD = {"guard": "keyword", "config": {"words": {"custom": ["forbidden"]}}}
ATTACKS = [f"request {i}: forbidden payload" for i in range(100)]
BENIGN = [f"request {i}: a harmless question" for i in range(100)]


@pytest.fixture
def faulty(make_guard):
    """A Guard over the toy and the misbehaving guards, from a policy dict.

    Unless ``shipped_timeout``, third-party rails without a timeout of their own get 5 s instead
    of 250 ms: a loaded test machine must not turn a slow thread start into a timeout."""
    built = []

    def build(policy: dict, shipped_timeout: bool = False):
        if not shipped_timeout:
            policy = {**policy, "settings": {"third_party_timeout_ms": 5000, **policy.get("settings", {})}}
        guard = make_guard({"name": "faults", **policy}, plugins=[ToyPlugin(), FaultPlugin()])
        built.append(guard)
        return guard

    HangingGuard.hang()
    yield build
    HangingGuard.release()
    for guard in built:
        guard.close()


# -- garbage results ----------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["text_int", "text_bytes", "text_list", "spans_garbage"])
@pytest.mark.parametrize("on_error", ["fail_open", "fail_closed"])
def test_garbage_text_is_that_rails_error_and_later_rails_see_the_last_good_text(faulty, mode, on_error):
    guard = faulty({"input": [
        {"guard": "digits", "action": "redact"},
        {"guard": "faulty_redactor", "config": {"mode": mode}, "action": "redact", "on_error": on_error},
        KEYWORD,
    ], "settings": {"run_all": True}})
    d = guard.check_input("call 555, forbidden")
    bad = d.verdicts[1]
    assert bad.error_kind == "invalid_result" and bad.outcome == on_error
    assert "invalid result" in bad.error
    assert isinstance(d.text, str) and d.text == "call [NUM], forbidden"  # the last good text
    keyword = d.verdicts[2]
    assert keyword.error is None and keyword.triggered == ("custom",)  # later rails still detect
    assert d.action is Action.BLOCK and "custom" in d.triggered


@pytest.mark.parametrize("mode", ["nan", "inf", "over", "under", "bad_category", "int_category",
                                  "not_a_verdict", "none"])
def test_invalid_scores_become_the_rails_error_with_its_own_outcome(faulty, mode):
    closed = faulty({"input": [{"guard": "faulty_scorer", "config": {"mode": mode}, "on_error": "fail_closed"}]})
    d = closed.check_input("hello")
    v = d.verdicts[0]
    assert v.error_kind == "invalid_result" and v.outcome == "fail_closed" and d.action is Action.BLOCK
    assert v.categories == {} and all(not math.isnan(s) for s in d.categories.values())
    assert d.to_record()["errors"]
    opened = faulty({"input": [{"guard": "faulty_scorer", "config": {"mode": mode}, "on_error": "fail_open"}, KEYWORD]})
    d = opened.check_input("forbidden")
    assert d.verdicts[0].outcome == "fail_open" and d.verdicts[1].triggered == ("custom",)
    assert d.action is Action.BLOCK


def test_nan_is_named_in_the_error(faulty):
    d = faulty({"input": [{"guard": "faulty_scorer", "config": {"mode": "nan"}}]}).check_input("x")
    assert "NaN" in d.verdicts[0].error and "outside [0, 1]" in d.verdicts[0].error


def test_numpy_scores_are_numbers_not_garbage(faulty):
    d = faulty({"input": [{"guard": "faulty_scorer", "config": {"mode": "numpy"}}]}).check_input("x")
    v = d.verdicts[0]
    assert v.error is None and type(v.categories["custom"]) is float and d.action is Action.BLOCK


def test_garbage_in_a_batch_stays_with_its_rail(faulty):
    guard = faulty({"input": [{"guard": "faulty_redactor", "config": {"mode": "text_int"}, "on_error": "fail_closed"},
                              KEYWORD], "settings": {"run_all": True}})
    decisions = guard.check_input_batch(["a", "forbidden b"])
    assert [d.action for d in decisions] == [Action.BLOCK, Action.BLOCK]
    assert all(isinstance(d.text, str) for d in decisions)
    assert [d.verdicts[1].triggered for d in decisions] == [(), ("custom",)]


# -- a guard that hangs forever -----------------------------------------------------------------

def _hung_policy(other_timeout_ms: float | None) -> dict:
    keyword = {**KEYWORD, "timeout_ms": other_timeout_ms} if other_timeout_ms else KEYWORD
    return {
        "settings": {"breaker_threshold": 3, "breaker_cooldown_ms": 60_000},
        "input": [{"guard": "hanging", "timeout_ms": 50}, keyword, {"guard": "digits", "action": "redact"}],
    }


def _detection_rate(decisions) -> float:
    return sum("custom" in d.triggered for d in decisions) / len(decisions)


@pytest.mark.parametrize("other_timeout_ms", [None, 2_000], ids=["others-inline", "others-timed"])
def test_a_hung_plugin_under_threaded_load_leaves_other_rails_detecting(faulty, other_timeout_ms):
    guard = faulty(_hung_policy(other_timeout_ms))
    texts = ATTACKS + BENIGN  # 200 calls
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        decisions = list(pool.map(guard.check_input, texts))
    elapsed = time.perf_counter() - started
    attacks, benign = decisions[:100], decisions[100:]
    assert _detection_rate(attacks) == 1.0 and _detection_rate(benign) == 0.0
    assert all(d.verdicts[1].error is None for d in decisions)  # the other rails never starve
    kinds = [d.verdicts[0].error_kind for d in decisions]
    assert set(kinds) <= {"timeout", "unavailable"} and kinds.count("unavailable") >= 150
    assert HangingGuard.calls <= guard.policy.settings.max_workers + 1  # the breaker stopped feeding it
    health = guard.health()
    assert not health["ok"] and health["unhealthy"] == ["input.hanging"]
    hung = health["rails"]["input.hanging"]
    assert hung["state"] == "open" and hung["trips"] >= 1 and hung["third_party"] and hung["isolated"]
    assert hung["workers"]["threads"] <= guard.policy.settings.max_workers and hung["workers"]["queued"] == 0
    assert health["rails"]["input.keyword"]["state"] == "closed"
    unavailable = next(d for d in decisions if d.verdicts[0].error_kind == "unavailable")
    assert unavailable.details["unavailable"] == ["hanging"]
    assert unavailable.verdicts[0].details["circuit"] == "open"
    assert elapsed < 30  # generous: without isolation every call would wait


async def test_a_hung_plugin_under_asyncio_load_leaves_other_rails_detecting(faulty):
    guard = faulty(_hung_policy(2_000))
    texts = ATTACKS + BENIGN
    decisions = await asyncio.gather(*(guard.acheck_input(t) for t in texts))
    assert _detection_rate(decisions[:100]) == 1.0 and _detection_rate(decisions[100:]) == 0.0
    assert all(d.verdicts[1].error is None for d in decisions)
    assert guard.health()["rails"]["input.hanging"]["state"] == "open"


def test_fail_closed_hung_rail_blocks_but_the_queue_stays_bounded(faulty):
    guard = faulty({"settings": {"breaker_threshold": 1000, "max_workers": 2},
                    "input": [{"guard": "hanging", "timeout_ms": 20, "on_error": "fail_closed"}, KEYWORD]})
    with ThreadPoolExecutor(max_workers=8) as pool:
        decisions = list(pool.map(guard.check_input, BENIGN))
    assert all(d.action is Action.BLOCK and d.verdicts[0].error_kind == "timeout" for d in decisions)
    workers = guard.health()["rails"]["input.hanging"]["workers"]
    assert workers["threads"] == 2 and workers["stuck"] == 2 and workers["queued"] == 0
    assert HangingGuard.calls == 2  # only the two stuck workers ever started a call


def test_the_circuit_half_opens_after_the_cooldown_and_closes_on_an_answer(faulty):
    guard = faulty({"settings": {"breaker_threshold": 2, "breaker_cooldown_ms": 1500},
                    "input": [{"guard": "hanging", "timeout_ms": 300}]})
    for _ in range(2):
        assert guard.check_input("x").verdicts[0].error_kind == "timeout"
    assert guard.check_input("x").verdicts[0].error_kind == "unavailable"
    assert guard.health()["rails"]["input.hanging"]["state"] == "open"
    HangingGuard.release()  # the guard recovers (its stuck calls return too)
    time.sleep(1.6)
    d = guard.check_input("x")  # the trial call
    assert d.verdicts[0].error is None
    rail = guard.health()["rails"]["input.hanging"]
    assert rail["state"] == "closed" and rail["trips"] == 1 and rail["workers"]["stuck"] == 0


def test_a_failed_trial_reopens_the_circuit(faulty):
    guard = faulty({"settings": {"breaker_threshold": 1, "breaker_cooldown_ms": 1000},
                    "input": [{"guard": "hanging", "timeout_ms": 20}]})
    assert guard.check_input("x").verdicts[0].error_kind == "timeout"
    time.sleep(1.1)
    assert guard.check_input("x").verdicts[0].error_kind == "timeout"  # the trial times out
    assert guard.check_input("x").verdicts[0].error_kind == "unavailable"
    assert guard.health()["rails"]["input.hanging"]["trips"] == 2


# -- defaults, budget, size ---------------------------------------------------------------------

def test_third_party_rails_get_the_default_timeout_and_can_override_it(faulty):
    guard = faulty({"input": [{"guard": "slow", "config": {"seconds": 0.6}},
                              {"guard": "slow", "id": "inline", "config": {"seconds": 0.01}, "timeout_ms": 0},
                              {"guard": "slow", "id": "longer", "config": {"seconds": 0.01}, "timeout_ms": 900}]},
                   shipped_timeout=True)
    rails = guard.health()["rails"]
    assert rails["input.slow"]["timeout_ms"] == 250 and rails["input.slow"]["third_party"]
    assert rails["input.inline"]["timeout_ms"] is None and not rails["input.inline"]["isolated"]
    assert rails["input.longer"]["timeout_ms"] == 900
    d = guard.check_input("x")
    assert d.verdicts[0].error == "GuardTimeout: no result within 250 ms"
    assert [v.error for v in d.verdicts[1:]] == [None, None]


def test_first_party_rails_run_inline_and_third_party_ones_isolated():
    from guardrails import Guard

    guard = Guard.from_policy({"name": "p", "input": [{"guard": "secrets"}, {"guard": "pii"}]})
    assert all(not r["isolated"] and not r["third_party"] for r in guard.health()["rails"].values())


def test_the_call_budget_stops_rails_that_have_not_started(faulty):
    slow = {"guard": "slow", "config": {"seconds": 0.4}, "timeout_ms": 0}  # inline: cannot be cut off
    guard = faulty({"settings": {"time_budget_ms": 600},
                    "input": [slow, {**slow, "id": "slow2"}, {**KEYWORD, "on_error": "fail_closed"}]})
    first = guard.check_input("a harmless text")  # the first call loads models: no budget yet
    assert first.action is Action.ALLOW and "budget_exceeded" not in first.details
    d = guard.check_input("another harmless text")  # not the same text: no decision-cache hit
    assert [v.error_kind for v in d.verdicts] == [None, None, "budget"]
    assert d.verdicts[2].outcome == "fail_closed" and d.action is Action.BLOCK
    assert d.details["budget_exceeded"] == ["keyword"]


def test_the_call_budget_cuts_an_isolated_rail_short_without_tripping_its_breaker(faulty):
    guard = faulty({"settings": {"time_budget_ms": 100, "breaker_threshold": 1},
                    "input": [{"guard": "slow", "config": {"seconds": 0.5}, "timeout_ms": 2000}]})
    guard.check_input("warm up")  # the first call has no budget (it loads the models)
    started = time.perf_counter()
    d = guard.check_input("x")
    assert time.perf_counter() - started < 0.45
    assert d.verdicts[0].error_kind == "budget" and d.details["budget_exceeded"] == ["slow"]
    assert guard.health()["rails"]["input.slow"]["state"] == "closed"


def test_text_over_max_chars_is_cut_and_passed_on_cut(faulty):
    guard = faulty({"settings": {"max_chars": 1000}, "input": [{"guard": "digits", "action": "redact"}]})
    d = guard.check_input("word " * 400 + "tail 12345")
    assert len(d.text) <= 1000 and d.text.endswith("word") and "tail" not in d.text
    assert d.action is Action.REDACT and d.flagged
    assert d.details["truncated"] == {"chars": 2010, "checked": len(d.text), "max_chars": 1000,
                                      "on_oversize": "truncate"}
    blocked = faulty({"settings": {"max_chars": 1000, "on_oversize": "block"},
                      "input": [{"guard": "counting"}]})
    d = blocked.check_input("x" * 1001)
    assert d.action is Action.BLOCK and d.text == "" and d.verdicts == ()
    assert blocked._runners["input"].rails[0].guard.calls == 0
    assert blocked.check_input("x" * 1000).action is Action.ALLOW


def test_close_never_waits_for_a_stuck_guard(faulty):
    guard = faulty({"input": [{"guard": "hanging", "timeout_ms": 300}]})
    assert guard.check_input("x").verdicts[0].error == "GuardTimeout: no result within 300 ms"
    started = time.perf_counter()
    guard.close()
    assert time.perf_counter() - started < 1.0
    assert guard.health()["rails"]["input.hanging"]["workers"]["stuck"] == 1


# -- the process can exit ------------------------------------------------------------------------

_EXIT_SCRIPT = r"""
import asyncio, sys, time
sys.path.insert(0, {repo!r})
from guardrails import Guard, Resources
from guardrails.plugins import get_plugin_manager
from tests.fault_guards import FaultPlugin
from tests.toy_guards import ToyPlugin

pm = get_plugin_manager(load_entrypoints=False, plugins=[FaultPlugin(), ToyPlugin()])
guard = Guard.from_policy({{"name": "exit", "input": [
    {{"guard": "hanging", "timeout_ms": 30}},
    {{"guard": "keyword", "config": {{"words": {{"custom": ["forbidden"]}}}}, "timeout_ms": 1000}},
]}}, plugin_manager=pm, resources=Resources({{}}))
from concurrent.futures import ThreadPoolExecutor
with ThreadPoolExecutor(8) as pool:
    found = sum("custom" in d.triggered for d in pool.map(guard.check_input, ["forbidden"] * 100))

async def main():
    return await asyncio.gather(*(guard.acheck_input("forbidden") for _ in range(100)))

found += sum("custom" in d.triggered for d in asyncio.run(main()))
guard.close()
print(found, time.perf_counter(), flush=True)
"""


def test_a_process_that_used_a_hung_plugin_exits_after_close(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    repo = str(Path(__file__).resolve().parents[2])
    script = tmp_path / "exit.py"
    script.write_text(_EXIT_SCRIPT.format(repo=repo))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    ended = time.perf_counter()
    assert proc.returncode == 0, proc.stderr
    found, closed_at = proc.stdout.split()
    assert int(found) == 200  # every attack found while the plugin hung
    assert ended - float(closed_at) < 60  # generous; the benchmark records the real figure
