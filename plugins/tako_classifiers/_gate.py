"""Anchor gates: a cheap, sound "can any term of this list match here?" check before a big regex.

A lexicon's alternation of hundreds of terms starts with a look-behind (``(?<!\\w)``), so Python's
``re`` cannot skip ahead by a literal prefix: it tries every term at every position (tens of µs on
a 32-token query, for each list, on every input). Most texts hold none of a list's terms. A
``Gate`` holds the *anchors* of a list (``_figurative_index.anchors``: the lower-cased first
characters, at most 4, that every match of a term starts with) and admits a text only when one of
them occurs where a match could start, so a gated search returns exactly the same matches:

* a word-edge (``spaced``) term's anchor is looked up among the text's word heads (the first 1-4
  characters of each word, lower-cased as IGNORECASE compares: ``fold``): a whole head for a 4
  character anchor or one that ends the word, a head's prefix for a shorter one;
* an anchor that starts with a non-word character, and any anchor of an ``unspaced`` term, is
  looked for anywhere in the folded text.

A list with a term whose start cannot be spelled out (``\\w+ ...``) gets no gate (always
admits),
nor does a text over ``MAX_GATED_CHARS`` (the gate would cost a pass of its own). The folded text
and its word heads are computed once per text (the last text is kept) and shared by every gate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ._figurative_index import ANCHOR_CHARS, anchors, fold

__all__ = ["MAX_GATED_CHARS", "Gate", "GatedPattern"]

MAX_GATED_CHARS = 4096
"""Texts longer than this are not gated (every gate admits them)."""
_HEAD = re.compile(rf"(?<!\w)\w{{1,{ANCHOR_CHARS}}}")
_EDGE = "\ue001"
_LEADING_SPACE = re.compile(r"^(\^?)\\s\*(?![?+])")
_MEMO: dict[str, tuple[str, frozenset[str], frozenset[str], frozenset[str]]] = {}
_MEMO_SIZE = 8
"""Texts whose profile is kept (a check reads the raw text, its view and decoded blobs)."""
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")


def _profile(text: str) -> tuple[str, frozenset[str], frozenset[str], frozenset[str]]:
    """(folded text, word heads, every prefix of a word head, characters) of ``text``."""
    found = _MEMO.get(text)
    if found is None:
        low = fold(text)
        heads = frozenset(_HEAD.findall(low))
        found = (low, heads, frozenset(h[:k] for h in heads for k in range(1, len(h) + 1)), frozenset(low))
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.clear()
        _MEMO[text] = found
    return found


@dataclass(frozen=True)
class Gate:
    """Anchors of one term list: ``heads`` (equal to a word head), ``prefixes`` (a word head
    starts with them) and ``anywhere`` (substrings of the folded text: ``firsts`` holds their
    first characters, ``finder`` finds them)."""

    heads: frozenset[str]
    prefixes: frozenset[str]
    anywhere: tuple[str, ...]
    firsts: frozenset[str] = frozenset()
    finder: re.Pattern[str] | None = None

    @classmethod
    def of(cls, bodies: Iterable[str], bounded: bool) -> Gate | None:
        """The gate of the term patterns ``bodies`` (macros expanded; ``bounded``: matched at a
        word start only), or None when one term may start with anything or does not parse."""
        heads: set[str] = set()
        prefixes: set[str] = set()
        anywhere: set[str] = set()
        for body in bodies:
            if bounded:  # a word-start match begins with a word character: a leading \s* matches nothing
                body = _LEADING_SPACE.sub(r"\1", body)
            try:
                found = anchors(body, bounded)
            except (re.error, RecursionError, ValueError, KeyError, IndexError):
                return None
            if not found:
                return None
            for a in found:
                base = a.rstrip(_EDGE)
                if not base:
                    return None
                if not bounded or not re.match(r"\w", base):
                    anywhere.add(base)
                elif a.endswith(_EDGE) or len(base) >= ANCHOR_CHARS:
                    heads.add(base)
                else:
                    prefixes.add(base)
        finder = re.compile("|".join(map(re.escape, sorted(anywhere, key=lambda a: (-len(a), a))))) if anywhere else None
        return cls(frozenset(heads), frozenset(prefixes), tuple(sorted(anywhere)), frozenset(a[0] for a in anywhere), finder)

    def admits(self, text: str) -> bool:
        """Whether a term of the list may match in ``text`` (False only when none can)."""
        if len(text) > MAX_GATED_CHARS:
            return True
        low, heads, prefixes, chars = _profile(text)
        return (not self.heads.isdisjoint(heads) or not self.prefixes.isdisjoint(prefixes)
                or (self.finder is not None and not self.firsts.isdisjoint(chars) and self.finder.search(low) is not None))


class GatedPattern:
    """A compiled word-edge pattern behind a ``Gate``: ``search``, ``finditer`` and ``sub`` on a
    whole text skip the regex when the gate refuses the text (same results: None, no match, the
    text unchanged). ``cjk``: the pattern may also start right after a kana or CJK ideograph (not
    at a word edge), so a text holding one is always searched. Other calls (``match``, a
    ``pos``) and attributes go to the pattern."""

    __slots__ = ("cjk", "gate", "regex")

    def __init__(self, regex: re.Pattern[str], gate: Gate, cjk: bool = False) -> None:
        self.regex, self.gate, self.cjk = regex, gate, cjk

    @classmethod
    def of(cls, regex: re.Pattern[str], bodies: Iterable[str], cjk: bool = False) -> re.Pattern[str] | GatedPattern:
        """``regex`` gated by the anchors of its term ``bodies`` (matched at word starts), or
        ``regex`` itself when a term may start with anything."""
        gate = Gate.of(bodies, bounded=True)
        return regex if gate is None else cls(regex, gate, cjk)

    def _admits(self, text: str) -> bool:
        return not isinstance(text, str) or (self.cjk and _CJK.search(text) is not None) or self.gate.admits(text)

    def search(self, text: str, *args: int) -> re.Match[str] | None:
        return self.regex.search(text, *args) if args or self._admits(text) else None

    def finditer(self, text: str, *args: int) -> Iterator[re.Match[str]]:
        return self.regex.finditer(text, *args) if args or self._admits(text) else iter(())

    def sub(self, repl: Any, text: str, count: int = 0) -> str:
        return self.regex.sub(repl, text, count) if self._admits(text) else text

    def __getattr__(self, name: str) -> Any:
        return getattr(self.regex, name)
