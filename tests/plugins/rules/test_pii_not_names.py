"""Look-alikes the PII detectors took for personal data: years and lists of small numbers read as
phone numbers ("best movies from 1999 2000 and 2001" -> "[PHONE] and 2001"), group nouns and
sentence-opening imperatives read as names ("I love Muslims." -> "I love [PERSON]."), capitalised
common nouns (German capitalises every noun: "Wie mein Opa immer sagte: „Juden sind Ungeziefer …“"
-> "mein [PERSON] … sind [PERSON]"), CamelCase handles and acronyms ("TrailTube", "VIP"). Real
phones of many countries and real names keep redacting: tests/data/pii_nouns_heldout.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tako_rules._pii_detect import Found
from tako_rules._pii_groups import before_group_head, doubtful_heads, not_a_name
from tako_rules._pii_phone import phone_like
from tako_rules._pii_quantities import quantity_numbers

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


NOUNS_HELDOUT = [json.loads(line) for name in ("pii_nouns_heldout.jsonl", "pii_nouns_de_heldout.jsonl")  # + German how-to
                 for line in (Path(__file__).resolve().parents[2] / "data" / name).read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("row", [r for r in NOUNS_HELDOUT if "limit" not in r],
                         ids=[f"{r['kind']}-{r['lang']}-{i}" for i, r in enumerate(NOUNS_HELDOUT) if "limit" not in r])
def test_heldout_capitalised_nouns(guard, row: dict) -> None:
    """Family words, German nouns, dehumanising nouns, handles and acronyms are no names; a real name
    beside them (after a family word, inside a quote, after a contact verb) still is. German how-to
    sentences (pii_nouns_de_heldout.jsonl, written before the building / kitchen / garden nouns were
    listed): 8/16 rows right before, 15/16 after (the limit row: a head miss)."""
    text = row["text"]
    json_like = text.startswith(("{", "["))
    d = guard.check_output(text, prompt="give me the record as JSON") if json_like else guard.check_input(text)
    ner = [(s.start, s.end, s.label) for s in d.spans if s.label in ("PERSON", "LOCATION")]
    for word in row["keep"]:
        i = text.index(word)
        assert not any(s < i + len(word) and i < e for s, e, _ in ner), (word, d.spans)
    for name in row["names"]:
        i = text.index(name)
        assert all(any(s <= k < e and label == "PERSON" for s, e, label in ner)
                   for k in range(i, i + len(name)) if not text[k].isspace()), (name, d.spans)


@pytest.mark.parametrize(("text", "word"), [("Befestige die Lampe mit Dübeln an der Decke.", "Dübeln"),
                                          ("Lege Fliesen auf den Estrich.", "Estrich"), ("Mische Zement mit Sand.", "Sand")])
def test_inflected_german_nouns_are_no_names(text: str, word: str) -> None:
    heads = _heads(text, (word, "PERSON"))
    assert doubtful_heads(text, heads) == []


def _heads(text: str, *spans: tuple[str, str]) -> list[Found]:
    return [Found(text.index(w), text.index(w) + len(w), label, 0.8) for w, label in spans]


def _kept(text: str, *spans: tuple[str, str]) -> list[str]:
    return [text[f.start:f.end] for f in doubtful_heads(text, _heads(text, *spans))]


@pytest.mark.parametrize("text, word", [
    ("Die Katze schläft auf dem Sofa.", "Katze"),  # article
    ("Ich gab es meinem Schwiegervater.", "Schwiegervater"),  # possessive
    ("Das ist das gute alte Kerzenwachs aus dem Keller.", "Kerzenwachs"),  # article, two adjectives
    ("Er schrieb über die Gesellschaft und ihre Regeln.", "Gesellschaft"),  # a German noun suffix
])
def test_german_nouns_after_articles_or_with_noun_suffixes_are_no_names(text: str, word: str) -> None:
    assert _kept(text, (word, "PERSON")) == []


@pytest.mark.parametrize("text, word", [
    ("Ich habe mit Ursula von der Leyen gesprochen.", "Leyen"),  # a name particle before the article
    ("Das ist der Mann, der Thomas kennt.", "Thomas"),  # a relative pronoun, not an article
    ("Mein Bruder Thomas kommt morgen.", "Thomas"),  # after a noun
    ("I will die Smith", "Smith"),  # English: one German-looking word is no German text
    ("Maria das Dores mora aqui.", "Dores"),  # Portuguese "das"
    ("Gestern hat Hartmut angerufen.", "Hartmut"),
])
def test_names_after_look_alike_articles_stay(text: str, word: str) -> None:
    assert _kept(text, (word, "PERSON")) == [word]


def test_family_words_leave_a_name_and_handles_acronyms_go() -> None:
    text = "Mein Opa Heinrich grüßt TrailTube, GamingWithTom und den VIP-Bereich."
    kept = _kept(text, ("Opa Heinrich", "PERSON"), ("TrailTube", "PERSON"), ("GamingWithTom", "LOCATION"),
                 ("VIP-Bereich", "PERSON"))
    assert kept == ["Heinrich"]
    assert _kept("call VIP now", ("VIP", "PERSON")) == []
    assert _kept("CALL VIP NOW", ("VIP", "PERSON")) == ["VIP"]  # an all-capitals text: no case to go by
    assert _kept("@user HE IS MOE", ("MOE", "PERSON")) == ["MOE"]  # more capitals than small letters
    assert _kept("I love my Uncle Tom", ("Uncle", "PERSON")) == ["Uncle"]  # a name follows: widened later
    assert _kept("I love my Uncle and Aunt", ("Uncle", "PERSON"), ("Aunt", "PERSON")) == []
    assert _kept("Ronald McDonald, MaryAnn and DeShawn", ("McDonald", "PERSON"), ("MaryAnn", "PERSON"),
                 ("DeShawn", "PERSON")) == ["McDonald", "MaryAnn", "DeShawn"]
    assert _kept("Die Katze von Siemens", ("Siemens", "ORGANIZATION"), ("Katze", "ORGANIZATION")) == ["Siemens", "Katze"]


def test_common_nouns_switch_keeps_every_head_finding() -> None:
    with guardrails.Guard.from_policy({"name": "n", "input": [
            {"guard": "pii", "config": {"common_nouns": False}, "action": "redact"}]}) as g:
        off = g.check_input("Wie mein Opa immer sagte: „Juden sind Ungeziefer.“")
    with guardrails.Guard.from_policy({"name": "n", "input": [{"guard": "pii", "action": "redact"}]}) as g:
        on = g.check_input("Wie mein Opa immer sagte: „Juden sind Ungeziefer.“")
    assert on.text == "Wie mein Opa immer sagte: „Juden sind Ungeziefer.“"
    assert "[PERSON]" in off.text


@pytest.mark.parametrize("unit, start, end", [
    ("Die Katze von Anna Schmidt schläft. ", 4, 9),  # a common noun ("Katze") read as a name
    ("dog videos: Rex, Bella and Max. ", 12, 15),  # a pet's name in a list
], ids=["common-noun", "pet-list"])
def test_doubtful_heads_is_linear(unit: str, start: int, end: int) -> None:
    def run(text: str) -> list[Found]:
        heads = [Found(i + start, i + end, "PERSON", 0.7) for i in range(0, len(text), len(unit))]
        return doubtful_heads(text, heads)

    assert run(unit * 3) == []
    assert_linear(run, unit * 20_000)


@pytest.mark.parametrize("text, kept", [
    ("three cat videos: Maru, Nala, Grumpy.", []),  # pets' names in a list after an animal word
    ("Katzen: Maru und Nala", []),
    ("dog walker: Anna, Maria", ["Anna", "Maria"]),  # a keeper of animals is a person
    ("cat videos: Maru. My friends: Anna, Maria", ["Anna", "Maria"]),  # another sentence, no animal
    ("cat videos: see Anna", ["Anna"]),  # a lower-case word: no list
    ('{"title": "Sleepy Kittens", "uploader": "Maria Garcia"}', ["Maria"]),  # JSON, not a list
])
def test_one_word_names_in_a_list_of_pets_go(text: str, kept: list[str]) -> None:
    words = [w for w in ("Maru", "Nala", "Grumpy", "Anna", "Maria") if w in text and text.rindex(w) > text.index(":")]
    assert _kept(text, *[(w, "PERSON") for w in words]) == kept


TRIAL36_HELDOUT = [json.loads(line) for line in
                   (Path(__file__).resolve().parents[2] / "data" / "pii_trial36_heldout.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("row", TRIAL36_HELDOUT, ids=[f"{r['kind']}-{r['lang']}-{i}" for i, r in enumerate(TRIAL36_HELDOUT)])
def test_heldout_handles_spelled_emails_kana_arabizi_pets(guard, row: dict) -> None:
    """@handles, katakana loanwords cut by the head, Arabizi words and pets' names are no personal
    data; e-mails (plain, bracketed, spelled out in eight languages), names and phones beside them are."""
    text = row["text"]
    spans = [(s.start, s.end) for s in guard.check_input(text).spans]
    for value in row["gone"]:
        i = text.index(value)
        assert all(any(s <= k < e for s, e in spans) for k in range(i, i + len(value)) if not text[k].isspace()), (value, spans)
    for value in row["keep"]:
        i = text.index(value)
        assert not any(s < i + len(value) and i < e for s, e in spans), (value, spans)


NUMBERS_HELDOUT = [json.loads(line) for line in
                   (Path(__file__).resolve().parents[2] / "data" / "pii_numbers_de_heldout.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("row", NUMBERS_HELDOUT, ids=[f"{r['kind']}-{r['lang']}-{i}" for i, r in enumerate(NUMBERS_HELDOUT)])
def test_heldout_ratio_and_page_numbers_are_no_addresses(guard, row: dict) -> None:
    """A number in a ratio ("im Verhältnis 94 zu 6", "3 to 1") or a reference ("Seite 12", "Kapitel 3")
    is no house number; a street address beside such words still redacts."""
    text = row["text"]
    spans = [(s.start, s.end) for s in guard.check_input(text).spans if s.label == "ADDRESS"]
    for value in row["gone"]:
        i = text.index(value)
        assert any(s < i + len(value) and i < e for s, e in spans), (value, spans)
    for value in row["keep"]:
        i = text.index(value)
        assert not any(s < i + len(value) and i < e for s, e in spans), (value, spans)


@pytest.mark.parametrize(("text", "number", "kept"), [
    ("im Verhältnis 94 zu 6 mischen", "94", False),
    ("lies Seite 12 bis morgen", "12", False),
    ("a ratio of 3 to 1", "3", False),
    ("mezcla 3 a 1", "3", False),
    ("Hauptstraße 94, Berlin", "Hauptstraße 94", True),
    ("wohnt in Nummer 94 gleich links", "94", True),
])
def test_quantity_numbers(text: str, number: str, kept: bool) -> None:
    i = text.index(number)
    heads = [Found(i, i + len(number), "ADDRESS", 0.8), Found(0, 2, "PERSON", 0.8)]
    assert (heads[0] in quantity_numbers(text, heads)) is kept
    assert heads[1] in quantity_numbers(text, heads)


GROUP_NAMES_HELDOUT = [json.loads(line) for line in
                       (Path(__file__).resolve().parents[2] / "data" / "pii_group_names_heldout.jsonl").read_text(encoding="utf-8").splitlines()
                       if line.strip()]


@pytest.mark.parametrize("row", GROUP_NAMES_HELDOUT, ids=lambda r: f"{r['person']}-{r['text'][:24]}")
def test_heldout_group_adjectives_before_people_are_no_names(guard, row: dict) -> None:
    """Trial 38: "Roma people" -> "[PERSON] people". A capitalised word right before "people",
    "folks" or "community" is a group adjective or demonym (tests/data/pii_group_names_heldout.jsonl,
    written before the change: 9/10 -> 10/10); a two-word name stays a PERSON ("Jack White")."""
    d = guard.check_input(row["text"])
    assert any(s.label == "PERSON" for s in d.spans) is row["person"], d.spans


@pytest.mark.parametrize(("text", "word", "group"), [
    ("Roma people have lived here for centuries.", "Roma", True),
    ("Black people deserve equal rights.", "Black", True),
    ("The Navajo community runs schools.", "Navajo", True),
    ("Call Jack White people say he is great", "Jack White", False),
    ("The Roma People's Party met today.", "Roma", False),
    ("Ask Maria tomorrow", "Maria", False),
    ("I met Olga Petrova people say she is kind", "Petrova", False),
    ("Many Kurdish folks celebrate in March.", "Kurdish", True),
])
def test_before_group_head(text: str, word: str, group: bool) -> None:
    i = text.index(word)
    assert before_group_head(text, i, i + len(word)) is group
