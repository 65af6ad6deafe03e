"""E-mail addresses spelled out in the words of several languages: ``maria.lopez arroba gmail punto
com`` (es), ``joao arroba gmail ponto com`` (pt), ``max.muster at gmx punkt de`` (de),
``julie arobase orange point fr`` (fr), ``marco chiocciola libero punto it`` (it), ``ahmet.yilmaz
et gmail nokta com`` (tr), ``ivan собака mail точка ru`` (ru).

The words are language data (``data/spelled_email.json``); this module turns them into the
alternations the obfuscated e-mail pattern of ``_pii_detect`` uses and judges a match of it
(``spelled_ok``). English ``at``/``dot`` keep their own rule in ``_pii_detect``.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

__all__ = [
    "SPELLED_PATH",
    "at_alternation",
    "dot_alternation",
    "mail_provider",
    "maybe_spelled",
    "spelled_ok",
]

SPELLED_PATH = Path(__file__).resolve().parent / "data" / "spelled_email.json"


@functools.lru_cache(maxsize=4)
def _lists(
    path: str = str(SPELLED_PATH),
) -> tuple[frozenset[str], frozenset[str], tuple[str, ...], frozenset[str]]:
    """(``strong_at_words``, ``at_words``, ``dot_words`` longest first, ``mail_domains``) of the JSON
    file at ``path``, lower case (OSError / ValueError for an unreadable file, KeyError for a
    missing list)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    strong, weak = (frozenset(w.lower() for w in data[k]) for k in ("strong_at_words", "at_words"))
    dots = tuple(sorted({w.lower() for w in data["dot_words"]}, key=lambda w: (-len(w), w)))
    return strong, weak, dots, frozenset(w.lower() for w in data["mail_domains"])


def at_alternation() -> str:
    """Every word for ``@`` as a regex alternation (longest first), for ``\\s(?:...)\\s``."""
    strong, weak, _, _ = _lists()
    return "|".join(re.escape(w) for w in sorted(strong | weak, key=lambda w: (-len(w), w)))


def dot_alternation() -> str:
    """Every word for ``.`` as a regex alternation (longest first)."""
    return "|".join(re.escape(w) for w in _lists()[2])


def mail_provider(label: str) -> bool:
    """True when ``label`` (a lower-case domain label: "gmail") names a common free-mail provider."""
    return label in _lists()[3]


@functools.cache
def _hint() -> re.Pattern[str]:
    strong, _, dots, _ = _lists()
    words = sorted(strong | {d for d in dots if d != "dot"}, key=lambda w: (-len(w), w))
    return re.compile(" (?:" + "|".join(re.escape(w) for w in words) + ") ")


def maybe_spelled(low: str) -> bool:
    """Cheap test of the lower-cased text: a word for ``@`` that means little else ("arroba") or a
    word for ``.`` other than "dot" stands between spaces (one regex search, linear; about 1.3 us
    on a validation-split text)."""
    return _hint().search(low) is not None


@functools.cache
def _spelled() -> re.Pattern[str]:
    at, dot = at_alternation(), dot_alternation()
    return re.compile(rf"^(.+?)\s({at})\s(.+?)(?:\s({dot})\s|\.)([^\W\d_]{{2,24}})$")


def spelled_ok(value: str, tlds: frozenset[str], not_local: frozenset[str]) -> bool:
    """True when ``value`` (a lower-cased match of the obfuscated e-mail pattern, no ``@`` or
    brackets) is an address spelled in words of another language: a word for ``@`` and a common
    top-level domain (``tlds``) after the last dot, no everyday word (``not_local``) opening it.
    After a word that means little but ``@`` ("arroba") the domain may have real dots
    ("lucia arroba hotmail.com"); after an everyday one ("at", "et", "собака") the last dot is
    spelled too, and the local part carries ``.``, ``_`` or a digit, or the domain is a known mail
    provider ("la forme et le point de vue" is no address). English "at ... dot" is left to the
    caller's own rule (False)."""
    m = _spelled().match(value)
    if m is None:
        return False
    local, at, domain, dot, tld = m.groups()
    if tld not in tlds or local.split()[0] in not_local:
        return False
    strong = _lists()[0]
    if at in strong:
        return True
    if dot is None or (at == "at" and dot == "dot"):
        return False
    return (
        " " in local or any(c in "._0123456789" for c in local) or mail_provider(domain.split()[0])
    )
