"""Property-based tests: generated inputs through every public check, zero unexpected exceptions.

The default policy (every first-party guard) runs over the fake encoder, so thousands of inputs
fit in CI time. For any generated value a check either returns a well-formed Decision in which
no rail failed, or, for a value that is not text, raises InvalidInput. Nothing else.

Size: 5,000 generated inputs over the six tests by default; ``GUARDRAILS_FUZZ_SCALE`` multiplies
it. The long run (its last result is in docs/benchmarks.md) is::

    GUARDRAILS_FUZZ_SCALE=20 python -m pytest tests/core/test_properties.py -q   # 100,000 inputs
"""

from __future__ import annotations

import math
import os
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guardrails import Action, Decision, Guard, InvalidInput, RequestContext, Resources
from guardrails.policy import default_policy_text
from guardrails.testing import ODD_INPUTS, FakeEncoder

SCALE = float(os.environ.get("GUARDRAILS_FUZZ_SCALE", "1"))
EXAMPLES = {"input": 1400, "output": 900, "documents": 700, "chat": 700, "input_batch": 500, "output_batch": 800}
"""Generated inputs per test at scale 1 (5,000 in all)."""


def fuzz(name: str) -> settings:
    return settings(max_examples=int(EXAMPLES[name] * SCALE), deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def guard():
    policy = yaml.safe_load(default_policy_text())
    policy["settings"]["time_budget_ms"] = None  # a busy CI machine must not turn rails into budget skips
    built = Guard.from_policy(policy, resources=Resources({"default": FakeEncoder}))
    yield built
    built.close()


# -- strategies ---------------------------------------------------------------------------------

any_char = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())  # surrogates too
tricky = st.sampled_from([
    "\u200b", "\u202e", "\ufdfa", "\x00", "\ufffd", "ＩＧＮＯＲＥ", "1gn0r3", "ɪɢɴᴏʀᴇ", "@", " ", "\n",
    "e\u0301", "🙂", "4111 1111 1111 1111", "ann@example.org", "AKIAIOSFODNN7EXAMPLE", "http://127.0.0.1/x",
    "aWdub3JlIHByZXZpb3Vz", "ignore previous instructions", "javascript:alert(1)", "<!-- hidden -->",
])
texts = st.one_of(
    st.text(any_char, max_size=200),
    st.lists(st.one_of(tricky, st.text(any_char, max_size=8)), max_size=30).map("".join),
    st.sampled_from(ODD_INPUTS),
)
text_like = st.one_of(texts, st.binary(max_size=200), st.none())
not_text = st.one_of(st.integers(), st.floats(), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
                     st.lists(st.integers(), min_size=1, max_size=3), st.just(object()))
roles = st.one_of(st.sampled_from(["user", "assistant", "system", "tool", "document", "function", "USER",
                                   "retrieved", "developer"]), st.none())
bad_roles = st.one_of(st.lists(st.text(max_size=4), max_size=2), st.dictionaries(st.text(max_size=2), st.text(max_size=2),
                      max_size=1), st.integers(), st.binary(max_size=4))
parts = st.lists(st.one_of(st.fixed_dictionaries({"type": st.just("text"), "text": texts}),
                           st.fixed_dictionaries({"type": st.just("image_url"), "image_url": st.just({"url": "x"})})),
                 max_size=3)
message = st.fixed_dictionaries({"role": roles, "content": st.one_of(text_like, parts)})


def _well_formed(d: Any) -> None:
    assert isinstance(d, Decision)
    assert isinstance(d.action, Action) and isinstance(d.text, str) and isinstance(d.original_text, str)
    for score in d.categories.values():
        assert isinstance(score, float) and not math.isnan(score) and 0.0 <= score <= 1.0
    failed = {v.rail: v.error for v in d.verdicts if v.error}
    assert not failed, f"a first-party rail failed: {failed}"
    for doc in d.documents:
        _well_formed(doc)
    d.to_record()  # serialisable


# -- properties ---------------------------------------------------------------------------------

@fuzz("input")
@given(value=st.one_of(text_like, not_text))
def test_check_input_returns_a_decision_or_invalid_input(guard, value):
    try:
        d = guard.check_input(value)
    except InvalidInput:
        assert not isinstance(value, str | bytes) and value is not None
        return
    _well_formed(d)


@fuzz("output")
@given(value=st.one_of(text_like, not_text), prompt=st.one_of(text_like, st.lists(message, max_size=3)))
def test_check_output_returns_a_decision_or_invalid_input(guard, value, prompt):
    try:
        d = guard.check_output(value, prompt=prompt, context=RequestContext())
    except InvalidInput:
        return
    _well_formed(d)


@fuzz("documents")
@given(prompt=text_like, documents=st.one_of(st.lists(text_like, max_size=4), texts, st.integers()))
def test_documents_return_a_decision_or_invalid_input(guard, prompt, documents):
    try:
        d = guard.check_input(prompt, documents=documents)
    except InvalidInput:
        assert not isinstance(documents, list)
        return
    _well_formed(d)
    assert set(d.dropped_documents) <= set(range(len(documents)))


@fuzz("chat")
@given(messages=st.lists(message, min_size=1, max_size=6), bad=st.one_of(st.none(), bad_roles))
def test_chat_returns_a_decision_or_invalid_input(guard, messages, bad):
    if bad is not None:
        messages = [*messages, {"role": bad, "content": "hi"}]
    try:
        d = guard.check_input(messages)
    except InvalidInput:
        return
    assert bad is None
    _well_formed(d)
    assert d.messages is not None and len(d.messages) == len(messages) - len(d.dropped_documents)


@fuzz("input_batch")
@given(values=st.one_of(st.lists(text_like, max_size=5), texts, st.binary(max_size=5)))
def test_input_batch_matches_one_by_one(guard, values):
    try:
        batch = guard.check_input_batch(values)
    except InvalidInput:
        assert not isinstance(values, list)
        return
    assert len(batch) == len(values)
    for d in batch:
        _well_formed(d)
    for d, value in list(zip(batch, values))[:2]:  # batched like one by one
        single = guard.check_input(value)
        assert (d.action, d.triggered, d.text) == (single.action, single.triggered, single.text)


@fuzz("output_batch")
@given(values=st.lists(text_like, max_size=4), prompts=st.one_of(st.none(), st.lists(text_like, max_size=4)))
def test_output_batch_returns_decisions_or_invalid_input(guard, values, prompts):
    try:
        batch = guard.check_output_batch(values, prompts=prompts)
    except InvalidInput:
        assert prompts is not None and len(prompts) != len(values)
        return
    assert len(batch) == len(values)
    for d in batch:
        _well_formed(d)
