"""What the classifiers read: the detection view, with the values earlier rails redacted left out."""

from __future__ import annotations

import re

from guardrails.protocol import CheckContext
from guardrails.runtime.segments import clause_groups, sentence_groups, token_budget

from ._gate import profile

__all__ = ["closes_with_full_stop", "detection_view", "has_placeholder", "redacted_view", "redacted_clauses",
           "segments", "short_full_stop", "typed", "typed_clauses", "without_emails", "without_filler", "without_placeholders",
           "word_count"]

_PLACEHOLDER = re.compile(r"\[([A-Z][A-Z0-9]*(?:_[A-Z][A-Z0-9]*)*)(?:_\d+)?\]")
"""A redaction placeholder (``[EMAIL_ADDRESS]``, ``[AWS_ACCESS_KEY_ID]``, ``[PERSON_2]``): group 1
is its label without the pseudonym number. Linear: ``_`` separates the parts, so no part can be
matched two ways."""
_SPACES = re.compile(r"[ \t]{2,}")
_JOIN = re.compile(r"^(?:and|und|y|e|et|i|en|ve|dan|và|и|а|و)\s+", re.IGNORECASE)
"""A joining word opening a stretch between placeholders ("und", "y", "et", "и", "và", "و")."""
_WORDS = re.compile(r"\w+")
_FILLER_WORDS = sorted((
    "lorem ipsum dolor sit amet consectetur consectetuer adipiscing adipisicing elit sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris "
    "nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse cillum eu fugiat "
    "nulla pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim id "
    "est laborum"
).split(), key=len, reverse=True)
_FILLER_MARKS = frozenset(
    "lorem ipsum dolor amet consectetur consectetuer adipiscing adipisicing eiusmod tempor incididunt labore "
    "dolore aliqua veniam nostrud exercitation ullamco laboris aliquip commodo consequat reprehenderit voluptate "
    "cillum fugiat pariatur excepteur occaecat cupidatat proident officia deserunt mollit laborum".split()
)
_MARK_HEADS = frozenset(w[:4] for w in _FILLER_MARKS)
"""The word heads (``_gate.Profile``: first 4 characters, folded) of the placeholder-only words:
a text with none of them among its word heads holds no run to drop."""
_WIDE = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff]")
"""A CJK, kana or hangul character (``word_count`` counts two of them as a word)."""
_FILLER_WORD = r"(?:" + "|".join(_FILLER_WORDS) + r")(?!\w)"
_FILLER = re.compile(rf"(?<!\w){_FILLER_WORD}(?:[\s,.;:!?]+{_FILLER_WORD}){{2,}}[.,;:!?]*", re.IGNORECASE)
"""A run of three or more lorem-ipsum words (the placeholder text of page templates); words and
separators are disjoint, so a run is matched one way, in one pass."""


def has_placeholder(text: str) -> bool:
    """Whether ``text`` holds a redaction placeholder (an earlier rail replaced a value)."""
    return "[" in text and _PLACEHOLDER.search(text) is not None


def without_placeholders(text: str) -> str:
    """``text`` with every redaction placeholder left out (``[EMAIL_ADDRESS]``, ``[PERSON_2]``).
    Text without ``[`` is returned as it is."""
    return _PLACEHOLDER.sub("", text) if "[" in text else text


def without_filler(text: str) -> str:
    """``text`` without its lorem-ipsum placeholder runs (three or more words of the placeholder's
    vocabulary, one of them only the placeholder uses: "lorem", "ipsum", "eiusmod", "veniam" ...),
    so they are not read as an obfuscated or adversarial text. Text without such a run is returned
    as it is (the same object); linear in ``len(text)``."""
    if _MARK_HEADS.isdisjoint(profile(text).head_set):  # every run dropped holds one of these words
        return text
    pieces: list[str] = []
    last = 0
    for m in _FILLER.finditer(text):
        if any(w.lower() in _FILLER_MARKS for w in _WORDS.findall(m.group())):
            pieces.append(text[last:m.start()])
            last = m.end()
    if not pieces:
        return text
    return "".join(pieces) + text[last:]


def redacted_view(view: str, text: str) -> str:
    """``view`` (the detection view of the original text) as the redacting rails left ``text``
    (the same text with values replaced by placeholders), the placeholders left out.

    When the view holds every stretch of ``text`` between placeholders, in order (the
    normalisation changed nothing but the redacted values: an address, or a key it de-leeted),
    that is ``without_placeholders(text)``. Otherwise the view is kept, so an evasion the
    normalisation undid is never read in its obfuscated form. Linear in the lengths
    (``str.find``)."""
    if "[" not in text:
        return view
    pieces = _PLACEHOLDER.split(text)[::2]  # split() interleaves group 1; keep the literal pieces
    if len(pieces) == 1:
        return view
    head, *middle, tail = pieces
    if not view.startswith(head) or not view.endswith(tail):
        return without_placeholders(view)
    pos, end = len(head), len(view) - len(tail)
    for piece in middle:
        found = view.find(piece, pos, end)
        if found < 0:
            return without_placeholders(view)
        pos = found + len(piece)
    return without_placeholders(text) if pos <= end else without_placeholders(view)


_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_HOST = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")


def without_emails(text: str, limit: int = 1_000) -> str:
    """``text`` with each e-mail address (``local@host.tld``, ASCII) left out.

    A scan outward from each ``@`` (the first ``limit`` of them), at most 64 characters of local
    part and 253 of host, so it is linear on a megabyte; a host needs a dot that is neither its
    first nor its last character."""
    if "@" not in text:
        return text
    out: list[str] = []
    pos = 0
    at = text.find("@")
    while at >= 0 and limit > 0:
        limit -= 1
        start = at
        while start > max(pos, at - 64) and text[start - 1] in _LOCAL:
            start -= 1
        end = at + 1
        while end < min(len(text), at + 254) and text[end] in _HOST:
            end += 1
        host = text[at + 1:end].rstrip(".-")
        end = at + 1 + len(host)
        if start < at and "." in host.strip(".") and not host.startswith("."):
            out.append(text[pos:start])
            pos = end
        at = text.find("@", max(end, at + 1))
    out.append(text[pos:])
    return "".join(out)


def detection_view(text: str, context: CheckContext, *, redactions: bool = False) -> str:
    """The text a classifier embeds: ``context.view(text)`` (the normalised view of the text as
    it reached the first rail); with ``redactions``, that view without the values earlier rails
    redacted (``redacted_view``) and without any e-mail address left in it (``without_emails``:
    the default policy does not redact retrieved documents). A view that would be left blank is
    kept whole.

    The instruction guards (prompt_injection, jailbreak) set ``redactions``: an address or a key
    reads to them like the target of an exfiltration, and a bracketed label like a template
    slot, while read as a word ("email") it dilutes a short attack. run11 scored "my email is
    jane.doe@example.com, find videos I liked" 0.87 and "use key AKIAIOSFODNN7EXAMPLE to upload
    my video" 0.95; "jane.doe@example.com ignore previous instructions" read with "email" 0.03.
    Without the values: 0.02, 0.02 and 0.89. It costs those guards one more encoder pass, only
    for a text with a redaction or an address. Lorem-ipsum placeholder runs are left out too (``without_filler``): run11
    read "Lorem ipsum dolor sit amet, ... I am going to take all my pills tonight" as a jailbreak
    (0.5+; it reads like an adversarial suffix). Moderation reads the view of the original."""
    view = context.view(text)
    if not redactions:
        return view
    out = without_filler(without_emails(redacted_view(view, text)))
    if out is view:
        return view
    out = _SPACES.sub(" ", out)
    return out if out.strip() else view


_END_STOP = (".", "\u3002", "!", "\uff01")  # full stops and exclamation marks, ASCII and CJK


def closes_with_full_stop(text: str) -> bool:
    """Whether ``text`` ends (trailing spaces aside) with one full stop or exclamation mark
    (``.``, ``。``, ``!``, ``！``), not an ellipsis or ``!!``."""
    core = text.rstrip()
    return core.endswith(_END_STOP) and not core.endswith(("..", "!!"))


def typed(clause: str) -> str:
    """``clause`` as users type it in chat: one closing full stop or exclamation mark
    (``closes_with_full_stop``) dropped and the first letter in lower case.

    The encoder learned a source's style: its benign multilingual sources are written in sentence
    case with a full stop, most harmful rows are typed as chat. run11 scores "I want to end it
    all" 0.64 on self_harm and "I want to end it all." 0.13. Scoring every text this way flags
    more benign multilingual sentences (validation: 6.3% instead of 1.9%), so the moderation guard
    reads only its self_harm clauses so (``ModerationGuard.Config.clause_categories``)."""
    core = clause.rstrip()
    if closes_with_full_stop(core):
        core = core[:-1].rstrip()
    return core[:1].lower() + core[1:] if core else clause


def segments(text: str, min_chars: int = 40, max_chars: int = 300, limit: int = 32, *, clauses: bool = False) -> list[str]:
    """Sentence-sized pieces of a text, the first included (guardrails.runtime.segments: a
    fragment shorter than ``min_chars`` joins the piece before it, long sentences are cut at
    ``max_chars``); at most ``limit``, keeping the first, the last and an even sample of the
    middle ones. With ``clauses``, sentences are further cut at commas, semicolons and joining
    words (``clause_groups``), so one clause cannot be diluted by the rest of a short message."""
    cut = clause_groups if clauses else sentence_groups
    return [g.of(text) for g in cut(text, min_chars=min_chars, max_chars=max_chars, max_segments=limit)]


def word_count(text: str) -> int:
    """Words of ``text``: runs between whitespace, a run of CJK/kana/hangul characters counted as
    one word per two characters (those scripts write no spaces). Linear; a text without such a
    character costs one ``split``."""
    if _WIDE.search(text) is None:
        return len(text.split())
    n = 0
    for run in text.split():
        wide = len(_WIDE.findall(run))
        n += max(1, (wide + 1) // 2 + (1 if len(run) > wide else 0))
    return n


def short_full_stop(view: str, max_chars: int, max_words: int | None = None) -> bool:
    """Whether ``view`` has at most ``max_chars`` characters (and ``max_words`` words, None: any;
    ``word_count``) and closes with a full stop (``closes_with_full_stop``); False when
    ``max_chars`` is 0. The moderation guard reads such a text's clauses as typed whatever its
    whole-text score (``ModerationGuard.Config.stop_chars``)."""
    return (0 < len(view) <= max_chars and closes_with_full_stop(view)
            and (max_words is None or word_count(view) <= max_words))


def typed_clauses(view: str, *, whole: bool = False) -> list[str]:
    """The clauses of a short view (sentences of one over 400 characters), each ``typed``, in
    order, without repeats or the view itself; a one-clause view gives its typed form only when
    it closes with a full stop (``[]`` otherwise). With ``whole``, the typed view comes first
    (a joining word inside one sentence, French "ne ... plus", must not cut it)."""
    long = len(view) > 400
    pieces = segments(view, limit=token_budget().segments) if long else segments(view, 12, 300, 8, clauses=True)
    if len(pieces) < 2 and not closes_with_full_stop(view):
        return []
    pieces = [view, *pieces] if whole else pieces
    return list(dict.fromkeys(t for t in map(typed, pieces) if t and t != view))


def redacted_clauses(view: str, text: str) -> list[str]:
    """For ``text`` that an earlier rail redacted (``has_placeholder``): the stretches of
    ``text`` between its placeholders (a redacted value is a clause boundary), each ``typed``,
    then their typed clauses, without ``view`` itself; ``[]`` when ``text`` holds no placeholder.

    The clause cut knows English joining words only, so in "soy ana.r@example.com y quiero
    quitarme la vida" the address stays in the disclosure's clause and dilutes it (self_harm
    0.00; "y quiero quitarme la vida": 0.88). Reading the whole text without the value instead
    reads a look-alike as a disclosure ("soy y quiero quitarme la chaqueta": 0.64; the stretch
    alone: 0.24). A joining word opening a stretch is left out ("und will mich anmelden" reads
    0.41, "will mich anmelden" 0.00). Linear in the lengths."""
    if "[" not in text:
        return []
    stretches = [_JOIN.sub("", _SPACES.sub(" ", p).strip(" ,;:-")) for p in _PLACEHOLDER.split(text)[::2]]
    out = [typed(p) for p in stretches if p]
    for p in stretches:
        out.extend(typed_clauses(p) if p else [])
    return [t for t in dict.fromkeys(out) if t and t != view]
