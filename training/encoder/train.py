"""The multi-task fine-tune: one encoder, one multi-label head over every category.

    encoder (first L layers of multilingual-e5-small, frozen word embeddings)
      -> masked mean pooling -> L2 normalisation            (what the ONNX graph outputs)
      -> head: Linear(384, h) -> ReLU -> Linear(h, k)       (exported as a numpy ``mlp`` Head)

Loss: binary cross-entropy per category, ignoring categories a row's source leaves undecided. Rows are drawn by ``data.row_weights``; learning rate
warms up linearly then decays linearly; lower layers learn more slowly (layer-wise decay).
Seeds are fixed; on the CPU the run is deterministic for a given torch build and thread count.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from training.corpus.records import CATEGORIES
from training.encoder.data import (
    Encoded,
    batches,
    eval_windows,
    known_matrix,
    label_matrix,
    row_weights,
)

__all__ = ["Recipe", "TaskModel", "fit", "predict"]


@dataclass
class Recipe:
    """Every knob of a training run (recorded in the model card)."""

    layers: int = 5
    max_tokens: int = 128
    batch_size: int = 32
    samples: int = 120_000
    lr: float = 1e-4
    head_lr: float = 1e-3
    layer_decay: float = 0.85
    warmup: float = 0.06
    weight_decay: float = 0.01
    head_hidden: int = 256
    seed: int = 13
    threads: int = 2


class TaskModel:
    """Encoder + head as one torch module (built lazily so importing this needs no torch)."""

    def __new__(cls, bert: Any, hidden: int, k: int) -> Any:  # noqa: D102
        import torch
        from torch import nn

        class _M(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.bert = bert
                d = bert.config.hidden_size
                self.head = nn.Sequential(nn.Dropout(0.1), nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, k))

            def pooled(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
                x = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
                m = mask.unsqueeze(-1).to(x.dtype)
                p = (x * m).sum(1) / m.sum(1).clamp(min=1.0)
                return nn.functional.normalize(p, dim=-1)

            def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
                return self.head(self.pooled(ids, mask))

        return _M()


def _param_groups(model: Any, recipe: Recipe) -> list[dict[str, Any]]:
    groups = []
    n = recipe.layers
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if name.startswith("head."):
            lr = recipe.head_lr
        elif ".layer." in name:
            depth = int(name.split(".layer.")[1].split(".")[0])
            lr = recipe.lr * recipe.layer_decay ** (n - 1 - depth)
        else:  # embeddings (positions, LayerNorm)
            lr = recipe.lr * recipe.layer_decay ** n
        decay = 0.0 if p.ndim == 1 or "LayerNorm" in name else recipe.weight_decay
        groups.append({"params": [p], "lr": lr, "base_lr": lr, "weight_decay": decay})
    return groups


def fit(model: Any, encoded: list[Encoded], rows: list[dict], recipe: Recipe, cls: int, sep: int,
        log_path: Path | None = None, log=print) -> dict[str, Any]:
    """Train ``model`` in place on ``rows``; returns the run's log (loss curve, time, recipe)."""
    import torch

    torch.manual_seed(recipe.seed)
    torch.set_num_threads(recipe.threads)
    y = torch.tensor(label_matrix(rows))
    known = torch.tensor(known_matrix(rows))
    weights = row_weights(rows)
    opt = torch.optim.AdamW(_param_groups(model, recipe), lr=recipe.lr)
    steps = math.ceil(recipe.samples / recipe.batch_size)
    warm = max(1, int(steps * recipe.warmup))
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none")
    model.train()
    t0 = time.perf_counter()
    curve, running, tokens = [], 0.0, 0
    for step, (ids, mask, idx) in enumerate(batches(encoded, weights, recipe.samples, recipe.batch_size,
                                                    recipe.max_tokens, cls, sep, recipe.seed)):
        scale = (step + 1) / warm if step < warm else max(0.0, (steps - step) / (steps - warm))
        for g in opt.param_groups:
            g["lr"] = g["base_lr"] * scale
        logits = model(torch.from_numpy(ids), torch.from_numpy(mask))
        rows_idx = torch.from_numpy(idx)
        weight = known[rows_idx]
        loss = (loss_fn(logits, y[rows_idx]) * weight).sum() / weight.sum().clamp(min=1.0)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        running += float(loss.detach())
        tokens += int(mask.sum())
        if (step + 1) % 100 == 0 or step + 1 == steps:
            elapsed = time.perf_counter() - t0
            curve.append({"step": step + 1, "loss": round(running / 100, 4), "minutes": round(elapsed / 60, 2)})
            log(f"step {step + 1}/{steps} loss {running / 100:.4f} {tokens / elapsed:.0f} tok/s "
                f"{elapsed / 60:.1f} min (eta {(steps - step - 1) * elapsed / (step + 1) / 60:.1f} min)")
            running = 0.0
    model.eval()
    out = {"recipe": asdict(recipe), "steps": steps, "minutes": round((time.perf_counter() - t0) / 60, 2),
           "tokens_per_second": round(tokens / (time.perf_counter() - t0)), "curve": curve}
    if log_path is not None:
        log_path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return out


def predict(model: Any, encoded: list[Encoded], cls: int, sep: int, max_tokens: int = 128,
            stride: int = 96, batch_size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """(pooled vectors of every window, row index of each window) for ``encoded`` rows, in the
    runtime's windows; a row's score is the maximum over its windows."""
    import torch

    seqs: list[tuple[int, list[int]]] = []
    for i, enc in enumerate(encoded):
        seqs += [(i, w) for w in eval_windows(enc, max_tokens - 2, stride)]
    order = sorted(range(len(seqs)), key=lambda j: len(seqs[j][1]))
    vecs = np.zeros((len(seqs), model.bert.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for b in range(0, len(order), batch_size):
            chunk = order[b:b + batch_size]
            width = max(len(seqs[j][1]) for j in chunk) + 2
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for r, j in enumerate(chunk):
                s = seqs[j][1]
                ids[r, 0], ids[r, 1:len(s) + 1], ids[r, len(s) + 1] = cls, s, sep
                mask[r, :len(s) + 2] = 1
            vecs[chunk] = model.pooled(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
    return vecs, np.array([i for i, _ in seqs], dtype=np.int64)


def head_logits(model: Any, vecs: np.ndarray) -> np.ndarray:
    """The head's logits for pooled vectors (n, k)."""
    import torch

    with torch.inference_mode():
        return model.head(torch.from_numpy(vecs)).numpy()


def max_per_row(values: np.ndarray, owner: np.ndarray, n_rows: int) -> np.ndarray:
    """Per row, the maximum over its windows of ``values`` (n_windows, k) -> (n_rows, k)."""
    out = np.full((n_rows, values.shape[1]), -np.inf, dtype=np.float32)
    np.maximum.at(out, owner, values)
    return out


K = len(CATEGORIES)
