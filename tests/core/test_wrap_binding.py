"""guard.wrap binds the prompt by parameter name, iterates async generators directly, and reads
non-text answers through an extractor before returning them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest

from guardrails import InvalidInput

POLICY = {
    "input": [{"guard": "digits", "action": "redact"}, {"guard": "keyword", "config": {"words": {"custom": ["forbidden"]}}}],
    "output": [{"guard": "digits", "action": "redact"}, {"guard": "keyword", "config": {"words": {"leak": ["secret plan"]}}}],
}


def test_the_prompt_parameter_is_bound_not_the_first_argument(toy):
    guard = toy(POLICY)
    seen = []

    @guard.wrap
    def ask(model: str, prompt: str, temperature: float = 0.0) -> str:
        seen.append((model, prompt))
        return "ok"

    assert ask("gpt-x 4", "forbidden words") == guard.policy.settings.refusal_message
    assert seen == []  # the attack never reaches the model
    assert ask("gpt-x 4", prompt="pin 1234") == "ok"
    assert seen == [("gpt-x 4", "pin [NUM]")]  # the model name is untouched, the prompt redacted


def test_a_method_binds_its_prompt_not_self(toy):
    guard = toy(POLICY)

    class Client:
        model = "mini"

        @guard.wrap
        def complete(self, messages: list[dict[str, Any]]) -> str:
            return f"{self.model}: {messages[-1]['content']}"

        @guard.wrap
        @classmethod
        def ask(cls, q: str) -> str:  # a sole parameter binds whatever its name
            return q

    assert Client().complete([{"role": "user", "content": "pin 12"}]) == "mini: pin [NUM]"
    assert Client.ask("forbidden") == guard.policy.settings.refusal_message


def test_prompt_arg_names_the_parameter(toy):
    guard = toy(POLICY)
    seen = []
    wrapped = guard.wrap(prompt_arg="q")(lambda model, q: seen.append((model, q)) or "ok")
    assert wrapped("m 7", "call 555") == "ok" and seen == [("m 7", "call [NUM]")]
    with pytest.raises(TypeError, match="no parameter 'question'"):
        guard.wrap(prompt_arg="question")(lambda model, q: q)


def test_nothing_to_bind_raises_when_decorating(toy):
    guard = toy(POLICY)
    with pytest.raises(TypeError, match="no parameter of .* is the prompt"):
        guard.wrap(lambda model, temperature: "x")
    with pytest.raises(TypeError, match="no parameter"):
        guard.wrap(lambda self: "x")


def test_keyword_arguments_bind_through_kwargs(toy):
    guard = toy(POLICY)
    wrapped = guard.wrap(lambda **kwargs: kwargs["messages"][-1]["content"])
    assert wrapped(model="m", messages=[{"role": "user", "content": "pin 3"}]) == "pin [NUM]"
    with pytest.raises(TypeError, match="pass the prompt"):
        wrapped(model="m")


def test_an_async_generator_is_iterated_directly(toy):
    guard = toy(POLICY)

    @guard.wrap
    async def stream(model: str, prompt: str):
        for piece in ["Hello. ", f"You said {prompt}. ", "the secret plan. ", "never"]:
            yield piece

    async def collect(prompt):
        return [piece async for piece in stream("m", prompt)]

    out = asyncio.run(collect("pin 42"))
    assert out[:2] == ["Hello. ", "You said pin [NUM]. "]
    assert out[-1] == guard.policy.settings.refusal_message and "never" not in out
    assert asyncio.run(collect("forbidden")) == [guard.policy.settings.refusal_message]


# client-shaped answers ---------------------------------------------------------------------


@dataclass
class Message:
    content: str | None
    role: str = "assistant"


@dataclass
class Choice:
    message: Message
    index: int = 0


@dataclass
class ChatCompletion:
    choices: list[Choice]
    model: str = "m"
    usage: dict[str, int] = field(default_factory=dict)


def completion(text: str) -> ChatCompletion:
    return ChatCompletion([Choice(Message(text))])


def test_a_response_object_is_checked_before_it_is_returned(toy):
    guard = toy(POLICY)
    original = completion("call 555 now")
    answer = guard.wrap(lambda prompt: original)("hi")
    assert isinstance(answer, ChatCompletion) and answer.choices[0].message.content == "call [NUM] now"
    assert original.choices[0].message.content == "call 555 now"  # the caller's object untouched
    clean = completion("all fine")
    assert guard.wrap(lambda prompt: clean)("hi") is clean
    assert guard.wrap(lambda prompt: completion("the secret plan"))("hi") == guard.policy.settings.refusal_message


@pytest.mark.parametrize(
    ("answer", "redacted"),
    [
        ({"choices": [{"message": {"role": "assistant", "content": "pin 99"}}]},
         {"choices": [{"message": {"role": "assistant", "content": "pin [NUM]"}}]}),
        ({"choices": [{"text": "pin 99"}]}, {"choices": [{"text": "pin [NUM]"}]}),
        ({"content": [{"type": "text", "text": "pin 99"}], "role": "assistant"},
         {"content": [{"type": "text", "text": "pin [NUM]"}], "role": "assistant"}),
        ([{"type": "text", "text": "pin 99"}, {"type": "tool_use", "id": "t1"}],
         [{"type": "text", "text": "pin [NUM]"}, {"type": "tool_use", "id": "t1"}]),
        ({"output_text": "pin 99", "id": "r1"}, {"output_text": "pin [NUM]", "id": "r1"}),
    ],
)
def test_common_client_shapes(toy, answer, redacted):
    assert toy(POLICY).wrap(lambda prompt: answer)("hi") == redacted


def test_a_caller_extractor(toy):
    guard = toy(POLICY)
    wrapped = guard.wrap(extract=lambda a: a["answer"])(lambda prompt: {"answer": "code 7"})
    assert wrapped("hi") == "code [NUM]"  # a custom extractor gets the checked text back
    blocked = guard.wrap(extract=lambda a: a["answer"])(lambda prompt: {"answer": "the secret plan"})
    assert blocked("hi") == guard.policy.settings.refusal_message
    with pytest.raises(TypeError, match="extract= must be a callable"):
        guard.wrap(extract="answer")(lambda prompt: "x")


def test_unsupported_shapes_raise_clearly(toy):
    guard = toy(POLICY)
    calls = []

    def count(prompt: str) -> int:
        calls.append(prompt)
        return 3

    with pytest.raises(InvalidInput, match="returns int"):
        guard.wrap(count)  # known before the model is ever called
    assert calls == []
    with pytest.raises(InvalidInput, match="cannot read the text of the answer .a set"):
        guard.wrap(lambda prompt: {1, 2})("hi")


def test_streamed_client_chunks_are_read_as_text(toy):
    guard = toy(POLICY)

    def openai_chunks(prompt):
        for text in ["Call ", "555", ". ", None]:
            yield {"choices": [{"delta": {"content": text}}]}

    assert "".join(guard.wrap(openai_chunks)("hi")) == "Call [NUM]. "

    async def anthropic_events(prompt):
        yield {"type": "message_start", "message": {}}
        for text in ["Pin ", "42. ", "Done."]:
            yield {"type": "content_block_delta", "delta": {"type": "text_delta", "text": text}}
        yield {"type": "message_stop"}

    async def collect():
        return "".join([p async for p in guard.wrap(anthropic_events)("hi")])

    assert asyncio.run(collect()) == "Pin [NUM]. Done."
