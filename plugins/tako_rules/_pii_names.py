"""Context rules for names: a person's name after "my name is" (in 18 languages), a title or a
contact verb.

They need no model and back the token head up (and stand in for it where the encoder gives no
token states). A name is taken after a self-introduction ("my name is", "ich heiße", "je
m'appelle", "меня зовут", "我叫", "제 이름은", ...) or a title ("Mr.", "Frau", "Mme", "Sr.",
"Dr.", ...): up to three words, capitalised unless the whole text is lower case. A capitalised
name of two to four words after a contact verb ("Contact Maria Garcia", "llama a Rosa Blanco";
``_pii_person.contact_names``) is taken too (0.8).
"""

from __future__ import annotations

import re

from tako_rules._pii_groups import not_a_name
from tako_rules._pii_person import contact_names
from tako_rules._trie import trie_pattern

__all__ = ["NameRules"]

_INTRO_LATIN = (
    r"my name is|my name's|my full name is|i am called|name:|full name:|"
    r"ich hei(?:ß|ss)e|mein name ist|je m'appelle|je m’appelle|mon nom est|je suis|me llamo|mi nombre es|"
    r"mi chiamo|il mio nome è|meu nome é|me chamo|mijn naam is|ik heet|nazywam się|mam na imię|"
    r"benim adım|adım|nama saya|nama aku|tên tôi là|tôi tên là|tên mình là|mình tên là|i'm|i’m"
)
_INTRO_OTHER = r"меня зовут|моё имя|мое имя|اسمي|मेरा नाम"
_TITLES = (
    r"mr|mrs|ms|miss|mx|dr|prof|sir|madam|herr|frau|hr(?=\.)|fr(?=\.)|m(?=\.)|mme|mlle|monsieur|madame|"
    r"sr|sra|srta|señor|señora|sig(?=\.)|signor|signora|dott(?=\.)|pan|pani|bay|bayan|sayın|bapak|pak|ibu|"
    r"anh|chị|ông|bà|господин|госпожа|г-н|г-жа"
)
_WORD_CAP = r"[^\W\d_][\w'’\-]*"
_STOP = frozenset(
    "and or but the a an from in at on to of for with from here there not so very just also going trying "
    "looking happy sorry fine ok okay und oder aus in bei mit et ou de du des le la les y o en con di da e é "
    "und ich bin je suis i am is was has had will lives live lived works suite apt apartment unit street "
    "road avenue st rd ave box".split()
)


_HINTS = (
    "name", "i'm", "i’m", "i am", "heiß", "heiss", "appel", "nom ", "je suis", "llamo", "chiamo", "nome", "heet",
    "nazywam", "imię", "adım", "nama", "tên", "call", "named", "known as", "зовут", "имя", "اسمي", "नाम",
    "我叫", "名字", "名前", "이름", "저는", "ชื่อ",
)
"""Substrings one of which every self-introduction holds (a C-speed pre-check before the patterns)."""


class NameRules:
    """Finds names after self-introductions and titles; (start, end, score) per name."""

    def __init__(self) -> None:
        self._intro_latin = re.compile(rf"(?<!\w)(?:{_INTRO_LATIN})[ \t]*:?[ \t]+")
        self._intro_cap = re.compile(r"(?<!\w)(?:call me|called me|named|known as|maiden name (?:is|was)|nickname is|"
                                     r"surname is|last name is|first name is)[ \t]+")
        """Cues whose name must be capitalised (``call me Mark``, not ``call me maybe``)."""
        self._intro_other = re.compile(rf"(?:{_INTRO_OTHER})[ \t]*:?[ \t]*")
        self._title = re.compile(rf"(?<![\w.])(?:{_TITLES})\.?[ \t]+(?=[^\W\d_])")
        capitalised = "|".join(t[:1].upper() + t[1:] for t in _TITLES.split("|") if t[:1].isalpha())
        self._title_cap = re.compile(rf"(?:{capitalised})\.?[ \t]+(?=[^\W\d_])")
        """Titles as people write them in mixed-case text (``Mr.``, ``Frau``), scanned case-sensitively
        (a literal-prefix scan, several times faster than the lower-case pattern over every letter)."""
        self._word = re.compile(_WORD_CAP)
        self._hint = re.compile(trie_pattern(_HINTS, space=" "))
        """Finds one of ``_HINTS`` in a single scan."""
        self._cjk = re.compile(
            r"(?:我叫|我的名字是|我名叫|私の名前は|わたしの名前は|僕の名前は|제 이름은|저는|내 이름은|ฉันชื่อ|ผมชื่อ|ดิฉันชื่อ)"
            r"[ \t]*([\u4e00-\u9fff\u3040-\u30ff가-힣\u0e00-\u0e7f]{1,12}?)"
            r"(?=です|と申します|이에요|예요|입니다|이고|야|ครับ|ค่ะ|[ \t,.!?。，、！？]|$)"
        )

    def find(self, text: str, low: str | None = None) -> list[tuple[int, int, float]]:
        """(start, end, confidence) of each name found by a rule; ``low`` is ``text.lower()``.

        A self-introduction is a strong cue (0.95, above the head's typical confidence, so "my
        maiden name is Kappel" stays a name); a title 0.9."""
        low = text.lower() if low is None else low
        if len(low) != len(text):
            return []  # lower-casing moved offsets (a Turkish İ, say): the head and patterns still run
        lower_text = text == low
        out: list[tuple[int, int, float]] = [] if lower_text else contact_names(text, low, not_a_name)
        if self._hint.search(low) is None:
            return self._titles(text, low, lower_text, out)
        for m in self._intro_latin.finditer(low):
            span = self._words(text, m.end(), need_cap=not lower_text, max_words=3)
            if span and not (m.group().lower().startswith(("i'm", "i’m", "je suis", "adım")) and not _capitalised(text, span)):
                out.append((*span, 0.95))
        for m in self._intro_cap.finditer(low):
            cue = m.group()
            relaxed = lower_text and ("name" in cue)
            span = self._words(text, m.end(), need_cap=not relaxed, max_words=2)
            if span:
                out.append((*span, 0.9))
        for m in self._intro_other.finditer(text):
            span = self._words(text, m.end(), need_cap=False, max_words=2)
            if span:
                out.append((*span, 0.95))
        return self._titles(text, low, lower_text, out)

    def _titles(self, text: str, low: str, lower_text: bool, out: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
        for m in (self._title.finditer(low) if lower_text else self._title_cap.finditer(text)):
            if m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_."):
                continue  # inside a word ("AMr. X") or after a dot
            dotted = "." in m.group()
            span = self._words(text, m.end(), need_cap=not (dotted and lower_text), max_words=3)
            if span:
                out.append((*span, 0.9))
        for m in self._cjk.finditer(text):
            if m.end(1) > m.start(1):
                out.append((m.start(1), m.end(1), 0.95))
        return out

    def _words(self, text: str, pos: int, *, need_cap: bool, max_words: int) -> tuple[int, int] | None:
        start = end = None
        count = 0
        while count < max_words:
            m = self._word.match(text, pos)
            if m is None:
                break
            word = m.group()
            if word.lower() in _STOP or (need_cap and not word[0].isupper()):
                break
            if start is None:
                start = m.start()
            end = m.end()
            count += 1
            gap = re.match(r"[ \t]+", text[end:end + 3])
            if gap is None:
                break
            pos = end + gap.end()
        return (start, end) if start is not None and end is not None else None


def _capitalised(text: str, span: tuple[int, int]) -> bool:
    return text[span[0]].isupper()
