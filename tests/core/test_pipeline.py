"""The pipeline: actions, severity, short-circuit, shadow, errors, timeouts, bad input."""

from __future__ import annotations

import time

import pytest
from pydantic import ValidationError

from guardrails import Action, Decision, InvalidInput, Span, Verdict

BLOCK_WORD = {"guard": "keyword", "config": {"words": {"custom": ["forbidden"]}}}


def test_severity_order():
    order = [Action.ALLOW, Action.WARN, Action.REDACT, Action.ESCALATE, Action.BLOCK]
    assert [a.severity for a in order] == sorted(a.severity for a in order)
    assert Action.most_severe([Action.WARN, Action.BLOCK, Action.REDACT]) is Action.BLOCK
    assert Action.most_severe([]) is Action.ALLOW


def test_allow_and_block_carry_policy_name_and_version(toy):
    guard = toy({"input": [BLOCK_WORD]})
    ok = guard.check_input("a harmless query")
    assert isinstance(ok, Decision)
    assert ok.action is Action.ALLOW and not ok.flagged and ok.triggered == ()
    bad = guard.check_input("this is FORBIDDEN")
    assert bad.action is Action.BLOCK and bad.flagged and bad.triggered == ("custom",)
    assert bad.categories == {"custom": 1.0}
    assert (bad.policy, bad.policy_version) == ("test", "7")
    assert bad.message == guard.policy.settings.refusal_message


def test_most_severe_action_wins(toy):
    guard = toy({"input": [
        {"guard": "keyword", "id": "w", "config": {"words": {"a": ["alpha"]}}, "action": "warn"},
        {"guard": "keyword", "id": "e", "config": {"words": {"b": ["beta"]}}, "action": "escalate"},
        {"guard": "digits", "action": "redact"},
    ]})
    d = guard.check_input("alpha beta 123")
    assert d.action is Action.ESCALATE
    assert d.triggered == ("a", "b", "pii")
    assert d.text == "alpha beta [NUM]" and d.original_text == "alpha beta 123"
    assert guard.check_input("alpha").action is Action.WARN


def test_per_category_threshold_and_action(toy):
    guard = toy({"input": [{
        "guard": "keyword",
        "config": {"words": {"x": ["xx"], "y": ["yy"]}},
        "thresholds": {"y": 1.0}, "actions": {"x": "warn"}, "action": "block",
    }]})
    assert guard.check_input("xx").action is Action.WARN
    assert guard.check_input("yy").action is Action.BLOCK


def test_block_short_circuits_unless_run_all(toy):
    rails = [BLOCK_WORD, {"guard": "counting"}]
    guard = toy({"input": rails})
    counter = guard._runners["input"].rails[1].guard
    guard.check_input("forbidden")
    assert counter.calls == 0
    guard.check_input("fine")
    assert counter.calls == 1
    run_all = toy({"settings": {"run_all": True}, "input": rails})
    d = run_all.check_input("forbidden")
    assert [v.rail for v in d.verdicts] == ["keyword", "counting"]


def test_shadow_rail_records_but_never_acts(toy):
    guard = toy({"input": [{**BLOCK_WORD, "mode": "shadow"}, {"guard": "digits", "mode": "shadow", "action": "redact"}]})
    d = guard.check_input("forbidden 42")
    assert d.action is Action.ALLOW and d.triggered == ()
    assert d.text == "forbidden 42"
    assert d.shadow_action is Action.BLOCK and d.shadow_triggered == ("custom", "pii")
    assert {v.mode for v in d.verdicts} == {"shadow"}
    assert d.to_record()["shadow_action"] == "block"


def test_fail_open_and_fail_closed(toy):
    open_ = toy({"input": [{"guard": "exploding", "on_error": "fail_open"}]}).check_input("hi")
    assert open_.action is Action.ALLOW
    assert open_.verdicts[0].outcome == "fail_open"
    assert "model server unreachable" in open_.verdicts[0].error
    assert open_.verdicts[0].error_kind == "exception"
    closed = toy({"input": [{"guard": "exploding", "on_error": "fail_closed"}]}).check_input("hi")
    assert closed.action is Action.BLOCK and closed.flagged
    assert closed.verdicts[0].outcome == "fail_closed"
    assert "errors" in closed.to_record()


def test_hanging_guard_is_cut_off_by_its_timeout(toy):
    guard = toy({"input": [{"guard": "sleepy", "config": {"seconds": 3}, "timeout_ms": 50, "on_error": "fail_closed"},
                           BLOCK_WORD]})
    start = time.perf_counter()
    d = guard.check_input("hello")
    elapsed = time.perf_counter() - start
    assert elapsed < 2.5  # the guard sleeps 3 s; the request returns after its 50 ms timeout
    assert d.verdicts[0].error_kind == "timeout"
    assert d.verdicts[0].error == "GuardTimeout: no result within 50 ms"
    assert d.verdicts[0].outcome == "fail_closed" and d.action is Action.BLOCK
    guard.close()


def test_a_guard_returning_no_verdict_is_an_invalid_result(toy, make_guard):
    from guardrails import BaseGuard, GuardConfig, hookimpl

    class Sloppy(BaseGuard):
        name = "sloppy"
        stages = frozenset({"input"})

        class Config(GuardConfig):
            pass

        def check(self, text, context):
            return {"hate": 1.0}

    class Plugin:
        @hookimpl
        def register_guards(self, register):
            register(Sloppy)

    d = make_guard({"name": "p", "input": [{"guard": "sloppy", "on_error": "fail_closed"}]},
                   plugins=[Plugin()]).check_input("hi")
    assert d.verdicts[0].error_kind == "invalid_result" and d.action is Action.BLOCK
    assert d.verdicts[0].error == "GuardError: guard 'sloppy' returned dict, expected Verdict"


def test_policy_wide_timeout_fail_open_keeps_going(toy):
    guard = toy({"settings": {"timeout_ms": 50}, "input": [{"guard": "sleepy", "config": {"seconds": 3}}, BLOCK_WORD]})
    d = guard.check_input("forbidden")
    assert d.verdicts[0].outcome == "fail_open"
    assert d.action is Action.BLOCK and d.triggered == ("custom",)
    guard.close()


@pytest.mark.parametrize(
    ("value", "text", "note"),
    [
        (None, "", "None"),
        (b"caf\xc3\xa9", "café", None),
        (b"bad \xff\xfe bytes", "bad \ufffd\ufffd bytes", "invalid UTF-8"),
        ("lone \ud800 surrogate", "lone ? surrogate", "surrogates"),
        ("", "", None),
    ],
)
def test_odd_input_gets_a_safe_decision(toy, value, text, note):
    d = toy({"input": [BLOCK_WORD, {"guard": "digits"}]}).check_input(value)
    assert d.original_text == text
    assert d.action is Action.ALLOW
    if note:
        assert note in d.details["input_note"]


def test_megabyte_input_is_checked_whole_when_the_policy_lifts_the_limits(toy):
    settings = {"max_chars": None, "third_party_timeout_ms": None, "time_budget_ms": None}
    d = toy({"settings": settings, "input": [BLOCK_WORD, {"guard": "digits", "action": "redact"}]}).check_input(
        "a1 " * 400_000)
    assert d.action is Action.REDACT and len(d.text) > 1_000_000 and "1" not in d.text
    assert "truncated" not in d.details


def test_unsupported_input_type_is_a_clear_error(toy):
    with pytest.raises(InvalidInput, match="got int"):
        toy({"input": [BLOCK_WORD]}).check_input(42)


def test_batch_matches_single_in_order(toy):
    guard = toy({"input": [{"guard": "digits", "action": "redact"}, BLOCK_WORD, {"guard": "counting"}]})
    texts = ["ok", "forbidden 1", None, "call 555", b"bytes 7"]
    batch = guard.check_input_batch(texts)
    single = [guard.check_input(t) for t in texts]
    strip = lambda d: (d.action, d.triggered, d.text, d.categories, [v.rail for v in d.verdicts])  # noqa: E731
    assert [strip(d) for d in batch] == [strip(d) for d in single]
    assert guard.check_input_batch([]) == []


def test_output_stage_sees_prompt(toy):
    seen = {}

    class PromptSpy:
        name = "spy"
        stages = frozenset({"output"})
        changes_text = False
        categories = ()

        from pydantic import BaseModel as _B

        class Config(_B):
            model_config = {"extra": "forbid"}

        def __init__(self, config, resources):
            pass

        def check(self, text, context):
            seen["prompt"], seen["stage"] = context.prompt, context.stage
            from guardrails import Verdict
            return Verdict()

    from guardrails import hookimpl

    class SpyPlugin:
        @hookimpl
        def register_guards(self, register):
            register(PromptSpy)

    from guardrails.testing import FakeEncoder  # noqa: F401  (kit import smoke)

    guard = toy({"output": [{"guard": "digits", "action": "redact"}]})
    assert guard.check_output("your code is 1234", prompt="code?").text == "your code is [NUM]"
    guard.plugin_manager.register(SpyPlugin())
    from guardrails import Guard

    spy = Guard.from_policy({"name": "s", "output": [{"guard": "spy"}]}, plugin_manager=guard.plugin_manager,
                            resources=guard.resources)
    spy.check_output("answer", prompt=[{"role": "user", "content": "the question"}])
    assert seen == {"prompt": "the question", "stage": "output"}


def test_guard_recommended_thresholds_apply_where_the_policy_sets_none(toy):
    guard = toy({"input": [
        {"guard": "similarity", "id": "rec", "config": {"description": "cooking pasta"}, "action": "warn"},
        {"guard": "similarity", "id": "own", "config": {"description": "cooking pasta", "encoder": "default"},
         "thresholds": {"topic": 0.99}},
    ]})
    for rail in guard._runners["input"].rails:
        object.__setattr__(rail, "recommended", {"topic": 0.2})
    d = guard.check_input("cooking pasta tonight")
    rec, own = d.verdicts
    assert rec.triggered == ("topic",) and own.triggered == ()


def test_trusted_construction_matches_validated_models(toy):
    d = toy({"input": [BLOCK_WORD, {"guard": "digits", "action": "redact"}]}).check_input("forbidden 7")
    assert set(d.model_dump()) == set(type(d).model_fields)
    assert type(d).model_validate(d.model_dump()) == d
    for v in d.verdicts:
        assert set(v.model_dump()) == set(type(v).model_fields)
    with pytest.raises(ValidationError, match="frozen"):
        d.action = Action.ALLOW


def test_pure_transformation_applies_its_text_and_normalising_rails_are_barriers(make_guard):
    from guardrails import hookimpl
    from tests.toy_guards import DigitRedactor, ToyPlugin

    class Upper(DigitRedactor):
        name = "upper"
        sets_view = True

        def check(self, text, context):
            context.normalized = text.upper()
            return Verdict(text=text.upper())  # scores nothing: a pure transformation

    class P:
        @hookimpl
        def register_guards(self, register):
            register(Upper)

    plugins = [ToyPlugin(), P()]
    guard = make_guard({"name": "t", "settings": {"parallel": True}, "input": [
        {"guard": "upper"}, {"guard": "keyword", "config": {"words": {"custom": ["FORBIDDEN"]}}}, {"guard": "counting"}]},
        plugins=plugins)
    assert [len(g) for g in guard._runners["input"]._groups] == [1, 2]
    d = guard.check_input("say forbidden")
    assert d.text == "SAY FORBIDDEN" and d.triggered == ("custom",)
    shadow = make_guard({"name": "s", "input": [{"guard": "upper", "mode": "shadow"}]}, plugins=plugins)
    assert shadow.check_input("quiet").text == "quiet"


def test_language_filtered_rails_run_when_language_is_unknown(toy):
    from guardrails import RequestContext

    guard = toy({"input": [{**BLOCK_WORD, "languages": ["de"]}]})
    assert guard.check_input("forbidden").action is Action.BLOCK  # language never detected
    assert guard.check_input("forbidden", context=RequestContext(language="und")).action is Action.BLOCK
    assert guard.check_input("forbidden", context=RequestContext(language="de")).action is Action.BLOCK
    skipped = guard.check_input("forbidden", context=RequestContext(language="en"))
    assert skipped.action is Action.ALLOW and skipped.verdicts == ()


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"categories": {"pii": 0.9}},
        {"details": {"refused": False}},
        {"categories": {"secrets": 1.0}, "text": "[KEY]", "details": {"secrets": {"KEY": 1}},
         "spans": (Span(start=0, end=3, category="secrets", label="KEY", replacement="[KEY]"),)},
    ],
)
def test_unvalidated_verdict_equals_the_validated_one(kwargs):
    from guardrails.outcomes import validate
    from guardrails.results import verdict

    fast = verdict(**kwargs)
    assert fast == Verdict(**kwargs) and validate(fast, "g") is fast
    assert verdict().categories is not verdict().categories  # fresh dicts, never shared
    assert verdict().details is not verdict().details
