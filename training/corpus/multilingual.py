"""Multilingual sources: MultiJail, XSafety (NC), Tatoeba sentences, XQuAD questions and paragraphs."""

from __future__ import annotations

import ast
import csv
import json
import random
import re
from pathlib import Path

from training.corpus.records import (
    ISO3,
    SERVED_LANGUAGES,
    TRAIN_DIR,
    Record,
    rec,
    sample,
    text_hash,
)

_MULTIJAIL_TAGS = {
    "Violence & incitement": {"violence"},
    "Terrorism & organized crime": {"violence"},
    "Weapons": {"violence", "illicit"},
    "Hate speech & offensive language": {"hate"},
    "Discrimination & injustice": {"hate"},
    "Bullying & harassment": {"harassment"},
    "Adult content": {"sexual"},
    "Sexual exploitation & human trafficking": {"sexual", "illicit"},
    "Self-harm": {"self_harm"},
    "Theft": {"illicit"},
    "Fraud & deception": {"illicit"},
    "Substance abuse & banned substances": {"illicit"},
    "Property crime & vandalism": {"illicit"},
    "Soliciting personally identifiable information": {"privacy"},
    "Animal abuse": {"violence"},
}
"""MultiJail tags -> categories; misinformation and "non-violent unethical behaviour" have none
(rows tagged only with those are left out)."""
MULTIJAIL_LANGS = ("en", "zh", "it", "vi", "ar", "ko", "th", "bn", "sw", "jv")


def load_multijail(path: Path = TRAIN_DIR / "multijail" / "MultiJail.csv") -> list[Record]:
    """Harmful requests, human-translated into 9 languages; the 10 versions share a group."""
    out = []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        for r in csv.DictReader(fh):
            labels: set[str] = set()
            for tag in ast.literal_eval(r["tags"]):
                labels |= _MULTIJAIL_TAGS.get(tag, set())
            if not labels:
                continue
            for lang in MULTIJAIL_LANGS:
                if r[lang].strip():
                    out.append(rec(r[lang], labels, "multijail", "multijail", lang=lang,
                                   kind="harmful_request", group=f"multijail:{r['id']}"))
    return out


_XSAFETY = {
    "Insult": ["harassment"], "Unfairness_And_Discrimination": ["hate"],
    "Crimes_And_Illegal_Activities": ["illicit"], "Physical_Harm": ["violence"],
    "Mental_Health": ["self_harm"], "Goal_Hijacking": ["prompt_injection"],
    "Prompt_Leaking": ["prompt_injection"], "Role_Play_Instruction": ["jailbreak"],
    "Reverse_Exposure": ["jailbreak"], "Unsafe_Instruction_Topic": ["jailbreak"],
    "Inquiry_With_Unsafe_Opinion": ["jailbreak"], "Privacy_And_Property": ["privacy"],
    "commonsense": [],
}
_XSAFETY_LANG = {"sp": "es"}


def load_xsafety(root: Path = TRAIN_DIR / "xsafety_multilingual") -> list[Record]:
    """NC (research variant only). Weak file-level labels; line-aligned translations share a group."""
    out = []
    for lang_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        lang = _XSAFETY_LANG.get(lang_dir.name, lang_dir.name)
        for f in sorted(lang_dir.glob("*.csv")):
            name = f.stem.removesuffix("_en").removesuffix("_n")
            if name not in _XSAFETY:
                continue
            with f.open(newline="", encoding="utf-8-sig") as fh:
                for i, row in enumerate(csv.reader(fh)):
                    if row and row[0].strip():
                        out.append(rec(row[0], _XSAFETY[name], "xsafety", "xsafety", lang=lang,
                                       kind=f"xsafety_{name.lower()}", group=f"xsafety:{name}:{i}"))
    return out


UNLABELLED_HARM = re.compile(
    r"\b(i'?ll|i will|i'?m going to|i am going to|gonna|we'?ll)\s+(kill|murder|shoot|stab|strangle|hurt|beat|punch"
    r"|slap|choke|break your)\b|\b(kill|murder|shoot|stab|strangle|hang|drown)\s+(you|yourself|myself|him|her|them)\b"
    r"|\byou'?re (dead|an idiot|a moron|stupid|ugly|worthless)\b|\b(fuck\w*|bitch\w*|cunt|whore|slut|bastard|faggot"
    r"|nigg\w*|retard\w*)\b|\bi hate you\b|\bwant(ed)? to die\b|\bsuicide\b|\brape\w*\b", re.I)
"""English sides that Tatoeba's unlabelled pool must not teach as benign: threats ("I'll kill you."),
insults and slurs, profanity, suicide. 194 of its 87,232 English sides match; the sentence and every
translation of it are left out."""


def load_tatoeba(root: Path = TRAIN_DIR / "tatoeba_laser_multilingual", per_served: int = 450,
                 per_other: int = 50, english: int = 1500) -> list[Record]:
    """Everyday sentences in 112 languages, all benign: ``per_served`` per served language (the
    16 of DESIGN.md plus he, fa, uk, pl, nl, el, bn), ``per_other`` for the rest, and
    ``english`` English sides. A sentence and its English side share a group. Sentences whose
    English side matches ``UNLABELLED_HARM`` are left out, so a threat is never taught as benign."""
    rng = random.Random(5)
    wide = set(SERVED_LANGUAGES) | {"he", "fa", "uk", "pl", "nl", "el", "bn"}
    out: list[Record] = []
    english_pool: list[Record] = []
    for f in sorted(root.glob("tatoeba.*-eng.*")):
        code3 = f.name.split(".")[1].split("-")[0]
        if f.suffix == ".eng":
            continue
        lang = ISO3.get(code3, code3)
        lines = f.read_text(encoding="utf-8").splitlines()
        eng = (root / f"tatoeba.{code3}-eng.eng").read_text(encoding="utf-8").splitlines()
        n = per_served if lang in wide else per_other
        for i in sorted(rng.sample(range(len(lines)), min(n, len(lines)))):
            if i < len(eng) and UNLABELLED_HARM.search(eng[i]):
                continue
            group = f"tatoeba:{code3}:{i}"
            out.append(rec(lines[i], [], "tatoeba", "tatoeba", lang=lang, kind="sentence", group=group))
            if i < len(eng):
                english_pool.append(rec(eng[i], [], "tatoeba", "tatoeba", lang="en", kind="sentence",
                                        group=group))
    return out + sample(english_pool, english, "tatoeba_eng")


def xquad_paragraphs(root: Path = TRAIN_DIR / "xquad_multilingual") -> list[tuple[str, str, str]]:
    """(lang, paragraph id, context) of every XQuAD paragraph."""
    out = []
    for f in sorted(root.glob("xquad.*.json")):
        lang = f.name.split(".")[1]
        for a, art in enumerate(json.loads(f.read_text(encoding="utf-8"))["data"]):
            for p, para in enumerate(art["paragraphs"]):
                out.append((lang, f"{a}:{p}", para["context"]))
    return out


def load_xquad(root: Path = TRAIN_DIR / "xquad_multilingual", questions_per_lang: int = 450,
               paragraphs_per_lang: int = 60) -> list[Record]:
    """Questions (benign queries; one group per question id across languages) and paragraphs
    (clean retrieved documents; one group per paragraph across languages), in 12 languages."""
    rng = random.Random(9)
    out: list[Record] = []
    for f in sorted(root.glob("xquad.*.json")):
        lang = f.name.split(".")[1]
        qs = [(qa["id"], qa["question"]) for art in json.loads(f.read_text(encoding="utf-8"))["data"]
              for para in art["paragraphs"] for qa in para["qas"]]
        for qid, q in sample(qs, questions_per_lang, f"xquad_q:{lang}"):
            out.append(rec(q, [], "xquad_question", "xquad", lang=lang, kind="question", group=f"xquad_q:{qid}"))
    paras = xquad_paragraphs(root)
    by_id: dict[str, list[tuple[str, str]]] = {}
    for lang, pid, ctx in paras:
        by_id.setdefault(pid, []).append((lang, ctx))
    for pid in rng.sample(sorted(by_id), min(paragraphs_per_lang, len(by_id))):
        for lang, ctx in by_id[pid]:
            out.append(rec(ctx, [], "xquad_paragraph", "xquad", lang=lang, kind="doc_clean",
                           group=f"xquad_p:{pid}"))
    return out


def carrier_paragraphs(exclude_groups: set[str] | None = None) -> list[tuple[str, str, str]]:
    """XQuAD paragraphs to plant injections in: (lang, group, text), skipping ``exclude_groups``."""
    out = []
    for lang, pid, ctx in xquad_paragraphs():
        group = f"xquad_p:{pid}"
        if not exclude_groups or group not in exclude_groups:
            out.append((lang, group, ctx))
    return out


def lang_of(text: str) -> str:
    """Best-effort language code of ``text`` (py3langid; ``und`` when it is not installed)."""
    try:
        import py3langid
    except ImportError:  # pragma: no cover
        return "und"
    code, _ = py3langid.classify(text)
    return {"ms": "id"}.get(code, code)


def relabel_languages(rows: list[Record]) -> None:
    """Fill ``lang`` of rows marked ``und`` (multilingual sources without a language column)."""
    for r in rows:
        if r["lang"] == "und":
            r["lang"] = lang_of(r["text"])


def text_group(text: str) -> str:
    """A group for a text without a natural one."""
    return f"text:{text_hash(text)}"
