"""Content-free input: text that carries no request a model guard could judge.

A text is content-free when, after normalisation, it holds no letter or digit, and no emoji that
an algospeak lexicon lists as a code ("❄️ plug?" is not content-free; "👍" and "🔥🔥🔥" are).
Normalisation is NFKC with variation selectors dropped and, for short texts (up to
``SHORT_CHARS`` characters), the removal of what carries no request:

- chit-chat tokens in the product's languages: laughter (``lol``, ``lmaooo``, ``jajaja``,
  ``kkkk``, ``mdr``, ``wkwk``, ``ㅋㅋ``, ``哈哈``, ``хаха``), hesitation and reactions (``huh``,
  ``hmm``, ``bruh``), greetings and yes/no (``hi``, ``hola``, ``bonjour``, ``привет``,
  ``你好``, ``はい``), keyboard mashes (``asdf``, ``aaaaaa``) and ``test``;
- emoticons and kaomoji (``:)``, ``<3``, ``T_T``, ``¯\\_(ツ)_/¯``);
- maths: a text with an operator (``+ = × ÷ ∫ ∑ √ ^ ≤``, ``*`` between numbers, or a word such
  as ``times``/``plus``/``por``/``mal``/``加``) loses its numbers, single-letter variables,
  differentials (``dx``), function names (``sin``, ``log``) and the words that glue a formula
  together (``what is``, ``from``, ``to``, ``solve``).

Anything else (a real word, a number outside a formula, a code emoji, Unicode tag characters
that smuggle text) makes the text contentful. The normalize rail of ``tako_rules`` decides on its
detection view with its lexicon's emoji as codes; a stage without a normalising rail gets the
core's decision on the raw text (no lexicon: no emoji is a code). See docs/wrapping.md.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Collection, Iterator
from typing import NamedTuple

__all__ = ["SHORT_CHARS", "is_content_free"]

SHORT_CHARS = 280
"""Chit-chat and formulas are only looked for in texts up to this many characters."""

_ALNUM = re.compile(r"[^\W_]")
"""A letter or digit of any script (``str.isalnum``)."""
_SELECTORS = str.maketrans("", "", "\ufe0e\ufe0f")
_TAG_CHARS = re.compile("[\U000e0000-\U000e007f]")
_EMOTICON_HINT = ":;=<>^_.()\u0304ʕ•"

_CHIT_CHAT = """
hi hey hello hiya heya yo sup gm gn morning evening night afternoon good there anyone test testing
ok okay okie okey k kk yes yeah yea yep yup ya no nope nah sure cool nice thanks thx ty tysm np
idk ikr fr ngl bruh bro nvm brb same maybe mhm wait what why huh hm omg omfg wtf smh lol uwu owo
hola buenas buenos dias sí sì si vale nada qué que ola ase gracias bueno claro jsjs
oi olá tudo bem sim não nao blz valeu obrigado obrigada rsrs kkk
salut bonjour bonsoir coucou oui non bof quoi merci mdr ptdr
hallo moin servus ja nein hä tschüss danke doch genau
ciao buongiorno boh grazie
halo hai iya gak nggak enggak p wkwk makasih
merhaba selam evet hayır tamam
привет да нет ну ок ага спасибо
こんにちは おはよう こんばんは はい いいえ えっ うん ありがとう
안녕 안녕하세요 네 아니 아니요 응 ㅇㅇ 감사합니다
你好 嗨 嗯 好 好的 在吗 谢谢 是 对 哦
مرحبا السلام عليكم نعم لا اهلا شكرا
नमस्ते हाँ हां नहीं हेलो धन्यवाद
xin chào ừ không vâng cảm ơn
สวัสดี สวัสดีครับ สวัสดีค่ะ ครับ ค่ะ ไม่ ขอบคุณ
"""
_ELONGATED = (
    r"l+o+l+(?:o+l+)*|l+m+f*a+o+|r+o+f+l+|x+d+|(?:[hj]+[aeiou]+){2,}h*|a?(?:ha)+h?|h+e+h+|k{3,}|w{3,}"
    r"|(?:js|sj)+j?s?|(?:rs)+|m+d+r+|p+t+d+r+|(?:wk)+w?|(?:awok)+|5{3,}|23{3,}|6{3,}"
    r"|h+u+h+|h+m+|u+m+|u+h+|e+r+m+|e+h+|a+h+|o+h+|a+w+|e+w+|w+o+w+|w+h+o+a+|o+o+p+s+|u+g+h+|m+e+h+"
    r"|y+a+y+|y+e+s+|n+o+|o+k+|h+i+|h+e+y+|h+e+l+o+|b+r+u+h+|o+m+g+"
    r"|(.)\1{3,}|(?:asdf|qwer|zxcv)[a-z]*|qwerty[a-z]*"
    r"|[ㅋᄏ]{2,}|[ㅇᄋ]{2,}|[ㅎᄒ]{2,}|[ㅠㅜᅲᅮ]{2,}|哈{2,}|呵{2,}|嘻{2,}|笑|草"
    r"|а?(?:ха)+х?|х+е+х+|х+м+|ه{3,}|(?:हा)+|(?:ฮ่า)+"
)
_KAOMOJI_TABLE = str.maketrans("", "", "ツシノﾉロづつงʖᴥʕʔーωεДдσ∀ಠ益皿ᗜ๑ヽ･ｏoº")

_MATH_SYMBOL = (
    r"[+^=<>±×÷√∛∜∫∬∭∮∑∏∂∆∇∞≈≠≤≥≡∝→←↔⇒∈∉⊂⊃∪∩∠°%·⋅∘]|[\d)]\s*[*!]|\*\s*[\d(]"
    r"|\b(?:log|ln|lg|sin|cos|tan|sqrt|exp|abs)\d*\s*\("
)
_MATH_GLUE = """
sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh log ln lg exp sqrt lim max min mod gcd lcm
det sum prod int abs pi inf infinity choose prime mean average percent power square squared cube cubed
root integral derivative limit decimal fraction convert
what whats is are of from to for and the solve simplify calculate compute evaluate find equals equal
plus minus times over divided by into
cuánto cuanto es por más mas menos entre dividido combien font fait fois moins divisé par
was ist mal geteilt durch quanto é vezes mais berapa kali tambah kurang bagi
сколько будет умножить на плюс минус разделить
かける たす ひく わる は
곱하기 더하기 빼기 나누기 는 은
kaç karekökü nhân bằng mấy cộng trừ chia
गुणा कितना होता है
加 减 乘 除 等于 等 于 几 多少 一 二 三 四 五 六 七 八 九 十 百
"""
_MATH_OPERATORS = """
times plus minus divided over power squared cubed root percent choose integral derivative mod
por más mas menos dividido fois moins divisé mal geteilt durch vezes mais kali tambah kurang bagi
умножить плюс минус разделить かける たす ひく わる 곱하기 더하기 빼기 나누기 karekökü nhân cộng trừ chia
गुणा 加 减 乘 除
"""
_EMOTICON = (
    r"(?<!\w)(?:[:;=8][-o^']?[()\[\]dDpP/\\|*3oO0$@]+|</?3+|[xX][dD]+|\^_*\^|[tT]_+[tT]|[oO][._]+[oO]"
    r"|-_+-|>[._]<|\._+\.)(?!\w)"
)
_HAN = re.compile(r"[\u4e00-\u9fff]")


class _Tables(NamedTuple):
    chit_chat: frozenset[str]
    elongated: re.Pattern[str]
    emoticon: re.Pattern[str]
    emoticon_hint: re.Pattern[str]
    math_symbol: re.Pattern[str]
    math_token: re.Pattern[str]
    numberish: re.Pattern[str]
    glue: frozenset[str]
    operators: frozenset[str]


@functools.lru_cache(maxsize=1)
def _tables() -> _Tables:
    """The word sets and patterns, built on first use (not at import)."""
    return _Tables(
        chit_chat=frozenset(_CHIT_CHAT.split()),
        elongated=re.compile(_ELONGATED, re.IGNORECASE),
        emoticon=re.compile(_EMOTICON),
        emoticon_hint=re.compile(f"[{re.escape(_EMOTICON_HINT)}]"),
        math_symbol=re.compile(_MATH_SYMBOL),
        math_token=re.compile(r"[a-zα-ω]|d[a-zα-ω]|e[a-zα-ω]", re.IGNORECASE),
        numberish=re.compile(r"[\d\u4e00-\u9fff]"),
        glue=frozenset(_MATH_GLUE.split()),
        operators=frozenset(_MATH_OPERATORS.split()),
    )


def is_content_free(text: str, codes: Collection[str] = ()) -> bool:
    """True when ``text`` carries no letter, digit or code emoji after normalisation.

    ``codes``: emoji (or other letterless strings) that a lexicon lists as codes; any of them in
    the text makes it contentful (variation selectors are ignored on both sides). Linear in the
    length of the text; never raises on any str.
    """
    if not text or text.isspace():
        return True
    if len(text) > SHORT_CHARS and _ALNUM.search(text):
        return False  # a long text with a letter or digit: no normalisation needed to tell
    view = text
    if not text.isascii():
        if _TAG_CHARS.search(text):
            return False  # tag characters can smuggle a whole instruction
        view = unicodedata.normalize("NFKC", text).translate(_SELECTORS)
    if not _letterless(view):
        return False
    return not (codes and any(c and c.translate(_SELECTORS) in view for c in codes))


def _words(view: str) -> Iterator[str]:
    """Words of ``view``: runs of letters, digits and combining marks, split where the script
    changes between digits and letters (``12かける8`` -> ``12``, ``かける``, ``8``)."""
    for raw in view.split():
        if raw.isalnum():
            chunk = raw
        else:
            chunk = "".join(c if c.isalnum() or unicodedata.category(c)[0] == "M" else " " for c in raw)
        for word in chunk.split():
            if not word.isalnum() and not any(c.isalnum() for c in word):
                continue  # combining marks alone (drawn kaomoji)
            yield from re.findall(r"\d+|\D+", word) if not word.isalpha() and not word.isdigit() else (word,)


def _letterless(view: str) -> bool:
    if _ALNUM.search(view) is None:
        return True
    if len(view) > SHORT_CHARS:
        return False
    tables = _tables()
    if tables.emoticon_hint.search(view):
        view = tables.emoticon.sub(" ", view)
        if ("(" in view or "ʕ" in view or "\u0304" in view) and sum(not c.isalnum() and not c.isspace() for c in view) >= 2:
            view = view.translate(_KAOMOJI_TABLE)  # the letters a kaomoji is drawn with
    maths: bool | None = None  # looked up only once a word is not chit-chat
    for word in _words(view):
        kind = _word_kind(word.lower())
        if kind == _CHIT_CHAT_WORD:
            continue
        if kind == _REAL_WORD:
            return False  # a real word: no need to look for a formula
        if maths is None:
            maths = _is_formula(view, tables)
        if not maths:
            return False
    return True


_CHIT_CHAT_WORD, _MATH_WORD, _REAL_WORD = 0, 1, 2


@functools.lru_cache(maxsize=4096)
def _word_kind(low: str) -> int:
    """What a lower-cased word is to ``_letterless``: chit-chat or laughter (skipped), a word a
    formula may hold, or a real word. Remembered: most texts are decided by their first word, and
    first words repeat ("what", "how", "can")."""
    tables = _tables()
    if low in tables.chit_chat or tables.elongated.fullmatch(low):
        return _CHIT_CHAT_WORD
    return _MATH_WORD if _math_word(low, tables) else _REAL_WORD


def _is_formula(view: str, tables: _Tables) -> bool:
    if tables.math_symbol.search(view):
        return True
    if tables.numberish.search(view) is None:
        return False
    words = [w.lower() for w in _words(view)]
    return any(w.isdigit() or _HAN.match(w) for w in words) and any(
        w in tables.operators or (_HAN.match(w) and any(c in tables.operators for c in w)) for w in words
    )


def _math_word(word: str, tables: _Tables) -> bool:
    if word in tables.glue or word.isdigit():
        return True
    if _HAN.match(word):
        return all(c in tables.glue for c in word) or word in tables.glue
    return tables.math_token.fullmatch(word) is not None
