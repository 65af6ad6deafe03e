"""pii redaction of a JSON answer keeps it valid JSON around string escapes: a finding never
starts or ends inside ``\\n``, ``\\t``, ``\\"``, ``\\\\``, ``\\/`` or ``\\uXXXX``, and a value
written with escapes (``ann\\u0040example.org``, ``\\u0061nn@example.org``) is found and replaced
whole. Checked with json.loads on many shapes: nested objects, arrays, numbers, unicode escapes,
every mode. Escapes hide no personal data or its context from the token head (it reads ``\\n`` as a
line break, ``\\u00ed`` as the letter), JSON keys give context (a title, a product, a count or an
id is no name; ``last_name`` or a contact record's ``name`` is one): tests/data/pii_json_heldout.jsonl."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from tako_rules._pii_detect import Found
from tako_rules._pii_head import head_phone
from tako_rules._pii_json import content_head_findings, content_key, person_key_values
from tako_rules._pii_replace import outside_escapes
from tako_rules.pii import PiiGuard

import guardrails
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


HELDOUT = [json.loads(line) for line in
           (Path(__file__).resolve().parents[2] / "data" / "pii_json_heldout.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def default_guard() -> Guard:
    with guardrails.Guard.default() as g:
        yield g


@pytest.mark.parametrize("row", HELDOUT, ids=[f"{r['kind']}-{r['lang']}-{i}" for i, r in enumerate(HELDOUT)])
def test_heldout_json_records(default_guard: Guard, row: dict) -> None:
    """Titles, products and escape residue pass; names, phones and e-mails (also behind ``\\n``,
    ``\\t``, ``\\u00e1`` or in a title beside a phone) are redacted; the answer stays valid JSON."""
    d = default_guard.check_output(row["text"], prompt="give me the record as JSON")
    json.loads(d.text)
    assert d.action.value == row["expect"], d.text
    assert not [x for x in row["excludes"] if x in d.text], d.text
    assert not [x for x in row["includes"] if x not in d.text], d.text


@pytest.mark.parametrize(("key", "expected"), [
    ("title", True), ("videoTitle", True), ("TITLE", True), ("sub_title", True), ("product_name", True),
    ("nombre_producto", True), ("título", True), ("titre", True), ("sku", True), ("channel_id", True), ("vistas", True),
    ("name", False), ("nombre", False), ("author", False), ("uploader", False), ("channel", False),
    ("description", False), ("customer_name", False), ("email", False), ("", False),
])
def test_content_keys(key: str, expected: bool) -> None:
    assert content_key(key) is expected


def test_content_head_findings_keeps_names_outside_titles_and_beside_contact_data() -> None:
    text = '{"title": "Sleepy Kittens", "views": 980000, "tags": ["a", "Cute Cats"], "by": "Ann Lee", "x": "title"}'
    heads = [Found(text.index(w), text.index(w) + len(w), "PERSON", 0.8) for w in ("Sleepy", "980000", "Cute", "Ann")]
    assert [text[f.start:f.end] for f in content_head_findings(text, heads, [])] == ["Ann"]
    text = '{"title": "Ann Lee 020 7946 0000"}'
    head = Found(10, 17, "PERSON", 0.8)
    assert content_head_findings(text, [head], [Found(18, 31, "PHONE", 0.9)]) == [head]
    assert content_head_findings('title: "Ann Lee"', [Found(8, 15, "PERSON", 0.8)], []) != []  # no JSON key


@pytest.mark.parametrize(("text", "names"), [
    ('{"first_name": "Emma", "lastName": "Johansson", "Nachname": "Müller"}', ["Emma", "Johansson", "Müller"]),
    ('[{"name": "Olivia Brown", "email": "o@example.com"}, {"name": "Liam Smith", "id": 2}]', ["Olivia Brown"]),
    ('{"nombre": "Ana Torres", "tel": "612 345 678"}', ["Ana Torres"]),
    ('{"products": [{"name": "Aurora Desk Lamp", "price": 39.99}]}', []),     # no contact data: a product
    ('{"last_name": "R2-D2", "full_name": "x@example.com"}', []),              # no name written
])
def test_person_key_values(text: str, names: list[str]) -> None:
    others = [Found(m, m + 13, "EMAIL", 1.0) for m in [text.find("o@example.com")] if m >= 0]
    others += [Found(m, m + 11, "PHONE", 0.9) for m in [text.find("612 345 678")] if m >= 0]
    assert [text[s:e] for s, e in person_key_values(text, others)] == names


def test_a_head_phone_does_not_start_inside_a_word() -> None:
    text = "line1\n020 7946 0000"
    assert text[slice(*head_phone(text, (0, len(text), "PHONE", 0.9))[:2])] == "020 7946 0000"
    text = "電話番号は090-1234-5678です"
    assert text[slice(*head_phone(text, (0, 18, "PHONE", 0.9))[:2])] == "090-1234-5678"
    text = "le4ve a lo7 0f 5h17 1n 7h3 past"  # leetspeak words, not a number starting "0f 5h17"
    assert head_phone(text, (8, 26, "PHONE", 0.9)) is None


def test_json_keys_are_linear_on_a_megabyte() -> None:
    unit = '{"title": "Sleepy Kittens", "name": "Ann Lee", "email": "a@b.co", "last_name": "Lee"}, '
    text = unit * (1_000_000 // len(unit))
    step = len(unit)
    heads = [Found(i + 11, i + 25, "PERSON", 0.8) for i in range(0, len(text), step)]
    emails = [Found(i + 55, i + 61, "EMAIL", 1.0) for i in range(0, len(text), step)]
    assert_linear(lambda t: person_key_values(t, [e for e in emails if e.end <= len(t)]), text, label="person keys")
    assert_linear(lambda t: content_head_findings(t, [h for h in heads if h.end <= len(t)], []), text, label="titles")
