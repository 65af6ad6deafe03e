"""The PII detection view: obfuscation undone, with every view offset mapped back to the original.

Detectors run on the view (fullwidth and other compatibility forms folded by NFKC, zero-width and
bidi-control characters dropped, look-alike letters and full stops folded inside e-mail-like
stretches, JSON string escapes decoded), and each finding is mapped back to the original text, so
``ｊｏｅ＠ｅｘａｍｐｌｅ．ｏｒｇ``, ``jоe@exаmple.com`` (Cyrillic), ``4111\u200b1111...`` or
``ann\\u0040example.org`` is redacted where the user typed it.
``align`` maps offsets between two texts that differ by small edits (the normalize guard's view,
which the shared encoder embeds, and the text a rail is given).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from bisect import bisect_right
from difflib import SequenceMatcher

__all__ = ["CONFUSABLES", "JSON_ESCAPE", "Alignment", "TextView", "align", "decode_escape", "email_stretches",
           "json_unescape"]

_DROP = frozenset(
    "\u200b\u200c\u200d\u2060\ufeff\u180e\u00ad\u034f\u2061\u2062\u2063\u2064"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
"""Zero-width, soft-hyphen and bidi-control characters: removed from the view."""
_SPECIAL = re.compile("[" + "".join(sorted(_DROP)) + "\U000e0000-\U000e007f]|(?![0-9])\\d")
"""What NFKC leaves alone but the view changes: invisible characters and non-ASCII digits."""
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
JSON_ESCAPE = re.compile(
    r"\\+(?:u[dD][89abAB][0-9a-fA-F]{2}\\+u[dD][c-fC-F][0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[\"/bfnrt])|\\+"
)
"""A JSON string escape at any depth of JSON in JSON (``\\n``, ``\\\\n``, ``\\u0040``, a surrogate
pair), or a run of backslashes escaping nothing: one token, read left to right. Linear."""
_ESCAPE_OR_NON_ASCII = re.compile(rf"{JSON_ESCAPE.pattern}|[^\x00-\x7f]+")
_JSON_SIMPLE = {'"': '"', "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_AT = re.compile("[@\uff20\ufe6b]")
_SPACE = re.compile(r"\s")
CONFUSABLES = {
    **dict(zip("аеорсухѕіјԁһԛԝӏ", "aeopcyxsijdhqwl", strict=True)),          # Cyrillic
    **dict(zip("АВЕКМНОРСТХУЅІЈԚԜ", "ABEKMHOPCTXYSIJQW", strict=True)),
    **dict(zip("αοινρκυχεΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "aoivpkuxeABEZHIKMNOPTYX", strict=True)),  # Greek
    **dict(zip("օսհɑɡıⅼ", "ouhagil", strict=True)),                          # Armenian, Latin, forms
    "\u3002": ".", "\uff61": ".", "\ufe12": ".", "\u2024": ".",             # ideographic, halfwidth full stops
}
"""Letters and full stops that look like ASCII ones, folded inside e-mail-like stretches only
(``jоe@exаmple.com`` with Cyrillic о and а, ``joe@example。com``): elsewhere they are words."""
_FOLDABLE = re.compile("[" + "".join(sorted(CONFUSABLES)) + "]")


def email_stretches(text: str, before: int = 64, after: int = 256) -> list[tuple[int, int]]:
    """Merged [start, end) around each ``@`` (or ``＠``, ``﹫``): the whitespace-free stretch
    holding it, at most ``before`` characters before and ``after`` after. Linear in ``len(text)``."""
    out: list[tuple[int, int]] = []
    for m in _AT.finditer(text):
        p = m.start()
        if out and p < out[-1][1]:
            continue
        lo = p
        floor = max(p - before, out[-1][1] if out else 0)
        while lo > floor and not text[lo - 1].isspace():
            lo -= 1
        space = _SPACE.search(text, p + 1, min(len(text), p + after))
        hi = space.start() if space is not None else min(len(text), p + after)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


class TextView:
    """``text`` (the view) of ``original``, with ``to_original(start, end)`` for its offsets.

    ASCII text without JSON escapes is its own view (no copy, no map). Otherwise each original
    character becomes its NFKC form (possibly several characters, or none for invisible ones;
    other scripts' digits ASCII ones; inside an e-mail-like stretch, :data:`CONFUSABLES` their
    ASCII look-alike), and in a text with ``"`` and ``\\`` each JSON string escape (``\\n``,
    ``\\u0040``, a surrogate pair) becomes the character it stands for. Every view character
    remembers the original character (or whole escape) it came from, so a finding mapped back
    never starts or ends inside an escape.
    """

    __slots__ = ("original", "text", "_src", "_wide")

    def __init__(self, original: str) -> None:
        self.original = original
        self._src: list[int] | None = None
        self._wide: dict[int, int] = {}
        """View index -> original end, for characters decoded from an escape."""
        self.text = original
        escapes = "\\" in original and '"' in original
        stretches = (email_stretches(original)
                     if not original.isascii() and _AT.search(original) and _FOLDABLE.search(original) else [])
        if not escapes and not stretches and (original.isascii() or (
            _SPECIAL.search(original) is None and unicodedata.is_normalized("NFKC", original)
        )):
            return
        out: list[str] = []
        src: list[int] = []
        pos = 0
        fold = _Folder(original, stretches)
        for m in (_ESCAPE_OR_NON_ASCII if escapes else _NON_ASCII).finditer(original):
            if m.start() > pos:  # an ASCII stretch: copied whole
                out.append(original[pos : m.start()])
                src.extend(range(pos, m.start()))
            pos = m.end()
            if original[m.start()] == "\\":
                ch = decode_escape(m.group())
                if ch is None:  # a lone surrogate: kept as written
                    out.append(m.group())
                    src.extend(range(m.start(), m.end()))
                    continue
                norm = ch if ch.isascii() else fold(ch, m.start())
                for k in range(len(src), len(src) + len(norm)):
                    self._wide[k] = m.end()
                out.append(norm)
                src.extend([m.start()] * len(norm))
                continue
            for i in range(m.start(), m.end()):
                ch = original[i]
                norm = fold(ch, i) if stretches and ch in CONFUSABLES else _plain(ch)
                out.append(norm)
                if len(norm) == 1:
                    src.append(i)
                else:
                    src.extend([i] * len(norm))
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
        return src[start], self._wide.get(end - 1, src[end - 1] + 1)


class _Folder:
    """The view form of ``text[i]``; call with ascending ``i`` (the stretches are walked once).

    A look-alike is folded inside an e-mail-like stretch unless a letter of its own script that
    has no ASCII look-alike stands next to it (``почтаjoe@`` keeps its Cyrillic word)."""

    __slots__ = ("_k", "_stretches", "_text")

    def __init__(self, text: str, stretches: list[tuple[int, int]]) -> None:
        self._text = text
        self._stretches = stretches
        self._k = 0

    def __call__(self, ch: str, i: int) -> str:
        if ch in CONFUSABLES:
            spans, k = self._stretches, self._k
            while k < len(spans) and spans[k][1] <= i:
                k += 1
            self._k = k
            if k < len(spans) and spans[k][0] <= i and not (_foreign(self._text, i - 1) or _foreign(self._text, i + 1)):
                return CONFUSABLES[ch]
        return _plain(ch)


@functools.lru_cache(maxsize=4096)
def _plain(ch: str) -> str:
    """The view form of ``ch`` anywhere: nothing for an invisible one, an ASCII digit, or NFKC."""
    if ch in _DROP or 0xE0000 <= ord(ch) <= 0xE007F:
        return ""
    digit = unicodedata.decimal(ch, None)
    return str(digit) if digit is not None else unicodedata.normalize("NFKC", ch)


def json_unescape(text: str) -> str:
    """``text`` with its JSON string escapes (:data:`JSON_ESCAPE`) decoded; a lone surrogate
    escape is kept as written."""
    if "\\" not in text:
        return text
    return JSON_ESCAPE.sub(lambda m: decode_escape(m.group()) or m.group(), text)


def _foreign(text: str, i: int) -> bool:
    """True when ``text[i]`` is a non-ASCII letter without an ASCII look-alike."""
    return 0 <= i < len(text) and not text[i].isascii() and text[i].isalpha() and text[i] not in CONFUSABLES


def decode_escape(token: str) -> str | None:
    """The character a :data:`JSON_ESCAPE` token stands for (``\\`` for backslashes escaping
    nothing); None for a lone surrogate."""
    body = token.lstrip("\\")
    if not body:
        return "\\"
    if body[0] != "u":
        return _JSON_SIMPLE[body[0]]
    code = int(body[1:5], 16)
    if len(body) > 5:  # a surrogate pair
        low = int(body[5:].lstrip("\\")[1:5], 16)
        return chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
    return None if 0xD800 <= code <= 0xDFFF else chr(code)


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
