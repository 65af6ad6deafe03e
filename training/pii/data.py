"""Span-labelled rows for the PII head and its evaluation.

A row is ``{"text", "spans": [(start, end, LABEL)], "source", "group", "lang"}`` with labels in
the guard's names. Sources:

- ``presidio``: train/presidio_pii (MIT), split by ``template_id``: 20% of the templates are the
  held-out yardstick (never trained on), the rest is training material;
- ``faker``: templated rows in 18 languages (``training.pii.synth``), with a held-out share;
- ``benign``: real questions with no personal data (NQ-open, CLINC150, XQuAD questions in 12
  languages) and the reviewed benign queries and chat in 26 languages
  (``training/data/reviewed/ml_benign_*.jsonl``: greetings, searches, requests; no personal
  data), all ``O``: public figures, places and brands in questions are not PII.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

__all__ = [
    "GOLD_MAP", "HEAD_LABELS", "PRESIDIO", "TRAIN_DIR", "benign_rows", "presidio_rows", "presidio_split",
    "token_tags",
]

REPO = Path(__file__).resolve().parents[2]
TRAIN_DIR = REPO.parent / "shared" / "datasets" / "train"
REVIEWED_BENIGN = tuple(sorted((REPO / "training" / "data" / "reviewed").glob("ml_benign_*.jsonl")))
"""Reviewed benign rows in 26 languages (no personal data): PII-free material beyond English."""
PRESIDIO = TRAIN_DIR / "presidio_pii"

GOLD_MAP = {
    "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "CREDIT_CARD": "CREDIT_CARD", "IBAN_CODE": "IBAN",
    "US_SSN": "US_SSN", "IP_ADDRESS": "IP_ADDRESS", "ADDRESS": "ADDRESS", "PERSON": "PERSON",
    "LOCATION": "LOCATION", "ORGANIZATION": "ORGANIZATION", "DATE_TIME": "DATE_OF_BIRTH",
}
"""presidio entity type -> the guard's label. DATE_TIME (every date) is scored against the
guard's DATE_OF_BIRTH; DOMAIN_NAME, TITLE (job titles) and PREFIX (Mr./Mrs.) are not PII in
the taxonomy and are reported apart."""
HEAD_LABELS = ("PERSON", "LOCATION", "ORGANIZATION", "ADDRESS", "PHONE")
"""What the token head tags (the rest is found by patterns and checksums)."""


def _group_hash(value: Any, seed: int) -> float:
    digest = hashlib.sha256(f"{seed}:{value}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def presidio_rows(root: Path = PRESIDIO) -> list[dict[str, Any]]:
    """Every presidio row with spans mapped to guard labels (unmapped types kept as ``x:TYPE``)."""
    rows = []
    for name in ("generated_small.json", "generated_large.json"):
        for r in json.loads((root / name).read_text("utf-8")):
            spans = [(s["start_position"], s["end_position"], GOLD_MAP.get(s["entity_type"], "x:" + s["entity_type"]))
                     for s in r["spans"]]
            rows.append({"text": r["full_text"], "spans": sorted(spans), "source": "presidio",
                         "group": f"presidio:{r['template_id']}", "lang": "en"})
    return rows


def presidio_split(rows: list[dict[str, Any]], held_out: float = 0.2, seed: int = 16) -> tuple[list, list]:
    """(train, held_out): whole templates go to one side; about ``held_out`` of the rows are held out.

    Templates are ordered by a seeded hash and taken until the held-out share is reached, so the
    split is deterministic and independent of row order.
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(r["group"], []).append(r)
    order = sorted(groups, key=lambda g: _group_hash(g, seed))
    target = held_out * len(rows)
    test: list[dict[str, Any]] = []
    train: list[dict[str, Any]] = []
    for g in order:
        (test if len(test) + len(groups[g]) / 2 <= target else train).extend(groups[g])
    return train, test


def benign_rows(per_source: int = 1500, seed: int = 16, root: Path = TRAIN_DIR) -> list[dict[str, Any]]:
    """Questions with no personal data: NQ-open, CLINC150, XQuAD (12 languages) and the reviewed
    multilingual benign rows (``REVIEWED_BENIGN``, 26 languages); all ``O``."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    nq = []
    for f in sorted((root / "nq_open").glob("*.jsonl")):
        nq += [json.loads(x)["question"] for x in f.read_text("utf-8").splitlines() if x.strip()]
    clinc = json.loads((root / "clinc150" / "data_full.json").read_text("utf-8"))
    cl = [t for part in clinc.values() for t, _ in part]
    xq: list[tuple[str, str]] = []
    for f in sorted((root / "xquad_multilingual").glob("xquad.*.json")):
        lang = f.name.split(".")[1]
        data = json.loads(f.read_text("utf-8"))["data"]
        xq += [(qa["question"], lang) for art in data for p in art["paragraphs"] for qa in p["qas"]]
    reviewed = [(r["text"], r["lang"]) for f in REVIEWED_BENIGN for x in f.read_text("utf-8").splitlines()
                if x.strip() and not (r := json.loads(x))["labels"]]
    for name, texts in (("nq_open", [(t, "en") for t in nq]), ("clinc150", [(t, "en") for t in cl]), ("xquad", xq),
                        ("reviewed_benign", reviewed)):
        pick = rng.sample(texts, min(per_source, len(texts)))
        out += [{"text": t, "spans": [], "source": name, "group": f"{name}:{_group_hash(t, 0):.6f}", "lang": lang}
                for t, lang in pick]
    return out


def token_tags(offsets: list[tuple[int, int]], text: str, spans: list[tuple[int, int, str]],
               labels: tuple[str, ...] = HEAD_LABELS, skip: int = 0) -> list[str]:
    """BIO tags of tokens with character ``offsets`` for entity ``spans`` (labels outside
    ``labels`` are ``O``); the first ``skip`` tokens (a tokenizer prefix) are ``O``.

    A token belongs to an entity when its non-space characters overlap it; a whitespace-only
    token inside an entity continues it.
    """
    ents = [(s, e, lab) for s, e, lab in spans if lab in labels]
    tags = []
    seen: set[int] = set()
    for i, (a, b) in enumerate(offsets):
        if i < skip or b <= a:
            tags.append("O")
            continue
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        tag = "O"
        for k, (s, e, lab) in enumerate(ents):
            if a == b:
                if s < a < e:
                    tag = f"I-{lab}"
                    break
                continue
            if a < e and s < b:
                tag = f"{'I' if k in seen else 'B'}-{lab}"
                seen.add(k)
                break
        tags.append(tag)
    return tags
