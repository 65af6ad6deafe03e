"""Templated rows in 18 languages from Faker's locales, with exact character spans.

    rows = faker_rows(pos_per_lang=350, neg_per_lang=120, seed=16)

Each template (``training.pii.templates``) is filled with values of one of the language's
locales; case is varied (some rows lower-cased, a few upper-cased) the way people type.
"""

from __future__ import annotations

import random
import re
from typing import Any

from training.pii.templates import CELEBS, HANDLE_WORDS, LANGS, TITLES

__all__ = ["SLOT_LABELS", "faker_rows", "fill"]

SLOT_LABELS = {
    "PERSON": "PERSON", "FIRST": "PERSON", "LAST": "PERSON", "CITY": "LOCATION", "COUNTRY": "LOCATION",
    "STREET": "ADDRESS", "ZIP": "ADDRESS", "ADDRESS": "ADDRESS", "PHONE": "PHONE", "EMAIL": "EMAIL",
    "ORG": "ORGANIZATION", "NUM": "ADDRESS", "APT": "ADDRESS",
}
"""Slot -> entity label; other slots (TITLE, CELEB, HANDLE, PLACE, BRAND) are not personal data."""
_SLOT = re.compile(r"\{([A-Z]+)(\d?)\}")
_NO_SPACE_NAMES = ("ja", "zh", "ko")
_VI_PREFIX = re.compile(r"^(?:Bà|Ông|Anh|Chị|Cô|Em|Bác|Cụ)\s+")


class _Values:
    """Slot values of one Faker locale."""

    def __init__(self, locale: str, lang: str, seed: int, rng: random.Random) -> None:
        from faker import Faker

        self.fake = Faker(locale)
        self.fake.seed_instance(seed)
        self.lang = lang
        self.rng = rng

    def _try(self, *names: str) -> str:
        for name in names:
            fn = getattr(self.fake, name, None)
            if fn is not None:
                try:
                    return str(fn())
                except (AttributeError, TypeError, ValueError):
                    continue
        return ""

    def person(self) -> str:
        first, last = self._try("first_name"), self._try("last_name")
        if self.lang in _NO_SPACE_NAMES:
            return last + first
        if self.lang == "vi":
            return _VI_PREFIX.sub("", self._try("name"))
        return f"{first} {last}"

    def value(self, slot: str) -> str:
        r = self.rng
        if slot == "PERSON":
            return self.person()
        if slot == "FIRST":
            return self._try("first_name")
        if slot == "LAST":
            return self._try("last_name")
        if slot == "CITY":
            return self._try("city", "city_name")
        if slot in ("COUNTRY",):
            return self._try("country")
        if slot == "STREET":
            return self._try("street_address")
        if slot == "ZIP":
            return self._try("postcode")
        if slot == "ADDRESS":
            addr = self._try("address")
            return addr.replace("\n", r.choice([", ", "\n", " "]))
        if slot == "PHONE":
            for _ in range(5):  # some locales give 3-digit service numbers: not a personal phone
                phone = self._try("phone_number")
                if sum(c.isdigit() for c in phone) >= 7:
                    return phone
            return phone
        if slot == "EMAIL":
            return self._try("email")
        if slot == "ORG":
            return self._try("company")
        if slot == "TITLE":
            return r.choice(TITLES.get(self.lang, [""]))
        if slot == "CELEB":
            return r.choice(CELEBS) if r.random() < 0.9 else self.person()
        if slot == "NUM":
            return str(r.randint(1, 99))
        if slot == "APT":
            return f"{r.choice(['Apt.', 'Suite', 'apt.', 'Unit', 'Flat'])} {r.randint(1, 999)}"
        if slot == "HANDLE":
            base = self._try("user_name") if r.random() < 0.6 else self.person().replace(" ", "").lower()
            return "@" + base + (r.choice(HANDLE_WORDS) if r.random() < 0.4 else "")
        if slot == "PLACE":
            return self._try("city", "city_name") if r.random() < 0.6 else self._try("country")
        if slot == "BRAND":
            return self._try("company")
        raise KeyError(slot)


def fill(template: str, values: _Values) -> tuple[str, list[tuple[int, int, str]]]:
    """The template with its slots filled, and the (start, end, label) of each labelled slot."""
    out: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = 0
    length = 0
    for m in _SLOT.finditer(template):
        lit = template[pos : m.start()]
        out.append(lit)
        length += len(lit)
        value = values.value(m.group(1)).strip()
        label = SLOT_LABELS.get(m.group(1))
        if label and value:
            spans.append((length, length + len(value), label))
        out.append(value)
        length += len(value)
        pos = m.end()
    out.append(template[pos:])
    text = "".join(out)
    return text, spans


def _vary(text: str, rng: random.Random) -> str:
    """Lower-case ~15% of rows, upper-case ~3%, drop final punctuation ~20% (offsets kept)."""
    x = rng.random()
    if x < 0.15 and len(text.lower()) == len(text):
        text = text.lower()
    elif x < 0.18 and len(text.upper()) == len(text):
        text = text.upper()
    if rng.random() < 0.2 and text[-1:] in ".。!?":
        text = text[:-1]
    return text


def faker_rows(pos_per_lang: int = 350, neg_per_lang: int = 120, seed: int = 16,
               langs: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """Span-labelled rows from every language's templates (``source`` ``faker``, ``group`` the template)."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for lang, spec in LANGS.items():
        if langs is not None and lang not in langs:
            continue
        locales = [_Values(loc, lang, seed + i, rng) for i, loc in enumerate(spec["locales"])]
        boost = 4 if lang == "en" else 1
        for kind, templates, n in (("pos", spec["pos"], pos_per_lang * boost), ("neg", spec["neg"], neg_per_lang * boost)):
            for i in range(n):
                t_index = i % len(templates)
                values = locales[rng.randrange(len(locales))]
                text, spans = fill(templates[t_index], values)
                varied = _vary(text, rng)
                if varied != text and len(varied) < len(text):
                    spans = [(s, min(e, len(varied)), lab) for s, e, lab in spans if s < len(varied)]
                rows.append({"text": varied, "spans": spans, "source": f"faker-{kind}",
                             "group": f"faker:{lang}:{kind}:{t_index}", "lang": lang})
    return rows
