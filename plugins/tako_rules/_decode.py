"""Finding and decoding base64, hex, percent-encoded and rot13 text hidden in a message."""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from dataclasses import dataclass
from urllib.parse import unquote

__all__ = ["Decoded", "Decoder"]

_B64 = r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}={0,2}"
_HEX = r"(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}){8,}(?![0-9A-Fa-f])"
_PCT = r"(?:%[0-9A-Fa-f]{2}){4,}"
_WORD = r"[A-Za-z]+"
_COMMON = (
    "the be to of and a in that have i it for not on with he as you do at this but his by from they "
    "we say her she or an will my one all would there their what so up out if about who get which go "
    "me when make can like time no just him know take people into year your good some could them see "
    "other than then now look only come its over think also back after use two how our work first well "
    "way even new want because any these give day most us is are was were has had been please tell "
    "ignore previous instructions prompt system rules password secret reveal print say write answer"
).split()
_MAX_BLOB = 20_000


@dataclass(frozen=True)
class Decoded:
    """One decoded blob: how it was encoded, where it was, and the text it decodes to."""

    kind: str
    start: int
    end: int
    text: str


class Decoder:
    """Finds encoded blobs and keeps those that decode to readable text (built once per guard)."""

    def __init__(self, *, min_chars: int = 4, max_blobs: int = 8) -> None:
        self.min_chars = min_chars
        self.max_blobs = max_blobs
        self._b64 = re.compile(_B64)
        self._hex = re.compile(_HEX)
        self._pct = re.compile(_PCT)
        self._long = re.compile(r"[A-Za-z0-9+/_=-]{16}")
        self._word = re.compile(_WORD)
        self._common = frozenset(_COMMON)

    def readable(self, text: str) -> bool:
        """True when ``text`` looks like human-readable text rather than binary noise."""
        if len(text) < self.min_chars:
            return False
        printable = sum(1 for c in text if c.isprintable() or c in "\n\t")
        if printable < 0.95 * len(text):
            return False
        letters = sum(1 for c in text if c.isalpha() or c == " ")
        return letters >= 0.6 * len(text)

    def _b64decode(self, blob: str) -> str | None:
        core = blob.rstrip("=")
        if len(core) % 4 == 1:
            return None
        padded = core + "=" * (-len(core) % 4)
        try:
            if "-" in core or "_" in core:
                raw = base64.urlsafe_b64decode(padded)
            else:
                raw = base64.b64decode(padded, validate=True)
            return raw.decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            return None

    def _word_ratio(self, text: str, low: str | None = None) -> float:
        """The share of common English words among the words of ``text`` (``low``: its lower case)."""
        words = self._word.findall(text.lower() if low is None else low)
        if len(words) < 3:
            return 0.0
        return sum(map(self._common.__contains__, words)) / len(words)

    def decode(self, text: str, *, depth: int = 2) -> list[Decoded]:
        """Every blob in ``text`` that decodes to readable text (nested encodings up to ``depth``)."""
        found: list[Decoded] = []
        self._scan(text, depth, found)
        return found[: self.max_blobs]

    def _scan(self, text: str, depth: int, found: list[Decoded]) -> None:
        if depth <= 0 or len(found) >= self.max_blobs:
            return
        candidates: list[tuple[str, re.Match[str]]] = []
        if len(text) >= 16 and self._long.search(text):
            candidates += [("base64", m) for m in self._b64.finditer(text)]
            candidates += [("hex", m) for m in self._hex.finditer(text)]
        if "%" in text:
            candidates += [("percent", m) for m in self._pct.finditer(text)]
        for kind, m in candidates:
            if len(found) >= self.max_blobs:
                return
            blob = m.group()
            if len(blob) > _MAX_BLOB:
                continue
            decoded: str | None
            if kind == "base64":
                if blob.isalpha() and (blob.islower() or blob.isupper()):
                    continue  # a long plain word, not base64
                decoded = self._b64decode(blob)
            elif kind == "hex":
                try:
                    decoded = bytes.fromhex(blob).decode("utf-8")
                except (ValueError, UnicodeDecodeError):
                    decoded = None
            else:
                decoded = unquote(blob, errors="strict") if blob else None
            if decoded and self.readable(decoded):
                found.append(Decoded(kind, m.start(), m.end(), decoded))
                self._scan(decoded, depth - 1, found)
        self._rot13(text, found)

    def _rot13(self, text: str, found: list[Decoded]) -> None:
        if len(text) < 12 or len(text) > _MAX_BLOB or not text.isascii():
            return
        low = text.lower()  # ASCII: offsets kept, so its head is the head's lower case
        head = text[:400]
        if "rot13" not in low and self._word_ratio(head, low[:400]) >= 0.15:
            return
        if self._word_ratio(codecs.encode(head, "rot13")) < 0.3:
            return
        rotated = codecs.encode(text, "rot13")
        if self._word_ratio(rotated) >= 0.3:
            found.append(Decoded("rot13", 0, len(text), rotated))
