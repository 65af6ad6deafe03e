"""The moderation guard's figurative-sense stage: idioms and safe targets of harm verbs.

"Break into the tech industry", "make a killing", "hack my productivity", "end this meeting",
"matar el tiempo", "tuer un processus", "sich totlachen": the verb is a harm verb, the sense is
not. The encoder reads the verb; retraining on such rows did not stop it. So a reviewed lexicon
(``data/figurative.json``, loaded on first use, never at import) lists verb + object-class
patterns whose sense is not harmful, each with a literal paraphrase and the categories it may
damp (only ``DAMPABLE``: violence, illicit, self_harm, harassment).

A text (the view, a decoded blob or a clause the guard scores) that matches is scored a second
time with every match replaced by its paraphrase, through the guard's own encoder path (one more
encoder call per batch, only for matching texts), and each matched entry's categories take
``min(original, paraphrased)`` where the paraphrase's is at most ``figurative_accept`` times
the category's calibrated threshold (else the original is kept). A paraphrase can only lower a
score, never raise one. A benign idiom never lowers the score of harm elsewhere in the text: the
stage leaves alone a text whose residue (the text outside each idiom and the object its pattern
looks ahead to) names a veto term of the lexicon: another harm verb ("make a killing and kill my
sister"), a person as a target ("my wife", "someone"; "kill the process of my wife's
breathing") or a harm object ("gun", "drugs", "school"). The object class decides: "break into a
house", "kill my neighbour", "end my life" match nothing. Texts longer than ``figurative_chars``
are not read (idioms are a short query's problem; a long text would need every window embedded
again).

Lexicon shape: ``{"macros": {NAME: pattern}, "entries": [{"id", "lang", "pattern",
"paraphrase", "categories", "bounded"?}], "veto": [{"lang", "kind", "pattern", "bounded"?}]}``.
``pattern`` is a Python regular expression without capturing groups (``{NAME}`` replaced by
``macros[NAME]``; then a space matches any run of whitespace and `` ?`` an optional one),
matched case-insensitively; the matched span is replaced by ``paraphrase`` (so an object named
only in a lookahead is kept). ``bounded`` (default true) wraps it in word boundaries; false for
scripts where a word edge is not a ``\\w`` edge (ja, zh, th, ko, hi). Veto patterns follow the
same rules (``kind``: verb, person or object). Entries are found by the literal anchors they start with
(``_figurative_index``), so a pattern should open with literals (one that may start with anything
is tried at every position of every text). Patterns must stay free of nested unbounded quantifiers (linear
on a megabyte).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field, field_validator

from guardrails.protocol import EncoderLike, GuardConfig

from ._figurative_index import Index, anchors, compile_entry, compile_lazily, fold
from ._figurative_index import starts as _starts  # noqa: F401 - the tests' view of the anchors

__all__ = ["DAMPABLE", "LEXICON_PATH", "QUIET", "FigurativeLexicon", "FigurativeOptions", "damp_figurative", "lexicon"]

LEXICON_PATH = Path(__file__).resolve().parent / "data" / "figurative.json"
DAMPABLE = ("violence", "illicit", "self_harm", "harassment")
"""The only categories an idiom may damp (never sexual, sexual_minors, hate or privacy)."""
QUIET = 0.1
"""A text scoring under this on every category the stage may lower is not read (lowering cannot
change a decision at any threshold a policy sensibly sets: the default policy's lowest is 0.3)."""
_MACRO = re.compile(r"\{([A-Z_]+)\}")
_LOOKAHEAD = re.compile(r"(?<!\\)\(\?=")
_MEMO, _MEMO_CHARS = 256, 4096  # texts whose matches are kept, and the longest kept


def _spaces(body: str) -> str:
    """A lexicon pattern's spaces as whitespace runs: `` ?`` optional, `` `` one or more."""
    return body.replace(" ?", r"\s*").replace(" ", r"\s+")


class FigurativeOptions(GuardConfig):
    """The moderation guard's options of the figurative-sense stage (a base of its ``Config``)."""

    figurative: bool = True
    """Score texts that use a harm verb in a harmless sense ("break into the tech industry",
    "make a killing", "kill time", "end this meeting") a second time with the idiom replaced by
    its literal paraphrase, and keep the lower score for the idiom's categories. False: off."""
    figurative_lexicon: str | None = None
    """Path of a replacement idiom lexicon (JSON, same shape as ``data/figurative.json``),
    compiled when the policy is read, so a bad file fails there (ValueError)."""
    figurative_chars: int = Field(2000, ge=1)
    """Texts longer than this (characters) are not read by the stage."""
    figurative_accept: float = Field(1.0, ge=0.0, le=1.0)
    """A paraphrased score is taken only when it is at most this fraction of the category's
    calibrated threshold (the head's); otherwise the original is kept. 1.0: any paraphrase
    under the threshold. 0.5 (clearly benign only) also refused three benign idioms whose
    paraphrase the encoder still half-reads as harm ("charm someone's heart" 0.98 of the
    threshold, "get rid of rats" 0.52, "playfully shower my friends" 0.59), so it is not the
    default; the residue veto is what stops the bypass."""

    @field_validator("figurative_lexicon")
    @classmethod
    def _compiles(cls, path: str | None) -> str | None:
        if path is not None:
            try:
                lexicon(path)
            except (OSError, re.error) as exc:
                raise ValueError(f"figurative_lexicon {path!r}: {exc}") from exc
        return path


@dataclass(frozen=True)
class Entry:
    """One idiom (or veto term): its id, language, paraphrase and the categories it may damp;
    ``body`` is its expanded pattern (``_extent`` compiles it with lookaheads consuming, when first needed)."""

    id: str
    lang: str
    paraphrase: str
    categories: frozenset[str]
    body: str = field(default="", compare=False, repr=False)


@functools.lru_cache(maxsize=1024)
def _extent(body: str) -> re.Pattern[str] | None:
    """``body`` with its positive lookaheads made consuming (None when that does not compile)."""
    try:
        return re.compile(_LOOKAHEAD.sub("(?:", body), re.IGNORECASE)
    except re.error:
        return None


@dataclass(frozen=True)
class _Table:
    """Entries read at word edges (``bounded``) or anywhere, found by their anchors
    (``_figurative_index``); a pattern is compiled on first use unless ``compiled`` holds it."""

    index: Index
    entries: tuple[Entry, ...]
    bodies: tuple[str, ...]
    bounded: bool
    compiled: list[re.Pattern[str] | None]

    @classmethod
    def build(cls, items: list[tuple[str, Entry]], bounded: bool, validate: bool) -> _Table:
        bodies = tuple(b for b, _ in items)
        compiled: list[re.Pattern[str] | None] = [None] * len(bodies)
        for i, (body, entry) in enumerate(items if validate else ()):
            compiled[i] = pattern = compile_entry(body, bounded)
            if pattern.groups:
                raise ValueError(f"figurative lexicon entry {entry.id}: use (?:...) groups, not capturing ones")
        return cls(Index([anchors(b, bounded) for b in bodies], bounded), tuple(e for _, e in items), bodies,
                   bounded, compiled)

    def scan(self, text: str, low: str) -> Iterator[tuple[int, int, Entry]]:
        end = 0
        for pos, candidates in self.index.candidates(low):
            if pos < end:
                continue
            for i in candidates:
                pattern = self.compiled[i]
                if pattern is None:
                    pattern = self.compiled[i] = compile_lazily(self.bodies[i], self.bounded, self.entries[i].id)
                m = pattern.match(text, pos)
                if m is not None:
                    end = max(m.end(), pos + 1)
                    yield pos, m.end(), self.entries[i]
                    break


@dataclass(frozen=True)
class FigurativeLexicon:
    """Compiled idiom lexicon: entries read at word boundaries and unbounded ones, found by
    their anchors (linear; a few µs on a short query without one, each pattern compiled when
    its anchor first occurs). The last ``_MEMO`` texts' matches are kept (the guard reads a view
    more than once per check)."""

    tables: tuple[_Table, _Table]
    entries: tuple[Entry, ...]
    vetoes: tuple[_Table, _Table] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "_memo", functools.lru_cache(maxsize=_MEMO)(self._find))

    @classmethod
    def load(cls, path: str | Path = LEXICON_PATH, *, validate: bool = True) -> FigurativeLexicon:
        """Read the lexicon file (shape in the module docstring). ValueError for invalid JSON,
        a missing field, an unknown macro, a capturing group or a category outside
        ``DAMPABLE``; re.error for an invalid pattern; OSError for an unreadable file.
        ``validate=False`` (the shipped lexicon, which the tests compile) leaves each pattern
        to be compiled when first needed, so loading costs tens of milliseconds, not a second."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        macros = {str(k): str(v) for k, v in data.get("macros", {}).items()}
        items: tuple[list[tuple[str, Entry]], list[tuple[str, Entry]]] = ([], [])
        for i, raw in enumerate(data.get("entries", ())):
            name = str(raw.get("id", i))
            try:
                body = _body(raw, macros, name)
                paraphrase, cats = str(raw["paraphrase"]), frozenset(raw["categories"])
            except KeyError as exc:
                raise ValueError(f"figurative lexicon entry {name}: missing or unknown {exc}") from exc
            if not cats or not cats <= set(DAMPABLE):
                raise ValueError(f"figurative lexicon entry {name}: categories must be among {DAMPABLE}")
            items[0 if raw.get("bounded", True) else 1].append(
                (body, Entry(name, str(raw.get("lang", "")), paraphrase, cats, body)))
        vetoes: tuple[list[tuple[str, Entry]], list[tuple[str, Entry]]] = ([], [])
        for i, raw in enumerate(data.get("veto", ())):
            name = f"veto.{raw.get('lang', '')}.{raw.get('kind', i)}"
            try:
                body = _body(raw, macros, name)
            except KeyError as exc:
                raise ValueError(f"figurative lexicon {name}: missing or unknown {exc}") from exc
            vetoes[0 if raw.get("bounded", True) else 1].append(
                (body, Entry(name, str(raw.get("lang", "")), "", frozenset())))
        return cls((_Table.build(items[0], True, validate), _Table.build(items[1], False, validate)),
                   tuple(e for group in items for _, e in group),
                   (_Table.build(vetoes[0], True, validate), _Table.build(vetoes[1], False, validate)))

    def matches(self, text: str) -> list[tuple[int, int, Entry]]:
        """``(start, end, entry)`` of each idiom in ``text``, leftmost first, never overlapping.
        Linear in ``len(text)``."""
        return list(self._memo(text) if len(text) <= _MEMO_CHARS else self._find(text))

    def _find(self, text: str) -> tuple[tuple[int, int, Entry], ...]:
        low = fold(text)
        found = sorted((hit for table in self.tables for hit in table.scan(text, low)), key=lambda f: (f[0], -f[1]))
        out: list[tuple[int, int, Entry]] = []
        for hit in found:
            if not out or hit[0] >= out[-1][1]:
                out.append(hit)
        return tuple(out)

    def rewrite(self, text: str) -> tuple[str, frozenset[str], tuple[str, ...]] | None:
        """``(paraphrased text, categories to damp, entry ids)`` when ``text`` holds an idiom,
        else None. Linear in ``len(text)``."""
        hits = self.matches(text)
        if not hits:
            return None
        pieces: list[str] = []
        pos = 0
        for start, end, entry in hits:
            pieces += [text[pos:start], entry.paraphrase]
            pos = end
        cats = frozenset(c for _, _, e in hits for c in e.categories)
        return "".join(pieces) + text[pos:], cats, tuple(e.id for _, _, e in hits)

    def residue(self, text: str) -> str:
        """``text`` without its idioms, each taken with the object its pattern looks ahead to
        ("kill" + " the process" in "kill the process of my wife's breathing"); the pieces
        left are joined by newlines. Linear in ``len(text)``."""
        pieces: list[str] = []
        pos = 0
        for start, end, entry in self.matches(text):
            if start < pos:
                continue
            extent = _extent(entry.body) if entry.body else None
            ext = extent.match(text, start) if extent is not None else None
            pieces.append(text[pos:start])
            pos = max(end, ext.end() if ext is not None else end)
        return "\n".join([*pieces, text[pos:]])

    def veto(self, text: str) -> str | None:
        """The first veto term (a harm verb, a person as a target, a harm object) in the
        residue of ``text`` as ``"veto.LANG.KIND: term"``, or None: the idioms of a text with
        one must not lower its scores. Linear in ``len(text)``."""
        if self.vetoes is None:
            return None
        rest = self.residue(text)
        for table in self.vetoes:
            for start, end, entry in table.scan(rest, fold(rest)):
                return f"{entry.id}: {rest[start:end]}"
        return None


def _body(raw: Mapping[str, Any], macros: Mapping[str, str], name: str) -> str:
    """A lexicon pattern with its macros and spaces expanded (``_Table.build`` compiles and checks
    it when the lexicon is validated). KeyError for a missing pattern or an unknown macro."""
    return _spaces(_MACRO.sub(lambda m: macros[m.group(1)], str(raw["pattern"])))


@functools.lru_cache(maxsize=8)
def lexicon(path: str | None = None) -> FigurativeLexicon:
    """The lexicon at ``path`` (default: the shipped one), read once per path; a replacement
    lexicon is compiled whole here (its errors raised), the shipped one entry by entry on use."""
    return FigurativeLexicon.load(path or LEXICON_PATH, validate=path is not None)


def damp_figurative(options: FigurativeOptions, encoder: EncoderLike,
                    raw_scores: Callable[[np.ndarray], dict[str, float]],
                    groups: Sequence[list[tuple[str, bool]]], raws: list[list[dict[str, float]]],
                    thresholds: Mapping[str, float] | None = None) -> None:
    """Lower, in place, ``raws[g][t]`` (the head outputs of text ``groups[g][t]``) for the
    categories of the idioms that text holds, to the outputs of its paraphrase.

    ``groups``: per checked text, ``(text, is_segment)`` pairs as the guard embeds them (a whole
    text in windows, a segment as one vector); ``raw_scores`` turns window vectors, shape
    (n, dim), into head outputs; ``thresholds``: the head's calibrated threshold per category
    (0.5 where missing). A text whose residue names a veto term (``FigurativeLexicon.veto``) is
    left alone, and a category keeps its original output unless the paraphrase's is at most
    ``figurative_accept`` times its threshold. One ``embed_windows_batch`` and one ``embed``
    call at most, only when some text matches and scores at least ``QUIET`` on a category an
    idiom may damp; the dicts in ``raws`` are replaced, never mutated (they may be
    memoised)."""
    if not options.figurative:
        return

    def flagged(raw: Mapping[str, float]) -> bool:  # a paraphrase only lowers: nothing to do for a quiet text
        return any(raw.get(c, 0.0) >= QUIET for c in DAMPABLE)

    read = [(g, t, text) for g, group in enumerate(groups) for t, (text, _) in enumerate(group)
            if len(text) <= options.figurative_chars and flagged(raws[g][t])]
    lex = lexicon(options.figurative_lexicon) if read else None  # loaded when a text first needs it
    jobs = [(g, t, hit) for g, t, text in read
            if (hit := lex.rewrite(text)) is not None and hit[0] != text and lex.veto(text) is None]  # type: ignore[union-attr]
    if not jobs:
        return
    whole = [j for j in jobs if not groups[j[0]][j[1]][1]]
    parts = [j for j in jobs if groups[j[0]][j[1]][1]]
    vectors = list(encoder.embed_windows_batch([h[0] for _, _, h in whole])) if whole else []
    if parts:
        vecs = encoder.embed([h[0] for _, _, h in parts])
        vectors += [vecs[i:i + 1] for i in range(len(parts))]
    bar = {c: options.figurative_accept * float((thresholds or {}).get(c, 0.5)) for c in DAMPABLE}
    for (g, t, (_, cats, _)), windows in zip(whole + parts, vectors, strict=True):
        para, orig = raw_scores(windows), raws[g][t]
        raws[g][t] = {**orig, **{c: min(orig[c], para[c]) for c in cats
                                 if c in orig and c in para and para[c] <= bar[c]}}
