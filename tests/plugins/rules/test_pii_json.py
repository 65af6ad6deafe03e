"""pii redaction of a JSON answer keeps it valid JSON around string escapes: a finding never
starts or ends inside ``\\n``, ``\\t``, ``\\"``, ``\\\\``, ``\\/`` or ``\\uXXXX``, and a value
written with escapes (``ann\\u0040example.org``, ``\\u0061nn@example.org``) is found and replaced
whole. Checked with json.loads on many shapes: nested objects, arrays, numbers, unicode escapes,
every mode."""

from __future__ import annotations

import itertools
import json

import pytest
from tako_rules._pii_detect import Found
from tako_rules._pii_replace import outside_escapes
from tako_rules.pii import PiiGuard

from guardrails import Guard
from guardrails.protocol import CheckContext, RequestContext
from tests.linear import assert_linear

POLICY = {"name": "json", "output": [{"guard": "pii", "config": {"ner": "rules"}, "action": "redact"}]}
VALUES = {
    "ann@example.org": "[EMAIL]",
    "212-555-0147": "[PHONE]",
    "+44 7700 900123": "[PHONE]",
    "4111 1111 1111 1111": "[CREDIT_CARD]",
    "123-45-6789": "[US_SSN]",
}
AROUND = ["\n", "\t", "\r\n", '"', "\\", "é ", "\U0001f600", "line1\n", "x\\", "\u2028"]


@pytest.fixture(scope="module")
def guard() -> Guard:
    return Guard.from_policy(POLICY)


def strings(data: object) -> list[str]:
    if isinstance(data, dict):
        return [s for k, v in data.items() for s in (k, *strings(v))]
    if isinstance(data, list):
        return [s for v in data for s in strings(v)]
    return [data] if isinstance(data, str) else []


def shapes(value: str, before: str, after: str) -> list[object]:
    text = before + value + after
    return [
        {"note": text},
        {"user": {"name": "Ann", "contact": {"note": text, "n": 3}}, "ok": True, "x": None},
        [{"id": 1, "v": text}, {"id": 2, "v": [text, 12.5]}],
        {text: "primary"},
        {"payload": json.dumps({"note": text})},  # JSON in a JSON string: escaped twice
    ]


@pytest.mark.parametrize(("value", "label"), sorted(VALUES.items()))
@pytest.mark.parametrize("ascii_only", [False, True])
def test_redacted_json_with_escapes_stays_valid(guard: Guard, value: str, label: str, ascii_only: bool) -> None:
    for before, after in itertools.product(["", *AROUND], ["", *AROUND[:4]]):
        for data in shapes(value, before, after):
            answer = json.dumps(data, ensure_ascii=ascii_only)
            text = guard.check_output(answer, prompt="give me the record as JSON").text
            parsed = json.loads(text)  # valid JSON, or this raises
            assert not any(value in s for s in strings(parsed)), (answer, text)
            assert label in text, (answer, text)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ('{"note": "line1\\nann@example.org"}', '{"note": "line1\\n[EMAIL]"}'),
        ('{"note": "tab\\t212-555-0147"}', '{"note": "tab\\t[PHONE]"}'),
        ('{"contacts": "ann@example.org\\nbob@example.org"}', '{"contacts": "[EMAIL]\\n[EMAIL]"}'),
        ('{"email": "\\u0061nn@example.org"}', '{"email": "[EMAIL]"}'),
        ('{"email": "ann\\u0040example.org"}', '{"email": "[EMAIL]"}'),    # a JSON-escaped @
        ('{"email": "ann\\u0040example\\u002eorg"}', '{"email": "[EMAIL]"}'),
        ('{"a": "x\\\\ann@example.org"}', '{"a": "x\\\\[EMAIL]"}'),
        ('{"a": "x\\\\nann@example.org"}', '{"a": "x\\\\n[EMAIL]"}'),     # a line break in JSON in JSON
        ('{"a": "\\"ann@example.org\\""}', '{"a": "\\"[EMAIL]\\""}'),
        ('{"a": "x\\/ann@example.org\\/"}', '{"a": "x\\/[EMAIL]\\/"}'),
        ('{"card": "4111\\n1111\\n1111\\n1111"}', '{"card": "[CREDIT_CARD]"}'),
        ('{"phone": 2125550147, "ok": true}', '{"phone": "[PHONE]", "ok": true}'),
    ],
)
def test_the_reported_escapes(guard: Guard, answer: str, expected: str) -> None:
    text = guard.check_output(answer, prompt="give me the record as JSON").text
    assert text == expected
    json.loads(text)


@pytest.mark.parametrize("mode", ["mask", "pseudonymize"])
def test_every_mode_keeps_json_valid(mode: str) -> None:
    rail = PiiGuard(PiiGuard.Config(mode=mode, ner="off"))
    for answer in ['{"email": "\\u0061nn@example.org"}', '{"e": "ann\\u0040example.org", "p": "tab\\t212-555-0147"}',
                   '{"note": "line1\\nann@example.org"}', '{"c": "4111\\u00a01111\\u00a01111\\u00a01111"}']:
        text = rail.check(answer, CheckContext(stage="output", request=RequestContext())).text
        assert text is not None and "example.org" not in json.dumps(json.loads(text))


@pytest.mark.parametrize(
    ("text", "span", "expected"),
    [
        ('"line1\\nAnn Lee"', (7, 15), "Ann Lee"),        # a name the head started at the n of \n
        ('"reach \\"Ann\\" now"', (9, 13), "Ann"),        # ended inside \"
        ('"x \\u0041nn y"', (5, 11), "\\u0041nn"),         # started inside an escaped letter: joins it
        ('"x ab\\u00e9 y"', (3, 8), "ab\\u00e9"),          # ended inside an escaped letter
        ('"x \\\\nann y"', (5, 9), "ann"),                 # a line break in JSON in JSON
        ('"x \\\\ann y"', (4, 8), "ann"),                   # backslashes escaping nothing
        ('"tab\\t212"', (5, 9), "212"),
    ],
)
def test_a_span_never_starts_or_ends_inside_an_escape(text: str, span: tuple[int, int], expected: str) -> None:
    got = outside_escapes(text, [Found(*span, "PERSON", 0.9)])
    assert [text[f.start : f.end] for f in got] == [expected]


def test_escape_handling_is_linear_on_a_megabyte() -> None:
    rail = PiiGuard(PiiGuard.Config(ner="off"))
    for unit in ('"\\n', "\\", '"\\u0040a', '{"a": "x\\nann@example.org"}, '):
        text = unit * (1_000_000 // len(unit))
        assert_linear(lambda t: rail.check(t, CheckContext(stage="output", request=RequestContext())), text, label=unit)
