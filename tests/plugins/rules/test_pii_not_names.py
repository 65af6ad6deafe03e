"""Look-alikes the PII detectors took for personal data: years and lists of small numbers read as
phone numbers ("best movies from 1999 2000 and 2001" -> "[PHONE] and 2001"), group nouns and
sentence-opening imperatives read as names ("I love Muslims." -> "I love [PERSON]."). Real phones of
many countries and real names keep redacting."""

from __future__ import annotations

import pytest
from tako_rules._pii_groups import not_a_name
from tako_rules._pii_phone import phone_like

import guardrails
from tests.linear import assert_linear


@pytest.fixture(scope="module")
def guard():
    with guardrails.Guard.default() as g:
        yield g


@pytest.mark.parametrize("text", [
    "best movies from 1999 2000 and 2001",
    "top songs of 1985 1986 1987",
    "between 1999-2001 and 2005",
    "from 1990 to 2020 1500 people came",
    "lottery numbers 4 8 15 16 23 42",
    "need 12 24 36 48 60 bolts",
    "seasons 2014 2015 2016 2017",
])
def test_years_and_number_lists_are_not_phones(guard, text: str) -> None:
    d = guard.check_input(text)
    assert d.text == text and "[PHONE]" not in d.text, d.text


@pytest.mark.parametrize("text, phone", [
    ("UK 020 7946 0000", "020 7946 0000"),
    ("DE 0170 1234567", "0170 1234567"),
    ("FR 06 12 34 56 78", "06 12 34 56 78"),
    ("mon numéro +33 6 12 34 56 78", "6 12 34 56 78"),
    ("call +91 98765 43210", "98765 43210"),
    ("meu celular (11) 91234-5678", "91234-5678"),
    ("携帯 090-1234-5678", "090-1234-5678"),
    ("ring til 12 34 56 78", "12 34 56 78"),
    ("call me on 1999 2000", "1999 2000"),
])
def test_real_phones_still_redact(guard, text: str, phone: str) -> None:
    assert phone not in guard.check_input(text).text


@pytest.mark.parametrize("text", [
    "I love Muslims.", "I don't think Muslims are terrorists.", "Muslims pray five times a day.",
])
def test_group_nouns_are_not_names(guard, text: str) -> None:
    d = guard.check_input(text)
    assert "[PERSON]" not in d.text and not any(s.label == "PERSON" for s in d.spans), d.spans


@pytest.mark.parametrize("text, name", [
    ("my name is Anna Kowalski", "Kowalski"),
    ("Olga Petrova lives at 12 Baker Street", "Petrova"),
])
def test_real_names_still_redact(guard, text: str, name: str) -> None:
    assert name not in guard.check_input(text).text


@pytest.mark.parametrize("span", ["Muslims", "Jews", "Mexicans", "Asians", "Muslime", "musulmans", "judíos", "мусульмане",
                                  "Игнорируй", "Ignore", "Vergiss", "Oublie", "Olvida", "Забудь"])
def test_listed_words_are_not_names(span: str) -> None:
    assert not_a_name(span)


@pytest.mark.parametrize("span", ["Anna Kowalski", "Muhammad Ali Khan", "Olga", "Christian", "Jordan", "Roma", "", "Muslims Smith"])
def test_names_are_names(span: str) -> None:
    assert not not_a_name(span)


def test_phone_like_keeps_cued_and_trunk_numbers() -> None:
    assert not phone_like("best of 1999 2000 2001", 8, 22)
    assert phone_like("call 1999 2000", 5, 14)
    assert phone_like("dial 0199 2000", 5, 14)


def test_not_a_name_is_fast_on_a_megabyte() -> None:
    assert not not_a_name("Muslims " * 150_000)
    assert_linear(not_a_name, "Muslims " * 150_000)
