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
same rules (``kind``: verb, person or object). Entries are dispatched by the characters they can
start with, so a pattern should open with literals (one that may start with anything is tried at
every position of every text). Patterns must stay free of nested unbounded quantifiers (linear
on a megabyte).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field, field_validator

from guardrails.protocol import EncoderLike, GuardConfig

try:  # the first characters a pattern can match (speed only; without it every position is tried)
    import re._parser as re_parser
except ImportError:  # Python < 3.11
    import sre_parse as re_parser  # type: ignore[no-redef]

__all__ = ["DAMPABLE", "LEXICON_PATH", "FigurativeLexicon", "FigurativeOptions", "damp_figurative", "lexicon"]

LEXICON_PATH = Path(__file__).resolve().parent / "data" / "figurative.json"
DAMPABLE = ("violence", "illicit", "self_harm", "harassment")
"""The only categories an idiom may damp (never sexual, sexual_minors, hate or privacy)."""
_MACRO = re.compile(r"\{([A-Z_]+)\}")
_LOOKAHEAD = re.compile(r"(?<!\\)\(\?=")


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
    ``extent`` is its pattern with lookaheads consuming (idiom + looked-ahead object)."""

    id: str
    lang: str
    paraphrase: str
    categories: frozenset[str]
    extent: re.Pattern[str] | None = field(default=None, compare=False, repr=False)


def _extent(body: str) -> re.Pattern[str] | None:
    """``body`` with its positive lookaheads made consuming (None when that does not compile)."""
    try:
        return re.compile(_LOOKAHEAD.sub("(?:", body), re.IGNORECASE)
    except re.error:
        return None


def _first(items: Iterable[tuple[Any, Any]]) -> tuple[set[str] | None, bool]:
    """The characters a parsed pattern can start with (None: any) and whether it can match
    the empty string; assertions are skipped. Anything unknown answers None (never wrong)."""
    out: set[str] = set()
    for op, av in items:
        name = str(op)
        if name in ("ASSERT", "ASSERT_NOT", "AT"):
            continue
        if name == "LITERAL":
            return out | {chr(av)}, False
        if name == "IN":
            chars = _charset(av)
            return (None if chars is None else out | chars), False
        if name in ("SUBPATTERN", "ATOMIC_GROUP"):
            first, empty = _first(av[-1] if name == "SUBPATTERN" else av)
        elif name == "BRANCH":
            alts = [_first(alt) for alt in av[1]]
            first = None if any(f is None for f, _ in alts) else set().union(*(f for f, _ in alts))
            empty = any(e for _, e in alts)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            first, empty = _first(av[2])
            empty = empty or av[0] == 0
        else:
            return None, False
        if first is None:
            return None, False
        out |= first
        if not empty:
            return out, False
    return out, True


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


def _starts(body: str) -> set[str] | None:
    """Lower-cased first characters of a lexicon pattern (None: it may start anywhere)."""
    try:
        first, empty = _first(re_parser.parse(body, re.IGNORECASE).data)
    except Exception:  # noqa: BLE001 - a private parser: answer "anywhere", still correct
        return None
    return None if first is None or empty else {c.lower() for c in first}


@dataclass(frozen=True)
class _Table:
    """Entries dispatched by first character: ``starts`` finds candidate positions, ``by_char``
    holds, per lower-cased character, the alternation of the entries that can start with it."""

    starts: re.Pattern[str]
    by_char: dict[str, tuple[re.Pattern[str], tuple[Entry, ...]]]

    @classmethod
    def build(cls, items: list[tuple[str, Entry]], bounded: bool) -> _Table:
        groups: dict[str, list[tuple[str, Entry]]] = {}
        anywhere = []
        for body, entry in items:
            chars = _starts(body)
            if chars is None:
                anywhere.append((body, entry))
            for c in chars or ():
                groups.setdefault(c, []).append((body, entry))
        tail = r"(?!\w)" if bounded else ""
        by_char = {c: (re.compile("|".join(f"({b}){tail}" for b, _ in g + anywhere), re.IGNORECASE),
                       tuple(e for _, e in g + anywhere)) for c, g in groups.items()}
        chars = "".join(re.escape(c) for c in sorted(groups))
        head = "." if anywhere else (f"[{chars}]" if chars else "(?!)")
        if anywhere:  # every position is a candidate: one alternation of everything
            by_char = {"": (re.compile("|".join(f"({b}){tail}" for b, _ in items), re.IGNORECASE),
                            tuple(e for _, e in items))}
        return cls(re.compile((r"(?<!\w)" if bounded else "") + head, re.IGNORECASE | re.DOTALL), by_char)

    def scan(self, text: str) -> Iterator[tuple[int, int, Entry]]:
        end = 0
        for cand in self.starts.finditer(text):
            pos = cand.start()
            group = self.by_char.get(text[pos].lower()) or self.by_char.get("")
            if pos < end or group is None:
                continue
            m = group[0].match(text, pos)
            if m is not None:
                end = max(m.end(), pos + 1)
                yield pos, m.end(), group[1][(m.lastindex or 1) - 1]


@dataclass(frozen=True)
class FigurativeLexicon:
    """Compiled idiom lexicon: entries read at word boundaries and unbounded ones, each
    dispatched by the characters it can start with (linear, a few µs on a short query)."""

    tables: tuple[_Table, _Table]
    entries: tuple[Entry, ...]
    vetoes: tuple[_Table, _Table] | None = None

    @classmethod
    def load(cls, path: str | Path = LEXICON_PATH) -> FigurativeLexicon:
        """Compile the lexicon file (shape in the module docstring). ValueError for invalid JSON,
        a missing field, an unknown macro, a capturing group or a category outside
        ``DAMPABLE``; re.error for an invalid pattern; OSError for an unreadable file."""
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
                (body, Entry(name, str(raw.get("lang", "")), paraphrase, cats, _extent(body))))
        vetoes: tuple[list[tuple[str, Entry]], list[tuple[str, Entry]]] = ([], [])
        for i, raw in enumerate(data.get("veto", ())):
            name = f"veto.{raw.get('lang', '')}.{raw.get('kind', i)}"
            try:
                body = _body(raw, macros, name)
            except KeyError as exc:
                raise ValueError(f"figurative lexicon {name}: missing or unknown {exc}") from exc
            vetoes[0 if raw.get("bounded", True) else 1].append(
                (body, Entry(name, str(raw.get("lang", "")), "", frozenset())))
        return cls((_Table.build(items[0], True), _Table.build(items[1], False)),
                   tuple(e for group in items for _, e in group),
                   (_Table.build(vetoes[0], True), _Table.build(vetoes[1], False)))

    def matches(self, text: str) -> list[tuple[int, int, Entry]]:
        """``(start, end, entry)`` of each idiom in ``text``, leftmost first, never overlapping.
        Linear in ``len(text)``."""
        found = sorted((hit for table in self.tables for hit in table.scan(text)), key=lambda f: (f[0], -f[1]))
        out: list[tuple[int, int, Entry]] = []
        for hit in found:
            if not out or hit[0] >= out[-1][1]:
                out.append(hit)
        return out

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
            ext = entry.extent.match(text, start) if entry.extent is not None else None
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
            for start, end, entry in table.scan(rest):
                return f"{entry.id}: {rest[start:end]}"
        return None


def _body(raw: Mapping[str, Any], macros: Mapping[str, str], name: str) -> str:
    """A lexicon pattern with its macros and spaces expanded. KeyError for a missing pattern
    or an unknown macro; ValueError for a capturing group; re.error for an invalid pattern."""
    body = _spaces(_MACRO.sub(lambda m: macros[m.group(1)], str(raw["pattern"])))
    if re.compile(body).groups:
        raise ValueError(f"figurative lexicon entry {name}: use (?:...) groups, not capturing ones")
    return body


@functools.lru_cache(maxsize=8)
def lexicon(path: str | None = None) -> FigurativeLexicon:
    """The compiled lexicon at ``path`` (default: the shipped one), compiled once per path."""
    return FigurativeLexicon.load(path or LEXICON_PATH)


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
    call at most, only when some text matches; the dicts in ``raws`` are replaced, never
    mutated (they may be memoised)."""
    if not options.figurative:
        return
    lex = lexicon(options.figurative_lexicon)
    jobs = [(g, t, hit) for g, group in enumerate(groups) for t, (text, _) in enumerate(group)
            if len(text) <= options.figurative_chars and (hit := lex.rewrite(text)) is not None
            and hit[0] != text and lex.veto(text) is None]
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
