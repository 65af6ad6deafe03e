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
``min(original, paraphrased)``. The rest of the text is kept, so harm outside the idiom still
scores ("break into the tech industry and steal my boss's passwords" stays illicit), and a
paraphrase can only lower a score, never raise one. The object class decides: "break into a
house", "kill my neighbour", "end my life" match nothing. Texts longer than
``figurative_chars`` are not read (idioms are a short query's problem; a long text would need
every window embedded again).

Lexicon shape: ``{"macros": {NAME: pattern}, "entries": [{"id", "lang", "pattern",
"paraphrase", "categories", "bounded"?}]}``. ``pattern`` is a Python regular expression without
capturing groups (``{NAME}`` replaced by ``macros[NAME]``; then a space matches any run of
whitespace and `` ?`` an optional one), matched case-insensitively; the
matched span is replaced by ``paraphrase`` (so an object named only in a lookahead is kept).
``bounded`` (default true) wraps it in word boundaries; false for scripts where a word edge is
not a ``\\w`` edge (ja, zh, th, ko, hi). Entries are found by the literal anchors they start with
(``_figurative_index``), so a pattern should open with literals (one that may start with anything
is tried at every position of every text). Patterns must stay free of nested unbounded quantifiers (linear on a
megabyte).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import Field, field_validator

from guardrails.protocol import EncoderLike, GuardConfig

from ._figurative_index import Index, anchors, compile_entry, compile_lazily, fold
from ._figurative_index import starts as _starts  # noqa: F401 - the tests' view of the anchors

__all__ = ["DAMPABLE", "LEXICON_PATH", "FigurativeLexicon", "FigurativeOptions", "damp_figurative", "lexicon"]

LEXICON_PATH = Path(__file__).resolve().parent / "data" / "figurative.json"
DAMPABLE = ("violence", "illicit", "self_harm", "harassment")
"""The only categories an idiom may damp (never sexual, sexual_minors, hate or privacy)."""
_MACRO = re.compile(r"\{([A-Z_]+)\}")
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
    """One idiom: its id, language, paraphrase and the categories it may damp."""

    id: str
    lang: str
    paraphrase: str
    categories: frozenset[str]


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
                body = _spaces(_MACRO.sub(lambda m: macros[m.group(1)], str(raw["pattern"])))
                paraphrase, cats = str(raw["paraphrase"]), frozenset(raw["categories"])
            except KeyError as exc:
                raise ValueError(f"figurative lexicon entry {name}: missing or unknown {exc}") from exc
            if not cats or not cats <= set(DAMPABLE):
                raise ValueError(f"figurative lexicon entry {name}: categories must be among {DAMPABLE}")
            items[0 if raw.get("bounded", True) else 1].append(
                (body, Entry(name, str(raw.get("lang", "")), paraphrase, cats)))
        return cls((_Table.build(items[0], True, validate), _Table.build(items[1], False, validate)),
                   tuple(e for group in items for _, e in group))

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


@functools.lru_cache(maxsize=8)
def lexicon(path: str | None = None) -> FigurativeLexicon:
    """The lexicon at ``path`` (default: the shipped one), read once per path; a replacement
    lexicon is compiled whole here (its errors raised), the shipped one entry by entry on use."""
    return FigurativeLexicon.load(path or LEXICON_PATH, validate=path is not None)


def damp_figurative(options: FigurativeOptions, encoder: EncoderLike,
                    raw_scores: Callable[[np.ndarray], dict[str, float]],
                    groups: Sequence[list[tuple[str, bool]]], raws: list[list[dict[str, float]]]) -> None:
    """Lower, in place, ``raws[g][t]`` (the head outputs of text ``groups[g][t]``) for the
    categories of the idioms that text holds, to the outputs of its paraphrase.

    ``groups``: per checked text, ``(text, is_segment)`` pairs as the guard embeds them (a whole
    text in windows, a segment as one vector); ``raw_scores`` turns window vectors, shape
    (n, dim), into head outputs. One ``embed_windows_batch`` and one ``embed`` call at most, only
    when some text matches; the dicts in ``raws`` are replaced, never mutated (they may be
    memoised)."""
    if not options.figurative:
        return
    lex = lexicon(options.figurative_lexicon)
    jobs = [(g, t, hit) for g, group in enumerate(groups) for t, (text, _) in enumerate(group)
            if len(text) <= options.figurative_chars and (hit := lex.rewrite(text)) is not None
            and hit[0] != text]
    if not jobs:
        return
    whole = [j for j in jobs if not groups[j[0]][j[1]][1]]
    parts = [j for j in jobs if groups[j[0]][j[1]][1]]
    vectors = list(encoder.embed_windows_batch([h[0] for _, _, h in whole])) if whole else []
    if parts:
        vecs = encoder.embed([h[0] for _, _, h in parts])
        vectors += [vecs[i:i + 1] for i in range(len(parts))]
    for (g, t, (_, cats, _)), windows in zip(whole + parts, vectors, strict=True):
        para, orig = raw_scores(windows), raws[g][t]
        raws[g][t] = {**orig, **{c: min(orig[c], para.get(c, orig[c])) for c in cats if c in orig}}
