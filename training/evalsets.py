"""DEV-EVAL loaders (../shared/datasets/dev-eval): for measurement and reporting ONLY.

Nothing here may feed training or threshold choice. BIPIA test positives are built by inserting
each sampled test attack into a test context (seeded), exactly as for training but from the
dev-eval files.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from training.datasets import SHARED, bipia_records

DEV_EVAL = SHARED / "dev-eval"


def toxicchat(path: Path = DEV_EVAL / "toxicchat" / "toxic_chat_test.json") -> list[dict[str, Any]]:
    """ToxicChat test rows: {text, toxic, jailbreak}."""
    out = []
    for inst in json.loads(path.read_text())["instances"]:
        ann = inst["annotations"]
        out.append({"text": inst["instance"], "toxic": ann["toxicity"]["majority_human"] == "1",
                    "jailbreak": ann["jailbreaking"]["majority_human"] == "1"})
    return out


def bipia(n_insert: int = 1500, seed: int = 11) -> list[dict[str, Any]]:
    """All clean test contexts (benign) + ``n_insert`` seeded attack insertions (positive)."""
    rows = bipia_records(DEV_EVAL / "bipia", "test", "bipia_test", seed=seed, n_insert=n_insert,
                         n_clean=10_000, chunked=False)
    return [{"text": r["text"], "attack": "indirect_injection" in r["labels"],
             "task": r["source"].rsplit("_", 1)[-1]} for r in rows]


def tweeteval(task: str) -> list[dict[str, Any]]:
    """TweetEval ``hate`` or ``offensive`` test: {text, label}."""
    root = DEV_EVAL / "tweeteval_hate_offensive" / task
    texts = (root / "test_text.txt").read_text(encoding="utf-8").splitlines()
    labels = (root / "test_labels.txt").read_text().splitlines()
    return [{"text": t, "label": lab.strip() == "1"} for t, lab in zip(texts, labels, strict=True)]


def germeval(path: Path = DEV_EVAL / "germeval2018" / "germeval2018.test.txt") -> list[dict[str, Any]]:
    """GermEval 2018 test: {text, label (OFFENSE), fine}."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3:
            out.append({"text": parts[0], "label": parts[1].strip() == "OFFENSE", "fine": parts[2].strip()})
    return out


def all_sets(bipia_n: int = 1500) -> dict[str, list[dict[str, Any]]]:
    """Every dev-eval set by name."""
    return {"toxicchat": toxicchat(), "bipia": bipia(bipia_n), "tweeteval_hate": tweeteval("hate"),
            "tweeteval_offensive": tweeteval("offensive"), "germeval2018": germeval()}


def subsample(sets: dict[str, list[dict[str, Any]]], n: int, seed: int = 3) -> dict[str, list[dict[str, Any]]]:
    """A fixed seeded subsample of at most ``n`` rows per set (for the fast accuracy test)."""
    return {k: (random.Random(f"{seed}:{k}").sample(v, n) if len(v) > n else v) for k, v in sets.items()}
