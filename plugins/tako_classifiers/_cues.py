"""Cue words of the injection guard's how-to cap, compiled: the pattern builder and the loaders.

``cue_pattern`` turns the cue terms of ``data/address_cues.json`` and ``data/exfil_cues.json``
(16 languages; each file's ``_about`` gives the syntax) into one trie-shaped regular expression,
linear in the text (a megabyte in well under a second). The loaders compile each file's lists once,
on first use. ``_address`` (does a text aim at the model or at its reader) and ``_exfil`` (does it
move things out, expose a secret or phish its reader) read them.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

__all__ = ["CUES_PATH", "EXFIL_CUES_PATH", "cue_pattern", "cue_source"]

CUES_PATH = Path(__file__).resolve().parent / "data" / "address_cues.json"
EXFIL_CUES_PATH = CUES_PATH.with_name("exfil_cues.json")
_SENTENCE_END = re.compile(r"[.!?](?=\s)|[\n。！？]")
_SENTENCE_GAP = r"(?:[^.!?\n。！？]|[.!?](?=\S)){0,80}?"  # up to 80 characters, within one sentence
_GAP = r"(?:\W+\w+){0,3}?\W+"  # '~': up to three words between
_END = ""


def _spaced(ch: str) -> bool:
    """Whether ``ch`` belongs to a script written with spaces between words (Latin, Greek, Cyrillic)."""
    return ch.isascii() or "\u00c0" <= ch < "\u0530" or "\u1e00" <= ch < "\u2000"


def _atoms(term: str) -> list[str]:
    """A cue term as a list of regex atoms (see the data file's syntax)."""
    term = term.strip().lower()
    prefix = term.endswith("*")
    term = term.rstrip("*")
    bounded = term[:1].isalnum() and _spaced(term[0])
    out: list[str] = []
    gap = False
    for word_i, word in enumerate(term.split()):
        if word == "~":  # the gap stands for the spaces before and after it
            gap = True
            continue
        if word_i:
            out.append(_GAP if gap else r"\s+")
        gap = False
        out.extend(re.escape(ch) for ch in word)
    if bounded:  # a word start: no word character before the first (a lookbehind keeps the trie's first atoms literal)
        out.insert(1, r"(?<!\w\w)")
    if prefix:
        out.append(r"\w*")
    elif term[-1:].isalnum() and _spaced(term[-1]):
        out.append(r"\b")
    return out


def _render(node: dict[str, dict]) -> str:
    branches = [atom + _render(child) for atom, child in sorted(node.items()) if atom != _END]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if _END in node else body


def cue_source(terms: list[str]) -> str:
    """``cue_pattern``'s source, not compiled (for a pattern that embeds it)."""
    root: dict[str, dict] = {}
    for term in dict.fromkeys(form for t in terms for form in (t, unicodedata.normalize("NFKC", t))):
        if not term.strip().rstrip("*"):
            continue
        node = root
        for atom in _atoms(term):
            node = node.setdefault(atom, {})
        node[_END] = {}
    return _render(root) or r"(?!)"


def cue_pattern(terms: list[str]) -> re.Pattern[str]:
    """One case-insensitive, trie-shaped pattern matching any of ``terms`` (longest first per branch),
    each also in its NFKC form, as the detection view has it (Thai "คำ" is "คํา" there, "：" is ":")."""
    return re.compile(cue_source(terms))


@lru_cache(maxsize=4)
def _patterns(path: str = str(CUES_PATH)) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    terms = [t for words in data["terms"].values() for t in words]
    extra = [t for words in data.get("document_terms", {}).values() for t in words]
    reader = [t for words in data.get("reader_terms", {}).values() for t in words]
    return cue_pattern(terms), cue_pattern(terms + extra), cue_pattern(reader)


@lru_cache(maxsize=4)
def _support_patterns(path: str = str(CUES_PATH)) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    contact, verbs, reader_data = (cue_pattern([t for words in data.get(key, {}).values() for t in words])
                                   for key in ("contact_terms", "document_terms", "reader_data"))
    return contact, verbs, reader_data


@lru_cache(maxsize=4)
def _exfil_patterns(path: str = str(EXFIL_CUES_PATH)) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))

    def flat(key: str, langs: object = None) -> list[str]:
        return [t for lang, words in data[key].items() if langs is None or lang in langs for t in words]

    send, targets = cue_pattern(flat("send_verbs")), cue_pattern(flat("targets"))
    verbs, secrets = cue_source(flat("secret_verbs")), cue_source(flat("secrets"))
    last = data.get("verb_last", [])
    backward = f"|(?:{cue_source(flat('secrets', last))}){_SENTENCE_GAP}" \
               f"(?:{cue_source(flat('secret_verbs', last))})"
    return send, targets, re.compile(f"(?:{verbs}){_SENTENCE_GAP}(?:{secrets}){backward}")


@lru_cache(maxsize=4)
def _more_patterns(path: str = str(EXFIL_CUES_PATH)) -> dict[str, re.Pattern[str]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    last = data.get("disclose_last", [])

    def pattern(key: str, langs: object = None) -> re.Pattern[str]:
        return cue_pattern([t for lang, words in data.get(key, {}).items() if langs is None or lang in langs
                            for t in words])

    credentials = [t for key in ("credentials", "secrets") for words in data.get(key, {}).values() for t in words]
    return {"verbs": pattern("disclose_verbs"), "verbs_last": pattern("disclose_verbs", last),
            "secrets": pattern("secrets"), "carry": pattern("carry"), "reader": pattern("reader_assistant"),
            "destructive": pattern("destructive"), "ask": pattern("ask_verbs"),
            "ask_last": pattern("ask_verbs", data.get("ask_last", [])), "credentials": cue_pattern(credentials),
            "entry": pattern("entry_verbs"), "negations": cue_pattern(data.get("negations", [])),
            "change": pattern("change_verbs"), "commit": pattern("commit_verbs"),
            "handover": pattern("handover_verbs"), "handover_last": pattern("handover_verbs", data.get("verb_last", []))}


def _near(verbs: re.Pattern[str], objects: re.Pattern[str], text: str, before: bool = False) -> bool:
    """Whether an ``objects`` match lies in a ``verbs`` match or within 80 characters after it
    (``before``: before it) in the same sentence. Linear: each verb match looks at 80 characters."""
    for m in verbs.finditer(text):
        if before:
            window = text[max(0, m.start() - 80):m.end()]
            ends = list(_SENTENCE_END.finditer(window, 0, max(0, len(window) - (m.end() - m.start()))))
            window = window[ends[-1].end():] if ends else window
        else:
            window = text[m.start():m.end() + 80]
            end = _SENTENCE_END.search(window, m.end() - m.start())
            window = window[:end.start()] if end else window
        if objects.search(window):
            return True
    return False


def _sentence(text: str, start: int, end: int, before: int, after: int) -> tuple[int, int]:
    """The span around ``text[start:end]``, at most ``before`` / ``after`` characters wider, cut at
    sentence ends."""
    lo, hi = max(0, start - before), min(len(text), end + after)
    ends = list(_SENTENCE_END.finditer(text, lo, start))
    lo = ends[-1].end() if ends else lo
    stop = _SENTENCE_END.search(text, end, hi)
    return lo, stop.start() if stop else hi


@lru_cache(maxsize=4)
def _mention_patterns(path: str = str(CUES_PATH)) -> tuple[re.Pattern[str], re.Pattern[str]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    frames, mentions = (cue_pattern([t for words in data.get(key, {}).values() for t in words])
                        for key in ("mention_frames", "mentions"))
    return frames, mentions


_NOT_SUBJECT = (r"you|u|please|pls|kindly|always|never|also|then|now|just|simply|and|so|do|don't|i|we|to|if|when|"
                r"first|next|finally|lastly|let's|can|could|would|will|should|may|must|"
                r"por|bitte|s'il|per|não|no|nicht|ne|note|nota|hinweis")
"""First words that open an imperative or an address, not a report's subject."""


@lru_cache(maxsize=4)
def _report_patterns(path: str = str(CUES_PATH)) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str],
                                                          re.Pattern[str]]:
    """(a report's opening: one to five subject words, then a ``report_verbs`` verb; a quoted spoken
    command: a ``say_verbs`` verb, a quote opening with a ``wake_words`` word; ``override_blockers``;
    ``report_blockers``) of the cue file at ``path``, for lower-cased text."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))

    def terms(key: str) -> list[str]:
        value = data.get(key, {})
        return list(value) if isinstance(value, list) else [t for words in value.values() for t in words]

    report = re.compile(rf"\W{{0,3}}(?!(?:{_NOT_SUBJECT})\b)(?:[^\W\d_][\w'’-]*\s+){{1,5}}?(?:"
                        + cue_source(terms("report_verbs")) + ")")
    spoken = re.compile(r"(?<!\w)(?:" + cue_source(terms("say_verbs")) + r")\s{0,3}[:,]?\s{0,3}[\"'«“„‘‚]\s{0,2}(?:"
                        + cue_source(terms("wake_words")) + r")\b[^\"'»”“‘’\n]{0,160}")
    return report, spoken, cue_pattern(terms("override_blockers")), cue_pattern(terms("report_blockers"))
