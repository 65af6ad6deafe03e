"""JSON keys that say a value is no personal data: the title of a work or a product, a count, an id.

The token head reads a JSON answer as running text and takes some capitalised titles for names
(``{"title": "Sleepy Kittens"}`` -> PERSON, ``"product_name": "Silver Falcon Drone"``) and codes
or counts for addresses (``"sku": "SF-200"``, ``"vistas": 980000``). ``content_keys`` in
``data/not_names.json`` lists keys (lower case, several languages) whose value names a video, song,
book, product or category, or counts or identifies one; a key matches when its last word is listed
(``title``, ``videoTitle``, ``sub_title``) or its last word is a ``name_words`` entry after a listed
one (``product_name``, ``nombre_producto`` reads ``producto`` last). ``content_head_findings``
drops the head's findings inside such a value, unless the same value holds a finding of the
pattern detectors or the context rules (an e-mail, a phone, "Contact Maria Garcia", "Dr. Anna
Schmidt"): personal data written into a title still redacts. Keys such as ``name``, ``author``,
``uploader``, ``channel``, ``description`` are not listed: their values may name a person.

The other way round, ``person_key_values`` reads a value as a name from its key where the head
often misses one in JSON: ``person_keys`` (``last_name``, ``apellidos``, ``Nachname``) always, a
``name_words`` key (``name``, ``nombre``) in an object that also holds an e-mail or a phone.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from tako_rules._pii_groups import NOT_NAMES_PATH
from tako_rules._pii_view import json_unescape

__all__ = ["content_head_findings", "content_key", "person_key_values"]

_F = TypeVar("_F", bound=tuple)
_WINDOW = 400
"""Characters before a finding searched for its key (a key, ``:`` and up to 32 array items)."""
_KEY_BEFORE = re.compile(
    r'"((?:[^"\\]|\\.){1,64})"\s*:\s*(?:\[\s*(?:(?:"(?:[^"\\]|\\.){0,200}"|[-+.\deE]{1,32})\s*,\s*){0,32})?\Z'
)
"""``"key": `` (or ``"key": [..., `` before an array item) ending where a value starts."""
_VALUE_MAX = 300
"""Longest string value read as a title or a code; a longer one is running text."""
_NUMBER = re.compile(r"-?[\d.eE+]+")
_KEY_VALUE = re.compile(r'"((?:[^"\\]|\\.){1,64})"[ \t]*:[ \t]*"((?:[^"\\]|\\.){1,120})"')
"""``"key": "value"`` with a short string value."""
_PERSON_VALUE = re.compile(r"[^\W\d_]+(?:[ '’.\-]{1,2}[^\W\d_]+){0,4}\.?")
"""One to five words of letters ("Olivia Brown", "María José Pérez", "O'Neil", "J. Smith")."""
_CAMEL = re.compile(r"(?<=[a-zß-ÿ])(?=[A-ZÀ-Þ])")
_KEY_WORDS = re.compile(r"[^\W\d_]+")


@functools.lru_cache(maxsize=4)
def _lists(path: str = str(NOT_NAMES_PATH)) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(``content_keys``, ``name_words``, ``person_keys``) of the JSON file at ``path``, casefolded
    (OSError / ValueError for an unreadable file, KeyError for a missing list)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return tuple(frozenset(w.casefold() for w in data[k]) for k in ("content_keys", "name_words", "person_keys"))  # type: ignore[return-value]


def content_key(key: str) -> bool:
    """True when the JSON key ``key`` (as written, without quotes) names a title, product, count
    or id (``title``, ``videoTitle``, ``product_name``, ``título``, ``sku``); False for ``name``,
    ``author``, ``email`` and any key not listed."""
    words = _KEY_WORDS.findall(_CAMEL.sub(" ", key[:64]).casefold())
    if not words:
        return False
    keys, names, _ = _lists()
    return words[-1] in keys or (words[-1] in names and any(w in keys for w in words[:-1]))


def _escaped(text: str, i: int, floor: int) -> bool:
    """True when an odd run of backslashes (not before ``floor``) stands before ``text[i]``."""
    n = 0
    while i - n - 1 >= floor and text[i - n - 1] == "\\":
        n += 1
    return n % 2 == 1


def _value(text: str, start: int, end: int) -> tuple[int, int, str] | None:
    """(value start, value end, key) of the JSON value holding [start, end), or None when the
    span is in no value of an object key (a key itself, running text, a span across values, a
    string over ``_VALUE_MAX`` characters)."""
    floor = max(0, start - _WINDOW)
    if _NUMBER.fullmatch(text, start, end) and (m := _KEY_BEFORE.search(text, floor, start)) is not None:
        return start, end, m.group(1)  # a bare number: "vistas": 980000
    q = text.rfind('"', floor, start)
    while q >= 0 and _escaped(text, q, floor):
        q = text.rfind('"', floor, q)
    if q < 0 or (m := _KEY_BEFORE.search(text, floor, q)) is None:
        return None
    close = text.find('"', start, q + _VALUE_MAX)
    while close != -1 and _escaped(text, close, q + 1):
        close = text.find('"', close + 1, q + _VALUE_MAX)
    if close == -1 or close < end:
        return None
    return q + 1, close, m.group(1)


def _overlap_test(spans: Sequence[tuple]) -> Callable[[int, int], bool]:
    """A test ``(start, end) -> bool``: does [start, end) overlap one of ``spans`` (``(start, end,
    ...)`` tuples, overlapping or not)? O(log n) a query after an O(n log n) sort."""
    ordered = sorted((s[0], s[1]) for s in spans)
    starts = [s for s, _ in ordered]
    reach = list(itertools.accumulate((e for _, e in ordered), max))

    def test(start: int, end: int) -> bool:
        i = bisect_left(starts, end)
        return i > 0 and reach[i - 1] > start

    return test


def content_head_findings(text: str, heads: Sequence[_F], others: Sequence[tuple]) -> list[_F]:
    """``heads`` (the token head's findings, ``(start, end, ...)`` tuples over ``text``) without
    those inside the value of a content key (:func:`content_key`) whose value holds none of
    ``others`` (the pattern detectors' and context rules' findings). Each finding costs a search
    of at most ``_WINDOW`` characters before it."""
    if '"' not in text or not heads:
        return list(heads)
    out = []
    held = _overlap_test(others)
    for f in heads:
        value = _value(text, f[0], f[1])
        if value is not None and content_key(value[2]) and not held(value[0], value[1]):
            continue
        out.append(f)
    return out


def person_key_values(text: str, others: Sequence[tuple]) -> list[tuple[int, int]]:
    """[start, end) of each JSON string value that names a person by its key: a ``person_keys``
    key (``last_name``, ``fullName``, ``apellidos``, ``Nachname``, ``cognome``), or a ``name_words``
    key (``name``, ``nombre``, ``nom``) in a flat object that holds one of ``others`` (an e-mail, a
    phone: a contact record, not a product). The value is one to five words of letters (no digit,
    no ``@``). One pass over ``text``; each name-word value searches at most ``_WINDOW`` characters
    either side for its object's braces."""
    if '"' not in text or ":" not in text:
        return []
    _, names, persons = _lists()
    held = _overlap_test(others)
    out = []
    for m in _KEY_VALUE.finditer(text):
        words = _KEY_WORDS.findall(_CAMEL.sub(" ", m.group(1)).casefold())
        joined = "".join(words)
        if joined not in persons and not (len(words) == 1 and joined in names):
            continue
        start, end = m.span(2)
        if not _PERSON_VALUE.fullmatch(json_unescape(m.group(2))):
            continue
        if joined not in persons:
            lo = max(text.rfind("{", max(0, start - _WINDOW), start), text.rfind("}", max(0, start - _WINDOW), start))
            hi = min((i for i in (text.find("{", end, end + _WINDOW), text.find("}", end, end + _WINDOW)) if i != -1),
                     default=-1)
            if lo < 0 or hi < 0 or text[lo] != "{" or text[hi] != "}":
                continue
            if not held(lo, hi):
                continue
        out.append((start, end))
    return out
