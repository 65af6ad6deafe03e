"""The normalize guard: one detection view per text, with evasion tricks undone and reported."""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import Any, Literal

from pydantic import Field

from guardrails.content import is_content_free
from guardrails.protocol import BaseGuard, CheckContext, GuardConfig, Resources
from guardrails.results import Verdict, verdict
from tako_rules._algospeak_terms import _ascii_exact, _hint
from tako_rules._common import load_data_file, load_yaml_path
from tako_rules._decode import Decoder
from tako_rules._trie import trie_pattern

__all__ = ["NormalizeGuard"]

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u180e\u00ad\u034f\u2061\u2062\u2063\u2064"
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_TAGS = range(0xE0000, 0xE0080)
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
         "@": "a", "$": "s", "!": "i", "|": "l"}
_LEET_EXEMPT = {"i18n", "l10n", "a11y", "k8s", "b2b", "b2c", "p2p", "w3c", "y2k", "g7", "g20"}
_LEET_RUN = (
    r"(?<![A-Za-z0-9@$!|])[A-Za-z0-9@$!|]*[A-Za-z][0-9@$!|]+[A-Za-z][A-Za-z0-9@$!|]*"
    r"|(?<![\w$])\$[A-Za-z]{2,}"
)
_LEET_TAIL = r"(?<![A-Za-z0-9@$!|])[A-Za-z]{1,6}[013457-9]{1,3}(?![A-Za-z0-9@$!|])"
"""A word ending in leet digits ("t0", "d13"; not 2 or 6, which fold to nothing), folded only in
a text that already has a leet run ("b12", "mp3" elsewhere stay as they are)."""
_SPACED = r"(?<![A-Za-z])(?:[A-Za-z][ .\-*]){2,}[A-Za-z](?![A-Za-z])"
_INSTRUCTION = (
    r"\b(?:ignore|disregard|forget|override|bypass|skip)\b.{0,40}?"
    r"\b(?:instructions?|rules|prompts?|guidelines|directions|directives|above|previous|prior)\b"
    r"|\b(?:system prompt|you are now|new instructions|developer mode|do anything now|jailbreak)\b"
    r"|\b(?:reveal|print|output|repeat|leak|send)\b.{0,30}?"
    r"\b(?:system prompt|instructions|password|secrets?|api key)\b"
)


class NormalizeGuard(BaseGuard):
    """Builds the detection view of a text that later rails score (``context.normalized``).

    Applies NFKC; removes zero-width, bidi-control and Unicode tag characters (decoding text
    smuggled in tag characters); folds confusable homoglyphs, leetspeak inside mixed words,
    spaced-out letters and a reviewed algospeak lexicon; decodes base64, hex, percent-encoded
    and rot13 blobs and appends them to the view. The Decision keeps the original text. Scores
    ``prompt_injection`` only when hidden or obfuscated text carries instructions. Decides
    ``context.content_free`` on the view (guardrails.content), with the lexicon's emoji as codes.
    """

    name = "normalize"
    stages = frozenset({"input", "output", "context"})
    categories = ("prompt_injection",)
    sets_view = True
    """It writes ``context.normalized``: later rails must not run concurrently with it."""

    class Config(GuardConfig):
        """Which normalisation steps run."""

        nfkc: bool = True
        invisible: bool = True
        confusables: bool = True
        leetspeak: bool = True
        spacing: bool = True
        algospeak: bool = True
        contextual_terms: Literal["context", "always", "never"] = "context"
        """Entries with a ``context`` list: map only near a context word, always, or never."""
        extra_lexicon_files: list[str] = Field(default_factory=list)
        """More algospeak YAML files in the shipped format (entries, context_words)."""
        decode: bool = True
        append_decoded: bool = True
        """Append decoded blobs (and tag-smuggled text) to the view so classifiers see them."""
        hidden_instruction_score: float = Field(0.9, ge=0.0, le=1.0)

    def __init__(self, config: NormalizeGuard.Config, resources: Resources | None = None) -> None:
        super().__init__(config, resources)
        self._remove = {ord(c): None for c in _ZERO_WIDTH + _BIDI}
        table = load_data_file("confusables.yaml")
        self._small_caps = {ord(k): v for k, v in table.pop("small_capitals", {}).items()}
        self._small_caps_re = re.compile("[" + "".join(re.escape(chr(k)) for k in self._small_caps) + "]")
        self._confusables = {ord(k): v for group in table.values() for k, v in group.items()}
        self._confusable_chars = frozenset(chr(k) for k in self._confusables)
        self._word_nonascii = re.compile(r"[^\W\d_]*[^\x00-\x7f][^\W\d_]*")
        conf_class = "".join(re.escape(c) for c in sorted(self._confusable_chars))
        self._confusable_re = re.compile(f"[{conf_class}]")
        self._foldable_word_re = re.compile(f"[A-Za-z{conf_class}]+")
        self._latin_re = re.compile(r"[A-Za-z]")
        self._other_letter_re = re.compile(r"(?![\x00-\x7f])[^\W\d_]")
        self._ascii_letter_re = re.compile(r"[A-Za-z]")
        self._mixed_word_re = re.compile(r"(?<![^\W\d_])(?=[^\W\d_]*[A-Za-z])(?=[^\W\d_]*[^\x00-\x7f])[^\W\d_]+")
        self._zw_re = re.compile(f"[{_ZERO_WIDTH}]")
        self._bidi_re = re.compile(f"[{_BIDI}]")
        self._tag_re = re.compile("[\U000e0000-\U000e007f]")
        self._invisible_re = re.compile(f"[{_ZERO_WIDTH}{_BIDI}\U000e0000-\U000e007f]")
        self._leet = re.compile(_LEET_RUN)
        self._leet_hint = re.compile(r"[A-Za-z][0-9@$!|]+[A-Za-z]|\$[A-Za-z]")
        self._leet_tail = re.compile(_LEET_TAIL)
        self._leet_table = str.maketrans(_LEET)
        self._spaced = re.compile(_SPACED)
        self._spaced_hint = re.compile(r"[ .\-*][A-Za-z][ .\-*]")
        """A letter between two separators: every spaced-out word has one (a cheap scan first)."""
        self._instruction = re.compile(_INSTRUCTION, re.IGNORECASE)
        self._decoder = Decoder()
        self._lock = threading.Lock()
        self._load_algospeak()

    def _load_algospeak(self) -> None:
        data = load_data_file("algospeak.yaml")
        entries: list[dict[str, Any]] = list(data.get("entries", []))
        context_words: dict[str, set[str]] = {
            k: {w.lower() for w in v} for k, v in data.get("context_words", {}).items()
        }
        window = int(data.get("context_window", 80))
        for path in self.config.extra_lexicon_files:
            extra = load_yaml_path(path, what="normalize.extra_lexicon_files") or {}
            entries.extend(extra.get("entries", []))
            for k, v in (extra.get("context_words") or {}).items():
                context_words.setdefault(k, set()).update(w.lower() for w in v)
        self._window = window
        self._algo: dict[str, tuple[str, str | None]] = {}
        self._otherwise: dict[str, str] = {}
        """Term -> its replacement away from its context (``otherwise``: an emoji the encoder
        cannot read, "🔌" -> "plug", instead of an unknown token)."""
        self._units: set[str] = set()
        """Terms (``unit: true``) left as they are right after a number ("5 kms")."""
        self._unless: dict[str, str] = {}
        """Term -> a context list whose words, within the window, keep the term's plain sense
        (``unless``: "🍁🍁 maple syrup delivery" is not weed)."""
        for e in entries:
            ctx, term = e.get("context"), str(e["term"]).lower()
            if ctx and self.config.contextual_terms == "never":
                ctx = None if e.get("otherwise") is None else "\0never"
                if ctx is None:
                    continue
            if ctx and self.config.contextual_terms == "always":
                ctx = None
            self._algo[term] = (str(e["replacement"]), ctx)
            if ctx and e.get("otherwise") is not None:
                self._otherwise[term] = str(e["otherwise"])
            if e.get("unit"):
                self._units.add(term)
            if e.get("unless") and self.config.contextual_terms != "always":
                self._unless[term] = str(e["unless"])
        self._context_words = context_words
        self._ctx_word = re.compile(r"[\w'+]+|[^\w\s]")  # a word, or one symbol (an emoji code)
        hints = frozenset(_hint(term) for term in self._algo)
        self._algo_hint = re.compile(trie_pattern(hints, space=" ")) if hints else None
        """Finds one of the substrings every spelling of some term holds (one scan, not one per hint)."""
        terms = (str(e["term"]) for e in entries)
        self._codes = frozenset(t for t in terms if t.strip() and not any(c.isalnum() for c in t))
        """Letterless lexicon terms (emoji codes): a text holding one is never content-free."""
        pattern = r"(?<!\w)(?:" + trie_pattern(self._algo) + r")(?!\w)"
        self._algo_re = re.compile(pattern, re.IGNORECASE) if self._algo else None
        self._algo_ascii = re.compile(pattern) if self._algo and _ascii_exact(self._algo, hints) else None
        """The same pattern, case-sensitive, for the lower case of an ASCII text: it matches where
        the other matches in the text (several times faster, and no hint scan needed first)."""

    # -- steps -------------------------------------------------------------------------
    def _strip_invisible(self, text: str, facts: dict[str, Any]) -> str:
        if self._invisible_re.search(text) is None:
            return text
        zw = len(self._zw_re.findall(text))
        bidi = len(self._bidi_re.findall(text))
        tag_chars = self._tag_re.findall(text)
        if tag_chars:
            smuggled = "".join(chr(ord(c) - 0xE0000) for c in tag_chars if 0xE0020 <= ord(c) <= 0xE007E)
            facts["tag_text"] = smuggled
            text = self._tag_re.sub("", text)
        facts["removed"] = {"zero_width": zw, "bidi": bidi, "tag": len(tag_chars)}
        return text.translate(self._remove)

    def _fold_confusables(self, text: str, facts: dict[str, Any]) -> str:
        if self._confusable_re.search(text) is None:
            return text
        mostly_latin = len(self._latin_re.findall(text)) >= len(self._other_letter_re.findall(text))
        count = 0

        def fold(m: re.Match[str]) -> str:
            nonlocal count
            word = m.group()
            if self._confusable_re.search(word) is None:
                return word
            if self._ascii_letter_re.search(word) or (
                mostly_latin and self._foldable_word_re.fullmatch(word)
            ):
                count += 1
                return word.translate(self._confusables)
            return word

        pattern = self._word_nonascii if mostly_latin else self._mixed_word_re
        out = pattern.sub(fold, text)
        if count:
            facts.setdefault("folded", {})["confusables"] = count
        return out

    def _fold_leet(self, text: str, facts: dict[str, Any]) -> str:
        if self._leet_hint.search(text) is None:
            return text
        changed: list[str] = []

        def fold(m: re.Match[str]) -> str:
            run = m.group()
            if len(run) > 24 or run.lower() in _LEET_EXEMPT:
                return run
            if "@" in run and text[m.end() : m.end() + 1] == ".":
                return run  # an e-mail address
            if sum(c.isalpha() for c in run) < 2:
                return run
            folded = _fold_interior(run, self._leet_table)
            if folded != run:
                changed.append(run)
            return folded

        def fold_tail(m: re.Match[str]) -> str:
            word = m.group()
            if word.lower() in _LEET_EXEMPT:
                return word
            changed.append(word)
            return word.translate(self._leet_table)

        out = self._leet.sub(fold, text)
        if changed:  # a leet text: words ending in leet digits too ("i w4nt t0 d13")
            out = self._leet_tail.sub(fold_tail, out)
            facts.setdefault("folded", {})["leetspeak"] = changed[:20]
        return out

    def _join_spaced(self, text: str, facts: dict[str, Any]) -> str:
        if self._spaced_hint.search(text) is None:
            return text
        changed: list[str] = []

        def join(m: re.Match[str]) -> str:
            run = m.group()
            letters = [c for c in run if c.isalpha()]
            prefix = ""
            if letters[0] in "aAI" and len(letters) >= 4 and run[1] == " ":
                prefix, letters = run[:2], letters[1:]
            changed.append(run)
            return prefix + "".join(letters)

        out = self._spaced.sub(join, text)
        if changed:
            facts.setdefault("folded", {})["spacing"] = changed[:20]
        return out

    def _map_algospeak(self, text: str, facts: dict[str, Any]) -> str:
        if self._algo_re is None:
            return text
        if self._algo_ascii is not None and text.isascii():
            spans = [m.span() for m in self._algo_ascii.finditer(text.lower())]
        elif self._algo_hint is None or self._algo_hint.search(text.lower()) is None:
            return text
        else:
            spans = [m.span() for m in self._algo_re.finditer(text)]
        if not spans:
            return text
        mapped: list[list[str]] = []

        def repl(start: int, end: int) -> str:
            term = text[start:end]
            key = _squash(term.lower())
            replacement, ctx = self._algo.get(key, (None, None))
            if replacement is None or (key in self._units and _AFTER_NUMBER.search(text[max(0, start - 12):start])):
                return term
            unless = self._unless.get(key)
            if unless is not None and self._near_context(text, start, end, unless):
                return term
            if ctx is not None and not self._near_context(text, start, end, ctx):
                replacement = self._otherwise.get(key)
                if replacement is None:
                    return term
            mapped.append([term, replacement])
            return replacement

        pieces, last = [], 0  # re.sub over the spans found
        for start, end in spans:
            pieces += (text[last:start], repl(start, end))
            last = end
        out = "".join(pieces) + text[last:]
        if mapped:
            facts.setdefault("folded", {})["algospeak"] = mapped[:20]
        return out

    def _near_context(self, text: str, start: int, end: int, ctx: str) -> bool:
        words = self._context_words.get(ctx)
        if not words:
            return False
        lo, hi = max(0, start - self._window), min(len(text), end + self._window)
        around = text[lo:start] + " " + text[end:hi]
        return any(w in words for w in self._ctx_word.findall(around.lower()))

    # -- check -------------------------------------------------------------------------
    def normalize(self, text: str) -> tuple[str, dict[str, Any], list[str]]:
        """The detection view of ``text``, the facts found, and the decoded texts."""
        cfg = self.config
        facts: dict[str, Any] = {}
        view = text
        if not view.isascii():
            if cfg.invisible:
                view = self._strip_invisible(view, facts)
            if cfg.nfkc:
                nfkc = unicodedata.normalize("NFKC", view)
                if nfkc != view:
                    facts["nfkc"] = True
                    view = nfkc
            if cfg.confusables and self._small_caps and self._small_caps_re.search(view):
                view = view.translate(self._small_caps)  # no script writes words in small capitals
                facts.setdefault("folded", {})["small_capitals"] = True
            if cfg.confusables and not view.isascii():
                view = self._fold_confusables(view, facts)
        decoded: list[str] = []
        if cfg.decode:
            blobs = self._decoder.decode(view)
            if blobs:
                facts["decoded"] = [{"kind": b.kind, "text": b.text[:200]} for b in blobs]
                decoded = [b.text for b in blobs]
        if cfg.leetspeak:
            view = self._fold_leet(view, facts)
        if cfg.spacing:
            view = self._join_spaced(view, facts)
        if cfg.algospeak:
            view = self._map_algospeak(view, facts)
        return view, facts, decoded

    def check(self, text: str, context: CheckContext) -> Verdict:
        """Set ``context.normalized``/``hidden``/``decoded``; score hidden instructions."""
        view, facts, decoded = self.normalize(text)
        tag_text = facts.get("tag_text", "")
        extra = [t for t in [tag_text, *decoded] if t]
        if extra and self.config.append_decoded:
            view = view + "\n" + "\n".join(extra)
        score = self._hidden_instruction_score(text, view, facts, tag_text, decoded)
        if score:
            facts["hidden_instructions"] = True
        context.normalized = view
        context.content_free = is_content_free(view, self._codes)
        if context.content_free:
            facts["content_free"] = True
        context.hidden.update({k: v for k, v in facts.items() if k in ("removed", "tag_text", "decoded", "hidden_instructions")})
        context.decoded = tuple(context.decoded) + tuple(extra)
        facts["changed"] = view != text
        return verdict({"prompt_injection": score} if score else {}, details=facts)

    def _hidden_instruction_score(
        self, raw: str, view: str, facts: dict[str, Any], tag_text: str, decoded: list[str]
    ) -> float:
        if not facts or facts.keys() <= {"nfkc"}:
            return 0.0
        best = 0.0
        full = self.config.hidden_instruction_score
        if tag_text and self._instruction.search(tag_text):
            best = max(best, 1.0)
        if any(self._instruction.search(d) for d in decoded):
            best = max(best, full)
        if ("removed" in facts or "folded" in facts) and _may_instruct(view):
            if self._instruction.search(view) and not self._instruction.search(raw):
                best = max(best, full if "removed" in facts else 0.8)
        return best


_AFTER_NUMBER = re.compile(
    r"(?:\d|(?<![^\W\d_])(?:few|many|several|two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|hundreds?"
    r"|thousands?))\s*$", re.IGNORECASE)
"""The end of the text before a ``unit`` term that makes it a measure ("5 kms", "a few kms")."""

_INSTRUCTION_HINTS = ("instruction", "rule", "prompt", "guideline", "direction", "directive", "above",
                      "previous", "prior", "password", "secret", "api key", "you are now",
                      "developer mode", "do anything now", "jailbreak")


def _may_instruct(text: str) -> bool:
    low = text.lower()
    return any(h in low for h in _INSTRUCTION_HINTS)


def _squash(term: str) -> str:
    return re.sub(r"\s+", " ", term)


def _fold_interior(run: str, table: dict[int, str]) -> str:
    """Fold the leet characters of a run that has one between letters (or starts with ``$``)."""
    return run.translate(table)
