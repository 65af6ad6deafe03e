"""Anchor index of the figurative lexicon (``_figurative``): which entries can match where,
found without running them.

Each entry's pattern yields its *anchors*: the lower-cased strings of at most ``ANCHOR_CHARS``
characters that every match starts with ("kill", "brea", "make", "in"), read by
``re._parser`` from the pattern's head only (each alternative up to its first lookahead or
whitespace run, which is where the big object lists live). A text is lower-cased once; entries
read at word edges are looked up by the first ``ANCHOR_CHARS`` characters of each word (one
``findall`` and a set intersection, so a text holding no anchor costs a few µs), unbounded ones
(ja, zh, ko, th, hi) at each character that starts one of their anchors. Only the entries whose
anchor occurs are compiled (once, on first use) and tried, in lexicon order, at that position:
the same matches as trying every entry everywhere, since no match can start without its anchor.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any

try:  # the pattern parser of the re module (anchors only; the patterns are compiled by re)
    import re._parser as re_parser
except ImportError:  # Python < 3.11
    import sre_parse as re_parser  # type: ignore[no-redef]
try:  # characters that IGNORECASE also takes as equal beyond str.lower ("ſ" and "s", "ı" and "i")
    from re._casefix import _EXTRA_CASES
except ImportError:  # Python < 3.11
    _EXTRA_CASES = {}

log = logging.getLogger(__name__)

ANCHOR_CHARS = 4
"""Anchor length (characters): longer is more selective, but an anchor stops at the first
character class it cannot spell out."""
_UNKNOWN, _EDGE = "\ue000", "\ue001"  # a prefix's end: unknown continuation / a non-word character
_MAX_ANCHORS = 4096  # per entry; past it, prefixes stop growing (fewer characters, still sound)
_SPECIAL = re.compile(r"\\.|\[\^?\]?(?:\\.|[^\]\\])*\]|\((?:\?<?[=!])?|[)|]", re.DOTALL)
_QUANTIFIER = re.compile(r"(?:[?*+]|\{\d*,?\d*\})[?+]?")
_WORD = re.compile(r"\w")
_HEAD = re.compile(rf"(?<!\w)\w{{1,{ANCHOR_CHARS}}}")
_FOLD = {c: min(c, *others) for c, others in _EXTRA_CASES.items() if min(c, *others) != c}


def fold(text: str) -> str:
    """``text`` lower-cased as IGNORECASE compares characters, one character per character (so
    offsets hold): str.lower, "İ" -> "i", "ſ" -> "s", "ς" -> "σ"."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c.lower()[:1] for c in text)
    return low if low.isascii() else low.translate(_FOLD)


@functools.lru_cache(maxsize=4096)
def _fold1(c: str) -> str:
    return fold(c)


def head(body: str) -> str:
    """The part of a pattern its anchors depend on: each alternative (at any depth) up to its
    first lookahead or ``\\s+`` (cut there, marked), lookbehinds dropped (zero-width). A pattern
    that does not balance is returned whole (its parse then raises ``re.error``)."""
    toks = [(m.start(), m.end(), m.group()) for m in _SPECIAL.finditer(body)]
    match: dict[int, int] = {}
    stack: list[int] = []
    for i, (_, _, t) in enumerate(toks):
        if t[0] == "(":
            stack.append(i)
        elif t == ")":
            if not stack:
                return body
            match[stack.pop()] = i
    return body if stack else _cut(body, toks, match, 0, len(toks), 0, len(body))[0]


def _cut(body: str, toks: list[tuple[int, int, str]], match: dict[int, int],
         i: int, j: int, start: int, end: int) -> tuple[str, bool]:
    """``head`` of ``body[start:end]`` (special tokens ``toks[i:j]``) and whether every
    alternative was cut. A path through a cut meets ``\\s`` or ``_UNKNOWN`` there and ends."""
    alts: list[str] = []
    pieces: list[str] = []
    pos, stop, every = start, False, True
    while i < j:
        s, e, t = toks[i]
        nxt = match.get(i, i) + 1
        if t == "|":
            alts.append("".join(pieces) if stop else "".join(pieces) + body[pos:s])
            every &= stop
            pieces, pos, stop = [], e, False
        elif stop:
            pass
        elif t in ("(?<=", "(?<!") or (t in ("(?=", "(?!") and toks[match[i]][1] == (toks[nxt][0] if nxt < j else end)
                                       and (nxt == j or toks[nxt][2] == "|")):  # zero-width, or last: dropped
            pieces.append(body[pos:s])
            pos = toks[match[i]][1]
        elif t in ("(?=", "(?!") or (t == "\\s" and body[e:e + 1] == "+"):
            pieces += [body[pos:s], "\\s" if t == "\\s" else "", _UNKNOWN]
            stop = True
        elif t == "(" and (body[e:e + 1] != "?" or body[e:e + 2] in ("?:", "?>")):
            inner = e if body[e:e + 1] != "?" else e + 2
            close = toks[match[i]]
            text, cut = _cut(body, toks, match, i + 1, match[i], inner, close[0])
            pieces += [body[pos:inner], text]
            pos = close[0]
            q = _QUANTIFIER.match(body, close[1])
            if cut and not (q and q.group()[0] in "?*{" and not re.match(r"\{[1-9]", q.group())):
                pieces.append(body[close[0]:q.end() if q else close[1]])  # every path ended inside
                stop = True
        i = nxt
    alts.append("".join(pieces) if stop else "".join(pieces) + body[pos:end])
    return "|".join(alts), every and stop


def _charset(items: Iterable[tuple[Any, Any]]) -> set[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if str(op) == "LITERAL":
            chars.add(chr(av))
        elif str(op) == "RANGE" and av[1] - av[0] <= 512:
            chars.update(map(chr, range(av[0], av[1] + 1)))
        else:
            return None
    return chars


def _walk(items: Iterable[tuple[Any, Any]], opens: set[str], closed: set[str]) -> set[str]:
    """Extend the prefixes ``opens`` through a parsed sequence; finished ones go to ``closed``
    (ending in ``_UNKNOWN`` or ``_EDGE`` when something other than a literal follows)."""
    for op, av in items:
        if not opens:
            break
        name = op.name
        if name == "LITERAL" and av != 0xE000:
            c = _fold1(chr(av))
            opens = {p + c for p in opens}
        elif name in ("ASSERT", "ASSERT_NOT", "AT"):
            continue
        elif name in ("LITERAL", "IN"):
            chars = _charset(av) if name == "IN" else None
            if chars is None or _UNKNOWN in chars or len(opens) * len(chars) > _MAX_ANCHORS:
                space = name == "IN" and [(o.name, str(a)) for o, a in av] == [("CATEGORY", "CATEGORY_SPACE")]
                closed.update(p + (_EDGE if space else _UNKNOWN) for p in opens)
                return set()
            lows = {_fold1(c) for c in chars}
            opens = {p + c for p in opens for c in lows}
        elif name in ("SUBPATTERN", "ATOMIC_GROUP"):
            opens = _walk(av[-1] if name == "SUBPATTERN" else av, opens, closed)
            continue
        elif name == "BRANCH":
            opens = set().union(*(_walk(alt, set(opens), closed) for alt in av[1]))
            continue
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            if av[1] >= 1:
                once = _walk(av[2], set(opens), closed)
                if av[1] > 1:  # more turns may follow: the prefixes after one are where knowledge ends
                    closed.update(p + _UNKNOWN for p in once)
                    once = set()
                opens = (opens if av[0] == 0 else set()) | once
            continue
        else:
            closed.update(p + _UNKNOWN for p in opens)
            return set()
        if any(len(p) >= ANCHOR_CHARS for p in opens):
            done = {p for p in opens if len(p) >= ANCHOR_CHARS}
            closed |= done
            opens -= done
    return opens


def _top_level_bar(body: str) -> bool:
    """Whether ``body`` holds a ``|`` outside every group and character class."""
    depth, i, n = 0, 0, len(body)
    while i < n:
        c = body[i]
        if c == "\\":
            i += 1
        elif c == "[":
            i += 2 if body[i + 1:i + 2] == "^" else 1
            i += 1 if body[i:i + 1] == "]" else 0
            while i < n and body[i] != "]":
                i += 2 if body[i] == "\\" else 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return True
        i += 1
    return False


def _plain_anchors(body: str, bounded: bool) -> set[str] | None:
    """``anchors`` of a term that opens with letters or digits only, read without parsing it:
    its first ``ANCHOR_CHARS`` of them (a whole term shorter than that: the term, a word end
    after it when ``bounded``); None when the term does not open that way."""
    if not body:
        return None
    n = 0
    while n < len(body) and n <= ANCHOR_CHARS and body[n].isalnum():
        n += 1
    whole = n == len(body)
    if (n < ANCHOR_CHARS and not whole) or (n == ANCHOR_CHARS and body[n:n + 1] in ("?", "*", "+", "{")):
        return None
    if _top_level_bar(body):
        return None
    base = "".join(_fold1(c) for c in body[:min(n, ANCHOR_CHARS)])
    if any(not _WORD.match(c) for c in base):  # folding took a letter out of \w (Greek iota)
        return None
    return {base + _EDGE if bounded and whole and n < ANCHOR_CHARS else base}


def anchors(body: str, bounded: bool) -> set[str] | None:
    """Lower-cased strings every match of ``body`` starts with (None: it may start with
    anything). Bounded (word-edge) entries: an anchor ending in ``_EDGE`` is a whole word, one
    shorter than ``ANCHOR_CHARS`` without it begins a word, one starting with a non-word
    character is a literal start. Raises ``re.error`` for a pattern whose head does not parse
    (a term that opens with letters is read without parsing: ``_plain_anchors``)."""
    plain = _plain_anchors(body, bounded)
    return plain if plain is not None else _parsed_anchors(body, bounded)


def _parsed_anchors(body: str, bounded: bool) -> set[str] | None:
    """``anchors`` read from the parsed head of ``body``."""
    closed: set[str] = set()
    ends = _walk(re_parser.parse(head(body), re.IGNORECASE).data, {""}, closed)
    out: set[str] = set()
    for p in closed | {e + _EDGE for e in ends}:
        k = min((k for k, c in enumerate(p) if c in (_UNKNOWN, _EDGE)), default=len(p))
        base, edge = p[:k], p[k:k + 1] == _EDGE
        w = next((k for k, c in enumerate(base) if not _WORD.match(c)), len(base))
        if not base:
            return None
        if not bounded or w == 0:
            out.add(base)
        elif w < len(base) or edge:
            out.add(base[:w] + _EDGE)
        else:
            out.add(base)
    return out


def _finders(keys: Iterable[str]) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """Positions of ``fold``-ed text where one of ``keys`` may start: a class of the non-ASCII
    first characters (not run on an ASCII text), and ASCII first characters each with a
    lookahead for the rest (so an English text wakes the CJK tables only at "kill", "proc")."""
    wide: set[str] = set()
    narrow: dict[str, set[str]] = {}
    for k in keys:
        if k[0].isascii():
            narrow.setdefault(k[0], set()).add(k[1:])
        else:
            wide.add(k[0])
    alts = []
    for c, rests in sorted(narrow.items()):
        rests = {r for r in rests if not any(r.startswith(o) and r != o for o in rests)}
        look = "" if "" in rests else "(?=" + "|".join(map(re.escape, sorted(rests))) + ")"
        alts.append(re.escape(c) + look)
    return (re.compile(f"[{''.join(map(re.escape, sorted(wide)))}]") if wide else None,
            re.compile("|".join(alts), re.DOTALL) if alts else None)


class Index:
    """Entries ``0..n-1`` of one table (all bounded or all unbounded) by their anchors.

    ``candidates(low)`` lists ``(position, entry indices)`` in text order for ``low =
    fold(text)``; entries without anchors are tried at every (word-edge) position."""

    def __init__(self, found: Sequence[set[str] | None], bounded: bool) -> None:
        words: dict[str, list[int]] = {}  # bounded: a word's first characters, or the whole word
        self.short: dict[str, list[int]] = {}  # bounded: a word begins with it (shorter than a head)
        self.starts: dict[str, list[int]] = {}  # the text holds it (bounded: after a non-word character)
        self.anywhere = tuple(i for i, a in enumerate(found) if a is None)
        for i, found_i in enumerate(found):
            for a in found_i or ():
                if a.endswith(_EDGE) or (bounded and _WORD.match(a) and len(a) == ANCHOR_CHARS):
                    words.setdefault(a.rstrip(_EDGE), []).append(i)
                elif bounded and _WORD.match(a):
                    self.short.setdefault(a, []).append(i)
                else:
                    self.starts.setdefault(a, []).append(i)
        self.words = {k: tuple(sorted(set(v))) for k, v in words.items()}
        self.word_keys = frozenset(self.words)
        self.short_lengths = sorted({len(a) for a in self.short})
        self.lengths = sorted({len(a) for a in self.starts}, reverse=True)
        self.edge = bounded
        self.wide, self.narrow = (None, re.compile("", re.DOTALL)) if self.anywhere else _finders(self.starts)

    def candidates(self, low: str) -> list[tuple[int, Sequence[int]]]:
        words: list[tuple[int, Sequence[int]]] = []
        if self.word_keys and not self.word_keys.isdisjoint(_HEAD.findall(low)):
            get = self.words.get
            words = [(m.start(), hit) for m in _HEAD.finditer(low) if (hit := get(m.group())) is not None]
        more: list[tuple[int, Sequence[int]]] = []
        if self.short:
            more += [(m.start(), hit) for m in _HEAD.finditer(low)
                     if (hit := [i for n in self.short_lengths for i in self.short.get(m.group()[:n], ())])]
        for finder in (self.narrow, None if low.isascii() else self.wide):
            for m in finder.finditer(low) if finder is not None else ():
                pos = m.start()
                if pos >= len(low) or (self.edge and pos and _WORD.match(low, pos - 1)):
                    continue
                key = low[pos:pos + self.lengths[0]] if self.lengths else ""
                hit = [i for n in self.lengths for i in self.starts.get(key[:n], ())]
                if hit or self.anywhere:
                    more.append((pos, [*hit, *self.anywhere]))
        if not more:
            return words
        found: dict[int, set[int]] = {}
        for pos, hit in words + more:
            found.setdefault(pos, set()).update(hit)
        return [(pos, sorted(found[pos])) for pos in sorted(found)]


def compile_entry(body: str, bounded: bool) -> re.Pattern[str]:
    """An entry's pattern as matched: case-insensitive, a word edge after when ``bounded``."""
    return re.compile(f"(?:{body})" + (r"(?!\w)" if bounded else ""), re.IGNORECASE)


def compile_lazily(body: str, bounded: bool, name: str) -> re.Pattern[str]:
    """``compile_entry`` for an entry not checked when loaded (the shipped lexicon, whose
    entries the tests compile): one that fails is logged and never matches."""
    try:
        return compile_entry(body, bounded)
    except re.error as exc:
        log.warning("figurative lexicon entry %s does not compile (%s); skipped", name, exc)
        return re.compile("(?!)")


def starts(body: str) -> set[str] | None:
    """First characters of the anchors of ``body`` (None: it may start with anything)."""
    found = anchors(body, bounded=False)
    return None if found is None else {a[0] for a in found}


def required(body: str) -> frozenset[str] | None:
    """Folded strings one of which every match of ``body`` holds (the most selective such set
    the pattern's mandatory literal runs, groups and alternatives give), or None when none is
    found (or the pattern does not parse). Sound: a text whose ``fold`` holds none of them holds
    no match."""
    try:
        return _required(re_parser.parse(body, re.IGNORECASE).data)
    except (re.error, RecursionError, ValueError, KeyError, IndexError):
        return None


def _required(items: Iterable[tuple[Any, Any]]) -> frozenset[str] | None:
    found: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in [*items, (None, None)]:
        if op is not None and op.name == "LITERAL":
            run.append(_fold1(chr(av)))
            continue
        if len(run) > 1:
            found.append(frozenset({"".join(run)}))
        run = []
        name = op.name if op is not None else ""
        inner: frozenset[str] | None = None
        if name == "SUBPATTERN":
            inner = _required(av[-1])
        elif name == "ATOMIC_GROUP":
            inner = _required(av)
        elif name == "BRANCH":
            alts = [_required(alt) for alt in av[1]]
            inner = frozenset().union(*alts) if all(alts) else None  # type: ignore[arg-type]
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and av[0] >= 1:
            inner = _required(av[2])
        if inner:
            found.append(inner)
    return max(found, key=lambda strings: min(map(len, strings)), default=None)
