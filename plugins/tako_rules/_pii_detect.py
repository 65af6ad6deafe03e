"""PII detectors: compiled patterns plus checksum validators (Luhn, mod-97, SSN ranges)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["Found", "PatternDetectors", "iban_valid", "luhn_valid", "ssn_valid"]

_EMAIL = r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9-])"
_CARD = r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])"
_IBAN = r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])"
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
_DOB = rf"(?i)\b(?:born(?:\s+on)?|date\s+of\s+birth|d\.o\.b\.?|dob|birth\s?date|birthday)\b\W{{0,3}}(?:is\s+|was\s+)?{_DATE}"
_SUFFIX = (
    r"street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|"
    r"parkway|pkwy|circle|cir|highway|hwy|square|sq|crescent|close|alley|plaza|trail|walk"
)
_ADDRESS = (
    rf"(?<![\w-])\d{{1,6}}[a-z]?\s+(?:[a-z][a-z'.-]*\s+){{0,4}}?(?:{_SUFFIX})\b\.?"
    r"|(?<![\w-])(?:apt|apartment|suite|ste|unit)\.?\s{0,3}#?\s{0,3}\d{1,6}[a-z]?\b"
    r"|\bp\.?\s?o\.?\s?box\s{1,3}\d{1,6}\b"
    r"|(?<![^\W\d_])[^\W\d_]{2,40}(?:straat|straße|strasse|weg|steenweg|laan|gata|gatan|gade|vej|plein"
    r"|plaats|allee|gasse|platz|kade)\s{1,3}\d{1,5}[a-z]?\b"
)
_PHONE_FALLBACK = (
    r"(?<![\w#/+-])(?:\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]?\d{2,4}){1,4}"
    r"|\(?[2-9]\d{2}\)?[\s.-]?[2-9]\d{2}[\s.-]\d{4})(?![\w-]|\.\d)"
)
_NOT_PHONE_BEFORE = r"(?i)(?:#|\bno\.?|\border|\binvoice|\btracking|\bref(?:erence)?|\bid|\bsku|\bisbn|\bapt|\bsuite|\bste|\bunit|\bbox|\broom)\W{0,3}$"
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AT": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "CH": 21, "CY": 28,
    "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22,
    "GI": 23, "GL": 18, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27,
    "MT": 31, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26, "UA": 29,
}


@dataclass(frozen=True)
class Found:
    """A PII entity found in the text."""

    start: int
    end: int
    label: str
    score: float


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` passes the Luhn checksum."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_prefix_ok(d: str) -> bool:
    if d[0] == "4":
        return len(d) in (13, 16, 19)
    two, four = int(d[:2]), int(d[:4])
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return len(d) == 16
    if two in (34, 37):
        return len(d) == 15
    if d.startswith(("6011", "65")) or 644 <= int(d[:3]) <= 649:
        return 16 <= len(d) <= 19
    if 3528 <= four <= 3589 or two in (36, 38, 39) or 300 <= int(d[:3]) <= 305:
        return 14 <= len(d) <= 19
    return two == 62 and 16 <= len(d) <= 19


def iban_valid(value: str) -> bool:
    """True when ``value`` has a known country length and passes ISO 7064 mod-97."""
    s = value.replace(" ", "").upper()
    if _IBAN_LENGTHS.get(s[:2]) != len(s):
        return False
    moved = s[4:] + s[:4]
    num = "".join(str(int(c, 36)) for c in moved)
    return int(num) % 97 == 1


def ssn_valid(area: str, group: str, serial: str) -> bool:
    """True for a US SSN in the issued ranges (no 000/666/9xx area, 00 group, 0000 serial)."""
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


class PatternDetectors:
    """The regex-and-checksum detectors, compiled once per guard."""

    def __init__(
        self,
        *,
        phone_regions: list[str],
        phone_leniency: str,
        use_phonenumbers: bool,
        phonenumbers_max_chars: int = 100_000,
    ) -> None:
        self.phonenumbers_max_chars = phonenumbers_max_chars
        self.email = re.compile(_EMAIL)
        self.card = re.compile(_CARD)
        self.iban = re.compile(_IBAN)
        self.ssn = re.compile(_SSN)
        self.ssn_bare = re.compile(_SSN_BARE)
        self.ipv4 = re.compile(_IPV4)
        self.ipv6 = re.compile(_IPV6)
        self.dob = re.compile(_DOB)
        self.address = re.compile(_ADDRESS, re.IGNORECASE)
        self.phone_fallback = re.compile(_PHONE_FALLBACK)
        self.not_phone_before = re.compile(_NOT_PHONE_BEFORE)
        self.seven_digits = re.compile(r"(?:\d[^\d\n]{0,3}){6}\d")
        self.digit = re.compile(r"\d")
        self.digits = re.compile(r"\d+")
        self.phone_regions = phone_regions
        self.phonenumbers: Any = None
        self.leniency: Any = None
        if use_phonenumbers:
            try:
                import phonenumbers
            except ImportError:
                pass
            else:
                self.phonenumbers = phonenumbers
                self.leniency = getattr(phonenumbers.Leniency, phone_leniency.upper())

    @property
    def phone_engine(self) -> str:
        """``phonenumbers`` when libphonenumber is used, else ``pattern``."""
        return "phonenumbers" if self.phonenumbers is not None else "pattern"

    def find(self, text: str, entities: frozenset[str]) -> list[Found]:
        """Every entity of the requested types in ``text``."""
        out: list[Found] = []
        if "EMAIL" in entities and "@" in text:
            out += [Found(m.start(), m.end(), "EMAIL", 1.0) for m in self.email.finditer(text)]
        if "IP_ADDRESS" in entities and ("::" in text or text.count(":") >= 5):
            out += self._ipv6(text)
        if self.digit.search(text) is None:
            return out
        if self.seven_digits.search(text):
            if "CREDIT_CARD" in entities:
                out += self._cards(text)
            if "US_SSN" in entities:
                out += self._ssns(text)
            if "PHONE" in entities:
                out += self._phones(text)
            if "IBAN" in entities:
                out += self._ibans(text)
        windows = self._digit_windows(text)
        for lo, hi in windows:
            if "IP_ADDRESS" in entities and "." in text:
                out += [
                    Found(m.start(), m.end(), "IP_ADDRESS", 0.8)
                    for m in self.ipv4.finditer(text, lo, hi)
                    if not _version_like(text, m.start())
                ]
            if "DATE_OF_BIRTH" in entities:
                out += [Found(m.start(1), m.end(1), "DATE_OF_BIRTH", 0.9) for m in self.dob.finditer(text, lo, hi)]
            if "ADDRESS" in entities:
                out += [Found(m.start(), m.end(), "ADDRESS", 0.7) for m in self.address.finditer(text, lo, hi)]
        return out

    def _digit_windows(self, text: str, margin: int = 80) -> list[tuple[int, int]]:
        """Merged ranges of ``margin`` characters around every run of digits (where dates,
        addresses and IPv4 addresses can be)."""
        windows: list[tuple[int, int]] = []
        for m in self.digits.finditer(text):
            lo, hi = max(0, m.start() - margin), min(len(text), m.end() + margin)
            if windows and lo <= windows[-1][1]:
                windows[-1] = (windows[-1][0], hi)
            else:
                windows.append((lo, hi))
        return windows

    def _cards(self, text: str) -> list[Found]:
        found = []
        for m in self.card.finditer(text):
            digits = m.group().replace(" ", "").replace("-", "")
            if 13 <= len(digits) <= 19 and _card_prefix_ok(digits) and luhn_valid(digits):
                found.append(Found(m.start(), m.end(), "CREDIT_CARD", 1.0))
        return found

    def _ibans(self, text: str) -> list[Found]:
        found = []
        for m in self.iban.finditer(text):
            value = m.group()
            want = _IBAN_LENGTHS.get(value[:2].upper())
            if want is None:
                continue
            count = 0
            for i, c in enumerate(value):
                count += c != " "
                if count == want:
                    end = i + 1
                    break
            else:
                continue
            if (end == len(value) or value[end] == " ") and iban_valid(value[:end]):
                found.append(Found(m.start(), m.start() + end, "IBAN", 1.0))
        return found

    def _ssns(self, text: str) -> list[Found]:
        found = [
            Found(m.start(), m.end(), "US_SSN", 0.9)
            for m in self.ssn.finditer(text)
            if ssn_valid(m.group(1), m.group(3), m.group(4))
            and (m.group(2) == "-" or self._phone_context_ok(text, m.start(), m.end()))
        ]
        for m in self.ssn_bare.finditer(text):
            d = m.group(1)
            if ssn_valid(d[:3], d[3:5], d[5:]):
                found.append(Found(m.start(1), m.end(1), "US_SSN", 0.9))
        return found

    def _phones(self, text: str) -> list[Found]:
        found: list[Found] = []
        if self.phonenumbers is not None and len(text) <= self.phonenumbers_max_chars:
            seen: set[tuple[int, int]] = set()
            for region in self.phone_regions:
                matcher = self.phonenumbers.PhoneNumberMatcher(text, region, leniency=self.leniency)
                for m in matcher:
                    if m.raw_string.isdigit() and not self.phonenumbers.is_valid_number(m.number):
                        continue  # a bare digit run must be a valid number, not just possible
                    if (m.start, m.end) not in seen and self._phone_context_ok(text, m.start, m.end):
                        seen.add((m.start, m.end))
                        found.append(Found(m.start, m.end, "PHONE", 0.9))
            return found
        for m in self.phone_fallback.finditer(text):
            if self._phone_context_ok(text, m.start(), m.end()):
                found.append(Found(m.start(), m.end(), "PHONE", 0.7))
        return found

    def _phone_context_ok(self, text: str, start: int, end: int) -> bool:
        before = text[max(0, start - 12) : start]
        after = text[end : end + 2]
        if self.not_phone_before.search(before):
            return False
        if before[-1:] in ("-", "/") or (after[:1] in ("-", "/") and after[1:2].isdigit()):
            return False
        return True

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


def _version_like(text: str, start: int) -> bool:
    before = text[max(0, start - 9) : start].lower()
    return before.endswith("v") or "version" in before
