"""Measure the shipped guards (real guard classes, shipped encoder, safety head and its thresholds)
on the dev-eval sets (training.evalsets: measurement only, never training or threshold choice).

Used by ``python -m training.encoder.measure`` (the model card's dev-eval figures), the accuracy
gate (benchmarks/gate.py, benchmarks/accuracy_baseline.json), the accuracy test and the accuracy
benchmark.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from guardrails.protocol import CheckContext

BIPIA_N = 600
"""BIPIA attack insertions in the dev-eval set the figures use (``evalsets.all_sets(BIPIA_N)``)."""
MODERATION = ("hate", "harassment", "sexual", "sexual_minors", "self_harm", "violence", "illicit")


def shipped_guards() -> dict[str, Any]:
    """prompt_injection, jailbreak and moderation guards on the shipped encoder and safety head,
    built exactly as the plugin builds them (``training.encoder.measure.guards_on``)."""
    from tako_classifiers.guards import SAFETY_HEAD, shipped_head_path

    from guardrails.runtime import default_model_dir
    from training.encoder.measure import guards_on

    return guards_on(default_model_dir(), shipped_head_path(SAFETY_HEAD))


def shipped_thresholds(guards: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Recommended thresholds per stage, as recorded in the shipped heads."""
    inp: dict[str, float] = {}
    for name in ("prompt_injection", "jailbreak", "moderation"):
        inp.update(guards[name].recommended_thresholds)
    return {"input": inp, "context": dict(guards["prompt_injection"].recommended_thresholds)}


def score(guards: dict[str, Any], texts: list[str], stage: str = "input", batch: int = 256) -> list[dict[str, float]]:
    """Category scores per text from every guard that runs on ``stage``."""
    out: list[dict[str, float]] = [{} for _ in texts]
    for guard in guards.values():
        if stage not in guard.stages:
            continue
        for i in range(0, len(texts), batch):
            chunk = texts[i:i + batch]
            verdicts = guard.check_batch(chunk, [CheckContext(stage=stage) for _ in chunk])
            for j, v in enumerate(verdicts):
                for c, s in v.categories.items():
                    out[i + j][c] = max(out[i + j].get(c, 0.0), s)
    return out


def prf(pred: Sequence[bool], gold: Sequence[bool]) -> dict[str, float]:
    """Precision, recall, F1, support and false-positive rate."""
    p, g = np.asarray(pred, bool), np.asarray(gold, bool)
    tp, fp, fn = int((p & g).sum()), int((p & ~g).sum()), int((~p & g).sum())
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    neg = int((~g).sum())
    return {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4),
            "fpr": round(fp / neg, 4) if neg else 0.0, "support": int(g.sum()), "rows": int(len(g))}


def _flag(scores: list[dict[str, float]], thr: dict[str, float], cats: Sequence[str]) -> list[bool]:
    return [any(s.get(c, 0.0) >= thr[c] for c in cats) for s in scores]


def measure(guards: dict[str, Any], sets: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Figures per dev-eval set with the shipped thresholds."""
    thr = shipped_thresholds(guards)
    ti = thr["input"]
    out: dict[str, Any] = {"thresholds": thr}
    if "toxicchat" in sets:
        rows = sets["toxicchat"]
        sc = score(guards, [r["text"] for r in rows])
        toxic = [r["toxic"] for r in rows]
        jb = [r["jailbreak"] for r in rows]
        out["toxicchat"] = {
            "toxicity_any_input_rail": prf(_flag(sc, ti, list(ti)), toxic),
            "toxicity_moderation": prf(_flag(sc, ti, MODERATION), toxic),
            "jailbreak": prf(_flag(sc, ti, ["jailbreak"]), jb),
            "jailbreak_or_injection": prf(_flag(sc, ti, ["jailbreak", "prompt_injection"]), jb),
            "benign_fpr_any_rail": prf(_flag(sc, ti, list(ti)), toxic)["fpr"],
        }
    if "bipia" in sets:
        rows = sets["bipia"]
        sc = score(guards, [r["text"] for r in rows], stage="context")
        pred = _flag(sc, thr["context"], ["prompt_injection"])
        gold = [r["attack"] for r in rows]
        res = {"all": prf(pred, gold)}
        for task in ("email", "table", "code"):
            idx = [i for i, r in enumerate(rows) if r["task"] == task and r["attack"]]
            if idx:
                res[f"{task}_detection_rate"] = round(float(np.mean([pred[i] for i in idx])), 4)
        out["bipia"] = res
    for name, cats in (("tweeteval_hate", ["hate"]), ("tweeteval_offensive", ["hate", "harassment"]),
                       ("germeval2018", ["hate", "harassment"])):
        if name in sets:
            rows = sets[name]
            sc = score(guards, [r["text"] for r in rows])
            gold = [r["label"] for r in rows]
            res = {"+".join(cats): prf(_flag(sc, ti, cats), gold),
                   "any_moderation": prf(_flag(sc, ti, MODERATION), gold)}
            if name == "tweeteval_hate":
                res["hate_or_harassment"] = prf(_flag(sc, ti, ["hate", "harassment"]), gold)
            out[name] = res
    return out


def headline(figures: dict[str, Any]) -> dict[str, float]:
    """The few numbers the accuracy gate compares (higher is better for all of them)."""
    h: dict[str, float] = {}
    if "toxicchat" in figures:
        h["toxicchat_toxicity_f1"] = figures["toxicchat"]["toxicity_any_input_rail"]["f1"]
        h["toxicchat_jailbreak_recall"] = figures["toxicchat"]["jailbreak_or_injection"]["recall"]
    if "bipia" in figures:
        h["bipia_f1"] = figures["bipia"]["all"]["f1"]
    if "tweeteval_hate" in figures:
        h["tweeteval_hate_f1"] = figures["tweeteval_hate"]["hate"]["f1"]
    if "tweeteval_offensive" in figures:
        h["tweeteval_offensive_f1"] = figures["tweeteval_offensive"]["hate+harassment"]["f1"]
    if "germeval2018" in figures:
        h["germeval2018_f1"] = figures["germeval2018"]["hate+harassment"]["f1"]
    return h
