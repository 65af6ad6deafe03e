"""PII pattern detectors: compiled patterns plus checksum validators (Luhn, mod-97, SSN ranges),
libphonenumber for phones (``_pii_phone``), python-stdnum for national ids (``_pii_ids``) and card
grouping rules (``_pii_cards``).

Every detector runs on the detection view (``_pii_view.TextView``): fullwidth forms folded,
invisible characters dropped, other scripts' digits made ASCII. The guard maps findings back.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from tako_rules._pii_cards import card_spans, luhn_valid
from tako_rules._pii_ids import NATIONAL_ID_LABELS, IdFinder
from tako_rules._pii_phone import PhoneFinder, phone_context_ok
from tako_rules._pii_spelled import (
    at_alternation,
    dot_alternation,
    mail_provider,
    maybe_spelled,
    spelled_ok,
)

__all__ = ["CaseFree", "Found", "PatternDetectors", "folded", "iban_valid", "luhn_valid", "ssn_valid"]

_LOCAL_CHARS = "A-Za-z0-9._%+\\-\u00c0-\u024f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af"
_EMAIL = rf"(?<![{_LOCAL_CHARS}])[{_LOCAL_CHARS}]{{1,64}}@[\w-]{{1,63}}(?:\.[\w-]{{1,63}}){{0,8}}\.[^\W\d_]{{2,24}}(?![\w-])"
"""An e-mail address: a local part in Latin letters with or without accents (``jörg.müller``), or
in Japanese, Chinese or Korean (``田中``), and a domain in any script; each part bounded, so a
megabyte stays linear. Cyrillic and other scripts glued before an address stay text
(``почтаjoe@mail.ru`` -> ``почта[EMAIL]``)."""
_AT = r"(?:\s{0,2}@\s{0,2}|\s{0,2}[\[({<]\s{0,2}(?:at|@)\s{0,2}[\])}>]\s{0,2}|\s(?:at|AT)\s)"
_DOT = r"(?:\s{0,2}[\[({<]\s{0,2}(?:dot|\.)\s{0,2}[\])}>]\s{0,2}|\s(?:dot|DOT)\s|\.)"
_LOCAL = rf"[A-Za-z0-9_%+-]{{1,64}}(?:{_DOT}[A-Za-z0-9_%+-]{{1,64}}){{0,3}}"
_EMAIL_OBFUSCATED = (
    rf"(?<![A-Za-z0-9._%+-]){_LOCAL}{_AT}[A-Za-z0-9-]{{1,63}}(?:{_DOT}[A-Za-z0-9-]{{1,63}}){{0,4}}"
    rf"{_DOT}[A-Za-z]{{2,24}}(?![A-Za-z0-9-])"
)
"""``joe (at) example (dot) com``, ``joe[at]example[.]org``, ``joe @ example.com``."""
_IBAN = r"(?i)[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}"
_SSN = r"(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])"
_SSN_BARE = r"(?i)\b(?:ssn|social security(?: number| no\.?)?)\W{0,5}(?:is\s+)?(\d{9})\b"
_IPV4 = r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d]|\.\d)"
_IPV6 = r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])"
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6}\.?"
_DATE = (
    r"(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{1,2}-\d{1,2}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{4}})"
)
_DOB = (
    r"\b(?:born(?:\s+on)?|date\s+of\s+birth|d\.o\.b\.?|dob|birth\s?date|birthday|geboren(?:\s+am)?|"
    r"geburtsdatum|n[ée]e?\s+le|date\s+de\s+naissance|naci[óo]\s+el|fecha\s+de\s+nacimiento|"
    r"nato\s+il|nata\s+il|data\s+di\s+nascita|nasceu\s+em|data\s+de\s+nascimento|geboren\s+op|"
    rf"urodzi[łl]\w*|data\s+urodzenia|doğum\s+tarihi|tanggal\s+lahir|ng[àa]y\s+sinh)\b\W{{0,3}}(?:is\s+|was\s+)?{_DATE}"
)
_SUFFIX = (
    r"street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|"
    r"parkway|pkwy|circle|cir|highway|hwy|square|sq|crescent|close|alley|plaza|trail|walk"
)
_UNIT = (
    r"(?:minutes?|mins?|hours?|hrs?|seconds?|secs?|days?|weeks?|months?|years?|miles?|km|kilometres?|kilometers?|"
    r"metres?|meters?|feet|yards?|steps?|blocks?|euros?|dollars?|pounds?|people|times?)"
)
"""A number then one of these is a quantity, never a house number ("a 10 minute walk")."""
_STREET_WORD = (r"(?!(?:the|a|an|along|across|around|near|of|in|on|at|by|for|with|and|or|to|from|into|over|"
                r"under|through|past|behind|beside|per)\b)(?:[a-z]{1,3}\.|[a-z](?:[a-z'.-]*[a-z'-])?)")
"""A word of a street name: no sentence-ending full stop inside an address ("174 euros for
adults. The walk" is two sentences), except after an abbreviation of 1-3 letters ("N.", "Mt."),
and no article or preposition ("150 trees along the market square" is no address)."""
_ADDRESS = (
    rf"(?<![\w-])\d{{1,6}}[a-z]?\s+(?!{_UNIT}\b)(?:{_STREET_WORD}\s+){{0,4}}?(?:{_SUFFIX})\b\.?"
    r"|(?<![\w-])(?:apt|apartment|suite|ste|unit|wohnung|appartement|piso|interno)\.?\s{0,3}#?\s{0,3}\d{1,6}[a-z]?\b"
    r"|\bp\.?\s?o\.?\s?box\s{1,3}\d{1,6}\b"
    r"|(?<![\w-])(?:calle|c/|avenida|avda\.|av\.|paseo|carrera|cra\.|rua|travessa|rue|avenue|boulevard|bd|chemin|"
    r"allée|impasse|quai|via|viale|piazza|corso|largo|vicolo|ulica|ul\.|aleja|al\.|jalan|jl\.|đường|duong)"
    r"\s{1,3}(?:[^\W\d_][\w'.-]*\s{1,3}){0,4}?(?:n[º°o]\.?\s{0,2})?\d{1,5}[a-z]?\b"
    r"|(?<![\w-])\d{1,5}[a-z]?,?\s{1,3}(?:rue|avenue|boulevard|bd|chemin|allée|impasse|place|quai|đường)"
    r"\s{1,3}(?:[^\W\d_][\w'.-]*\s{0,3}){1,5}"
    r"|(?:улица|ул\.|проспект|пр-т|пр\.|переулок|пер\.|бульвар|шоссе)\s{0,3}[^\W\d_][\w.\- ]{1,30}?,?\s{0,3}"
    r"(?:д\.|дом)?\s{0,2}\d{1,4}[а-я]?\b"
)
"""Street addresses that start with a number or a street word (a cheap first character)."""
_ADDRESS_TAIL = (
    r"(?:straat|straße|strasse|str\.|weg|steenweg|laan|gracht|gata|gatan|gade|vej|plein|plaats|allee|gasse|"
    r"platz|kade|ring|damm|ufer|tie|katu|utca)\s{1,3}\d{1,5}[a-z]?\b"
    r"|\s(?:cad(?:desi)?\.?|sok(?:ak|ağı)?\.?|sk\.|mah(?:allesi)?\.?|bulvarı)(?:\s{0,3}no\s?:?\s{0,2}\d{1,4})?"
    r"|(?:路|街|道|大道|巷)[0-9]{1,5}号"
    r"|[0-9]{1,2}丁目[0-9]{1,4}(?:番地?|[-−ー])[0-9]{1,4}号?"
    r"|(?:로|길)\s?[0-9]{1,5}(?:-[0-9]{1,5})?"
)
"""Street addresses found by their ending (``Nassaustraat 123``, ``Atatürk Cad. No: 5``,
``中山路100号``, ``1丁目2-3``, ``세종대로 110``); the street name before it is taken back to the
start of its word (``_street_start``)."""
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AT": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "CH": 21, "CY": 28,
    "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22,
    "GI": 23, "GL": 18, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27,
    "MT": 31, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26, "UA": 29, "AZ": 28, "BA": 20,
    "CR": 22, "DO": 28, "EG": 29, "GE": 22, "GT": 28, "IQ": 23, "MD": 24, "ME": 22,
    "MK": 19, "MR": 27, "MU": 30, "PS": 29, "SC": 31, "TN": 24, "VG": 24, "XK": 20,
}


def folded(text: str) -> str | None:
    """``text.lower()`` when it keeps every offset (almost always), else None."""
    low = text.lower()
    return low if len(low) == len(text) else None


class CaseFree:
    """A pattern of lower-case literals, run on the lower-cased text (an order of magnitude faster
    than ``re.IGNORECASE`` in CPython), or case-insensitively when lower-casing moves offsets."""

    __slots__ = ("fast", "_slow")

    def __init__(self, pattern: str) -> None:
        self.fast = re.compile(pattern)
        self._slow: re.Pattern[str] | None = None

    @property
    def slow(self) -> re.Pattern[str]:
        """The case-insensitive pattern, compiled on first use (few texts need it)."""
        slow = self._slow
        if slow is None:
            slow = self._slow = re.compile(self.fast.pattern, re.IGNORECASE)
        return slow

    def finditer(self, text: str, low: str | None, lo: int = 0, hi: int | None = None) -> Any:
        """Matches in ``text[lo:hi]`` (their groups are lower-cased when ``low`` is given)."""
        end = len(text) if hi is None else hi
        return self.fast.finditer(low, lo, end) if low is not None else self.slow.finditer(text, lo, end)

    def search(self, text: str, low: str | None) -> Any:
        """The first match, or None."""
        return self.fast.search(low) if low is not None else self.slow.search(text)


class Found(NamedTuple):
    """A PII entity found in the text: [start, end) character offsets, type label, confidence 0..1."""

    start: int
    end: int
    label: str
    score: float


def iban_valid(value: str) -> bool:
    """True when ``value`` has a known country length and passes ISO 7064 mod-97."""
    s = value.replace(" ", "").upper()
    if _IBAN_LENGTHS.get(s[:2]) != len(s) or not s[2:4].isdigit():
        return False
    moved = s[4:] + s[:4]
    try:
        num = "".join(str(int(c, 36)) for c in moved)
    except ValueError:
        return False
    return int(num) % 97 == 1


def ssn_valid(area: str, group: str, serial: str) -> bool:
    """True for a US SSN in the issued ranges (no 000/666/9xx area, 00 group, 0000 serial)."""
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


class PatternDetectors:
    """The pattern, checksum, libphonenumber and national-id detectors, compiled once per guard."""

    def __init__(
        self,
        *,
        phone_regions: Sequence[str],
        use_phonenumbers: bool,
        phonenumbers_max_chars: int = 100_000,
        national_ids: frozenset[str] = frozenset(NATIONAL_ID_LABELS),
        strict_phones: bool = False,
    ) -> None:
        self.email = re.compile(_EMAIL)
        at, dot = at_alternation(), dot_alternation()  # "arroba", "punto": data/spelled_email.json
        self.email_obfuscated = CaseFree(_EMAIL_OBFUSCATED.replace("A-Za-z", "a-z").replace("(?:at|AT)", f"(?:{at})")
                                         .replace("(?:dot|DOT)", f"(?:{dot})"))
        self.obfuscation_hint = CaseFree(rf"[\[({{<]\s{{0,2}}(?:at|dot|\.|@)\s{{0,2}}[\])}}>]|\s(?:{at})\s|\s@|@\s")
        self.iban = re.compile(_IBAN)
        self.ssn = re.compile(_SSN)
        self.ssn_bare = re.compile(_SSN_BARE)
        self.ipv4 = re.compile(_IPV4)
        self.ipv6 = re.compile(_IPV6)
        self.dob = CaseFree(_DOB)
        self.address = CaseFree(_ADDRESS)
        self.address_tail = CaseFree(_ADDRESS_TAIL)
        self.seven_digits = re.compile(r"[0-9](?:[^0-9\n]{0,3}[0-9]){6}")
        self.digit = re.compile(r"[0-9]")
        self.digits = re.compile(r"[0-9]+")
        self.phones = PhoneFinder(phone_regions, use_phonenumbers=use_phonenumbers,
                                  max_chars=phonenumbers_max_chars, strict=strict_phones)
        self.ids = IdFinder(national_ids)

    @property
    def phone_engine(self) -> str:
        """``phonenumbers`` when libphonenumber is used, else ``pattern``."""
        return self.phones.engine

    def find(self, text: str, entities: frozenset[str], low: str | None = None) -> list[Found]:
        """Every entity of the requested types in ``text`` (offsets into ``text``); ``low`` is
        ``folded(text)`` when the caller has it."""
        out: list[Found] = []
        if low is None:
            low = folded(text)
        if "EMAIL" in entities and ("@" in text or _maybe_obfuscated_email(low or text.lower())):
            if "@" in text:
                out += [Found(m.start(), m.end(), "EMAIL", 1.0) for m in self.email.finditer(text)]
            if self.obfuscation_hint.search(text, low):
                out += [Found(m.start(), m.end(), "EMAIL", 0.85) for m in self.email_obfuscated.finditer(text, low)
                        if _obfuscated(m.group())]
        if "IP_ADDRESS" in entities and ("::" in text or text.count(":") >= 5):
            out += self._ipv6(text)
        if self.digit.search(text) is None:
            return out
        if "CREDIT_CARD" in entities:
            out += [Found(s, e, "CREDIT_CARD", 1.0) for s, e in card_spans(text)]
        if self.seven_digits.search(text):
            if "US_SSN" in entities:
                out += self._ssns(text)
            if "PHONE" in entities:
                out += [Found(s, e, "PHONE", score) for s, e, score in self.phones.find(text)]
            if "IBAN" in entities:
                out += self._ibans(text)
        out += [Found(s, e, label, score) for s, e, label, score in self.ids.find(text)]
        windows = self._digit_windows(text)
        for lo, hi in windows:
            if "IP_ADDRESS" in entities and "." in text:
                out += [
                    Found(m.start(), m.end(), "IP_ADDRESS", 0.8)
                    for m in self.ipv4.finditer(text, lo, hi)
                    if not _version_like(text, m.start())
                ]
            if "DATE_OF_BIRTH" in entities and _may_have_birth_word(text, lo, hi):
                out += [Found(m.start(1), m.end(1), "DATE_OF_BIRTH", 0.9) for m in self.dob.finditer(text, low, lo, hi)]
            if "ADDRESS" in entities:
                out += [Found(m.start(), _rstrip(text, m.start(), m.end()), "ADDRESS", 0.7)
                        for m in self.address.finditer(text, low, lo, hi)]
                for m in self.address_tail.finditer(text, low, lo, hi):
                    start = _street_start(text, m.start())
                    if (start < m.start() or not m.group()[0].isalpha()) and text[m.start() - 1: m.start()] != "으":
                        out.append(Found(start, _rstrip(text, start, m.end()), "ADDRESS", 0.7))
        return out

    def _digit_windows(self, text: str, margin: int = 80, block: int = 2048) -> list[tuple[int, int]]:
        """Merged ranges of ``margin`` characters around every run of digits (where dates,
        addresses and IPv4 addresses can be); long texts go by blocks of ``block`` characters."""
        windows: list[tuple[int, int]] = []
        n = len(text)
        if n > 4 * block:
            spans = [(lo, min(n, lo + block)) for lo in range(0, n, block) if self.digit.search(text, lo, lo + block)]
        else:
            spans = [(m.start(), m.end()) for m in self.digits.finditer(text)]
        for s, e in spans:
            lo, hi = max(0, s - margin), min(n, e + margin)
            if windows and lo <= windows[-1][1]:
                windows[-1] = (windows[-1][0], hi)
            else:
                windows.append((lo, hi))
        return windows

    def _ibans(self, text: str) -> list[Found]:
        """IBANs anywhere, glued to words too (``ibanDE89370400440532013000thanks``): the country's
        exact length and the mod-97 checksum decide where it ends."""
        found = []
        pos = 0
        while True:
            m = self.iban.search(text, pos)
            if m is None:
                return found
            value = m.group()
            want = _IBAN_LENGTHS.get(value[:2].upper())
            end = None
            if want is not None:
                count = 0
                for i, c in enumerate(value):
                    count += c != " "
                    if count == want:
                        end = i + 1
                        break
            if end is not None and iban_valid(value[:end]):
                found.append(Found(m.start(), m.start() + end, "IBAN", 1.0))
                pos = m.start() + end
            else:
                pos = m.start() + 1

    def _ssns(self, text: str) -> list[Found]:
        found = [
            Found(m.start(), m.end(), "US_SSN", 0.9)
            for m in self.ssn.finditer(text)
            if ssn_valid(m.group(1), m.group(3), m.group(4))
            and (m.group(2) == "-" or phone_context_ok(text, m.start(), m.end()))
        ]
        for m in self.ssn_bare.finditer(text):
            d = m.group(1)
            if ssn_valid(d[:3], d[3:5], d[5:]):
                found.append(Found(m.start(1), m.end(1), "US_SSN", 0.9))
        return found

    def _ipv6(self, text: str) -> list[Found]:
        found = []
        for m in self.ipv6.finditer(text):
            value = m.group()
            if value.count(":") < 2 or len(value) < 3:
                continue
            try:
                ipaddress.IPv6Address(value)
            except ValueError:
                continue
            found.append(Found(m.start(), m.end(), "IP_ADDRESS", 0.8))
        return found


_BIRTH_WORDS = ("born", "birth", "dob", "d.o.b", "geb", "naiss", "né", "nac", "nat", "nasc", "urodz",
                "doğum", "lahir", "sinh")


def _may_have_birth_word(text: str, lo: int, hi: int) -> bool:
    """Cheap test before the date-of-birth pattern (substring checks)."""
    low = text[lo:hi].lower()
    return any(w in low for w in _BIRTH_WORDS)


def _street_start(text: str, end: int, limit: int = 40) -> int:
    """The start of the street name ending at ``end``: back over its word (letters of any script;
    for Han, kana and Hangul up to 12 characters, for spaced scripts one word)."""
    i = end
    stop = max(0, end - limit)
    while i > stop and (text[i - 1].isalpha() or text[i - 1] in "'-") and text[i - 1] not in _CJK_STOPS:
        i -= 1
    return i


_CJK_STOPS = frozenset("はがをにへでともや在是于到住：、，。")
"""Particles and verbs that end a Japanese or Chinese street name read backwards (住所は, 住在)."""


def _maybe_obfuscated_email(low: str) -> bool:
    """Cheap test of the lower-cased text for ``(at)``, ``[at]``, `` dot ``, `` arroba ``, `` punto ``
    (substring checks)."""
    return "at)" in low or "at]" in low or "at}" in low or "at>" in low or " dot " in low or maybe_spelled(low)


_SPELLED = re.compile(r"(?i)^(\S+)(?:\s(?:dot)\s\S+)*\sat\s.*\sdot\s([a-z]{2,24})$")
_TLDS = frozenset(
    "com net org edu gov io co me info biz de fr es it nl uk ru jp cn br in au ca mx pl tr id vn th kr ar ch at "
    "be se no dk fi pt ie nz za sg my ph hk tw us eu".split()
)
_NOT_LOCAL = frozenset(
    "meet meeting look looking me us him her them it you arrive stay be is are was were am see arrived "
    "laugh laughing good bad best great work home here there up down back out aim aimed point pointed".split()
)


def _obfuscated(value: str) -> bool:
    """True when an e-mail match really is written around the pattern (brackets, spaces around
    ``@``, or spelled out ``jane dot doe at mail dot com`` with a common TLD and no everyday word
    such as "meet" before "at", or in words of another language, ``_pii_spelled``); plain
    addresses are the plain pattern's. A space before ``@`` and none after is an @handle
    ("follow @lily.dances.07"), unless a mail provider's name follows ("joe @gmail.com"), or a
    domain with a common TLD after a dotted local part ("jane.doe @example.com")."""
    if any(c in value for c in "[](){}<>"):
        return True
    if "@" in value:
        before, _, after = value.partition("@")
        if before[-1:].isspace() and not after[:1].isspace():  # "follow @lily.dances": an @handle,
            domain, local = after.rstrip(" \t.,;:").split("."), before.split()[-1:] or [""]  # unless a mail
            dotted = any(c in local[0] for c in "._") and len(domain) > 1 and domain[-1].lower() in _TLDS
            return dotted or mail_provider(domain[0])  # address follows ("jane.doe @example.com", "joe @gmail.com")
        return " " in value
    m = _SPELLED.match(value)
    if m is not None and m.group(2).lower() in _TLDS and m.group(1).lower() not in _NOT_LOCAL:
        return True
    return spelled_ok(value.lower(), _TLDS, _NOT_LOCAL)  # "maria arroba gmail punto com"


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in " \t\n,.;:":
        end -= 1
    return end


def _version_like(text: str, start: int) -> bool:
    before = text[max(0, start - 9) : start]
    return before[-1:] in ("v", "V") or "version" in before.lower()
