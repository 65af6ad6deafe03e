"""Names after a contact verb and spaced or cued phone runs (user trial 32, findings 5 and 6).

"Contact Maria Garcia at home", "Ask Faith Baker, Joy Cook and Mark Rich", "send it to Summer
Rain Wood": a capitalised name of two or more words after a contact verb (contact, ask, call,
email, text, message, tell, send it to, follow, cc, ping; es pt fr de it) is a PERSON, and words
that are also names ("Hope", "Faith", "Joy", "Rich", "Kill") are part of a multi-word name. A
phone written digit by digit is redacted whole, years after "call" are no phone, and the phone
word before a number stays text. Over-redaction stays fixed: a single word after a verb, a
group noun, a UI label, a team or desk is no name.
"""

from __future__ import annotations

import pytest

import guardrails
from tests.linear import assert_linear


@pytest.fixture(scope="module")
def guard():
    with guardrails.Guard.default() as g:
        yield g


@pytest.mark.parametrize("text, names", [
    ("Contact Maria Garcia at home", ["Maria", "Garcia"]),
    ("please contact Hope Bishop about the order", ["Hope", "Bishop"]),
    ("Ask Daniel Müller for the keys", ["Daniel", "Müller"]),
    ("Ask Faith Baker, Joy Cook and Mark Rich for the report", ["Faith", "Baker", "Joy", "Cook", "Mark", "Rich"]),
    ("send it to Summer Rain Wood please", ["Summer", "Rain", "Wood"]),
    ("Follow Jordan Brown Paris Hilton", ["Jordan", "Brown"]),
    ("text Grace Hill when you land", ["Grace", "Hill"]),
    ("ping Robin Banks on slack", ["Robin", "Banks"]),
    ("cc Amber Stone on the thread", ["Amber", "Stone"]),
    ("tell Sky Walker I said hi", ["Sky", "Walker"]),
    ("email Dawn Rivers today", ["Dawn", "Rivers"]),
    ("message Ivy Chase and Will Power about it", ["Ivy", "Chase", "Power"]),
    ("Contacta a María Fernández mañana", ["María", "Fernández"]),
    ("pregunta a Luis Ortega por las llaves", ["Luis", "Ortega"]),
    ("llama a Rosa Blanco esta noche", ["Rosa", "Blanco"]),
    ("ligue para João Silva amanhã", ["João", "Silva"]),
    ("fale com Ana Souza sobre o pedido", ["Ana", "Souza"]),
    ("Contactez Marie Dupont demain", ["Marie", "Dupont"]),
    ("demande à Claire Petit les clés", ["Claire", "Petit"]),
    ("Ruf Anna Schmidt morgen an", ["Anna", "Schmidt"]),
    ("Frag Peter Becker nach dem Schlüssel", ["Peter", "Becker"]),
    ("Chiama Giulia Rossi stasera", ["Giulia", "Rossi"]),
    ("chiedi a Luca Ferri le chiavi", ["Luca", "Ferri"]),
])
def test_names_after_contact_verbs_redact(guard, text: str, names: list[str]) -> None:
    out = guard.check_input(text).text
    assert not [n for n in names if n in out], out


@pytest.mark.parametrize("text, leak", [
    ("my neighbor Bill Kill, email him", "Kill"),
    ("my neighbour Bill Kill lives upstairs, email him", "Kill"),
])
def test_word_names_inside_a_multi_word_name_redact(guard, text: str, leak: str) -> None:
    out = guard.check_input(text).text
    assert leak not in out and "[PERSON]" in out, out


@pytest.mark.parametrize("text", [
    "Click Forgot password on the login page",
    "Contact Customer Support for a refund",
    "Contact Us",
    "Follow Us On Twitter",
    "Ask Google Assistant to set a timer",
    "call Mom tonight",
    "email HR Department about leave",
    "Volunteers needed",
    "Lorem ipsum dolor sit amet",
    "Ask Muslims about Ramadan",
    "Tell Me More",
    "Contact the Help Desk",
    "Llama a Atención al Cliente",
    "Follow Google Maps directions to the hotel",
    "call Uber Eats support",
    "Email Marketing Best Practices",
])
def test_non_names_after_contact_verbs_stay(guard, text: str) -> None:
    d = guard.check_input(text)
    assert not any(s.label == "PERSON" for s in d.spans), (d.text, d.spans)


def test_contact_names_rule_spans() -> None:
    from tako_rules._pii_person import contact_names

    text = "Ask Faith Baker, Joy Cook and Mark Rich for the report"
    assert [text[s:e] for s, e, _ in contact_names(text)] == ["Faith Baker", "Joy Cook", "Mark Rich"]
    assert contact_names("contact maria garcia") == []  # lower-case text: no capitals to go by
    assert contact_names("Contact Support") == []  # one word is not enough


def test_contact_names_linear_on_a_megabyte() -> None:
    from tako_rules._pii_person import contact_names

    assert_linear(contact_names, "please contact Anna and ask Bob to call " * 26_000)


@pytest.mark.parametrize("text, phone", [
    ("my cell is 5 5 5 8 6 7 5 3 0 9", "5 3 0 9"),
    ("mi número es 6 1 2 3 4 5 6 7 8", "5 6 7 8"),
    ("mein Handy 0 1 7 0 1 2 3 4 5 6 7", "4 5 6 7"),
    ("call me 2 1 2 5 5 5 0 1 4 7 please", "0 1 4 7"),
])
def test_spaced_digit_phones_redact_whole(guard, text: str, phone: str) -> None:
    out = guard.check_input(text).text
    assert phone not in out and not any(c.isdigit() for c in out), out


@pytest.mark.parametrize("text, keep, phone", [
    ("call 1990 1991 1992 me at 555 867 5309", "1990 1991 1992", "867 5309"),
    ("ruf mich an 2019 2020 2021 unter 030 1234567", "2019 2020 2021", "1234567"),
    ("call me about the 1999 2000 2001 seasons", "1999 2000 2001", None),
])
def test_years_after_a_phone_word_are_not_phones(guard, text: str, keep: str, phone: str | None) -> None:
    out = guard.check_input(text).text
    assert keep in out, out
    if phone:
        assert phone not in out, out


@pytest.mark.parametrize("text, word, phone", [
    ("whatsapp 1 212 555 0147", "whatsapp", "555 0147"),
    ("WhatsApp +44 7700 900123", "WhatsApp", "7700 900123"),
    ("telegram 0170 1234567", "telegram", "1234567"),
    ("celular 11 91234 5678", "celular", "91234 5678"),
])
def test_phone_word_stays_text(guard, text: str, word: str, phone: str) -> None:
    out = guard.check_input(text).text
    assert word in out and phone not in out, out
