"""Anchor gates: where in a text a term of a list can start, found without running the list's regex.

A lexicon's alternation of hundreds of terms starts with a look-behind (``(?<!\\w)``), so Python's
``re`` cannot skip ahead by a literal prefix: it tries every term at every word start (tens of µs
on a 32-token query, for each list, on every input). Each term's *anchors*
(``_figurative_index.anchors``: the lower-cased first characters, at most 4, that every match of
it starts with) say where it can start:

* a word-edge (``bounded``) term's anchor is looked up among the text's word heads (the first 1-4
  characters of each word, lower-cased as IGNORECASE compares: ``fold``): a whole head for a 4
  character anchor or one that ends the word, a head's prefix for a shorter one;
* an anchor that starts with a non-word character, and any anchor of an unbounded term, is looked
  for anywhere in the folded text.

``Gate`` answers "can any term match in this text?" (False only when none can). ``TermIndex``
answers "where, and which terms?": the positions a match can start at, each with the terms whose
anchors occur there (``_lexicon.Lexicon`` tries only those, there). A term whose start cannot be
spelled out (``\\w+ ...``) gives its list no ``Gate`` and is tried by the index wherever its
own regex finds it (``always``), in a text that holds a string every match of it holds
(``_figurative_index.required``). The folded text, its word heads and their offsets are computed
once per text (``profile``: the last texts are kept, shared by texts that fold the same) and read
by every gate.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from ._figurative_index import ANCHOR_CHARS, anchors, fold, required

__all__ = ["MAX_GATED_CHARS", "Gate", "Profile", "TermIndex", "anchors_of", "profile", "required_of"]

MAX_GATED_CHARS = 4096
"""Texts longer than this are not gated (every ``Gate`` admits them; ``TermIndex`` still finds
their positions, in one pass)."""
_WORDS = re.compile(r"(\w+)")
_FIRST = {k: operator.itemgetter(slice(0, k)) for k in range(1, ANCHOR_CHARS + 1)}
"""A string's first ``k`` characters (mapped over the words of a text at C speed)."""
_EDGE = "\ue001"
_LEADING_SPACE = re.compile(r"^(\^?)\\s\*(?![?+])")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
"""Kana and CJK ideographs: a list whose terms may start after one admits every text holding one
(``Gate`` with ``cjk``)."""


class Profile:
    """What the gates read of one text: ``low`` (``fold``-ed, same length), its word heads in
    order and as a set, their offsets; prefixes, characters and offsets by head are built on
    first use. The words come from one ``split``, the offsets from their lengths (no Python loop
    per word)."""

    __slots__ = ("_by_head", "_chars", "_prefixes", "head_set", "heads", "low", "starts")

    def __init__(self, text: str) -> None:
        self.low = fold(text)
        pieces = _WORDS.split(self.low)  # [gap, word, gap, word, ..., gap]
        self.heads: list[str] = list(map(_FIRST[ANCHOR_CHARS], pieces[1::2]))
        self.starts: list[int] = list(accumulate(map(len, pieces)))[:-1:2]
        """Offsets of the word heads, in order (``heads[i]`` starts at ``starts[i]``)."""
        self.head_set = frozenset(self.heads)
        self._prefixes: frozenset[str] | None = None
        self._chars: frozenset[str] | None = None
        self._by_head: dict[str, list[int]] | None = None

    @property
    def prefixes(self) -> frozenset[str]:
        """The first 1-3 characters of every word head (a head shorter than that: itself)."""
        if self._prefixes is None:
            heads = self.head_set
            self._prefixes = frozenset(map(_FIRST[1], heads)).union(map(_FIRST[2], heads), map(_FIRST[3], heads))
        return self._prefixes

    @property
    def chars(self) -> frozenset[str]:
        if self._chars is None:
            self._chars = frozenset(self.low)
        return self._chars

    def at_head(self, head: str) -> list[int]:
        """Offsets where the word head ``head`` stands."""
        if self._by_head is None:
            by: dict[str, list[int]] = {}
            for p, h in zip(self.starts, self.heads):
                by.setdefault(h, []).append(p)
            self._by_head = by
        return self._by_head.get(head, [])

    def heads_with(self, prefix: str) -> list[str]:
        """The distinct word heads that begin with ``prefix`` (1-3 characters)."""
        return [h for h in self.head_set if h.startswith(prefix)]


@functools.lru_cache(maxsize=32)
def _short_profile(text: str) -> Profile:
    return Profile(text)


@functools.lru_cache(maxsize=2)
def _long_profile(text: str) -> Profile:
    return Profile(text)


def profile(text: str) -> Profile:
    """The ``Profile`` of ``text``, shared by every text that folds the same ("Hello" and
    "hello"): the last 32 up to ``MAX_GATED_CHARS`` characters and the last 2 longer ones are
    kept (a check reads the raw text, its views, their lower-case forms and clauses). A short
    text's own last 64 are kept too, so the gates of one check fold each text once."""
    if len(text) <= MAX_GATED_CHARS:  # fold keeps the length
        return _text_profile(text)
    return _long_profile(fold(text))


@functools.lru_cache(maxsize=64)
def _text_profile(text: str) -> Profile:
    return _short_profile(fold(text))


def anchors_of(body: str, bounded: bool, word_start: bool = True) -> frozenset[str] | None:
    """``anchors`` of one term pattern (kept: the same term often serves two lists). With
    ``bounded`` and ``word_start`` (its match begins with a word character), a leading ``\\s*``
    matches nothing and is left out. None when the term may start with anything or its head does
    not parse."""
    return _anchors(_LEADING_SPACE.sub(r"\1", body) if bounded and word_start else body, bounded)


@functools.lru_cache(maxsize=1024)
def required_of(body: str) -> frozenset[str] | None:
    """``_figurative_index.required`` of one term pattern (kept)."""
    return required(body)


@functools.lru_cache(maxsize=8192)
def _anchors(body: str, bounded: bool) -> frozenset[str] | None:
    try:
        found = anchors(body, bounded)
    except (re.error, RecursionError, ValueError, KeyError, IndexError):
        return None
    if not found or any(not a.rstrip(_EDGE) for a in found):
        return None
    return frozenset(found)


def _kind(anchor: str, bounded: bool) -> tuple[str, str]:
    """("head" | "prefix" | "anywhere", the anchor without its edge mark)."""
    base = anchor.rstrip(_EDGE)
    if not bounded or not re.match(r"\w", base):
        return "anywhere", base
    if anchor.endswith(_EDGE) or len(base) >= ANCHOR_CHARS:
        return "head", base
    return "prefix", base


def _finder(keys: Iterable[str], lookahead: bool = False) -> re.Pattern[str] | None:
    alts = "|".join(map(re.escape, sorted(set(keys), key=lambda a: (-len(a), a))))
    return (re.compile(f"(?=(?:{alts}))" if lookahead else alts)) if alts else None


@dataclass(frozen=True)
class Gate:
    """Anchors of one term list: ``heads`` (equal to a word head), ``prefixes`` (a word head
    starts with them) and ``anywhere`` (substrings of the folded text: ``firsts`` holds their
    first characters, ``finder`` finds them). With ``cjk``, a text holding kana or a CJK
    ideograph is always admitted (its terms may start right after one, not at a word edge)."""

    heads: frozenset[str]
    prefixes: frozenset[str]
    anywhere: tuple[str, ...]
    firsts: frozenset[str] = frozenset()
    cjk: bool = False

    @functools.cached_property
    def finder(self) -> re.Pattern[str] | None:
        """Finds an ``anywhere`` anchor in a folded text (compiled on first use)."""
        return _finder(self.anywhere)

    @classmethod
    def of(cls, bodies: Iterable[str], bounded: bool, cjk: bool = False) -> Gate | None:
        """The gate of the term patterns ``bodies`` (macros expanded; ``bounded``: matched at a
        word start only), or None when one term may start with anything or does not parse."""
        return cls.of_anchors([anchors_of(b, bounded) for b in bodies], bounded, cjk)

    @classmethod
    def of_anchors(cls, found: Sequence[frozenset[str] | None], bounded: bool, cjk: bool = False) -> Gate | None:
        """``of`` from each term's ``anchors_of`` (None: no gate)."""
        keys: dict[str, set[str]] = {"head": set(), "prefix": set(), "anywhere": set()}
        for one in found:
            if one is None:
                return None
            for a in one:
                kind, base = _kind(a, bounded)
                keys[kind].add(base)
        anywhere = keys["anywhere"]
        return cls(frozenset(keys["head"]), frozenset(keys["prefix"]), tuple(sorted(anywhere)),
                   frozenset(a[0] for a in anywhere), cjk)

    def admits(self, text: str) -> bool:
        """Whether a term of the list may match in ``text`` (False only when none can)."""
        if len(text) > MAX_GATED_CHARS or (self.cjk and _CJK.search(text) is not None):
            return True
        prof = profile(text)
        return (not self.heads.isdisjoint(prof.head_set)
                or (bool(self.prefixes) and not self.prefixes.isdisjoint(prof.prefixes))
                or (bool(self.anywhere) and not self.firsts.isdisjoint(prof.chars)
                    and self.finder.search(prof.low) is not None))  # type: ignore[union-attr]


class TermIndex:
    """Terms ``0..n-1`` of one list by their anchors (``anchors_of`` each, None: ``always``).

    ``candidates(text)`` gives ``(offset, terms)`` in text order: every offset where a match of the
    list can start, with the terms (indices, ascending) that can start there. Offsets of ``always`` terms come
    from ``always`` (their own pattern as a look-ahead, given by the caller, who knows the list's
    pattern). The list's terms must start at word edges (``bounded``), or anywhere when not."""

    def __init__(self, found: Sequence[frozenset[str] | None], bounded: bool,
                 needs: Sequence[frozenset[str] | None] = ()) -> None:
        self.bounded = bounded
        self.always = frozenset(i for i, a in enumerate(found) if a is None)
        self.needs = None if not needs or any(n is None for n in needs) else frozenset().union(*needs)  # type: ignore[arg-type]
        """Strings one of which a text (folded) holds wherever an ``always`` term matches in it
        (``required_of`` each; None: no such test, their pattern always runs)."""
        maps: dict[str, dict[str, set[int]]] = {"head": {}, "prefix": {}, "anywhere": {}}
        for i, one in enumerate(found):
            for a in one or ():
                kind, base = _kind(a, bounded)
                maps[kind].setdefault(base, set()).add(i)
        self.heads = {k: frozenset(v) for k, v in maps["head"].items()}
        self.head_keys = frozenset(self.heads)
        self.prefixes = {k: frozenset(v) for k, v in maps["prefix"].items()}
        self.prefix_keys = frozenset(self.prefixes)
        self.prefix_lengths = tuple(sorted({len(k) for k in self.prefixes}))
        self.anywhere = {k: frozenset(v) for k, v in maps["anywhere"].items()}
        self.anywhere_lengths = tuple(sorted({len(k) for k in self.anywhere}, reverse=True))
        self.firsts = frozenset(k[0] for k in self.anywhere)
        self._by_head: dict[str, tuple[int, ...]] = {}

    @functools.cached_property
    def _anywhere_finder(self) -> re.Pattern[str] | None:
        """Every offset where an ``anywhere`` anchor starts (compiled on first use)."""
        return _finder(self.anywhere, lookahead=True)

    def _head_terms(self, head: str) -> tuple[int, ...]:
        found = self._by_head.get(head)
        if found is None:
            terms = set(self.heads.get(head, ()))
            for n in self.prefix_lengths:
                terms.update(self.prefixes.get(head[:n], ()))
            found = self._by_head[head] = tuple(sorted(terms))
        return found

    def candidates(self, text: str, always: re.Pattern[str] | None = None, string: str = "",
                   lo: int = 0, end: int | None = None) -> list[tuple[int, tuple[int, ...]]]:
        """``(offset, terms)`` in text order; [] when no term can match. ``text`` may be a slice
        ``[lo:end]`` of the text (the offsets are the whole text's: ``lo`` is added; a word cut at
        ``lo`` reads as a word start there, which only adds an offset to try). ``always``: the
        ``always`` terms' pattern as a look-ahead, run on ``string`` (the text the terms will be
        matched in, whole) from ``lo`` to ``end``."""
        prof = profile(text)
        heads = self.head_keys & prof.head_set
        prefixes = self.prefix_keys & prof.prefixes if self.prefix_keys else None
        anywhere = bool(self.anywhere) and not self.firsts.isdisjoint(prof.chars)
        if always is not None and self.needs is not None and not any(n in prof.low for n in self.needs):
            always = None  # no string an ``always`` term needs: its pattern finds nothing here
        if not heads and not prefixes and not anywhere and always is None:
            return []
        found: dict[int, tuple[int, ...]] = {}
        if prefixes:  # the heads that begin with a prefix anchor
            heads |= {h for k in prefixes for h in prof.heads_with(k)}
        for h in heads:
            terms = self._head_terms(h)
            for p in prof.at_head(h):
                found[p + lo] = terms
        if anywhere:
            low = prof.low
            for m in self._anywhere_finder.finditer(low):  # type: ignore[union-attr]
                p, here = m.start(), set(found.get(m.start() + lo, ()))
                for n in self.anywhere_lengths:
                    here.update(self.anywhere.get(low[p:p + n], ()))
                found[p + lo] = tuple(sorted(here))
        if always is not None:
            for m in always.finditer(string, lo, len(string) if end is None else end):
                found[m.start()] = tuple(sorted({*found.get(m.start(), ()), *self.always}))
        return sorted((p, terms) for p, terms in found.items() if terms)
