"""Term lists compiled into lexicon patterns: word-bounded, case-insensitive, ``{NAME}`` macros.

The reviewed lexicons (``data/sexual_minors.json``, ``safe_frames.json``, ``counter_speech.json``)
hold terms as regex bodies. ``_compile`` wraps a list in word edges that also hold beside Thai, kana
and CJK text (written without spaces), and matches it through the terms' anchors
(``_lexicon.Lexicon``: at each offset only the terms that can start there are tried); the whole
alternation is compiled by the tests, not at load. ``_NEVER`` stands for an empty list.
"""

from __future__ import annotations

import re

from ._lexicon import Lexicon, Part

_NEVER = re.compile(r"(?!)")
_MACRO = re.compile(r"\{([A-Z_]+)\}")
_CJK = r"(?-i:[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f])"
"""Thai, kana and CJK ideographs: written without spaces, so a term may begin after or end on one ("19歳の").
None of them has a case, so the class is read case-sensitively (``(?-i:``): the same characters,
compiled three times faster than under IGNORECASE (a pattern holds it four times)."""


def _bodies(terms: list[str], macros: dict[str, str]) -> list[str]:
    """Each term with ``{NAME}`` replaced by ``macros[NAME]``."""
    return [_MACRO.sub(lambda m: macros[m.group(1)], t) for t in terms]


def _part(terms: list[str], macros: dict[str, str] | None, word_start: bool, inside_cjk: bool) -> Part:
    """``terms`` (``{NAME}`` replaced by ``macros[NAME]``; KeyError naming an unknown macro) within
    the word edges of ``_compile`` (in a text without Thai, kana or CJK: plain word edges)."""
    after = rf"(?<={_CJK})" if inside_cjk else rf"(?<={_CJK})(?!{_CJK})"
    start = rf"(?:(?<!\w)|{after})" + (r"(?=[\w(\[])" if word_start else "")
    end = rf"(?:(?!\w)|(?<={_CJK})|(?={_CJK}))"
    plain = r"(?<!\w)" + (r"(?=[\w(\[])" if word_start else "") + "(?:", r")(?!\w)"
    return Part(start + "(?:", ")" + end, tuple(_bodies(terms, macros or {})), word_start, _CJK, plain)


def _compile(terms: list[str], macros: dict[str, str] | None = None, word_start: bool = False,
             inside_cjk: bool = False, validate: bool = True) -> re.Pattern[str]:
    """One case-insensitive pattern for ``terms``, each wrapped in word boundaries, ``{NAME}``
    replaced by ``macros[NAME]`` (KeyError naming an unknown macro); never matches when empty.
    ``word_start``: every term starts with a word character, '(' or '[' (the terms' anchors then
    need not spell a leading ``\\s*``). Kana and CJK ideographs are written without spaces, so a
    term may end beside one, and begin after one where a digit or a Latin letter follows ("19歳",
    "の14歳"), or anywhere with ``inside_cjk`` (CJK words). Matched through the terms' anchors
    (``_lexicon.Lexicon``); ``validate``: compile the whole pattern now (re.error for a bad term;
    the shipped lexicons' patterns are compiled by the tests)."""
    if not terms:
        return _NEVER
    part = _part(terms, macros, word_start, inside_cjk)
    return Lexicon([part], re.IGNORECASE, gate_cjk=True, validate=validate)  # type: ignore[return-value]


def _literal_first(term: str) -> bool:
    """Whether every match of ``term`` begins with its first character (a plain, required letter
    and no top-level alternative)."""
    if not term or term[0] in "\\()[]{}.*+?|^$" or term[1:2] in ("?", "*", "{"):
        return False
    depth = 0
    for ch, prev in zip(term, " " + term):
        if prev == "\\":
            continue
        depth += (ch == "(") - (ch == ")")
        if ch == "|" and depth == 0:
            return False
    return True


def _compile_mixed(terms: list[str], macros: dict[str, str], word_start: bool,
                   validate: bool = True, gated: bool = False) -> re.Pattern[str]:
    """``_compile(terms, ...)``, except that a term beginning with a Thai, kana or CJK character
    may begin anywhere, even inside such text ("让她给我看她的私处"); and terms that begin with
    a plain letter are tried only where one of those letters stands. ``gated``: a text the
    terms' anchor gate refuses is not searched (one holding kana or a CJK ideograph always is),
    as ``_compile``; else every text is (through the terms' anchors)."""
    cjk = [t for t in terms if _literal_first(t) and re.match(_CJK, t)]
    lead = [t for t in terms if _literal_first(t) and t not in cjk]
    rest = [t for t in terms if not _literal_first(t)]
    parts = [_part(rest, macros, word_start, False)] if rest else []
    for group, inside in ((lead, False), (cjk, True)):
        if group:
            first = re.escape("".join(sorted({c for t in group for c in (t[0].lower(), t[0].upper())})))
            inner = _part(group, macros, False, inside)
            plain = (f"(?=[{first}])(?:" + inner.plain[0], inner.plain[1] + ")")  # type: ignore[index]
            parts.append(Part(f"(?=[{first}])(?:" + inner.head, inner.tail + ")", inner.terms, False, _CJK, plain))
    if not parts:
        return _NEVER
    return Lexicon(parts, re.IGNORECASE, wrap=True, gate=gated, gate_cjk=True, validate=validate)  # type: ignore[return-value]


def _lower_of(terms: list[str], macros: dict[str, str] | None = None, word_start: bool = False,
              validate: bool = True) -> re.Pattern[str] | None:
    """``_compile(terms, ...)`` for ASCII text in lower case (plain word boundaries, no
    IGNORECASE); None when ``terms`` is empty or a term holds an upper-case letter (``\\W``, say)."""
    bodies = tuple(_bodies(terms, macros or {}))
    body = "(?:" + "|".join(f"(?:{b})" for b in bodies) + ")"
    if not terms or body != body.lower():
        return None
    head = (r"(?<!\w)(?=[\w(\[])" if word_start else r"(?<!\w)") + "(?:"
    return Lexicon([Part(head, r")(?!\w)", bodies, word_start)], 0, validate=validate)  # type: ignore[return-value]


_SPACE = re.compile(r" (?![?*+{])")


def alternation(terms: list[str] | tuple[str, ...], bounded: bool = True) -> str:
    """A plain regex source for ``terms`` (regex bodies, longest first; a space not followed by a
    quantifier matches any white space), within word edges when ``bounded``; never matches when
    empty. For the small stage lists that need ``re.Pattern`` methods (``subn``) the anchored
    ``_compile`` lexicon does not offer."""
    body = "|".join(f"(?:{t})" for t in sorted(terms, key=len, reverse=True)) or "(?!)"
    body = _SPACE.sub(r"\\s+", body)
    return rf"(?<!\w)(?:{body})(?!\w)" if bounded else f"(?:{body})"
