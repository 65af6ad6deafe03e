"""What replaces a PII span: redaction labels, masks, pseudonyms that cannot be confused with the
user's own text, the JSON-safe form of a replacement and of a span (never half a JSON escape),
and restoring pseudonyms in an answer.

Pseudonyms are ``[LABEL_N]``. N skips every number whose placeholder the text already holds in
any spelling restore would accept (``[EMAIL_1]``, ``EMAIL_1``, ``[email 1]``), so a literal
``[EMAIL_1]`` the user typed stays literal and is never "restored". Restore accepts the usual
model rewrites: brackets dropped or kept, any case, ``_``, space or ``-`` before the number.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterable

from tako_rules._pii_detect import Found
from tako_rules._pii_view import JSON_ESCAPE, decode_escape, json_unescape

__all__ = ["Pseudonyms", "json_safe", "literal_placeholders", "mask", "outside_escapes", "replacement",
           "restore_pattern"]

_LITERAL = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]+(?:_[A-Za-z]+)*)[_ \-]?(\d{1,6})(?![0-9])")
_DIGIT = re.compile(r"[0-9]")
_JSON_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")



def literal_placeholders(text: str) -> set[tuple[str, int]]:
    """(LABEL, N) of every placeholder-like spelling in ``text`` (``EMAIL_1``, ``[phone 2]``)."""
    if _DIGIT.search(text) is None:
        return set()
    return {(m.group(1).upper(), int(m.group(2))) for m in _LITERAL.finditer(text)}


class Pseudonyms:
    """Allocates ``[LABEL_N]`` placeholders against a request's vault (placeholder -> original).

    The same value gets the same placeholder within a vault; a new one takes the next N that
    neither the vault nor ``text`` uses in any spelling. Call under the request's lock.
    """

    def __init__(self, vault: dict[str, str], text: str) -> None:
        self.vault = vault
        self.reverse = {(k[1:].rsplit("_", 1)[0], v): k for k, v in vault.items() if k.startswith("[")}
        self.taken = literal_placeholders(text)
        for key in vault:
            label, _, n = key.strip("[]").rpartition("_")
            if n.isdigit():
                self.taken.add((label.upper(), int(n)))

    def placeholder(self, label: str, value: str) -> str:
        """The placeholder of ``value`` (stored in the vault when new)."""
        key = self.reverse.get((label, value))
        if key is not None:
            return key
        n = 1
        while (label.upper(), n) in self.taken:
            n += 1
        key = f"[{label}_{n}]"
        self.taken.add((label.upper(), n))
        self.vault[key] = value
        self.reverse[(label, value)] = key
        return key


def restore_pattern(labels: Iterable[str]) -> re.Pattern[str]:
    """A pattern for placeholders of ``labels`` as models rewrite them; group 1 label, group 2 N."""
    alternatives = "|".join(sorted((re.escape(label) for label in set(labels)), key=len, reverse=True))
    return re.compile(
        rf"(?i)(?:\[\s?)?(?<![A-Za-z0-9])({alternatives})[_ \-]?(\d{{1,6}})(?![0-9])(?:\s?\])?"
    )


def json_safe(text: str, start: int, end: int, replacement: str) -> str:
    """``replacement`` quoted as a JSON string when [start, end) is a bare JSON number value
    (``{"phone": 12125550100}`` -> ``{"phone": "[PHONE]"}``), else unchanged.

    A bare value follows ``":`` (a key), or ``[``/``,`` in a text that starts like JSON, and is
    followed by ``,``, ``}``, ``]`` or the end; works on a fragment of a streamed answer too.
    """
    if _JSON_NUMBER.fullmatch(text, start, end) is None:
        return replacement
    i = start - 1
    while i >= 0 and text[i] in " \t\r\n":
        i -= 1
    if i < 0:
        return replacement
    before = text[i]
    j = end
    while j < len(text) and text[j] in " \t\r\n":
        j += 1
    if j < len(text) and text[j] not in ",}]":
        return replacement
    if before == ":":
        k = i - 1
        while k >= 0 and text[k] in " \t\r\n":
            k -= 1
        if k < 0 or text[k] != '"':
            return replacement
    elif before in "[,":
        head = text.lstrip()[:1]
        if head not in ("{", "["):
            return replacement
    else:
        return replacement
    return json.dumps(replacement, ensure_ascii=False)


def outside_escapes(text: str, found: list[Found]) -> list[Found]:
    """``found`` (sorted, not overlapping) with no span starting or ending inside a JSON escape
    of ``text`` (``\\n``, ``\\"``, ``\\u0061``, ``\\\\n`` in JSON in JSON), so replacing it keeps
    the JSON valid: an escape of a letter or digit joins the span, any other escape stays outside
    it. Linear."""
    if "\\" not in text:
        return found
    escapes = [m.span() for m in JSON_ESCAPE.finditer(text)]
    starts = [s for s, _ in escapes]

    def snap(pos: int, is_start: bool) -> int:
        k = bisect_right(starts, pos - 1) - 1
        if k < 0 or escapes[k][1] <= pos:
            return pos  # not inside an escape
        s, e = escapes[k]
        ch = decode_escape(text[s:e])
        inside = ch is not None and ch.isalnum()
        return (s if inside else e) if is_start else (e if inside else s)

    out: list[Found] = []
    for f in found:
        start = max(snap(f.start, True), out[-1].end if out else 0)
        end = snap(f.end, False)
        if end > start:
            out.append(f._replace(start=start, end=end))
    return out


def replacement(text: str, start: int, end: int, label: str, mode: str, names: Pseudonyms | None,
                jsonish: bool) -> str:
    """What replaces ``text[start:end]`` (a ``label`` finding) in ``mode`` (``redact``: ``[LABEL]``,
    ``mask``, ``pseudonymize`` with ``names``). With ``jsonish`` a bare JSON number's replacement
    is quoted; a mask of a value with JSON escapes is of the unescaped value, written back escaped."""
    value = text[start:end]
    if names is not None:
        rep = names.placeholder(label, value)
    elif mode == "redact":
        rep = f"[{label}]"
    elif "\\" in value and '"' in text:
        rep = json.dumps(mask(label, json_unescape(value)), ensure_ascii=False)[1:-1]
    else:
        rep = mask(label, value)
    return json_safe(text, start, end, rep) if jsonish else rep


def mask(label: str, value: str) -> str:
    """A partly hidden form of ``value``: ``j***@e***.com``, ``************1111``, ``J*** S****``."""
    if label == "EMAIL" and "@" in value:
        local, _, domain = value.partition("@")
        host, dot, tld = domain.rpartition(".")
        return f"{local[:1]}***@{host[:1]}***{dot}{tld}"
    if label not in ("PERSON", "LOCATION", "ORGANIZATION", "ADDRESS", "DATE_OF_BIRTH", "EMAIL"):
        keep = 2 if label == "PHONE" else 4
        total = sum(c.isalnum() for c in value)
        seen = 0
        out = []
        for c in value:
            if c.isalnum():
                seen += 1
                out.append(c if seen > total - keep else "*")
            else:
                out.append(c)
        return "".join(out)
    return " ".join(w[:1] + "*" * (len(w) - 1) for w in value.split(" "))
