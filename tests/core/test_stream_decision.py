"""A stream is recorded once: however many checks the streaming judge runs, the sinks, the audit
log and the on_decision hook see ONE output Decision per stream (guardrails.stream_decision)."""

from __future__ import annotations

import asyncio
import json

import pytest

from guardrails import Action, Blocked, Guard, hookimpl
from guardrails.streaming import StreamJudge

WHALES = "Whales sing long songs that travel far under the sea and carry news between pods. " * 3
LEAK = {"guard": "keyword", "config": {"words": {"leak": ["secret plan"]}}, "action": "block"}
DIGITS = {"guard": "digits", "action": "redact"}


class ListSink:
    def __init__(self) -> None:
        self.decisions = []

    def on_decision(self, decision, context):
        self.decisions.append((decision, context))


class HookCounter:
    """A global on_decision hook: counts the output decisions of every Guard."""

    def __init__(self) -> None:
        self.outputs = 0

    @hookimpl
    def on_decision(self, decision, context):
        self.outputs += decision.stage == "output"


def words(text: str) -> list[str]:
    return [w + " " for w in text.split()]


def sinked(guard: Guard) -> ListSink:
    return guard.add_sink(ListSink())


def outputs(sink: ListSink) -> list:
    return [d for d, _ in sink.decisions if d.stage == "output"]


def test_an_allowed_stream_of_many_chunks_is_one_decision(toy, tmp_path):
    log = tmp_path / "audit.jsonl"
    guard = toy({"output": [LEAK], "audit": {"path": str(log)}})
    sink = sinked(guard)
    chunks = words(WHALES)
    out = "".join(guard.wrap(lambda prompt: iter(chunks))("tell me"))
    assert out == "".join(chunks)
    (decision,) = outputs(sink)
    assert decision.action is Action.ALLOW
    assert decision.details["stream"] == {"checks": decision.details["stream"]["checks"], "chars": len(out)}
    assert decision.details["stream"]["checks"] > 20  # many checks, one record
    guard.close()
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["stage"] for r in records] == ["input", "output"]


def test_a_redaction_mid_stream_is_the_decision_recorded(toy):
    guard = toy({"output": [DIGITS]})
    sink = sinked(guard)
    chunks = words("Call me on 5551234 tonight. " + WHALES)  # the last windows hold no digits
    out = "".join(guard.wrap(lambda prompt: iter(chunks))("tell me"))
    assert "5551234" not in out and "[NUM]" in out
    (decision,) = outputs(sink)
    assert decision.action is Action.REDACT and "5551234" in decision.original_text


def test_the_most_severe_check_is_recorded_the_latest_among_equals(toy):
    warn = {"guard": "keyword", "config": {"words": {"odd": ["odd word"]}}, "action": "warn"}
    guard = toy({"output": [warn, DIGITS]})
    sink = sinked(guard)
    chunks = words("An odd word first. " + WHALES + " Then 42 later and more words to end it all. ")
    list(guard.wrap(lambda prompt: iter(chunks))("tell me"))
    (decision,) = outputs(sink)
    assert decision.action is Action.REDACT and "42" in decision.original_text  # redact > warn


def test_a_block_midway_records_the_block_that_stopped_the_stream(toy):
    counter = HookCounter()
    guard = toy({"output": [LEAK]})
    guard.plugin_manager.register(counter)
    try:
        sink = sinked(guard)
        chunks = ["Hello there. ", "Here is ", "the secret ", "plan. ", "More text. ", "Even more."]
        out = list(guard.wrap(lambda prompt: iter(chunks))("hi"))
        assert out[-1] == guard.policy.settings.refusal_message
        (decision,) = outputs(sink)
        assert decision.action is Action.BLOCK and decision.triggered == ("leak",)
        assert "secret plan" in decision.original_text
        assert counter.outputs == 1  # the global hook too

        with pytest.raises(Blocked) as caught:
            list(guard.wrap(lambda prompt: iter(chunks), on_block="raise")("hi"))
        assert outputs(sink)[1].id == caught.value.decision.id and len(outputs(sink)) == 2
    finally:
        guard.plugin_manager.unregister(counter)


def test_a_suspended_block_the_sentence_clears_is_not_recorded(make_guard):
    from tests.core.test_streaming import FragmentPlugin

    guard = make_guard({"name": "t", "output": [{"guard": "fragment", "action": "block"}]}, plugins=[FragmentPlugin()])
    sink = sinked(guard)
    out = "".join(guard.wrap(lambda prompt: iter(["Most ", "viewers loved it. ", "Then ", "more. "]))("q"))
    assert out == "Most viewers loved it. Then more. "
    (decision,) = outputs(sink)
    assert decision.action is Action.ALLOW


def test_async_streams_are_one_decision(toy):
    guard = toy({"output": [LEAK, DIGITS]})
    sink = sinked(guard)

    @guard.wrap
    async def model(prompt: str):
        for chunk in words("Call 5551234 now. " + WHALES):
            yield chunk

    @guard.wrap
    async def leaky(prompt: str):
        for chunk in ["Hello. ", "the secret ", "plan. ", "more. "] * 5:
            yield chunk

    async def collect(fn):
        return [piece async for piece in fn("hi")]

    assert "[NUM]" in "".join(asyncio.run(collect(model)))
    assert asyncio.run(collect(leaky))[-1] == guard.policy.settings.refusal_message
    assert [d.action for d in outputs(sink)] == [Action.REDACT, Action.BLOCK]


def test_an_async_function_returning_a_sync_stream_is_one_decision(toy):
    guard = toy({"output": [LEAK]})
    sink = sinked(guard)

    @guard.wrap
    async def model(prompt: str):
        return iter(words(WHALES))

    async def collect():
        return list(await model("hi"))

    assert "".join(asyncio.run(collect())) == "".join(words(WHALES))
    assert len(outputs(sink)) == 1


def test_a_dropped_or_failing_stream_is_recorded_once_with_what_it_checked(toy):
    guard = toy({"output": [LEAK]})
    sink = sinked(guard)
    gen = guard.wrap(lambda prompt: iter(words(WHALES)))("hi")
    next(gen), next(gen)
    gen.close()  # the reader stopped early
    (decision,) = outputs(sink)
    assert decision.action is Action.ALLOW and decision.details["stream"]["chars"] < len(WHALES)

    def failing(prompt: str):
        yield "Whales sing. "
        yield "They travel. "
        raise RuntimeError("the model's connection dropped")

    with pytest.raises(RuntimeError):
        list(guard.wrap(failing)("hi"))
    assert len(outputs(sink)) == 2

    async def dropped():
        @guard.wrap
        async def model(prompt: str):
            for chunk in words(WHALES):
                yield chunk

        agen = model("hi")
        await agen.__anext__()
        await agen.aclose()

    asyncio.run(dropped())
    assert len(outputs(sink)) == 3


@pytest.mark.parametrize("chunks", [[], ["", "  ", "\n"]])
def test_an_empty_or_blank_stream_is_still_one_decision(toy, chunks):
    guard = toy({"output": [LEAK]})
    sink = sinked(guard)
    assert "".join(guard.wrap(lambda prompt: iter(chunks))("hi")) == "".join(chunks)
    (decision,) = outputs(sink)
    assert decision.action is Action.ALLOW


def test_the_shadow_policy_runs_once_per_stream(toy):
    base = toy({"output": []})
    candidate = {"name": "candidate", "version": "2", "output": [
        {"guard": "keyword", "config": {"words": {"odd": ["songs"]}}, "action": "block"}]}
    guard = Guard.from_policy({"name": "test", "output": [LEAK]}, plugin_manager=base.plugin_manager,
                              resources=base.resources, shadow=candidate)
    sink = sinked(guard)
    calls = []
    run = guard._shadow.run

    def counted(*args, **kwargs):
        calls.append(args)
        return run(*args, **kwargs)

    guard._shadow.run = counted
    list(guard.wrap(lambda prompt: iter(words(WHALES)))("hi"))
    (decision,) = outputs(sink)
    assert len([c for c in calls if c[0] == "output"]) == 1
    assert decision.details["shadow"]["policy"] == "candidate"
    guard.close()


def test_a_plain_check_output_judge_still_publishes_each_check(toy):
    """StreamJudge without ``publish`` (any Checker's check_output): each check is its own decision."""
    guard = toy({"output": [LEAK]})
    sink = sinked(guard)
    judge = StreamJudge(guard.check_output, lambda d: "stop", 200, "q", None)
    for chunk in words(WHALES):
        judge.feed(chunk)
    judge.finish()
    assert judge.publish() is None
    assert len(outputs(sink)) == judge.checks > 1
