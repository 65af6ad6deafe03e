"""Person-name rules beside the token head: names after a contact verb, and whole multi-word names.

The head is trained to leave public figures alone, so it often misses a private name that
follows an instruction to get in touch ("Contact Maria Garcia at home", "Ask Faith Baker, Joy
Cook and Mark Rich", "send it to Summer Rain Wood"). ``contact_names`` takes a capitalised name
of two to four words after a contact verb (contact, ask, call, email, text, message, tell, send
it to, follow, cc, ping, ...; Spanish, Portuguese, French, German and Italian forms too), and
further names of a list joined by a comma, "and", "y", "e", "et", "und", "or". One word is not
enough ("Contact Support", "call Mom"), a lower-case text gives no capitals to go by, and a word
that names a team, desk or service ("Customer", "Help", "Atención"), a group noun, an
imperative or a pronoun ends the name.

``widen_persons`` extends a PERSON span over the capitalised words that directly follow it, so
a surname that is also a word stays inside the name ("my neighbor Bill Kill" -> the head finds
"Bill"; the whole "Bill Kill" is redacted).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from tako_rules._trie import trie_pattern

__all__ = ["contact_names", "widen_persons"]

_CUES = (
    # English
    r"contact|contacting|ask|asking|call|e-?mail|mail|text|message|dm|tell|ping|cc|bcc|follow|"
    r"invite|notify|remind|reach(?: out to)?|write to|talk to|talk with|speak to|speak with|"
    r"(?:send|forward|give|pass|hand)(?: (?:it|this|that|them|these|those|the \w{1,12}))? to|"
    # Spanish
    r"contacta(?: a| con)?|contacte(?: a| con)?|contactar(?: a| con)?|llama(?: a)?|llame(?: a)?|llamar a|"
    r"pregunta(?: a| por)?|pregunte(?: a| por)?|preg[uú]ntale a|escribe a|escr[ií]bele a|habla con|hable con|"
    r"avisa a|dile a|sigue a|env[ií]a(?:lo|selo|la)? a|manda(?:lo|selo|la)? a|"
    # Portuguese
    r"contate|contacte|contatar|ligue para|liga para|ligar para|pergunte(?: a| ao| à)?|pergunta(?: ao| à)|"
    r"fale com|fala com|falar com|envie(?:-o|-a)? para|mande(?:-o|-a)? para|manda para|escreva para|siga|"
    r"diga a|diga ao|avise|"
    # French
    r"contactez|contacte|contacter|appelez|appelle|appeler|demandez à|demande à|écrivez à|écris à|"
    r"envoie(?:-le|-la)? à|envoyez(?:-le|-la)? à|suivez|dites à|dis à|parle à|parlez à|préviens|prévenez|"
    # German
    r"kontaktiere|kontaktier|kontaktieren sie|ruf|rufe|rufen sie|frag|frage|fragen sie|schreib|schreibe|"
    r"schreiben sie|(?:schick|schicke|sende)(?: es| das)? an|folge|folgen sie|melde dich bei|wende dich an|"
    r"wenden sie sich an|sag|sage|"
    # Italian
    r"contatta|contatti|contattare|chiama|chiami|chiamare|chiedi a|chieda a|chiedere a|scrivi a|scriva a|"
    r"manda(?:lo|la|gli)? a|invia(?:lo|la|gli)? a|segui|parla con|parli con|avvisa|dì a|di' a"
)
_CUE = re.compile(rf"(?<![\w'’-])(?:{_CUES})[ \t]+")
_PRECHECK = ("cont", "ask", "call", "mail", "text", "messag", "dm", "tell", "ping", "cc", "follow",
             "invit", "notif", "remind", "reach", "writ", "talk", "speak", " to ", "llam", "pregunt",
             "escri", "habl", "avis", "dile", "sigue", "env", "mand", "lig", "perg", "fal", "siga", "diga",
             "appel", "demand", "écri", "suiv", "dis", "parl", "prév", "kontakt", "ruf", "frag", "schreib",
             "schick", "send", "folg", "meld", "wend", "sag", "chiam", "chied", "scriv", "invia", "segu", "dì")
"""Substrings one of which every cue holds (a C-speed pre-check before the pattern)."""
_PRECHECK_ANY = re.compile(trie_pattern(_PRECHECK, space=" "))
"""Finds one of ``_PRECHECK`` in a single scan."""
_WORD = re.compile(r"[^\W\d_][\w'’\-]{0,30}")
_JOIN = re.compile(r"(?:[ \t]*,[ \t]*(?:(?:and|or|y|e|et|und|oder|o|ou)[ \t]+)?|[ \t]+(?:and|or|&|y|e|et|und|oder|o|ou)[ \t]+)")
_STOP = frozenset(
    "i me my you your he him his she her it its we us our they them their this that these those the a an "
    "everyone everybody someone somebody anyone nobody all both each mom mum dad mama papa "
    "yo tú tu él ella nosotros ustedes usted ellos el la los las un una mi mis su sus "
    "eu você ele ela nós eles o os um uma meu minha "
    "je tu il elle nous vous ils elles le les un une mon ma mes ton ta ses "
    "ich du er sie es wir ihr der die das den dem ein eine einen mein meine dein deine "
    "io lui lei noi voi loro il lo gli una mio mia "
    "of for from in on at by to with about and or but not so if as via per "
    "de del da do dos das des du di al au aux à con com avec mit für sur por para pour per "
    "today tomorrow tonight now asap later soon please".split()
)
"""Words that end a name after a cue: pronouns, articles, prepositions, "please" and "today"."""

_T = TypeVar("_T")


def contact_names(text: str, low: str | None = None, listed: Callable[[str], bool] | None = None,
                  score: float = 0.8) -> list[tuple[int, int, float]]:
    """(start, end, score) of each capitalised name of 2-4 words after a contact verb in ``text``.

    ``low`` is ``text.lower()`` (same length) when the caller has it; ``listed(word)`` is True for a
    word that is never part of a name (group nouns, imperatives, service words); empty for a
    lower-case text or when lower-casing moves offsets. Linear in the length of ``text``."""
    low = text.lower() if low is None else low
    if len(low) != len(text) or low == text or _PRECHECK_ANY.search(low) is None:
        return []
    out: list[tuple[int, int, float]] = []
    pos = 0
    for m in _CUE.finditer(low):
        if m.start() < pos:
            continue
        at = m.end()
        while True:
            span = _name_at(text, at, listed)
            if span is None:
                break
            out.append((span[0], span[1], score))
            pos = at = span[1]
            join = _JOIN.match(low, at)
            if join is None:
                break
            at = join.end()
    return out


def _name_at(text: str, pos: int, listed: Callable[[str], bool] | None) -> tuple[int, int] | None:
    """The capitalised name of 2-4 words starting at ``pos`` (one space or tab between words), or None."""
    start, end, words = pos, pos, 0
    while words < 4:
        m = _WORD.match(text, pos)
        if m is None or not _name_word(m.group(), listed):
            break
        end = m.end()
        words += 1
        if text[end:end + 1] not in (" ", "\t"):
            break
        pos = end + 1
    return (start, end) if words >= 2 else None


def _name_word(word: str, listed: Callable[[str], bool] | None) -> bool:
    """A word that may be part of a name: capitalised, not all capitals (``HR``, ``NHS``), not a
    stop word, not listed."""
    if not word[0].isupper() or (len(word) > 1 and word.isupper()):
        return False
    folded = word.casefold()
    return folded not in _STOP and not (listed is not None and listed(word))


def widen_persons(text: str, found: Sequence[_T], make: Callable[[_T, int], _T],
                  listed: Callable[[str], bool] | None = None) -> list[_T]:
    """``found`` (objects with ``start``, ``end``, ``label``) with each PERSON span extended over up
    to two capitalised words that follow it after one space ("Bill" + " Kill"); ``make(f, end)``
    builds the widened finding. A word after a full stop, a stop word or a listed word ends it."""
    out = []
    for f in found:
        if getattr(f, "label", None) == "PERSON":
            end = f.end  # type: ignore[attr-defined]
            for _ in range(2):
                if text[end:end + 1] != " ":
                    break
                m = _WORD.match(text, end + 1)
                if m is None or not _name_word(m.group(), listed) or text[m.end():m.end() + 1] == "@":
                    break
                end = m.end()
            if end != f.end:  # type: ignore[attr-defined]
                f = make(f, end)
        out.append(f)
    return out
