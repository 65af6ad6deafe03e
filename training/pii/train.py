"""Train the PII token head on an encoder's token states (torch, CPU, minutes) and export it.

The torch module mirrors ``tako_rules._pii_head.TokenHead`` exactly (token projection plus the
sentence mean, a window of three tokens, BIO tags); after training its weights are written as a
numpy head with per-label span thresholds chosen on a train-side validation split.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from training.pii.data import HEAD_LABELS, token_tags

__all__ = ["TAGS", "Featurised", "featurise", "fit", "to_head"]

TAGS: tuple[str, ...] = ("O", *(f"{p}-{label}" for label in HEAD_LABELS for p in ("B", "I")))
TAG_INDEX = {t: i for i, t in enumerate(TAGS)}


class Featurised:
    """Rows with their token states (float16), offsets and tag ids."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.states: list[np.ndarray] = []
        self.offsets: list[np.ndarray] = []
        self.tags: list[np.ndarray] = []

    def __len__(self) -> int:
        return len(self.rows)


def featurise(rows: list[dict[str, Any]], encoder: Any, skip: int = 0, log: Callable[[str], None] = print,
              max_tokens: int = 126) -> Featurised:
    """Token states and BIO tag ids of every row (texts longer than ``max_tokens`` tokens are cut)."""
    from tako_rules._pii_head import token_states

    out = Featurised()
    t0 = time.perf_counter()
    for i, row in enumerate(rows):
        got = token_states(encoder, row["text"])
        if got is None:
            raise SystemExit("the encoder gives no token states")
        states, offsets = got[0][:max_tokens], got[1][:max_tokens]
        tags = token_tags([tuple(o) for o in offsets.tolist()], row["text"], row["spans"], skip=skip)
        out.rows.append(row)
        out.states.append(states.astype(np.float16))
        out.offsets.append(offsets)
        out.tags.append(np.array([TAG_INDEX[t] for t in tags], dtype=np.int64))
        if (i + 1) % 5000 == 0:
            log(f"  states: {i + 1}/{len(rows)} texts ({time.perf_counter() - t0:.0f} s)")
    return out


def _module(dim: int, hidden: int, hidden2: int, k: int) -> Any:
    import torch
    from torch import nn

    class HeadModule(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.tok = nn.Linear(dim, hidden)
            self.ctx = nn.Linear(dim, hidden, bias=False)
            self.win = nn.Linear(3 * hidden, hidden2)
            self.out = nn.Linear(hidden2, k)
            self.drop_in = nn.Dropout(0.1)
            self.drop = nn.Dropout(0.1)

        def forward(self, h: Any, mask: Any) -> Any:
            m = mask.unsqueeze(-1)
            ctx = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
            z1 = torch.relu(self.tok(self.drop_in(h)) + self.ctx(ctx).unsqueeze(1)) * m
            zero = torch.zeros_like(z1[:, :1])
            left = torch.cat([zero, z1[:, :-1]], 1)
            right = torch.cat([z1[:, 1:], zero], 1)
            z2 = torch.relu(self.win(torch.cat([left, z1, right], -1)))
            return self.out(self.drop(z2))

    return HeadModule()


def _batches(data: Featurised, idx: list[int], size: int, rng: random.Random | None) -> list[list[int]]:
    order = sorted(idx, key=lambda i: len(data.tags[i]))
    batches = [order[i : i + size] for i in range(0, len(order), size)]
    if rng is not None:
        rng.shuffle(batches)
    return batches


def _tensors(data: Featurised, batch: list[int]) -> tuple[Any, Any, Any]:
    import torch

    width = max(1, max(len(data.tags[i]) for i in batch))
    dim = data.states[batch[0]].shape[1]
    h = np.zeros((len(batch), width, dim), dtype=np.float32)
    mask = np.zeros((len(batch), width), dtype=np.float32)
    y = np.full((len(batch), width), -100, dtype=np.int64)
    for r, i in enumerate(batch):
        n = len(data.tags[i])
        h[r, :n] = data.states[i]
        mask[r, :n] = 1.0
        y[r, :n] = data.tags[i]
    return torch.from_numpy(h), torch.from_numpy(mask), torch.from_numpy(y)


def to_head(model: Any, encoder_meta: dict[str, Any], thresholds: dict[str, float], provenance: dict[str, Any]) -> Any:
    """The numpy TokenHead of a trained module."""
    from tako_rules._pii_head import TokenHead

    def t(x: Any) -> np.ndarray:
        return x.detach().cpu().numpy().astype(np.float32)

    weights = {
        "W1": t(model.tok.weight).T, "b1": t(model.tok.bias), "Wc": t(model.ctx.weight).T,
        "W2": t(model.win.weight).T, "b2": t(model.win.bias), "W3": t(model.out.weight).T, "b3": t(model.out.bias),
    }
    return TokenHead(tags=TAGS, weights=weights, encoder=encoder_meta, thresholds=thresholds, provenance=provenance)


def fit(train: Featurised, val: Featurised, encoder_meta: dict[str, Any], *, hidden: int = 64, hidden2: int = 64,
        epochs: int = 10, lr: float = 2e-3, batch: int = 32, seed: int = 16, threads: int = 1,
        evaluate: Callable[[Any, Featurised], float] | None = None, log: Callable[[str], None] = print) -> tuple[Any, dict]:
    """Train with AdamW and cross-entropy (label smoothing 0.05); keep the epoch with the best
    validation score (``evaluate(head, val)``, entity F1) and return (module, history)."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    rng = random.Random(seed)
    dim = train.states[0].shape[1]
    model = _module(dim, hidden, hidden2, len(TAGS))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    total = epochs * len(_batches(train, list(range(len(train))), batch, None))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=max(total, 1), pct_start=0.1)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100, label_smoothing=0.05)
    best: tuple[float, dict[str, Any]] | None = None
    history = []
    for epoch in range(epochs):
        model.train()
        t0 = time.perf_counter()
        losses = []
        for b in _batches(train, list(range(len(train))), batch, rng):
            h, mask, y = _tensors(train, b)
            logits = model(h, mask)
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(float(loss.detach()))
        model.eval()
        score = evaluate(to_head(model, encoder_meta, {}, {}), val) if evaluate is not None else -float(np.mean(losses))
        history.append({"epoch": epoch + 1, "loss": round(float(np.mean(losses)), 4), "val_f1": round(score, 4),
                        "seconds": round(time.perf_counter() - t0, 1)})
        log(f"  epoch {epoch + 1}: loss {np.mean(losses):.4f}  validation {'F1' if evaluate else 'score'} {score:.4f}"
            f"  ({time.perf_counter() - t0:.0f} s)")
        if best is None or score > best[0]:
            best = (score, {k: v.detach().clone() for k, v in model.state_dict().items()})
    assert best is not None
    model.load_state_dict(best[1])
    model.eval()
    return model, {"epochs": history, "best_val_f1": round(best[0], 4)}
