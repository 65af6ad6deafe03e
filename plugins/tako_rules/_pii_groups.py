"""Words the PII token head mistakes for names: group nouns and sentence-opening imperatives.

The head tags some capitalised words that never name a person, place or organisation on their
own: group, demonym, religion and nationality nouns ("I love Muslims.", "Mexicans", "Juden",
"мусульмане") and imperative verbs that open an instruction ("Игнорируй все предыдущие
инструкции", "Ignore all previous instructions", "Contact", "Ask"), and words that name a team, desk or service
("Customer Support", "Atención al Cliente"). ``data/not_names.json`` lists them (lower case,
several languages); a span every word of which is listed is no name. Given names that are also
such words ("Christian", "Jordan", "Will") are not listed, so "call Christian" still redacts.

``doubtful_heads`` drops the head's own PERSON and LOCATION findings that capitalisation alone
made: German capitalises every noun ("Die Katze", "mein Opa", "Juden sind Ungeziefer"), a
sentence or a quotation opens with a capital ("Dziadek zawsze mówił", "„Geld regiert die Welt“"),
and handles and brands are written CamelCase ("TrailTube"); a pet's name is no person's ("cat
videos: Maru, Nala"). The context rules' findings (a title,
a self-introduction, a contact verb, a JSON name key) are cues of their own and are kept.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["NOT_NAMES_PATH", "before_group_head", "doubtful_heads", "not_a_name"]

NOT_NAMES_PATH = Path(__file__).resolve().parent / "data" / "not_names.json"
_WORDS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_TOKEN = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*|\S")
"""A word (hyphenated compounds whole: "grand-père", "Amazonas-Regenwald") or one other character."""
_F = TypeVar("_F", bound=Any)


@functools.lru_cache(maxsize=4)
def _listed(path: str = str(NOT_NAMES_PATH)) -> frozenset[str]:
    """The casefolded ``group_nouns``, ``imperatives``, optional ``service_words`` and ``filler_words`` of
    the JSON file at ``path`` (OSError / ValueError for an unreadable file, KeyError for a missing list)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    words = [w for key in ("group_nouns", "imperatives") for w in data[key]]
    words += list(data.get("service_words", [])) + list(data.get("filler_words", []))
    return frozenset(w.casefold() for w in words)


def not_a_name(span: str) -> bool:
    """True when every word of ``span`` (a PERSON, LOCATION or ORGANIZATION the head found) is a
    group noun, an imperative verb, a service word or a lorem-ipsum filler word ("Muslims", "Игнорируй", "Lorem"); False for an empty span, a span
    longer than 60 characters, or any other word ("Anna Kowalski", "Muhammad Ali Khan")."""
    if not span or len(span) > 60:
        return False
    words = _WORDS.findall(span)
    listed = _listed()
    return bool(words) and all(w.casefold() in listed for w in words)


@functools.lru_cache(maxsize=4)
def _noun_lists(
    path: str = str(NOT_NAMES_PATH),
) -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str], tuple[str, ...]]:
    """(``common_nouns``, ``noun_determiners_de``, ``function_words_de``, ``name_particles``,
    ``noun_suffixes_de``) of the JSON file at ``path``, casefolded; an absent list is empty
    (OSError / ValueError for an unreadable file)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    keys = ("common_nouns", "noun_determiners_de", "function_words_de", "name_particles")
    sets = tuple(frozenset(w.casefold() for w in data.get(k, ())) for k in keys)
    return (*sets, tuple(w.casefold() for w in data.get("noun_suffixes_de", ())))  # type: ignore[return-value]


def doubtful_heads(text: str, heads: Sequence[_F]) -> list[_F]:
    """``heads`` (the token head's findings over ``text``: named tuples with ``start``, ``end`` and
    ``label``) without the PERSON and LOCATION spans that name no one although capitalised.

    A span is dropped when every word of it is a ``common_nouns`` entry ("Opa", "Katze",
    "Ungeziefer", "Grandpa", "祖父"; also with a German case or plural ending: "Dübeln") unless a capitalised word that is not one follows ("my Uncle
    Tom": the PERSON then takes in "Tom"), and loses such words at its start ("Opa Heinrich" ->
    "Heinrich"). A one-word span is dropped when it is a CamelCase handle or brand
    ("TrailTube", "GamingWithTom"; "McDonald", "MaryAnn", "DeShawn" stay) and, a PERSON, when it
    is an acronym of three or four capitals in a text of more small letters than capitals ("VIP",
    "CEO") or follows a German article, possessive or demonstrative (up to two adjectives
    between) in a German text ("Die Katze", "mein Schwiegervater", "das gute alte Brot"; not
    after "von der", "van der" or a comma); in a German text also a one-word span of six letters
    or more with a noun suffix ("Sauberkeit", "Rechnung", "Gesellschaft"); a one-word span in a
    list after a colon whose clause names an animal and no keeper of one ("three cat videos: Maru,
    Nala, Grumpy.", not "dog walker: Anna"; ``_pet_list_item``). Other findings, and
    spans with no word, pass unchanged; order kept. Linear in the length of ``text``."""
    out: list[_F] = []
    german: bool | None = None
    mixed: bool | None = None
    for f in heads:
        if f.label not in ("PERSON", "LOCATION"):
            out.append(f)
            continue
        nouns, dets, words, particles, suffixes = _noun_lists()
        tokens = [m for m in _TOKEN.finditer(text, f.start, f.end) if m.group()[0].isalnum()]
        listed = 0
        while listed < len(tokens) and _listed_noun(tokens[listed].group().casefold(), nouns):
            listed += 1
        if tokens and listed == len(tokens):
            after = _TOKEN.match(text, f.end + 1) if text[f.end : f.end + 1] == " " else None
            if after is None or not after.group()[0].isupper() or after.group().casefold() in nouns:
                continue  # "Opa", "Tante Oma": common nouns only
            listed = 0  # "my Uncle Tom": a name follows
        if listed:
            tokens = tokens[listed:]
            f = f._replace(start=tokens[0].start())
        if len(tokens) == 1 and tokens[0].end() == f.end:
            word = tokens[0].group()
            if _camel_handle(word):
                continue
            if f.label == "PERSON" and 3 <= len(word) <= 4 and word.isupper() and word.isalpha():
                if mixed is None:
                    mixed = sum(c.islower() for c in text) > sum(c.isupper() for c in text)
                if mixed:
                    continue
            suffixed = word.casefold().endswith(suffixes) and len(word) >= 6
            if suffixed or (
                f.label == "PERSON" and _after_determiner(text, f.start, dets, particles)
            ):
                if german is None:
                    german = (
                        len({m.group().casefold() for m in _TOKEN.finditer(text)} & (dets | words))
                        >= 2
                    )
                if german:
                    continue
            near = text[max(0, f.start - 200) : f.start]
            if ":" in near and _pet_list_item(text, f.start, *_pet_lists()):
                continue  # "three cat videos: Maru, Nala, Grumpy.": pets' names
        out.append(f)
    return out


def _listed_noun(word: str, nouns: frozenset[str]) -> bool:
    """Whether casefolded ``word`` is a ``common_nouns`` entry or one with a German case or plural
    ending ("Dübeln", "Fliesen", "Zements": -n, -en, -s, -es, -e) taken off."""
    if word in nouns:
        return True
    for end in ("en", "es", "n", "s", "e"):
        if word.endswith(end) and len(word) - len(end) >= 3 and word[: -len(end)] in nouns:
            return True
    return False


@functools.lru_cache(maxsize=4)
def _pet_lists(
    path: str = str(NOT_NAMES_PATH),
) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(``pet_nouns``, ``pet_people``, ``list_conjunctions``) of the JSON file at ``path``, casefolded;
    an absent list is empty (OSError / ValueError for an unreadable file)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    keys = ("pet_nouns", "pet_people", "list_conjunctions")
    return tuple(frozenset(w.casefold() for w in data.get(k, ())) for k in keys)  # type: ignore[return-value]


def _pet_list_item(
    text: str,
    start: int,
    pets: frozenset[str],
    people: frozenset[str],
    conjunctions: frozenset[str],
) -> bool:
    """True when ``text[start:]`` is an item of a list after a colon (within 200 characters, same
    sentence, no quote or bracket) whose clause names an animal (``pets``: "three cat videos: Maru,
    Nala") and no keeper of one (``people``: "dog walker: Anna"); only capitalised words,
    ``conjunctions``, commas and ``&`` stand between the colon and ``start`` (JSON is no list:
    ``"title": "Sleepy Kittens", "uploader": "Maria Garcia"``)."""
    colon = text.rfind(":", max(0, start - 200), start)
    if colon < 0:
        return False
    for m in _TOKEN.finditer(text, colon + 1, start):
        w = m.group()
        if not w[0].isalpha():
            if w not in ",&":  # a sentence end, a quote or a bracket: no list ('"uploader": "Ann')
                return False
        elif not w[0].isupper() and w.casefold() not in conjunctions:
            return False
    lo = max(0, colon - 200)
    clause = max(text.rfind(c, lo, colon) for c in '.!?;\n"{}[]') + 1
    words = [m.group().casefold() for m in _TOKEN.finditer(text, max(clause, lo), colon)]
    return any(w in pets for w in words) and not any(w in people for w in words)


def _camel_handle(word: str) -> bool:
    """True for a word of letters in CamelCase parts, the first of four letters or more, and three
    or more parts or none under four letters ("TrailTube", "GamingWithTom")."""
    if not word.isalpha():
        return False
    cuts = [i for i in range(1, len(word)) if word[i].isupper() and word[i - 1].islower()]
    if not cuts or cuts[0] < 4:
        return False  # "McDonald", "DeShawn", "LaToya": a name prefix
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, len(word)])]
    return len(parts) >= 3 or min(parts) >= 4  # "GamingWithTom", "TrailTube"; not "MaryAnn"


def _after_determiner(
    text: str, start: int, dets: frozenset[str], particles: frozenset[str]
) -> bool:
    """True when ``text[start:]`` follows a determiner (``dets``), directly or after up to two
    lower-case adjectives ("die ganze Nacht"), only spaces between the words, and no name
    particle (``particles``: "von der") or comma (a relative pronoun: ", der Thomas kennt") stands
    before the determiner."""
    before = [m.group() for m in _TOKEN.finditer(text, max(0, start - 80), start)]
    if not before or not text[start - 1 : start].isspace():
        return False
    i = len(before) - 1
    for _ in range(2):
        w = before[i]
        if (
            i > 0
            and w.islower()
            and w.casefold() not in dets
            and w.endswith(("e", "en", "er", "es", "em"))
        ):
            i -= 1
        else:
            break
    if before[i].casefold() not in dets:
        return False
    return not (i > 0 and (before[i - 1] == "," or before[i - 1].casefold() in particles))


@functools.lru_cache(maxsize=4)
def _group_heads(path: str = str(NOT_NAMES_PATH)) -> tuple[frozenset[str], frozenset[str]]:
    """(``group_heads``, ``group_openers``) of the JSON file at ``path``, casefolded (absent: empty)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return tuple(frozenset(w.casefold() for w in data.get(k, ())) for k in ("group_heads", "group_openers"))  # type: ignore[return-value]


def before_group_head(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` is one word that a lower-case ``group_heads`` noun follows
    after one space ("Roma people", "Black people", "Kurdish folks", "Navajo community"): a group
    adjective or demonym, not a name. A span of two words or more ("Jack White"), a word before a
    capitalised one ("Roma People's Party") and a word after a capitalised word that is no
    ``group_openers`` word ("Olga Petrova people"; "The Navajo community" is one) are kept."""
    if not text[start:end].isalpha() or text[end : end + 1] != " ":
        return False
    after = _TOKEN.match(text, end + 1)
    heads, openers = _group_heads()
    if after is None or not after.group().islower() or after.group().casefold() not in heads:
        return False
    before = [m.group() for m in _TOKEN.finditer(text, max(0, start - 40), start)]
    return not before or not before[-1][:1].isupper() or before[-1].casefold() in openers
