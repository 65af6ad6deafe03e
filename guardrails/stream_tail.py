"""What a stream holds back: the tail of the text received that could still become an entity.

``held_tail(text)`` is used by the streaming judge (``guardrails.streaming``) after each chunk: the
text before it is judged and passed on, the tail waits for the next chunk, so the output rails see
a card, phone, IBAN, e-mail, URL, key or a person's name whole, never in halves.
"""

from __future__ import annotations

import re

__all__ = ["held_tail"]

# Scripts written without spaces (zh, ja, ko, th, lo, km, my): passed on as they come.
_NO_SPACE = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u2e80-\ua4cf\uac00-\ud7af\uf900-\ufaff\uff61-\uff9f"
_BREAK = re.compile(rf"[\s{_NO_SPACE}][^\s{_NO_SPACE}]*\Z")
"""The last character that ends a token; what follows it may still continue (an e-mail, URL, key)."""
_DIGIT = re.compile(r"\d")
_IN_TOKEN = re.compile(rf"[^\s{_NO_SPACE}]")
_SEP = r"[\s_./()\-\u00b7\u2010-\u2015\u2022\u2027\u2212\u30fb\uff0d\uff3f\uff65]"
_DIGIT_TAIL = re.compile(rf"(?:(?<![A-Za-z])[A-Za-z]{{1,3}}{_SEP}?)?[+(]?\d+(?:{_SEP}{{1,3}}\d+)*{_SEP}{{0,3}}\Z")
"""Digits with separators (cards, phones, ids; line breaks, ``_``, middle dots too), maybe a short letter prefix."""
_IBAN_TAIL = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){0,30} ?\Z")
"""An IBAN-like run: country code, check digits, then up to 30 characters, spaced or not."""
_DIGIT_RUN = re.compile(rf"(?:(?<![A-Za-z])[A-Za-z]{{1,3}}{_SEP}?)?[+(]?\d+(?:{_SEP}{{1,3}}\d+)*")
_IBAN_RUN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){0,30}")
_RUN_BEFORE = re.compile(rf"(?:\d|{_SEP})+")
_AT_GAP = re.compile(r"[\w.%+-]{1,64}[ \t]{0,2}(?:@[ \t]{0,2})?\Z")  # a local part, maybe a spaced "@"
_LOCAL_END = re.compile(r"[\w%+-]+[._+\d][\w.%+-]*(?<!\.)[ \t]{1,2}")  # "jane.doe " at a chunk's end: held
_ENTITY_PROBE = 96
"""Digit and IBAN-like runs are looked for in this many last characters (the longest such
entity, written with separators, is under 50); a run filling them all is held whole."""

_CAPITALISED = re.compile(r"(?<!\S)[^\W\d_][\w'\u2019-]{0,40}[ \t]{1,2}\Z")
"""A word with its spaces, right before a cut; held when it is capitalised ("… Zach ")."""
_NAME_WORDS = 3
"""At most this many capitalised words before a cut are held (the given names of a name)."""


def held_tail(text: str) -> int:
    """Where the tail of ``text`` that could still become an entity starts (``len(text)``: none).

    The earliest start among an unfinished token, a digit run with separators, an IBAN-like
    run that reach the end of ``text`` and up to three capitalised words just before it (the
    first words of a name whose last word has not come yet: "… Zach " before "King."), moved back to the start of the token, digit run or
    IBAN-like run it falls in (so a finished IBAN before a number is not cut in two); 0 when a
    digit or IBAN-like run fills the last :data:`_ENTITY_PROBE` characters. Linear in
    ``len(text)``.
    """
    brk = _BREAK.search(text)
    cut = brk.start() + 1 if brk is not None else 0
    probe_at = max(0, len(text) - _ENTITY_PROBE)
    for pattern in (_DIGIT_TAIL, _IBAN_TAIL):
        m = pattern.search(text, probe_at)
        if m is not None and m.start() < cut:
            if probe_at > 0 and _RUN_BEFORE.fullmatch(text, probe_at - 1, m.start()):
                return 0  # the run goes on before the probe: hold it all
            cut = m.start()
    while (gap := _AT_GAP.search(text, max(0, cut - 70), cut)) and gap.start() < cut and (  # "jane.doe @ x.com"
            "@" in gap.group() or text.startswith("@", cut) or _LOCAL_END.fullmatch(text, gap.start(), cut)):
        cut = gap.start()
    for _ in range(_NAME_WORDS):  # "Zach " may be the first word of "Zach King": not passed on alone
        word = _CAPITALISED.search(text, max(0, cut - 44), cut)
        if word is None or not word.group()[0].isupper():
            break
        cut = word.start()
    while True:
        while cut > 0 and _IN_TOKEN.match(text, cut - 1):
            cut -= 1
        lo = max(0, cut - _ENTITY_PROBE)
        if not _DIGIT.search(text, lo, cut + _ENTITY_PROBE):  # both runs need a digit
            return cut
        inside = [m.start() for pattern in (_DIGIT_RUN, _IBAN_RUN) for m in pattern.finditer(text, lo, len(text))
                  if m.start() < cut < m.end()]
        if not inside:
            return cut
        cut = min(inside)
