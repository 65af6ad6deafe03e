"""pii formats of a global user base: phones of many regions, national ids with checksums,
IBANs glued to words, obfuscated values (fullwidth, zero-width, dotted, slashed, spelled out)
redacted where the user typed them."""

from __future__ import annotations

import pytest
from tako_rules._pii_phone import DEFAULT_PHONE_REGIONS, PhoneFinder
from tako_rules.pii import PiiGuard

from guardrails.protocol import CheckContext
from tests.linear import assert_linear


@pytest.fixture(scope="module")
def guard() -> PiiGuard:
    return PiiGuard(PiiGuard.Config(ner="off"))


def found(guard: PiiGuard, text: str) -> list[tuple[str, str]]:
    return [(f.label, text[f.start : f.end]) for f in guard.find(text)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("call me on 020 7946 0000 tonight", "020 7946 0000"),          # GB national
        ("meine Handynummer ist 0170 1234567", "0170 1234567"),         # DE mobile
        ("llámame al 912 345 678", "912 345 678"),                      # ES, after a phone word
        ("ring 0044 20 7946 0958 now", "0044 20 7946 0958"),            # 00 international prefix
        ("+33 6 12 34 56 78", "+33 6 12 34 56 78"),                     # FR international
        ("appelle-moi au 06 12 34 56 78", "06 12 34 56 78"),            # FR national
        ("WhatsApp +91 98765 43210", "+91 98765 43210"),                # IN
        ("meu celular é (11) 98765-4321", "(11) 98765-4321"),           # BR
        ("携帯 090-1234-5678", "090-1234-5678"),                         # JP
        ("电话 13812345678", "13812345678"),                             # CN mobile, bare after a phone word
        ("전화 010-1234-5678 로 연락", "010-1234-5678"),                  # KR
        ("telefon: 0532 123 45 67", "0532 123 45 67"),                  # TR
        ("(212) 555-0199", "(212) 555-0199"),                           # US
        ("833.719.3994x1887", "833.719.3994x1887"),                     # dotted with extension
    ],
)
def test_phones_of_many_regions(guard: PiiGuard, text: str, value: str) -> None:
    assert ("PHONE", value) in found(guard, text)


@pytest.mark.parametrize(
    "text",
    [
        "we sold 12 345 678 units",
        "between 1990 and 2020 there were 3 000 000 views",
        "coordinates 48.8566 2.3522",
        "released on 2024-01-15 at 14:30",
        "When: 1998-06-28 14:48:14",
        "server at 192.168.100.200",
        "timestamp 1700000000",
        "my social security number is 078-05-1120",  # an SSN, not a phone
        "order number 01701234567 has shipped",
        "ISBN 978-3-16-148410-0",
        "912 345 678",  # bare groups of three with no phone word: a quantity as likely as a phone
    ],
)
def test_phone_look_alikes(guard: PiiGuard, text: str) -> None:
    assert [v for label, v in found(guard, text) if label == "PHONE"] == []


def test_phone_regions_configurable() -> None:
    text = "the office is 020 7946 0000"  # no phone word: the regions decide
    only_us = PiiGuard(PiiGuard.Config(ner="off", phone_regions=["US"]))
    assert found(only_us, text) == []
    assert ("PHONE", "020 7946 0000") in found(PiiGuard(PiiGuard.Config(ner="off", phone_regions=["GB"])), text)
    # after a phone word a number counts whatever the regions
    assert found(only_us, "call me on 020 7946 0000") == [("PHONE", "020 7946 0000")]
    with pytest.raises(ValueError, match="unknown phone regions"):
        PiiGuard.Config(phone_regions=["XX"])
    assert len(DEFAULT_PHONE_REGIONS) >= 40


def test_strict_leniency_needs_valid_numbers() -> None:
    lenient = PhoneFinder(["US"], strict=False)
    strict = PhoneFinder(["US"], strict=True)
    text = "call me at 555 12 34 567"  # possible somewhere, valid nowhere
    assert lenient.find(text) and not strict.find(text)


def test_case_free_patterns_compile_their_case_insensitive_twin_on_first_use() -> None:
    from tako_rules._pii_detect import CaseFree

    pattern = CaseFree(r"\bp\.?o\.? box \d+")
    assert pattern._slow is None
    assert [m.group() for m in pattern.finditer("a p.o. box 12", "a p.o. box 12")] == ["p.o. box 12"]
    assert pattern._slow is None  # the lower-cased text needs no case-insensitive pattern
    assert [m.group() for m in pattern.finditer("İ P.O. BOX 12", None)] == ["P.O. BOX 12"]
    assert pattern._slow is not None and pattern.search("P.O. Box 7", None)


def test_phone_regions_are_built_when_a_number_reaches_them() -> None:
    finder = PhoneFinder(DEFAULT_PHONE_REGIONS)
    assert finder._built == [None] * len(DEFAULT_PHONE_REGIONS)  # nothing read or compiled yet
    assert finder.find("call me at (201) 555-0123")  # valid in the first region tried
    assert finder._built[0] is not None and finder._built[0].code == "US"
    assert all(region is None for region in finder._built[1:])
    assert [r.code for r in finder.regions] == list(DEFAULT_PHONE_REGIONS)
    with pytest.raises(ValueError, match="unknown phone region 'xx'"):
        PhoneFinder(["US", "xx"])


def test_fast_validity_agrees_with_libphonenumber() -> None:
    """The metadata pre-check never accepts what libphonenumber rejects."""
    import random

    import phonenumbers

    finder = PhoneFinder(DEFAULT_PHONE_REGIONS)
    rng = random.Random(7)
    for _ in range(1500):
        region = finder.regions[rng.randrange(len(finder.regions))]
        digits = ("0" if rng.random() < 0.5 else "") + str(rng.randrange(10**6, 10**11))
        ok, _ = region.check(digits)
        if ok and region.exact:
            assert phonenumbers.is_valid_number(phonenumbers.parse(digits, region.code)), (region.code, digits)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("my CPF is 390.533.447-05", "BR_CPF"),
        ("cpf 39053344705", "BR_CPF"),
        ("身份证 11010519491231002X", "CN_RIC"),
        ("RRN 971013-9019902", "KR_RRN"),
        ("CURP BOXW310820HNERXN09", "MX_CURP"),
        ("codice fiscale RCCMNL83S18D969H", "IT_FISCAL_CODE"),
        ("NIR 2 95 10 99 126 111 93", "FR_NIR"),
        ("DNI 54362315-K", "ES_DNI"),
        ("NIE X-2482300W", "ES_NIE"),
        ("PAN ACUPA7085R", "IN_PAN"),
        ("aadhaar 2341 2341 2346", "IN_AADHAAR"),
        ("マイナンバー 6214 9832 0257", "JP_MY_NUMBER"),
        ("personnummer 880320-0016", "SE_PERSONNUMMER"),
        ("SIN 123-456-782", "CA_SIN"),
        ("NHS number 943 476 5870", "GB_NHS"),
        ("Steuer-ID 36 574 261 809", "DE_TAX_ID"),
        ("PESEL 44051401359", "PL_PESEL"),
        ("TC kimlik no 17291716060", "TR_TCKN"),
        ("BSN 1112.22.333", "NL_BSN"),
        ("thai id 1-2345-45678-78-1", "TH_ID"),
        ("ИНН 123456789047", "RU_INN"),
        ("SSN 078-05-1120", "US_SSN"),
    ],
)
def test_national_ids(guard: PiiGuard, text: str, label: str) -> None:
    assert label in [lab for lab, _ in found(guard, text)]


@pytest.mark.parametrize(
    "text",
    [
        "my CPF is 390.533.447-06",          # wrong check digits
        "PESEL 44051401358",
        "44051401359",                       # 11 digits with no word naming the kind
        "codice fiscale RCCMNL83S18D969X",
        "using 123 456 782 as a seed",
    ],
)
def test_national_id_look_alikes(guard: PiiGuard, text: str) -> None:
    assert not [lab for lab, _ in found(guard, text) if lab not in ("PHONE",)]


def test_national_id_group_in_config() -> None:
    g = PiiGuard(PiiGuard.Config(entities=["NATIONAL_ID"], ner="off"))
    assert [lab for lab, _ in found(g, "cpf 39053344705, mail a@b.com")] == ["BR_CPF"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("IBAN:DE89370400440532013000thanks", "DE89370400440532013000"),
        ("myibanDE89370400440532013000", "DE89370400440532013000"),
        ("iban GB82 WEST 1234 5698 7654 32 please", "GB82 WEST 1234 5698 7654 32"),
    ],
)
def test_iban_glued_to_words(guard: PiiGuard, text: str, value: str) -> None:
    assert ("IBAN", value) in found(guard, text)


@pytest.mark.parametrize(
    ("text", "value", "label"),
    [
        ("mail me at ｊｏｅ＠ｅｘａｍｐｌｅ．ｏｒｇ", "ｊｏｅ＠ｅｘａｍｐｌｅ．ｏｒｇ", "EMAIL"),
        ("card 5555.5555.5555.4444 exp 10/29", "5555.5555.5555.4444", "CREDIT_CARD"),
        ("card 4111/1111/1111/1111", "4111/1111/1111/1111", "CREDIT_CARD"),
        ("card 4111\u200b1111\u200b1111\u200b1111 ok", "4111\u200b1111\u200b1111\u200b1111", "CREDIT_CARD"),
        ("card ４１１１ １１１１ １１１１ １１１１", "４１１１ １１１１ １１１１ １１１１", "CREDIT_CARD"),
        ("j\u200bo\u200be@example.com", "j\u200bo\u200be@example.com", "EMAIL"),
        ("write joe (at) example (dot) com", "joe (at) example (dot) com", "EMAIL"),
        ("joe[at]example[.]org", "joe[at]example[.]org", "EMAIL"),
        ("jane dot doe at gmail dot com", "jane dot doe at gmail dot com", "EMAIL"),
        ("رقم هاتفي ٠٢٠ ٧٩٤٦ ٠٠٠٠", "٠٢٠ ٧٩٤٦ ٠٠٠٠", "PHONE"),
    ],
)
def test_obfuscated_values_are_redacted_in_the_original(guard: PiiGuard, text: str, value: str, label: str) -> None:
    assert (label, value) in found(guard, text)
    verdict = guard.check(text, CheckContext(stage="input"))
    assert verdict.text is not None and value not in verdict.text and f"[{label}]" in verdict.text


@pytest.mark.parametrize("text", ["meet at noon dot com", "look at the cat (at) home", "5555.5555 and 5555.4444"])
def test_obfuscation_look_alikes(guard: PiiGuard, text: str) -> None:
    assert found(guard, text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("mi correo es maria.lopez arroba gmail punto com", "maria.lopez arroba gmail punto com"),
        ("escríbeme a lucia arroba hotmail.com", "lucia arroba hotmail.com"),
        ("meu email é joao.silva arroba gmail ponto com", "joao.silva arroba gmail ponto com"),
        ("mein Mail ist max.muster at gmx punkt de", "max.muster at gmx punkt de"),
        ("mon mail : julie arobase orange point fr", "julie arobase orange point fr"),
        ("scrivimi a marco chiocciola libero punto it", "marco chiocciola libero punto it"),
        ("mailim ahmet.yilmaz et gmail nokta com", "ahmet.yilmaz et gmail nokta com"),
        ("пишите ivan собака mail точка ru", "ivan собака mail точка ru"),
        ("juan punto perez arroba empresa punto com punto mx", "juan punto perez arroba empresa punto com punto mx"),
        ("mail joe.doe @gmail.com please", "joe.doe @gmail.com"),  # a mail provider after the @
    ],
)
def test_emails_spelled_in_other_languages_are_redacted(guard: PiiGuard, text: str, value: str) -> None:
    assert found(guard, text) == [("EMAIL", value)]


@pytest.mark.parametrize("text", [
    "follow @lily.dances.07 for more", "the tiktoker @lily.dances.07 is funny", "segue o @joao.games.br no tiktok",
    "el punto de la película es que nadie gana", "una arroba de trigo punto es", "la forme et le point de vue",
    "je compare bing et google.com", "Paul et Marie point fr", "meet at home punkt de", "maria arroba gmail",
])
def test_handles_and_spelled_look_alikes_are_no_emails(guard: PiiGuard, text: str) -> None:
    assert found(guard, text) == []


@pytest.mark.parametrize("unit", ["maria punto lopez arroba gmail punto ", "a et b point c et ", "x @y.z @"])
def test_spelled_emails_and_handles_are_linear_on_a_megabyte(guard: PiiGuard, unit: str) -> None:
    assert_linear(guard.find, unit * (1_000_000 // len(unit)), label=unit)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Ich wohne in der Nassaustraat 123", "Nassaustraat 123"),
        ("vivo en Calle Mayor 12, Madrid", "Calle Mayor 12"),
        ("j'habite 12 rue de la Paix", "12 rue de la Paix"),
        ("住所は東京都港区六本木1丁目2-3です", "東京都港区六本木1丁目2-3"),
        ("上海市中山路100号", "上海市中山路100号"),
        ("서울시 세종대로 110", "세종대로 110"),
        ("ул. Тверская, д. 7", "ул. Тверская, д. 7"),
    ],
)
def test_addresses_of_many_countries(guard: PiiGuard, text: str, value: str) -> None:
    assert ("ADDRESS", value) in found(guard, text)


@pytest.mark.parametrize("text", [
    "The hotel is a 10 minute walk from the beach.",
    "Tickets cost 174 euros for adults. The walk starts at nine.",
    "It took 3 hours. The road was closed.",
    "We walked 5 miles down the trail.",
    "About 40 people lined the street.",
    "Volunteers planted 150 trees along the market square to protect it.",
    "The 12 stalls of the town square open at dawn.",
    "We counted 30 birds near the old mill walk.",
    "Chapter 7 in the Harbour Road saga is the best.",
])
def test_a_quantity_or_a_sentence_break_is_not_a_street_address(guard, text):
    assert "ADDRESS" not in {label for label, _ in found(guard, text)}


@pytest.mark.parametrize(("text", "address"), [
    ("I live at 742 Evergreen Terrace", "742 Evergreen Terrace"),
    ("ship to 12 N. Main St. today", "12 N. Main St"),
    ("meet at 5 Mt. Pleasant Road", "5 Mt. Pleasant Road"),
    ("office at 3025 M Street NW", "3025 M Street"),
])
def test_street_addresses_with_abbreviations_are_still_found(guard, text, address):
    assert ("ADDRESS", address) in found(guard, text)
