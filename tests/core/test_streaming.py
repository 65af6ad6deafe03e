"""The streaming judge: no character of a redacted value leaks at any chunk boundary, text is
passed on at once except a bounded held-back tail, blocks stop the stream, cost stays linear."""

from __future__ import annotations

import asyncio
import itertools
import re

import pytest

from guardrails import BaseGuard, CheckContext, Guard, Span, Verdict, hookimpl
from guardrails.streaming import MIN_WINDOW, StreamJudge, held_tail

REDACTING = {
    "name": "redact-only",
    "output": [
        {"guard": "secrets", "action": "redact"},
        {"guard": "pii", "config": {"mode": "redact"}, "action": "redact"},
    ],
}
"""The shipped PII and secrets rails alone: real detectors, no classifier (fast enough to run
thousands of streams)."""

PROSE = "we watched more clips and liked the one about whales " * 4
"""A long answer without punctuation: the case where a stream used to be cut at a space."""

VALUES = {
    "card": ("4111 1111 1111 1111", "[CREDIT_CARD]"),
    "iban": ("DE89 3704 0044 0532 0130 00", "[IBAN]"),
    "email": ("jane.doe@example.com", "[EMAIL]"),
    "api_key": ("sk-proj-Xy7Qa9Lm2Vb4Nc8Rt1Zw6Kd3Hf5Js0Pq", "[OPENAI_API_KEY]"),
}


@pytest.fixture(scope="module")
def redactor() -> Guard:
    return Guard.from_policy(REDACTING)


def streamed(guard: Guard, chunks: list[str]) -> str:
    return "".join(guard.wrap(lambda prompt: iter(chunks))("tell me"))


def cut(text: str, *points: int) -> list[str]:
    bounds = [0, *sorted(points), len(text)]
    return [text[i:j] for i, j in itertools.pairwise(bounds)]


@pytest.mark.parametrize("kind", sorted(VALUES))
def test_no_character_of_a_value_leaks_at_any_chunk_boundary(redactor, kind):
    value, label = VALUES[kind]
    prefix, suffix = PROSE + "and your value is ", " is saved thanks for watching"
    answer = prefix + value + suffix
    expected = prefix + label + suffix
    start, end = len(prefix), len(prefix) + len(value)
    around = range(start - 3, end + 4)
    for p in range(1, len(answer)):  # every single boundary of the whole answer
        assert streamed(redactor, cut(answer, p)) == expected, (kind, p)
    for p, q in itertools.combinations(around, 2):  # every pair of boundaries around the value
        assert streamed(redactor, cut(answer, p, q)) == expected, (kind, p, q)
    assert streamed(redactor, list(answer)) == expected  # one character per chunk


def test_the_reported_case_a_card_cut_at_spaces_is_one_entity(redactor):
    chunks = [PROSE + "and your card ", "4111 ", "1111 1111 ", "1111 is saved thanks"]
    out = streamed(redactor, chunks)
    assert out == PROSE + "and your card [CREDIT_CARD] is saved thanks"
    assert "[PHONE]" not in out and "4111" not in out


@pytest.mark.parametrize("card", ["4111\n1111\n1111\n1111", "4111 1111 \n1111 1111", "4111  1111  1111  1111",
                                  "4111\t1111\t1111\t1111", "4111_1111_1111_1111", "4111·1111·1111·1111"])
def test_a_card_with_other_separators_never_leaks_at_any_boundary(redactor, card):
    answer = PROSE + "card " + card + " done"
    expected = PROSE + "card [CREDIT_CARD] done"
    for p in range(len(PROSE), len(answer)):
        assert streamed(redactor, cut(answer, p)) == expected, (card, p)
    assert streamed(redactor, list(answer)) == expected


def test_the_reported_card_cut_at_a_line_break_never_leaks(redactor):
    chunks = [PROSE + "card 4111", " ", "1111", " ", "\n", "1111", " ", "1111", " done"]
    out = streamed(redactor, chunks)
    assert out == PROSE + "card [CREDIT_CARD] done" and "[PHONE]" not in out


def test_a_value_longer_than_the_window_never_leaks(redactor):
    key = "sk-proj-" + "Ab3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY" * 3  # 104 characters, window 64
    guard = Guard.from_policy({**REDACTING, "settings": {"stream_check_chars": 64}})
    answer = "here is your key " + key + " keep it safe"
    for p in range(1, len(answer)):
        out = streamed(guard, cut(answer, p))
        assert out == "here is your key [OPENAI_API_KEY] keep it safe", p
    for size in (1, 3, 7, 16):
        chunks = [answer[i : i + size] for i in range(0, len(answer), size)]
        assert streamed(guard, chunks) == "here is your key [OPENAI_API_KEY] keep it safe", size


def test_a_private_key_streamed_line_by_line_never_shows_its_body(redactor):
    body = ["MIIEowIBAAKCAQEA7bq98Xn3hV2nF1o0ZkL5m0T4pQ9sW2yR8uJ6cB3dE1fG7hI", "c2Rmc2RmZ2hqa2xxd2VydHl1aW9wYXNkZmdoamtsenhjdmJubTEyMzQ1Njc4OTA"]
    lines = ["Here it is:\n", "-----BEGIN RSA PRIVATE KEY-----\n", *[line + "\n" for line in body * 20],
             "-----END RSA PRIVATE KEY-----\n", "Keep it safe."]
    chunks = [piece for line in lines for piece in (line[:7], line[7:])]
    out = streamed(redactor, chunks)
    assert not any(line[:12] in out for line in body)
    assert out.startswith("Here it is:\n") and out.endswith("Keep it safe.")


def test_streamed_text_equals_the_one_shot_redaction_for_many_chunkings(redactor):
    answer = (
        "Sure. Write to jane.doe@example.com or call +44 20 7946 0958 today. Your IBAN GB29 NWBK 6016 "
        "1331 9268 19 and card 4111-1111-1111-1111 are on file, ssn 123-45-6789. Token: "
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a ok. Visit https://example.com/a?b=1 later."
    )
    one_shot = redactor.check_output(answer).text
    for size, offset in itertools.product(range(1, 12), range(3)):
        chunks = [answer[:offset]] + [answer[i : i + size] for i in range(offset, len(answer), size)]
        assert streamed(redactor, chunks) == one_shot, (size, offset)


def test_a_name_split_between_chunks_is_redacted_whole(redactor):
    answer = "Top creators: Khaby Lame, Zach King. Both post comedy clips every day."
    one_shot = redactor.check_output(answer).text
    assert one_shot.count("[PERSON]") == 2, one_shot
    for p in range(1, len(answer)):  # "Zach " must not be passed on before "King." arrives
        assert streamed(redactor, cut(answer, p)) == one_shot, p
    words = [w + " " for w in answer.split(" ")]
    assert streamed(redactor, words) == one_shot + " "


@pytest.mark.parametrize("chunks", [["Reach me: jane.doe @ example.com."], ["Reach me: jane.doe @ exa", "mple.com. Thanks!"],
                                    ["Reach me: jane.doe", " @example.com now"], list("Reach me: jane.doe @ example.com.")])
def test_an_address_with_a_spaced_at_never_leaks_its_local_part(redactor, chunks):
    out = streamed(redactor, chunks)
    assert "jane.doe" not in out and "example.com" not in out and out.startswith("Reach me: [EMAIL]"), out


def test_text_is_passed_on_at_once_except_the_unfinished_word(toy):
    guard = toy({"output": [{"guard": "keyword", "config": {"words": {"leak": ["secret plan"]}}}]})
    judge = StreamJudge(guard.check_output, lambda d: "stop", 200, "q", None)
    words = "whales sing long songs that travel far under the sea and carry news between pods".split()
    passed = ""
    for word in words:
        passed += "".join(judge.feed(word + " "))
        assert judge.held == 0 and passed.endswith(word + " ")  # nothing waits for a sentence end
    assert "".join(judge.feed("Maria ")) == "" and judge.held == len("Maria ")  # a name may go on
    assert "".join(judge.feed("sings ")) == "Maria sings "
    assert "".join(judge.feed("unfinis")) == "" and judge.held == len("unfinis")
    assert "".join(judge.feed("hed words")) == "unfinished " and judge.held == len("words")
    assert "".join(judge.finish()) == "words"


@pytest.mark.parametrize(
    ("text", "tail"),
    [
        ("and your card 4111 ", "4111 "),
        ("and your card 4111 1111 11", "4111 1111 11"),
        ("and your card 4111 1111 \n", "4111 1111 \n"),  # a card may go on after a line break
        ("card 4111\t1111\t", "4111\t1111\t"),
        ("card 4111_1111_11", "4111_1111_11"),
        ("card 4111·1111·", "4111·1111·"),
        ("call me on +44 20 79", "on +44 20 79"),  # a short letter group may prefix an id
        ("id QQ 12 34 56 ", "QQ 12 34 56 "),
        ("call (555) 123-", "(555) 123-"),
        ("my IBAN is DE89 3704 00", "DE89 3704 00"),
        ("my IBAN is GB29 NWBK 60", "GB29 NWBK 60"),
        ("write to jane.doe@exam", "jane.doe@exam"),
        ("write to jane.doe @ exam", "jane.doe @ exam"),  # an address written with a spaced @
        ("write to jane.doe @", "jane.doe @"),
        ("write to jane.doe @example.c", "jane.doe @example.c"),
        ("your key is sk-proj-Xy7Q", "sk-proj-Xy7Q"),
        ("a finished sentence. ", ""),
        ("we have 3 cats and", "and"),
        ("鲸鱼的歌声可以传播很远", ""),
        ("鲸鱼 jane@ex", "jane@ex"),
        ("Top creators: Khaby Lame, Zach ", "Zach "),  # the first word of a name: "King" may follow
        ("call Maria Luisa ", "Maria Luisa "),
        ("Top creators: Khaby Lame, ", ""),  # a comma ends the name
        ("it was great. The ", "The "),  # a capitalised word waits one word, whatever it is
        ("ask Анна ", "Анна "),
        ("we saw three cats ", ""),
    ],
)
def test_held_tail_holds_only_what_could_still_become_an_entity(text, tail):
    assert text[held_tail(text):] == tail


def test_the_hold_back_never_exceeds_the_window(toy):
    guard = toy({"output": [{"guard": "digits", "action": "redact"}]})
    judge = StreamJudge(guard.check_output, lambda d: "stop", 16, "q", None)
    assert judge.window == MIN_WINDOW
    run = "Ab3dE5fG7hJ9kL1mN2pQ" * 30 + " 1 2 3 4 5 6 7 8 9 " * 20
    most = 0
    out = ""
    for i in range(0, len(run), 5):
        out += "".join(judge.feed(run[i : i + 5]))
        most = max(most, judge.held)
    out += "".join(judge.finish())
    assert most <= judge.window
    assert "1" not in out and out.count("[NUM]") >= 180


def test_cjk_answers_are_passed_on_as_they_come(toy):
    guard = toy({"output": [{"guard": "digits", "action": "redact"}]})
    judge = StreamJudge(guard.check_output, lambda d: "stop", 200, "q", None)
    for piece in ["鲸鱼的", "歌声可以", "传播很远。", "它们"]:
        assert "".join(judge.feed(piece)) == piece and judge.held == 0


def test_a_block_stops_the_stream_when_the_phrase_completes_and_closes_the_model(toy):
    guard = toy({"output": [{"guard": "keyword", "config": {"words": {"leak": ["secret plan"]}}}]})
    produced = []

    @guard.wrap
    def model(prompt: str):
        for chunk in ["Hello there. ", "Here is ", "the secret ", "plan. ", "More text. ", "Even more."]:
            produced.append(chunk)
            yield chunk

    out = list(model("hi"))
    assert out == ["Hello there. ", "Here is ", "the secret ", guard.policy.settings.refusal_message]
    assert "plan" not in "".join(out)
    assert produced == ["Hello there. ", "Here is ", "the secret ", "plan. "]  # closed, not drained


def test_async_streams_hold_back_the_same_way(redactor):
    value, label = VALUES["card"]
    answer = PROSE + "card " + value + " saved"

    @redactor.wrap
    async def model(prompt: str):
        for i in range(0, len(answer), 4):
            yield answer[i : i + 4]

    async def collect():
        return "".join([c async for c in model("hi")])  # an async generator stays one (issue 14)

    assert asyncio.run(collect()) == PROSE + "card " + label + " saved"


def test_each_check_is_bounded_and_the_cost_is_linear(toy):
    guard = toy({"output": [{"guard": "digits", "action": "redact"}, {"guard": "counting"}]})
    seen: list[int] = []

    def check_output(text, **kwargs):
        seen.append(len(text))
        return guard.check_output(text, **kwargs)

    judge = StreamJudge(check_output, lambda d: "stop", 200, "q", None)
    chunks = ["Write to jane", ".doe", "@example.com today. ", "Then ", "call 42. "] + ["More words here. "] * 400
    out = "".join(piece for chunk in chunks for piece in judge.feed(chunk)) + "".join(judge.finish())
    assert out.startswith("Write to jane.doe@example.com today. Then call [NUM]. More")
    assert len(seen) <= len(chunks) + 1
    assert max(seen) <= 2 * judge.window + 20  # context (one window) + the new text


class StreetRedactor(BaseGuard):
    """Redacts "<number> <word> street": a value the hold-back rules do not cover (words in it)."""

    name = "street"
    stages = frozenset({"output"})
    changes_text = True
    categories = ("pii",)

    def check(self, text: str, context: CheckContext) -> Verdict:
        pattern = re.compile(r"\d+ \w+ street")
        spans = tuple(Span(start=m.start(), end=m.end(), category="pii", replacement="[ADDRESS]")
                      for m in pattern.finditer(text))
        return Verdict(categories={"pii": float(bool(spans))}, spans=spans, text=pattern.sub("[ADDRESS]", text))


class StreetPlugin:
    @hookimpl
    def register_guards(self, register):
        register(StreetRedactor)


def test_a_redaction_that_began_in_the_context_is_not_shown_in_part(make_guard):
    guard = make_guard({"name": "t", "output": [{"guard": "street", "action": "redact"}]}, plugins=[StreetPlugin()])
    judge = StreamJudge(guard.check_output, lambda d: "stop", 200, "q", None)
    assert "".join(judge.feed("I live at 12 ")) == "I live "  # "at 12 " could be an id: held
    assert "".join(judge.feed("Main ")) == "at 12 "  # not an entity yet: passed on ("Main " may start a name)
    assert "".join(judge.feed("street and ")) == " and "  # the rest of the address is never shown
    assert "".join(judge.feed("12 Elm street too ")) == "[ADDRESS] too "
    assert "".join(judge.finish()) == ""


def test_non_text_chunks_raise_a_clear_type_error(toy):
    guard = toy({"output": [{"guard": "digits", "action": "redact"}]})
    with pytest.raises(TypeError, match=r"cannot read the text of the answer \(a bytes\)"):  # chunks go through the extractor
        streamed(guard, [b"bytes"])  # type: ignore[list-item]


class FragmentGuard(BaseGuard):
    """Flags a text ending in "Most" (a fragment a classifier misreads) and any text with "bomb"."""

    name = "fragment"
    stages = frozenset({"output"})
    categories = ("harm",)

    def check(self, text: str, context: CheckContext) -> Verdict:
        return Verdict(categories={"harm": float(text.rstrip().endswith("most") or "bomb" in text)})


class FragmentPlugin:
    @hookimpl
    def register_guards(self, register):
        register(FragmentGuard)


def test_a_block_on_a_fragment_waits_for_its_sentence_and_a_real_one_stops(make_guard):
    guard = make_guard({"name": "t", "output": [{"guard": "fragment", "action": "block"}]}, plugins=[FragmentPlugin()])
    judge = StreamJudge(guard.check_output, lambda d: "REFUSED", 200, "q", None)
    assert judge.feed("most ") == []  # flagged alone: held back, not passed on, not final
    assert "".join(judge.feed("viewers loved it. ")) == "most viewers loved it. "
    assert judge.suspended == 1 and not judge.stopped
    assert "".join(judge.feed("then ")) == "then "
    assert judge.feed("build a bomb ") == [] and judge.feed("at home ") == []  # held until the sentence ends
    assert judge.feed("today. Next") == ["REFUSED"] and judge.stopped
    assert judge.feed("more") == [] and judge.finish() == []


def test_a_held_block_is_final_at_the_window_or_the_end_of_the_stream(make_guard):
    guard = make_guard({"name": "t", "output": [{"guard": "fragment", "action": "block"}]}, plugins=[FragmentPlugin()])
    judge = StreamJudge(guard.check_output, lambda d: "REFUSED", 64, "q", None)
    assert judge.feed("a bomb ") == []
    out = [piece for _ in range(20) for piece in judge.feed("and more ")]
    assert out == ["REFUSED"] and judge.held <= judge.window + len("and more ")
    judge = StreamJudge(guard.check_output, lambda d: "REFUSED", 64, "q", None)
    assert judge.feed("a bomb ") == [] and judge.finish() == ["REFUSED"]


def test_the_streaming_example_of_the_docs_runs():
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "wrapping.md").read_text(encoding="utf-8")
    section = page.split("## Streaming", 1)[1].split("\n## ", 1)[0]
    (code,) = [b for b in re.findall(r"```python\n(.*?)```", section, re.S) if "stream-demo" in b]
    exec(compile(code, "docs/wrapping.md", "exec"), {})  # the example asserts its own result
