"""guard.wrap over sync, async and streaming callables; async checks inside a running loop."""

from __future__ import annotations

import asyncio

import pytest

from guardrails import Action, Blocked

POLICY = {
    "input": [{"guard": "digits", "action": "redact"}, {"guard": "keyword", "config": {"words": {"custom": ["forbidden"]}}}],
    "output": [{"guard": "keyword", "config": {"words": {"leak": ["secret plan"]}}}],
}


def test_wrap_sync_redacts_prompt_and_checks_answer(toy):
    guard = toy(POLICY)
    seen = []

    @guard.wrap
    def ask(prompt: str) -> str:
        seen.append(prompt)
        return f"you said: {prompt}"

    assert ask("my pin is 1234") == "you said: my pin is [NUM]"
    assert seen == ["my pin is [NUM]"]
    assert ask.__name__ == "ask"


def test_blocked_input_never_reaches_the_model(toy):
    guard = toy(POLICY)
    calls = []

    @guard.wrap
    def ask(prompt: str) -> str:
        calls.append(prompt)
        return "answer"

    assert ask("something forbidden") == guard.policy.settings.refusal_message
    assert calls == []

    @guard.wrap(on_block="raise")
    def ask_raising(prompt: str) -> str:
        calls.append(prompt)
        return "answer"

    with pytest.raises(Blocked) as info:
        ask_raising(prompt="forbidden words")
    assert info.value.decision.triggered == ("custom",)
    assert calls == []


def test_blocked_output_is_replaced(toy):
    guard = toy(POLICY)
    wrapped = guard.wrap(lambda prompt: "here is the secret plan")
    assert wrapped("hi") == guard.policy.settings.refusal_message


def test_wrap_chat_messages_passes_redacted_conversation(toy):
    guard = toy(POLICY)
    got = {}

    @guard.wrap
    def chat(messages):
        got["messages"] = messages
        return "ok"

    chat(messages=[{"role": "system", "content": "be nice"}, {"role": "user", "content": "call 555 1234"}])
    assert got["messages"][-1]["content"] == "call [NUM] [NUM]"
    assert got["messages"][0] == {"role": "system", "content": "be nice"}


def test_wrap_async(toy):
    guard = toy(POLICY)

    @guard.wrap
    async def ask(prompt: str) -> str:
        await asyncio.sleep(0)
        return f"echo {prompt}"

    assert asyncio.run(ask("code 42")) == "echo code [NUM]"
    assert asyncio.run(ask("forbidden")) == guard.policy.settings.refusal_message


def test_safe_stream_passes_everything_through_in_order(toy):
    guard = toy(POLICY)
    chunks = ["One. ", "Two ", "three", " four! ", "x" * 450, " end"]
    stream = guard.wrap(lambda prompt: iter(chunks))
    assert "".join(stream("hi")) == "".join(chunks)


def test_stream_redaction_applies_to_output(toy):
    guard = toy({"output": [{"guard": "digits", "action": "redact"}]})
    stream = guard.wrap(lambda prompt: iter(["Call 555. ", "Or 777 now."]))
    assert "".join(stream("hi")) == "Call [NUM]. Or [NUM] now."


def test_async_stream_stops(toy):
    guard = toy(POLICY)

    @guard.wrap
    async def stream(prompt: str):
        for chunk in ["Fine. ", "the secret plan. ", "never"]:
            yield chunk

    async def collect():
        return [c async for c in stream("hi")]  # an async generator function stays one: no await

    out = asyncio.run(collect())
    assert out == ["Fine. ", guard.policy.settings.refusal_message]


def test_blocked_input_on_a_generator_still_returns_an_iterator(toy):
    guard = toy(POLICY)

    @guard.wrap
    def stream(prompt: str):
        yield "never"

    assert list(stream("forbidden")) == [guard.policy.settings.refusal_message]


async def test_async_checks_inside_a_running_loop(toy):
    guard = toy(POLICY)
    loop_ticks = 0

    async def ticker():
        nonlocal loop_ticks
        for _ in range(5):
            loop_ticks += 1
            await asyncio.sleep(0)

    decision, *_ = await asyncio.gather(guard.acheck_input("forbidden"), ticker())
    assert decision.action is Action.BLOCK and loop_ticks == 5
    out = await guard.acheck_output("the secret plan", prompt="q")
    assert out.action is Action.BLOCK
    batch = await guard.acheck_input_batch(["a", "forbidden"])
    assert [d.action for d in batch] == [Action.ALLOW, Action.BLOCK]
    docs = await guard.acheck_context(["fine", "forbidden"])
    assert [d.stage for d in docs] == ["context", "context"]
