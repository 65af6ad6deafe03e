"""Dev-eval detection of the shipped model against round 1's at EQUAL false-positive rates.

The issue's done-when asks that dev-eval detection improve "at equal or lower false-positive
rates". F1 at each model's own operating point does not answer that: round 1 ran TweetEval hate at
a 51% FPR and GermEval at 43%, the shipped model at 10% and 2%. This module puts both on one
curve per dev-eval set and reads each at the other's operating point.

    # 1. once: per-row scores of the round-1 guards, from a checkout of the round-1 tree
    git worktree add /tmp/round1 0b11cc3
    python -m training.encoder.versus dump --tree /tmp/round1
    # 2. the shipped model against them -> training/figures_versus.json (read by the model card)
    python -m training.encoder.versus compare

One score per row and model: the largest margin over the categories the set is judged on,
``max_c logit(score_c) - logit(threshold_c)``, with each model's own recommended thresholds. A
margin of 0 is the model's shipped operating point; moving one cut-off along the margin traces its
ROC curve. For each set the figures give, for both models: recall and FPR at the shipped operating
point, recall at the OTHER model's FPR (the cut-off taken from the curve, a measurement, never a
threshold the product uses), and ROC AUC. dev-eval is read for measurement only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[2]
ROUND1_SCORES = REPO / ".cache" / "versus" / "round1_dev_eval_scores.json"
"""Round-1 per-row scores (``dump``); a cache, not committed: rerun ``dump`` on a fresh clone."""
FIGURES = REPO / "training" / "figures_versus.json"
JUDGED = {  # dev-eval set -> (stage, gold field, categories it is judged on)
    "toxicchat_toxicity": ("toxicchat", "input", "toxic", None),
    "toxicchat_jailbreak": ("toxicchat", "input", "jailbreak", ("jailbreak", "prompt_injection")),
    "bipia": ("bipia", "context", "attack", ("prompt_injection",)),
    "tweeteval_hate": ("tweeteval_hate", "input", "label", ("hate",)),
    "tweeteval_offensive": ("tweeteval_offensive", "input", "label", ("hate", "harassment")),
    "germeval2018": ("germeval2018", "input", "label", ("hate", "harassment")),
}
"""name -> (set, stage, gold field, categories; None = every input category), as training.evaluate judges them."""

_DUMP = r"""
import json, sys
from training import evalsets
from training.embed import load_encoder
from training.evaluate import CachedEncoder, build_guards, score, shipped_thresholds
guards = build_guards(CachedEncoder(load_encoder("int8")))
sets = evalsets.all_sets(int(sys.argv[2]))
out = {"thresholds": shipped_thresholds(guards), "sets": {}}
for name, rows in sets.items():
    stage = "context" if name == "bipia" else "input"
    out["sets"][name] = {"stage": stage, "scores": score(guards, [r["text"] for r in rows], stage=stage)}
json.dump(out, open(sys.argv[1], "w"))
"""


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def margins(scores: list[dict[str, float]], thresholds: dict[str, float], cats: tuple[str, ...] | None) -> np.ndarray:
    """(n,) largest ``logit(score_c) - logit(threshold_c)`` over ``cats`` (None: every thresholded category)."""
    names = tuple(thresholds) if cats is None else tuple(c for c in cats if c in thresholds)
    s = np.array([[row.get(c, 0.0) for c in names] for row in scores], dtype=np.float64)
    t = np.array([thresholds[c] for c in names], dtype=np.float64)
    return (_logit(s) - _logit(t)).max(axis=1)


def operating_point(m: np.ndarray, gold: np.ndarray, cut: float = 0.0) -> tuple[float, float]:
    """(recall, FPR) when rows with margin >= cut are flagged."""
    flag = m >= cut
    return float(flag[gold].mean()), float(flag[~gold].mean())


def recall_at_fpr(m: np.ndarray, gold: np.ndarray, fpr: float) -> float:
    """Largest recall whose FPR does not exceed ``fpr`` (cut-offs at the observed margins)."""
    neg = np.sort(m[~gold])[::-1]
    k = int(np.floor(fpr * len(neg) + 1e-9))  # negatives allowed above the cut
    if k >= len(neg):
        return 1.0
    return float((m[gold] > neg[k]).mean())


def auc(m: np.ndarray, gold: np.ndarray) -> float:
    """ROC AUC (scikit-learn's ``roc_auc_score``; ties count half)."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(gold, m))


def compare(new: dict[str, Any], old: dict[str, Any], sets: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Figures per judged set; ``new``/``old`` = {"thresholds": {stage: {cat: thr}}, "sets": {set: {"scores": [...]}}}."""
    out: dict[str, Any] = {}
    for name, (set_name, stage, field, cats) in JUDGED.items():
        if set_name not in sets or set_name not in old["sets"] or set_name not in new["sets"]:
            continue
        gold = np.array([bool(r[field]) for r in sets[set_name]])
        m = {k: margins(v["sets"][set_name]["scores"], v["thresholds"][stage], cats) for k, v in (("new", new), ("round1", old))}
        pts = {k: operating_point(m[k], gold) for k in m}
        fig = {"rows": int(len(gold)), "positives": int(gold.sum())}
        for k, other in (("new", "round1"), ("round1", "new")):
            fig[k] = {"recall": round(pts[k][0], 4), "fpr": round(pts[k][1], 4), "auc": round(auc(m[k], gold), 4),
                      f"recall_at_{other}_fpr": round(recall_at_fpr(m[k], gold, pts[other][1]), 4)}
        fig["new_minus_round1_recall_at_round1_fpr"] = round(fig["new"]["recall_at_round1_fpr"] - fig["round1"]["recall"], 4)
        fig["new_minus_round1_recall_at_new_fpr"] = round(fig["new"]["recall"] - fig["round1"]["recall_at_new_fpr"], 4)
        out[name] = fig
    return out


def _new_scores(sets: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    from training.evaluate import score, shipped_guards, shipped_thresholds

    guards = shipped_guards()
    res: dict[str, Any] = {"thresholds": shipped_thresholds(guards), "sets": {}}
    for name, rows in sets.items():
        stage = "context" if name == "bipia" else "input"
        res["sets"][name] = {"stage": stage, "scores": score(guards, [r["text"] for r in rows], stage=stage)}
    return res


def main(argv: list[str] | None = None) -> int:
    from training import evalsets
    from training.evaluate import BIPIA_N

    ap = argparse.ArgumentParser(prog="python -m training.encoder.versus", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump", help="score dev-eval with the round-1 guards of a round-1 checkout")
    d.add_argument("--tree", type=Path, required=True, help="a checkout of the round-1 tree (e.g. commit 0b11cc3)")
    sub.add_parser("compare", help="the shipped model against the dumped round-1 scores")
    args = ap.parse_args(argv)
    if args.cmd == "dump":
        tree = args.tree.resolve()
        ROUND1_SCORES.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(tree / "plugins")])}
        subprocess.run([sys.executable, "-c", _DUMP, str(ROUND1_SCORES), str(BIPIA_N)], cwd=tree, env=env, check=True)
        print(f"wrote {ROUND1_SCORES}", file=sys.stderr)
        return 0
    old = json.loads(ROUND1_SCORES.read_text(encoding="utf-8"))
    sets = evalsets.all_sets(BIPIA_N)
    figures = {"about": __doc__.split("\n\n")[0], "round1_tree": "0b11cc3 (round-1 models of 4a56775)",
               "sets": compare(_new_scores(sets), old, sets)}
    FIGURES.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(figures["sets"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
