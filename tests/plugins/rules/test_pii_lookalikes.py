"""pii values written to slip past a pattern: card numbers whose groups are joined by other
separators (double spaces, tabs, line breaks, underscores, middle dots), e-mails with look-alike
letters of other scripts or other full stops; and the look-alikes that must stay what they are
(number lists, tables, timestamps, phones, Cyrillic words)."""

from __future__ import annotations

import pytest
from tako_rules._pii_cards import card_spans
from tako_rules._pii_view import TextView, email_stretches
from tako_rules.pii import PiiGuard

from guardrails.protocol import CheckContext
from tests.linear import assert_linear


@pytest.fixture(scope="module")
def guard() -> PiiGuard:
    return PiiGuard(PiiGuard.Config(ner="off"))


def found(guard: PiiGuard, text: str) -> list[tuple[str, str]]:
    return [(f.label, text[f.start : f.end]) for f in guard.find(text)]


def redacted(guard: PiiGuard, text: str) -> str:
    verdict = guard.check(text, CheckContext(stage="input"))
    return text if verdict.text is None else verdict.text


# -- cards ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "card",
    [
        "4111  1111  1111  1111",            # double spaces
        "4111\t1111\t1111\t1111",            # tabs
        "4111\n1111\n1111\n1111",            # one group a line
        "4111 1111 \n1111 1111",             # a line break in the middle
        "4111\r\n1111\r\n1111\r\n1111",
        "4111_1111_1111_1111",
        "4111·1111·1111·1111",               # middle dots
        "4111•1111•1111•1111",
        "4111‒1111‒1111‒1111",               # figure dash
        "4111 – 1111 – 1111 – 1111",         # spaced en dash
        "4111\u00a0\u00a01111\u00a0\u00a01111\u00a0\u00a01111",
        "3782\t822463\t10005",               # Amex 4-6-5
        "5555_5555_5555_4444",
        "4222  2222  2222  2",               # 13-digit Visa, 4-4-4-1
    ],
)
@pytest.mark.parametrize(("before", "after"), [("card ", " done"), ("pay with\n", "\nthanks"), ("", "")])
def test_cards_with_other_separators_are_redacted_whole(guard: PiiGuard, card: str, before: str, after: str) -> None:
    text = before + card + after
    assert found(guard, text) == [("CREDIT_CARD", card)]
    assert redacted(guard, text) == before + "[CREDIT_CARD]" + after


def test_the_reported_line_break_card_is_not_half_a_phone(guard: PiiGuard) -> None:
    assert redacted(guard, "card 4111 1111 \n1111 1111") == "card [CREDIT_CARD]"


@pytest.mark.parametrize(
    ("text", "card"),
    [
        ("item 3\n4111\n1111\n1111\n1111", "4111\n1111\n1111\n1111"),   # a number before it in the run
        ("call 1 4111 1111 1111 1111", "4111 1111 1111 1111"),
        ("4111 1111 1111 1111 22 items", "4111 1111 1111 1111"),        # a number after it
        ("4111111111111111 5500005555555559", "4111111111111111"),
    ],
)
def test_a_card_inside_a_run_of_numbers_is_found(guard: PiiGuard, text: str, card: str) -> None:
    assert ("CREDIT_CARD", card) in found(guard, text)


@pytest.mark.parametrize(
    "text",
    [
        "scores\n41\n11\n11\n11\n11\n11\n11\n11",        # a column of numbers (Luhn-valid, Visa prefix)
        "41\t11\t11\t11\t11\t11\t11\t11",                 # a table row
        "41  11  11  11  11  11  11  11",
        "id 12 34 56 78 90 12 34 56",
        "2023-01-01 12:00:00 4111",                        # a timestamp
        "ts 1700000000\n1700000001",
        "+1 212 555 0147 and 212-555-0148",                # phones
        "4111.1111/1111 1111",                             # mixed separators
        "4111 . 1111 . 1111 . 1111",
        "4111\n1111\n1111\n1112",                          # Luhn-invalid
        "4111  1111  1111  111",                           # 15 digits: no Visa length
        "4111_11_11_1111_1111",                            # not grouped as a card is printed
        "x-4111 1111 1111 1111",                           # glued to a word by a hyphen
    ],
)
def test_number_lists_timestamps_and_phones_are_not_cards(guard: PiiGuard, text: str) -> None:
    assert [label for label, _ in found(guard, text) if label == "CREDIT_CARD"] == []


def test_cards_in_random_number_lists_are_rarer_than_before() -> None:
    """Only whole runs or printed groupings count: random lists of numbers joined by spaces,
    tabs and line breaks rarely (< 0.1%) hold a card."""
    import random

    rng = random.Random(7)
    hits = 0
    for _ in range(20_000):
        parts = [str(rng.randint(0, 10 ** rng.randint(1, 6))) for _ in range(rng.randint(2, 10))]
        hits += any(True for _ in card_spans(rng.choice([" ", "  ", "\n", "\t", "_"]).join(parts)))
    assert hits < 20


@pytest.mark.parametrize("unit", ["4111 ", "4111\n", "4111  ", "1_", "4 ", "41\t", "4111·"])
def test_card_runs_are_linear_on_a_megabyte(unit: str) -> None:
    text = unit * (1_000_000 // len(unit))
    assert_linear(lambda t: list(card_spans(t)), text)


# -- e-mails -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "email",
    [
        "jоe@exаmple.com",          # Cyrillic о and а
        "JОE@EXАMPLE.COM",          # Cyrillic capitals
        "jοe@εxample.org",          # Greek omicron and epsilon
        "ѕаrа@mаil.com",            # a local part of look-alikes only
        "joe@example。com",         # ideographic full stop
        "joe@example｡com",          # halfwidth ideographic full stop
        "joe＠example．com",         # fullwidth at and full stop
        "joe﹫example.com",          # small commercial at
        "ann@exаmple。co。uk",
    ],
)
@pytest.mark.parametrize(("before", "after"), [("write to ", " (cyrillic)"), ("email ", ""), ("mail:", "。谢谢")])
def test_look_alike_emails_are_redacted_where_written(guard: PiiGuard, email: str, before: str, after: str) -> None:
    text = before + email + after
    assert ("EMAIL", email) in found(guard, text)
    assert email not in redacted(guard, text) and "[EMAIL]" in redacted(guard, text)


@pytest.mark.parametrize(
    "text",
    [
        "Почта: иван@почта.рф",                 # an all-Cyrillic address: no ASCII look-alike to find
        "ответ сосредоточен на сроках",          # look-alike letters, no @: the words stay words
        "хорошо。明天见 a@b",                      # a full stop outside an e-mail-like stretch
    ],
)
def test_look_alike_letters_outside_emails_stay_as_written(text: str) -> None:
    view = TextView(text).text
    assert view.count("о") == text.count("о") and view.count("。") == text.count("。")
    assert all("@" in text[s:e] and " " not in text[s:e] for s, e in email_stretches(text))


def test_a_cyrillic_word_glued_to_an_email_keeps_its_letters(guard: PiiGuard) -> None:
    assert redacted(guard, "почтаjoe@mail.ru") == "почта[EMAIL]"
    assert redacted(guard, "пишите на ivan@mail.ru или звоните") == "пишите на [EMAIL] или звоните"


def test_email_stretches_are_linear_on_a_megabyte() -> None:
    for unit in ("а@", "а@ ", "jоe@exаmple。com ", "@"):
        text = unit * (1_000_000 // len(unit))
        assert_linear(TextView, text, label=unit)


@pytest.mark.parametrize(("text", "expected"), [
    ("write to jörg.müller@example.de", "write to [EMAIL]"),
    ("josé.garcía@ejemplo.es lo sabe", "[EMAIL] lo sabe"),
    ("mail 田中@example.jp", "mail [EMAIL]"),
    ("see file_2024@v2 please", "see file_2024@v2 please"),
])
def test_an_address_with_accented_or_cjk_letters_is_redacted_whole(guard: PiiGuard, text: str, expected: str) -> None:
    assert redacted(guard, text) == expected
