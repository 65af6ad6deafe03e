"""A lexicon's term list matched through its anchors: the matches of one big alternation, without
running (or even compiling) it.

A list of hundreds of regex terms is matched as ``HEAD(?:(?:t1)|(?:t2)|...)TAIL`` (``Part``: the
head and tail are the word-edge look-arounds). Python's ``re`` tries every term at every word
start of a text, so on a 32-token query a list costs 10-100 µs, and compiling it costs 5-40 ms.
``Lexicon`` finds the same matches another way: ``_gate.TermIndex`` lists the offsets where a
term can start (its anchors occur there) and which terms can, and only those terms are tried
there, as one small pattern (the list's head and tail around them, in list order) compiled on
first use and kept. At an offset the big alternation would try its terms in order and take the
first that matches; the terms left out cannot match there, so the small pattern takes the same
match, and an offset left out holds no match at all: ``search``, ``finditer`` and ``sub`` give
exactly what the big pattern gives. A list ``gate``d as before (``_gate.Gate``) is not searched
in a text the gate refuses, as before. The index (the terms' anchors) is built when the list is
first read (``prepare``: at once, for a list every check reads).

A list whose terms may also begin or end beside a Thai, kana or CJK character (``Part.script``:
``_minors``) is matched with plain word edges in a text without one, where those alternatives
can never hold; a text holding one is read by the big pattern itself (``full``), compiled when
first needed. It is compiled otherwise only to check a lexicon that is not the shipped one
(``validate``: a bad custom file fails when it is loaded), for a list read without its index
(``indexed=False``) and, in a pathological list, after an empty match.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ._gate import Gate, TermIndex, anchors_of, required_of

__all__ = ["Lexicon", "Part", "shipped"]


def shipped(path: str | Path | None, default: Path) -> bool:
    """Whether ``path`` (None: the default) is the shipped lexicon file ``default``, whose
    patterns the tests compile (so loading it needs not)."""
    return path is None or Path(path).resolve() == default.resolve()


@dataclass(frozen=True)
class Part:
    """Terms matched as ``head + "|".join(f"(?:{t})" for t in terms) + tail``. ``word_start``: a
    match begins with a word character (the head says so). ``script``: a character class (regex)
    after or before whose characters the head and tail also let a match begin or end (Thai, kana,
    CJK: written without spaces); ``plain``: the head and tail to use in a text holding none of
    them (where those alternatives can never hold)."""

    head: str
    tail: str
    terms: tuple[str, ...]
    word_start: bool = True
    script: str | None = None
    plain: tuple[str, str] | None = None

    def source(self, keep: Callable[[int], bool], first: int, plain: bool = False) -> str | None:
        """The part's pattern with only the terms ``keep`` accepts (numbered from ``first``; with
        ``plain``, the ``plain`` head and tail), or None when it keeps none."""
        alts = [f"(?:{t})" for i, t in enumerate(self.terms, first) if keep(i)]
        head, tail = self.plain if plain and self.plain is not None else (self.head, self.tail)
        return head + "|".join(alts) + tail if alts else None


@functools.lru_cache(maxsize=8)
def _script(classes: str) -> re.Pattern[str]:
    return re.compile(classes)


class Lexicon:
    """Terms in ``parts`` (in order) as one pattern with ``flags``; see the module docstring.

    ``wrap``: the parts are alternatives of one pattern (``(?:P1)|(?:P2)``); a lexicon without it
    has one part. ``bounded``: the terms match at word edges (their anchors are word heads).
    ``gate``: a text the anchors' ``_gate.Gate`` refuses is not searched (``gate_cjk``: a text
    holding kana or a CJK ideograph is always searched). ``validate``: compile the whole pattern
    now (re.error for a bad term). ``indexed=False``: every call runs the whole pattern."""

    def __init__(self, parts: Sequence[Part], flags: int = 0, *, wrap: bool = False, bounded: bool = True,
                 gate: bool = True, gate_cjk: bool = False, validate: bool = True, indexed: bool = True,
                 _shared: Lexicon | None = None) -> None:
        self.parts = tuple(p for p in parts if p.terms)
        if not self.parts or (len(self.parts) > 1 and not wrap):
            raise ValueError("a lexicon needs terms, and one part unless wrap")
        self.flags, self.wrap, self.indexed = flags, wrap, indexed
        self._options = (bounded, gate, gate_cjk)
        self._shared = _shared
        self._firsts = [sum(len(p.terms) for p in self.parts[:k]) for k in range(len(self.parts))]
        scripts = sorted({p.script for p in self.parts if p.script})
        self._script = _script("|".join(scripts)) if scripts else None
        self._subs: dict[tuple[int, ...], re.Pattern[str]] = {}
        self._last: tuple[str, str, list[tuple[int, tuple[int, ...]]]] | None = None
        if validate or not indexed:
            _ = self.full

    @functools.cached_property
    def _built(self) -> tuple[TermIndex, Gate | None, bool, re.Pattern[str] | None]:
        """(index, gate, whether the gate must be asked, the ``always`` terms' look-ahead), built
        on first use (the terms' anchors: a few ms for a long list)."""
        if self._shared is not None:
            index, gate, gated = self._shared._built[:3]
        else:
            bounded, gated_on, cjk = self._options
            found = [anchors_of(t, bounded, p.word_start) for p in self.parts for t in p.terms]
            terms = [t for p in self.parts for t in p.terms]
            index = TermIndex(found, bounded, [required_of(terms[i]) for i, a in enumerate(found) if a is None])
            plain = [anchors_of(t, bounded) for p in self.parts for t in p.terms]
            gate = Gate.of_anchors(plain, bounded, cjk) if gated_on else None
            # a text the gate refuses holds no anchor of the index either (the same anchors, no
            # ``always`` term): the index alone answers, the gate is not asked
            gated = gate is not None and (bool(index.always) or plain != found)
        always = (re.compile(f"(?=(?:{self._source(index.always, plain=True)}))", self.flags)
                  if index.always else None)
        return index, gate, gated, always

    @property
    def index(self) -> TermIndex:
        """Where the terms can start (``_gate.TermIndex``)."""
        return self._built[0]

    @property
    def gate(self) -> Gate | None:
        """The anchors' gate (None: every text is searched)."""
        return self._built[1]

    def prepare(self) -> Lexicon:
        """Build the index now (for a list every check reads); returns the lexicon."""
        _ = self._built
        return self

    def with_flags(self, flags: int, *, validate: bool = True) -> Lexicon:
        """The same terms with other ``flags`` (sharing the index and the gate)."""
        return Lexicon(self.parts, flags, wrap=self.wrap, validate=validate, indexed=self.indexed, _shared=self)

    def _source(self, terms: frozenset[int] | None, plain: bool = False) -> str:
        keep = (lambda i: True) if terms is None else terms.__contains__
        parts = [s for p, first in zip(self.parts, self._firsts) if (s := p.source(keep, first, plain)) is not None]
        return "|".join(f"(?:{s})" for s in parts) if self.wrap else parts[0]

    @property
    def pattern(self) -> str:
        """The whole pattern's source (every term)."""
        return self._source(None)

    @functools.cached_property
    def full(self) -> re.Pattern[str]:
        """The whole pattern, compiled (on first use)."""
        return re.compile(self.pattern, self.flags)

    def _sub(self, terms: tuple[int, ...]) -> re.Pattern[str]:
        """Terms ``terms`` (ascending) alone, within their parts' heads and tails (plain), as one
        pattern compiled on first use."""
        found = self._subs.get(terms)
        if found is None:
            found = self._subs[terms] = re.compile(self._source(frozenset(terms), plain=True), self.flags)
        return found

    def _candidates(self, string: str, index_text: str, pos: int, end: int) -> list[tuple[int, tuple[int, ...]]]:
        """The index's offsets and terms for ``string[pos:end]`` (a window: read from ``pos - 1``,
        so the cost is the window's; the whole text's are kept for the next call)."""
        index, always = self._built[0], self._built[3]
        if end < len(string):
            lo = max(0, pos - 1)
            return index.candidates(index_text[lo:end], always, string, lo, end)
        last = self._last
        if last is not None and last[0] is string and last[1] is index_text:
            return last[2]
        found = index.candidates(index_text, always, string)
        self._last = (string, index_text, found)
        return found

    def admits(self, text: str) -> bool:
        """Whether the gate (if any) lets ``text`` be searched."""
        return self.gate is None or self.gate.admits(text)

    def _refused(self, text: str, whole: bool) -> bool:
        """Whether the gate refuses ``text`` where the index might not (``whole``: the whole
        pattern reads it, or the index reads only part of it)."""
        _, gate, gated, _ = self._built
        return (gated or whole) and gate is not None and not gate.admits(text)

    def finditer(self, string: str, pos: int = 0, endpos: int | None = None, *,
                 index_text: str | None = None) -> Iterator[re.Match[str]]:
        """The whole pattern's ``finditer(string, pos, endpos)`` (in a text the gate refuses:
        none). ``index_text``: the text the gate and the index read (default ``string``; a text
        that folds the same, ``string`` lower-cased or the other way round)."""
        end = len(string) if endpos is None else endpos
        if not self.indexed:
            yield from self.full.finditer(string, pos, end)
            return
        index_text = string if index_text is None else index_text
        script = self._script is not None and self._script.search(string) is not None
        if self._refused(index_text, script or end < len(string)):
            return
        if script:
            yield from self.full.finditer(string, pos, end)  # Thai, kana or CJK: the whole pattern
            return
        found = self._candidates(string, index_text, pos, end)
        at = pos
        for k in range(bisect_left(found, (pos,)) if pos else 0, len(found)):
            p, terms = found[k]
            if p < at:
                continue
            m = self._sub(terms).match(string, p, end)
            if m is None:
                continue
            yield m
            if m.end() == m.start():  # an empty match: the whole pattern's scan goes on from there
                rest = self.full.finditer(string, p, end)
                next(rest, None)
                yield from rest
                return
            at = m.end()

    def search(self, string: str, pos: int = 0, endpos: int | None = None, *,
               index_text: str | None = None) -> re.Match[str] | None:
        """The whole pattern's ``search`` (None in a text the gate refuses)."""
        return next(self.finditer(string, pos, endpos, index_text=index_text), None)

    def sub(self, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0) -> str:
        """The whole pattern's ``sub`` (``string`` itself when nothing matches)."""
        out: list[str] = []
        last = n = 0
        for m in self.finditer(string):
            out += [string[last:m.start()], repl(m) if callable(repl) else m.expand(repl)]
            last, n = m.end(), n + 1
            if count and n >= count:
                break
        return "".join(out) + string[last:] if n else string
