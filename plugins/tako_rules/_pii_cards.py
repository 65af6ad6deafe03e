"""Payment card numbers: 13-19 digits that pass the issuer prefix rules and the Luhn checksum,
written plain or in groups (``4111 1111 1111 1111``, ``4111-1111-1111-1111``, ``4111  1111``,
``4111\\t1111``, ``4111\\n1111``, ``4111_1111``, ``4111·1111``, ``3782 822463 10005``).

A **run** is digit groups joined by 1-3 separator characters (whitespace, ``_``, ``.``, ``-`` and
other dashes, ``/``, middle dots); a card is any stretch of whole groups of a run. False-positive
safety: one kind of separator per card (spaces with dashes allowed, as in ``4111 - 1111``), and a
card written with anything but one space, dot, dash or slash between groups, or that is only part
of a longer run (a list or a table of numbers), must be grouped as cards are printed (4-4-4-4,
4-4-4-1, 4-4-4-4-3, 4-6-5, 4-6-4; or no separator at all).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["card_spans", "luhn_valid"]

_SEP_CHARS = r"\s_.\-/\u00b7\u2010-\u2015\u2022\u2027\u2212\u30fb\uff65"
_RUN = re.compile(rf"(?<![0-9\-])[0-9]+(?:[{_SEP_CHARS}]{{1,3}}[0-9]+)*")
"""Digit groups with short separator runs between them (linear: separators and digits are disjoint)."""
_GROUP = re.compile(r"[0-9]+")
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
_DOTS = frozenset("\u00b7\u2022\u2027\u30fb\uff65")
_CLASSIC = frozenset(" .-/")
"""Separators the card pattern always accepted between any two groups (``4 1 1 1 ...`` too)."""


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` (ASCII digits) passes the Luhn checksum."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_prefix_ok(d: str) -> bool:
    """True when the issuer prefix of ``d`` allows its length (Visa, Mastercard, Amex, ...)."""
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


def _kind(sep: str) -> str | None:
    """The kind of a separator run: `` `` (whitespace only), ``-`` (a dash, spaces around it
    allowed), ``.``, ``/``, ``_`` or ``·`` (middle dots and bullets); None for a mixture (``.-``)."""
    if sep.isspace():
        return " "
    core = sep.strip()
    if len(core) != 1:
        return None
    if core in _DASHES:
        return "-"
    if core != sep:
        return None  # ``4111 . 1111``: only a dash may have spaces around it
    return "·" if core in _DOTS else core


def _separators_ok(seps: list[str], classic: bool) -> bool:
    """One kind of separator (spaces with dashes allowed); ``classic``: also each one is a single
    space, dot, dash or slash, or `` - ``."""
    kinds = {_kind(s) for s in seps}
    if None in kinds or (len(kinds) > 1 and kinds != {" ", "-"}):
        return False  # 4111.1111/1111 1111: mixed separators read as something else
    return not classic or all(
        s in _CLASSIC or (len(s) == 3 and s[1] == "-" and s[0].isspace() and s[2].isspace()) for s in seps
    )


def _number_ok(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and card_prefix_ok(digits) and luhn_valid(digits)


def card_spans(text: str) -> Iterator[tuple[int, int]]:
    """[start, end) of every card number in ``text`` (ASCII digits; the detection view's text).

    A whole run of 13-19 digits is a card with any grouping and classic separators; otherwise,
    from each group of 4 (or of 13-19 digits), the longest printed-grouping card is taken and the
    search goes on after it. Linear in ``len(text)``: a card spans at most 19 groups.
    """
    for run in _RUN.finditer(text):
        spans = [g.span() for g in _GROUP.finditer(text, run.start(), run.end())]
        lengths = [e - s for s, e in spans]
        total = sum(lengths)
        if total < 13:
            continue
        n = len(spans)
        seps = [text[spans[k][1] : spans[k + 1][0]] for k in range(n - 1)]
        if total <= 19 and _number_ok("".join(text[s:e] for s, e in spans)) and _separators_ok(seps, classic=True):
            yield run.start(), run.end()
            continue
        i = 0
        while i < n:
            best = _longest_from(text, spans, lengths, seps, i)
            if best >= 0:
                yield spans[i][0], spans[best][1]
                i = best + 1
            else:
                i += 1


def _printed(lengths: list[int]) -> bool:
    """Group lengths as cards are printed: 4-4-4-4 (the last 1-4, a fifth of 1-3 after four 4s)
    or Amex/Diners 4-6-5 and 4-6-4."""
    if lengths in ([4, 6, 5], [4, 6, 4]):
        return True
    return 3 <= len(lengths) <= 5 and all(n == 4 for n in lengths[:-1]) and lengths[-1] <= 4


def _longest_from(text: str, spans: list[tuple[int, int]], lengths: list[int], seps: list[str], i: int) -> int:
    """The last group of the longest printed-grouping card that starts at group ``i``, or -1."""
    if lengths[i] != 4:
        return i if 13 <= lengths[i] <= 19 and _number_ok(text[spans[i][0] : spans[i][1]]) else -1
    best = -1
    count = 4
    j = i + 1
    while j < len(spans) and count + lengths[j] <= 19:
        count += lengths[j]
        if count >= 13 and _printed(lengths[i : j + 1]):
            digits = "".join(text[s:e] for s, e in spans[i : j + 1])
            if _number_ok(digits) and _separators_ok(seps[i:j], classic=False):
                best = j
        if lengths[j] != 4 and not (j == i + 1 and lengths[j] == 6):
            break  # a shorter (or longer) group ends the card
        j += 1
    return best
