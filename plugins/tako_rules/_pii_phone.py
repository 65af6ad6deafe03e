"""Phone numbers of a global user base: candidates by pattern, validated by libphonenumber.

A candidate is a run of 7-15 digits with the separators people write (spaces, dots, hyphens,
slashes, parentheses, an extension). It is a phone number when

- it starts with ``+``, ``00`` or ``011`` and libphonenumber finds a valid number (or a
  possible one written with separators), or
- it is valid in one of the configured regions (``phone_regions``; a wide default), and, when
  written as one bare run of digits, starts with a trunk ``0``, is a 10-digit NANP number, or
  follows a phone word, or
- it follows a phone word ("call", "tel", "Handy", "téléphone", "電話", ...) and is possible in
  one of the regions.

Regions are pre-filtered with libphonenumber's own metadata (national prefix, possible lengths,
the national number pattern), so a candidate costs one or two ``parse`` calls, not one per
region. Without libphonenumber (``use_phonenumbers: false``) a conservative pattern takes
``+CC`` and NANP numbers only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = ["DEFAULT_PHONE_REGIONS", "PhoneFinder", "phone_context_ok", "phone_like"]

DEFAULT_PHONE_REGIONS: tuple[str, ...] = (
    "US", "CA", "MX", "BR", "AR", "CO", "CL", "PE",
    "GB", "IE", "DE", "AT", "CH", "FR", "BE", "NL", "ES", "PT", "IT", "PL", "SE", "NO", "DK", "FI",
    "CZ", "RO", "GR", "HU", "UA", "RU", "TR",
    "IN", "PK", "BD", "ID", "PH", "VN", "TH", "MY", "SG", "JP", "KR", "CN", "TW", "HK",
    "SA", "AE", "EG", "IL", "NG", "KE", "ZA", "AU", "NZ",
)
"""Regions tried for numbers written without a country code: the largest markets of a global
consumer product (order matters only for speed)."""

_CANDIDATE = re.compile(
    r"(?<![\w+\-/.,])"
    r"(?:\+[ ]?|(?:00|011)(?=[ \-.(]?\d))?"
    r"\(?\d{1,15}\)?"
    r"(?:(?:[ \t.\-/]{1,2}\(?|(?<=\))[ ]?|\()\d{1,8}\)?){0,15}"
    r"(?:[ \t]{0,2}(?:x|ext\.?|extension)[ \t]{0,2}\d{1,6})?"
    r"(?![\w]|[.\-/,:]\d)"
)
"""A run of digits with separators; groups after the first need a separator (or a parenthesis),
so a long run of digits is read one way only (no backtracking blow-up). Up to 16 groups, so a
number written digit by digit ("5 5 5 8 6 7 5 3 0 9") is one candidate, not 8 digits and a rest."""
_EXTENSION = re.compile(r"(?i)\s*(?:x|ext\.?|extension)\s*\d{1,6}$")
_DATE_LIKE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)|(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?!\d)")
_IPV4_LIKE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_SEPARATED = re.compile(r"[ \t.\-/()]")
_SSN_SHAPE = re.compile(r"\d{3}-\d{2}-\d{4}")
_GROUPS = re.compile(r"\d+")
_YEAR = re.compile(r"(?:19|20)\d\d")


def _year_list(body: str) -> bool:
    """True for three or more groups of digits each a year 1900-2099 ("1990 1991 1992"): years
    even after a phone word ("call 1990 1991 1992 me at ..."); two years after one ("call me on
    1999 2000") may be a number and stay one."""
    groups = _GROUPS.findall(body)
    return len(groups) >= 3 and all(len(g) == 4 and _YEAR.fullmatch(g) for g in groups)


def _years_or_small_numbers(body: str) -> bool:
    """True when ``body`` reads as years or a list of small numbers, not a phone number: it
    starts with a plausible year 1900-2099 and every group has at most 4 digits ("1999 2000",
    "1985-1987", "2020 1500"), or it is five or more groups of one or two digits, or mixes
    one- and two-digit groups ("4 8 15 16 23 42", "12 24 36 48 60"). "12 34 56 78" (four
    pairs, as Danish and Norwegian numbers are written) is not such a list."""
    groups = _GROUPS.findall(body)
    if len(groups) < 2:
        return False
    if _YEAR.fullmatch(groups[0]) and all(len(g) <= 4 for g in groups):
        return True
    if all(len(g) <= 2 for g in groups):
        return len(groups) >= 5 or len({len(g) for g in groups}) > 1
    return False


_THOUSANDS = re.compile(r"\d{1,3}(?:([ .,])\d{3})(?:\1\d{3})*")
_CUE_WORDS = frozenset("""
call calls calling phone phones tel tele telephone mobile mob cell cellphone whatsapp viber signal
sms text fax contact number ring reach dial hotline handy handynummer telefon telefonnummer
rufnummer nummer anrufen téléphone telephone tél tel portable appelez appelle numéro numero
teléfono telefono móvil movil celular número llama llámame llamame llamar llamarme llámanos llamanos
appeler chiamare chiamami cellulare chiama telefone ligar bellen zadzwonić zadzwonic
telemóvel telemovel liga ligue telefoon mobiel bel komórka komorka zadzwoń zadzwon numer cep
numara arayın arayin nomor telepon hp wa gọi goi số so điện thoại thoai телефон тел номер мобильный
мобильного звоните позвоните
""".split())
_CUE_FILLERS = frozenset("is ist est es é è at on am à a al au no nr me my mi mein meine ma mon ao o n".split())
_CUE_SCRIPTS = re.compile("電話|携帯|でんわ|전화|휴대폰|핸드폰|번호|电话|手机|號碼|号码|هاتف|جوال|رقم|اتصل|फ़ोन|फोन|मोबाइल|नंबर|โทร|เบอร์|điện thoại")
_GENERIC_NUMBER = frozenset("number nummer numéro numero número numer numara nomor номер số so".split())
_OWNERS = frozenset("my your his her our their the a me meine mein meiner ma mon mi mio mia meu minha mijn "
                    "mój moj moja benim saya tôi мой моя its this".split())
_WORD = re.compile(r"[^\W\d_]+")


def _cue_before(prefix: str) -> bool:
    """True when a phone word ("call", "tel", "Handy", "電話", ...) ends ``prefix`` (fillers such
    as "is", "at", "me" may follow it)."""
    low = prefix.lower()
    tail = low[-12:]
    if not tail.isascii() and _CUE_SCRIPTS.search(tail):
        return True
    words = _WORD.findall(low[-40:])[-5:]
    for i in range(len(words) - 1, max(-1, len(words) - 5), -1):
        word = words[i]
        if word in _CUE_WORDS:
            if word not in _GENERIC_NUMBER or i == 0:
                return True
            prev = words[i - 1]  # "my number", "phone number" yes; "security number", "order number" no
            return prev in _CUE_WORDS or prev in _OWNERS
        if word not in _CUE_FILLERS:
            return False
    return False

_NOT_PHONE_BEFORE = re.compile(
    r"(?i)(?:#|\bno\.?|\bid|\bsku|\bisbn|\bapt|\bsuite|\bste|\bunit|\bbox|\broom|\bpostcode|\bzip|\bplz|"
    r"\bcp|\biban|\bssn|\bpassport|"
    r"\b(?:order|invoice|tracking|ref|reference|account|acct|card|serial|model|part|customer|booking|ticket|case|"
    r"confirmation|transaction|parcel|shipment)(?:\s+(?:number|no\.?|nr\.?|id|code|#))?)\W{0,3}$"
)
_FALLBACK = re.compile(
    r"(?<![\w#/+-])(?:\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]?\d{2,4}){1,4}"
    r"|\(?[2-9]\d{2}\)?[\s.-]?[2-9]\d{2}[\s.-]\d{4})(?![\w-]|\.\d)"
)


def _starts_with_date(body: str) -> bool:
    """2024-01-15, 15/01/2024, 1998-06-28 14:48: a plausible calendar date at the start."""
    m = _DATE_LIKE.match(body)
    if m is None:
        return False
    if m.group(1):
        return 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31
    a, b = int(m.group(4)), int(m.group(5))
    return 1 <= a <= 31 and 1 <= b <= 31 and min(a, b) <= 12


def phone_context_ok(text: str, start: int, end: int) -> bool:
    """False when the number at [start, end) reads as an order, reference, id or part of a longer
    number (after ``#``/"order"/"ref"/..., or glued to more digits by ``-`` or ``/``)."""
    before = text[max(0, start - 24) : start]
    after = text[end : end + 2]
    if _NOT_PHONE_BEFORE.search(before):
        return False
    if before[-1:] in ("-", "/") or (after[:1] in ("-", "/") and after[1:2].isdigit()):
        return False
    return True


def phone_like(text: str, start: int, end: int) -> bool:
    """Whether a phone the token head found at [start, end) of ``text`` may stand: 6+ digits, no
    order/reference context (``phone_context_ok``), and, unless it starts with ``+``/``0`` or
    follows a phone word, not years or a list of small numbers ("1999 2000", "4 8 15 16 23 42");
    never three or more years ("1990 1991 1992")."""
    body = text[start:end]
    digits = [c for c in body if c.isdigit()]
    if len(digits) < 6 or not phone_context_ok(text, start, end) or _year_list(body):
        return False
    if body.lstrip("(").startswith(("+", "0")) or _cue_before(text[max(0, start - 40) : start]):
        return True
    return not _years_or_small_numbers(body)


_TYPES = ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "personal_number",
          "voip", "pager", "uan", "voicemail")


_UNSET: Any = object()


class _Region:
    """One region's number plan, compiled from libphonenumber's metadata for a fast validity test.

    Built when a number first reaches the region (most numbers are settled by the first regions
    tried); each pattern compiles on its first use."""

    __slots__ = ("code", "lengths", "exact", "_meta", "_strip", "_pattern", "_types")

    def __init__(self, code: str, meta: Any) -> None:
        self.code = code
        self.lengths = frozenset(meta.general_desc.possible_length or ())
        self.exact = meta.national_prefix_transform_rule is None
        """False where libphonenumber rewrites the national prefix: there the full parse decides."""
        self._meta = meta
        self._strip: re.Pattern[str] | None = _UNSET
        self._pattern: re.Pattern[str] | None = None
        self._types: list[tuple[re.Pattern[str], frozenset[int]]] | None = None

    @property
    def strip(self) -> re.Pattern[str] | None:
        """The national prefix as libphonenumber parses it, or None."""
        strip = self._strip
        if strip is _UNSET:
            parsing = self._meta.national_prefix_for_parsing or self._meta.national_prefix or ""
            strip = self._strip = re.compile(parsing) if parsing else None
        return strip

    @property
    def pattern(self) -> re.Pattern[str]:
        """The region's national number pattern."""
        pattern = self._pattern
        if pattern is None:
            pattern = self._pattern = re.compile(self._meta.general_desc.national_number_pattern or r"\d+")
        return pattern

    @property
    def types(self) -> list[tuple[re.Pattern[str], frozenset[int]]]:
        """(pattern, possible lengths) of each number type the region defines."""
        types = self._types
        if types is None:
            meta, found = self._meta, []
            desc = meta.general_desc
            for name in _TYPES:
                d = getattr(meta, name, None)
                if d is None or not d.national_number_pattern:
                    continue
                lengths = frozenset(n for n in (d.possible_length or desc.possible_length or ()) if n > 0)
                found.append((re.compile(d.national_number_pattern), lengths))
            types = self._types = found
        return types

    def numbers(self, digits: str) -> list[str]:
        """The national significant numbers ``digits`` may stand for (prefix kept and stripped)."""
        out = [digits]
        strip = self.strip
        if strip is not None:
            m = strip.match(digits)
            if m and m.end() > 0 and m.end() < len(digits):
                out.insert(0, digits[m.end():])
        return out

    def check(self, digits: str) -> tuple[bool, bool]:
        """(valid, possible) by the region's number types, without a full parse."""
        possible = False
        for nsn in self.numbers(digits):
            if len(nsn) not in self.lengths:
                continue
            possible = True
            if self.pattern.fullmatch(nsn) is None:
                continue
            for pattern, lengths in self.types:
                if len(nsn) in lengths and pattern.fullmatch(nsn):
                    return True, True
        return False, possible


class PhoneFinder:
    """Finds phone numbers in a text; built once per guard. Each region's metadata is read and
    compiled when a number first reaches it (``regions`` builds them all)."""

    def __init__(
        self, regions: Sequence[str], *, use_phonenumbers: bool = True, max_chars: int = 100_000,
        strict: bool = False,
    ) -> None:
        self.max_chars = max_chars
        self.strict = strict
        """Only valid numbers count (no "possible" number after a phone word)."""
        self.pn: Any = None
        self._codes: tuple[str, ...] = ()
        self._built: list[_Region | None] = []
        if use_phonenumbers:
            try:
                import phonenumbers
            except ImportError:  # pragma: no cover - a core dependency
                phonenumbers = None
            if phonenumbers is not None:
                self.pn = phonenumbers
                unknown = [c for c in regions if c.upper() not in phonenumbers.SUPPORTED_REGIONS]
                if unknown:
                    raise ValueError(f"unknown phone region {unknown[0]!r} (use ISO 3166 codes such as GB, DE, IN)")
                self._codes = tuple(c.upper() for c in regions)
                self._built = [None] * len(self._codes)

    @property
    def regions(self) -> list[_Region]:
        """Every configured region's number plan, in order (built now if not yet)."""
        return [self._region(i) for i in range(len(self._codes))]

    def _region(self, i: int) -> _Region:
        region = self._built[i]
        if region is None:
            code = self._codes[i]
            region = self._built[i] = _Region(code, self.pn.PhoneMetadata.metadata_for_region(code))
        return region

    @property
    def engine(self) -> str:
        """``phonenumbers`` when libphonenumber validates numbers, else ``pattern``."""
        return "phonenumbers" if self.pn is not None else "pattern"

    def find(self, text: str) -> list[tuple[int, int, float]]:
        """(start, end, confidence) of each phone number in ``text``."""
        if self.pn is None or len(text) > self.max_chars:
            return [
                (m.start(), m.end(), 0.7) for m in _FALLBACK.finditer(text)
                if phone_context_ok(text, m.start(), m.end())
            ]
        out = []
        for m in _CANDIDATE.finditer(text):
            start, end = m.start(), m.end()
            raw = m.group()
            if raw[0] == "(" and ")" not in raw:
                start, raw = start + 1, raw[1:]
            if raw[-1] == ")" and "(" not in raw:
                end, raw = end - 1, raw[:-1]
            score = self._classify(text, start, raw)
            if score and phone_context_ok(text, start, end):
                out.append((start, end, score))
        return out

    def _classify(self, text: str, start: int, raw: str) -> float:
        body = _EXTENSION.sub("", raw)
        digits = "".join(c for c in body if c.isdigit())
        if not 7 <= len(digits) <= 15:
            return 0.0
        if _starts_with_date(body) or _IPV4_LIKE.fullmatch(body) or _year_list(body):
            return 0.0
        pn = self.pn
        separated = _SEPARATED.search(body.strip()) is not None
        cue = _cue_before(text[max(0, start - 40) : start])
        if body.startswith(("+", "00", "011")):
            intl = "+" + (digits[2:] if body.startswith("00") else digits[3:] if body.startswith("011") else digits)
            try:
                number = pn.parse(intl, None)
            except pn.NumberParseException:
                return 0.0
            if pn.is_valid_number(number):
                return 0.95
            lenient = (separated or cue) and not self.strict
            return 0.85 if lenient and pn.is_possible_number(number) else 0.0
        if not cue and digits[0] != "0" and (len(digits) < 8 or _SSN_SHAPE.fullmatch(body)):
            return 0.0  # 13 70486, 666-12-3456: too short, or an SSN's shape, without a phone word
        if not cue and digits[0] != "0" and _THOUSANDS.fullmatch(body):
            return 0.0  # 12 345 678, 3.000.000: a quantity, unless a phone word says otherwise
        if not cue and digits[0] != "0" and _years_or_small_numbers(body):
            return 0.0  # 1999 2000, 4 8 15 16 23 42: years or a list of numbers, unless a phone word says otherwise
        if not cue and "." in body and (_SEPARATED.search(body.replace(".", "")) or body.count(".") == 1):
            return 0.0  # 48.8566 2.3522, 5555.5555: decimals, not a dotted number
        valid = possible = False
        bare_nanp = not separated and not cue and digits[0] != "0"
        for i, code in enumerate(self._codes):
            if bare_nanp and code not in ("US", "CA"):
                continue  # a bare run of digits counts only as a 10-digit NANP number
            region = self._built[i] or self._region(i)
            ok, maybe = region.check(digits)
            if ok and not region.exact:
                try:
                    ok = pn.is_valid_number(pn.parse(body, region.code))
                except pn.NumberParseException:
                    ok = False
            possible = possible or maybe
            if ok:
                valid = True
                break
        if valid and (not bare_nanp or len(digits) == 10):
            return 0.9
        if cue and not self.strict and (valid or possible or separated):
            return 0.8
        return 0.0
