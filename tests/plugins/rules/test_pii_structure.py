"""pii redaction that keeps structure and cannot be confused: JSON stays valid (check_output and
streaming), pseudonyms never collide with the user's own text, restore survives model rewrites,
the vault is per request, and Decision.spans locates every finding in the caller's text."""

from __future__ import annotations

import json

import pytest
from tako_rules._pii_replace import json_safe, literal_placeholders
from tako_rules.pii import PiiGuard, PiiRestoreGuard

from guardrails import Guard, RequestContext
from guardrails.protocol import CheckContext

PSEUDO_POLICY = {
    "name": "pseudo",
    "input": [{"guard": "pii", "config": {"mode": "pseudonymize", "ner": "rules"}, "action": "redact"}],
    "output": [{"guard": "pii_restore"}],
}
REDACT_POLICY = {
    "name": "redact",
    "input": [{"guard": "secrets", "action": "redact"},
              {"guard": "pii", "config": {"ner": "rules"}, "action": "redact"},
              {"guard": "urls", "action": "warn"}],
    "output": [{"guard": "pii", "config": {"ner": "rules"}, "action": "redact"}],
}


@pytest.fixture(scope="module")
def pseudo() -> Guard:
    return Guard.from_policy(PSEUDO_POLICY)


@pytest.fixture(scope="module")
def redact() -> Guard:
    return Guard.from_policy(REDACT_POLICY)


# -- JSON ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "answer",
    [
        '{"name": "Ann", "phone": 12125550100}',
        '{"phones": [12125550100, 12125550101], "ok": true}',
        '[{"card": 4111111111111111}]',
        '{"n": 1, "contact": {"phone": 12125550100 , "mail": "ann@example.org"}}',
    ],
)
def test_redacted_json_stays_valid(redact: Guard, answer: str) -> None:
    decision = redact.check_output(answer, prompt="give me the record as JSON")
    parsed = json.loads(decision.text)
    assert "12125550100" not in decision.text and "4111111111111111" not in decision.text
    assert decision.action.value == "redact" and parsed


def test_json_safe_only_quotes_bare_numbers() -> None:
    text = '{"a": 12125550100, "b": "call 12125550100"}'
    first = text.index("12125550100")
    second = text.index("12125550100", first + 1)
    assert json_safe(text, first, first + 11, "[PHONE]") == '"[PHONE]"'
    assert json_safe(text, second, second + 11, "[PHONE]") == "[PHONE]"
    prose = "numbers, 12125550100, and more"
    start = prose.index("1")
    assert json_safe(prose, start, start + 11, "[PHONE]") == "[PHONE]"


def test_streamed_json_stays_valid(redact: Guard) -> None:
    answer = '{"name": "Ann", "phone": 12125550100, "note": "call after 5pm"}'

    @redact.wrap
    def model(prompt: str):
        for i in range(0, len(answer), 7):
            yield answer[i : i + 7]

    out = "".join(model("give me the record as JSON"))
    assert "12125550100" not in out
    assert json.loads(out)["phone"] == "[PHONE]"


# -- pseudonyms ---------------------------------------------------------------------------

def test_literal_placeholder_in_the_input_stays_literal(pseudo: Guard) -> None:
    ctx = RequestContext()
    d = pseudo.check_input("my template uses [EMAIL_1] and EMAIL_2; write to ann@example.org", context=ctx)
    assert "[EMAIL_1]" in d.text and "EMAIL_2" in d.text
    key = next(iter(ctx.vault))
    assert key not in ("[EMAIL_1]", "[EMAIL_2]") and ctx.vault[key] == "ann@example.org"
    out = pseudo.check_output(f"Keep [EMAIL_1] as is; I wrote to {key}.", context=ctx)
    assert out.text == "Keep [EMAIL_1] as is; I wrote to ann@example.org."


@pytest.mark.parametrize("rewrite", ["[EMAIL_1]", "EMAIL_1", "[email_1]", "Email_1", "[EMAIL 1]", "[ EMAIL_1 ]"])
def test_round_trip_survives_model_rewrites(pseudo: Guard, rewrite: str) -> None:
    ctx = RequestContext()
    d = pseudo.check_input("please email bob@example.com about 020 7946 0000", context=ctx)
    assert d.text == "please email [EMAIL_1] about [PHONE_1]"
    answer = f"Sure - I will write to {rewrite} and call PHONE_1 later."
    restored = pseudo.check_output(answer, context=ctx)
    assert restored.text == "Sure - I will write to bob@example.com and call 020 7946 0000 later."


def test_restore_leaves_unknown_and_longer_numbers(pseudo: Guard) -> None:
    ctx = RequestContext()
    pseudo.check_input("mail bob@example.com", context=ctx)
    out = pseudo.check_output("EMAIL_10, XEMAIL_1 and [EMAIL_2] stay; EMAIL_1 goes", context=ctx)
    assert out.text == "EMAIL_10, XEMAIL_1 and [EMAIL_2] stay; bob@example.com goes"


def test_vault_is_per_request_unless_shared(pseudo: Guard) -> None:
    a = pseudo.check_input("mail ann@example.org")
    b = pseudo.check_input("mail bob@example.org")
    assert a.text == b.text == "mail [EMAIL_1]"  # two requests, two vaults
    shared = RequestContext()
    pseudo.check_input("mail ann@example.org", context=shared)
    second = pseudo.check_input("mail bob@example.org and ann@example.org", context=shared)
    assert second.text == "mail [EMAIL_2] and [EMAIL_1]"
    assert pseudo.check_output("EMAIL_2", context=RequestContext()).text == "EMAIL_2"  # another request's vault


def test_literal_placeholders_parses_spellings() -> None:
    assert literal_placeholders("x [EMAIL_1] phone 2 PHONE-3 credit_card_4") >= {
        ("EMAIL", 1), ("PHONE", 2), ("PHONE", 3), ("CREDIT_CARD", 4)}
    assert literal_placeholders("no digits here") == set()


def test_pseudonymizing_guard_declares_state() -> None:
    assert PiiGuard(PiiGuard.Config(mode="pseudonymize", ner="off")).stateful
    assert not PiiGuard(PiiGuard.Config(ner="off")).stateful
    assert PiiRestoreGuard.stateful


# -- Decision.spans -----------------------------------------------------------------------

def test_decision_spans_point_into_the_original_text(redact: Guard) -> None:
    text = "key AKIAIOSFODNN7EXAMPLE, mail ｊｏｅ＠ｅｘａｍｐｌｅ．ｏｒｇ or call 020 7946 0000, see https://bit.ly/x"
    d = redact.check_input(text)
    got = [(s.label, text[s.start : s.end]) for s in d.spans]
    assert ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE") in got
    assert ("EMAIL", "ｊｏｅ＠ｅｘａｍｐｌｅ．ｏｒｇ") in got
    assert ("PHONE", "020 7946 0000") in got
    assert any(s.category == "url" and text[s.start : s.end].startswith("https://bit.ly") for s in d.spans)
    assert [s.start for s in d.spans] == sorted(s.start for s in d.spans)
    assert all(s.replacement for s in d.spans if s.category in ("pii", "secrets"))


def test_decision_spans_empty_when_nothing_found(redact: Guard) -> None:
    assert redact.check_input("funny cat videos").spans == ()


def test_decision_spans_of_chat_turn(redact: Guard) -> None:
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"},
                {"role": "user", "content": "my mail is ann@example.org"}]
    d = redact.check_input(messages)
    assert [(s.label, d.original_text[s.start : s.end]) for s in d.spans] == [("EMAIL", "ann@example.org")]


def test_contract_of_both_guards() -> None:
    from guardrails.testing import check_guard_contract

    check_guard_contract(PiiGuard, {"mode": "pseudonymize", "ner": "rules"}, threads=4)
    check_guard_contract(PiiRestoreGuard, threads=4)
    guard = PiiGuard(PiiGuard.Config())
    assert guard.check("mail a@b.com", CheckContext(stage="input")).text == "mail [EMAIL]"


def test_decision_spans_doc_example(redact: Guard) -> None:
    """The snippet in docs/pii.md ("Every finding on the Decision")."""
    d = redact.check_input("key AKIAIOSFODNN7EXAMPLE, call 020 7946 0000")
    assert [(s.label, d.original_text[s.start : s.end]) for s in d.spans] == [
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"), ("PHONE", "020 7946 0000")]
