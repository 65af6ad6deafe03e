"""The PII detection view: obfuscation undone, with every view offset mapped back to the original.

Detectors run on the view (fullwidth and other compatibility forms folded by NFKC, zero-width and
bidi-control characters dropped), and each finding is mapped back to the original text, so
``ｊｏｅ＠ｅｘａｍｐｌｅ．ｏｒｇ`` or ``4111\u200b1111...`` is redacted where the user typed it.
``align`` maps offsets between two texts that differ by small edits (the normalize guard's view,
which the shared encoder embeds, and the text a rail is given).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from difflib import SequenceMatcher

__all__ = ["Alignment", "TextView", "align"]

_DROP = frozenset(
    "\u200b\u200c\u200d\u2060\ufeff\u180e\u00ad\u034f\u2061\u2062\u2063\u2064"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
"""Zero-width, soft-hyphen and bidi-control characters: removed from the view."""
_SPECIAL = re.compile("[" + "".join(sorted(_DROP)) + "\U000e0000-\U000e007f]|(?![0-9])\\d")
"""What NFKC leaves alone but the view changes: invisible characters and non-ASCII digits."""
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


class TextView:
    """``text`` (the view) of ``original``, with ``to_original(start, end)`` for its offsets.

    ASCII text is its own view (no copy, no map). Otherwise each original character becomes
    its NFKC form (possibly several characters, or none for invisible ones) and every view
    character remembers the original character it came from.
    """

    __slots__ = ("original", "text", "_src")

    def __init__(self, original: str) -> None:
        self.original = original
        self._src: list[int] | None = None
        self.text = original
        if original.isascii() or (
            _SPECIAL.search(original) is None and unicodedata.is_normalized("NFKC", original)
        ):
            return
        out: list[str] = []
        src: list[int] = []
        pos = 0
        for m in _NON_ASCII.finditer(original):
            if m.start() > pos:  # an ASCII stretch: copied whole
                out.append(original[pos : m.start()])
                src.extend(range(pos, m.start()))
            for i in range(m.start(), m.end()):
                ch = original[i]
                if ch in _DROP or 0xE0000 <= ord(ch) <= 0xE007F:
                    continue
                digit = unicodedata.decimal(ch, None)
                norm = str(digit) if digit is not None else unicodedata.normalize("NFKC", ch)
                out.append(norm)
                src.extend([i] * len(norm))
            pos = m.end()
        if pos < len(original):
            out.append(original[pos:])
            src.extend(range(pos, len(original)))
        self.text = "".join(out)
        self._src = src

    @property
    def identity(self) -> bool:
        """True when the view is the original text itself."""
        return self._src is None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original [start, end) of view characters [start, end) (``end > start``)."""
        if self._src is None:
            return start, end
        src = self._src
        if not src:
            return 0, 0
        start = min(max(start, 0), len(src) - 1)
        end = min(max(end, start + 1), len(src))
        return src[start], src[end - 1] + 1


class Alignment:
    """Maps offsets of ``a`` to offsets of ``b`` for two texts that differ by local edits."""

    __slots__ = ("_a_starts", "_blocks", "_len_b", "identity")

    def __init__(self, a: str, b: str) -> None:
        self.identity = a == b
        self._len_b = len(b)
        self._blocks: list[tuple[int, int, int, int, str]] = []
        self._a_starts: list[int] = []
        if self.identity:
            return
        matcher = SequenceMatcher(None, a, b, autojunk=False)
        for tag, a0, a1, b0, b1 in matcher.get_opcodes():
            self._blocks.append((a0, a1, b0, b1, tag))
            self._a_starts.append(a0)

    def _point(self, pos: int, right: bool) -> int | None:
        i = bisect_right(self._a_starts, pos - 1 if right else pos) - 1
        if i < 0:
            return 0
        a0, a1, b0, b1, tag = self._blocks[i]
        if tag == "equal":
            return b0 + (pos - a0)
        if tag == "insert":  # text only in b: nothing of a maps into it
            return b0
        if tag == "delete":  # text only in a (an appended blob, say): no place in b
            return None
        return b1 if right else b0  # a replaced stretch maps to the whole replacement

    def map(self, start: int, end: int) -> tuple[int, int] | None:
        """``b``'s [start, end) for ``a``'s [start, end); None when it falls in text only ``a`` has."""
        if self.identity:
            return start, end
        s = self._point(start, right=False)
        e = self._point(end, right=True)
        if s is None or e is None or e <= s:
            return None
        return s, min(e, self._len_b)


def align(a: str, b: str) -> Alignment:
    """An ``Alignment`` from ``a``'s offsets to ``b``'s (difflib opcodes; identity when equal)."""
    return Alignment(a, b)
