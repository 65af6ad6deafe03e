"""The public API's boundary: what the fuzzing found escaping now raises InvalidInput or decides."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from guardrails import Action, InvalidInput

KEYWORD = {"guard": "keyword", "config": {"words": {"custom": ["forbidden"]}}}
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def guard(toy):
    built = toy({"input": [KEYWORD], "output": [KEYWORD], "context": [KEYWORD]})
    yield built
    built.close()


@pytest.mark.parametrize("texts", ["a string", b"bytes", bytearray(b"ab"), {"text": "x"}, 5, None])
def test_batches_refuse_what_is_not_a_sequence_of_texts(guard, texts):
    with pytest.raises(InvalidInput, match="texts must be a sequence of texts"):
        guard.check_input_batch(texts)
    with pytest.raises(InvalidInput, match="texts must be a sequence of texts"):
        guard.check_batch("context", texts)


async def test_async_batches_refuse_a_bare_string(guard):
    with pytest.raises(InvalidInput, match="bare str"):
        await guard.acheck_input_batch("abc")
    with pytest.raises(InvalidInput, match="bare str"):
        await guard.acheck_output_batch("abc")


@pytest.mark.parametrize("documents", ["abc", b"abc", 5, 0, {"a": "b"}])
def test_documents_must_be_a_sequence_of_texts(guard, documents):
    with pytest.raises(InvalidInput, match="documents must be a sequence of texts"):
        guard.check_input("summarise", documents=documents)
    with pytest.raises(InvalidInput, match="documents must be a sequence of texts"):
        guard.check_context(documents)


def test_documents_may_be_any_iterable_of_texts(guard):
    d = guard.check_input("summarise", documents=(t for t in ["fine", "forbidden"]))
    assert d.dropped_documents == (1,)
    assert guard.check_input("summarise", documents=[]).documents == ()


@pytest.mark.parametrize("role", [["user"], {"r": "user"}, 3, b"user"])
def test_a_chat_role_that_is_not_a_string_is_invalid_input(guard, role):
    messages = [{"role": "system", "content": "be nice"}, {"role": role, "content": "hi"}]
    with pytest.raises(InvalidInput, match=r"messages\[1\]\.role.*string"):
        guard.check_input(messages)
    with pytest.raises(InvalidInput, match=r"messages\[1\]\.role.*string"):
        guard.check_output("fine", prompt=messages)


def test_a_message_without_a_role_is_invalid_input(guard):
    # its content would reach the model unchecked (neither a user turn nor a document): refused
    with pytest.raises(InvalidInput, match=r"messages\[0\]\.role"):
        guard.check_input([{"content": "hello"}])


@pytest.mark.parametrize("prompts", [["only one"], ["a", "b", "c"], "ab"])
def test_output_batch_prompts_must_be_aligned(guard, prompts):
    with pytest.raises(InvalidInput, match="prompts"):
        guard.check_output_batch(["answer one", "answer two"], prompts=prompts)


def test_aligned_prompts_reach_the_guards(guard):
    decisions = guard.check_output_batch(["fine", "forbidden"], prompts=["p1", "p2"])
    assert [d.action for d in decisions] == [Action.ALLOW, Action.BLOCK]


@pytest.mark.parametrize("value", [42, 1.5, object(), ["not", "messages"], {"role": "user"}])
def test_what_is_not_text_is_invalid_input(guard, value):
    with pytest.raises(InvalidInput):
        guard.check_input(value)


def test_check_prints_to_a_non_utf8_stdout(tmp_path):
    policy = tmp_path / "p.yaml"
    policy.write_text("name: p\ninput:\n  - guard: secrets\n    action: redact\n", encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    for extra in ([], ["--json"]):
        out = subprocess.run(
            [sys.executable, "-m", "guardrails.cli", "check", "你好 🙂 ünïcode", "--policy", str(policy), *extra],
            capture_output=True, env=env, cwd=REPO, timeout=120,
        )
        assert out.returncode == 0, out.stderr.decode("ascii", "replace")
        assert out.stdout.decode("ascii")  # pure ASCII, escapes where needed
