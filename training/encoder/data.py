"""Rows -> token windows -> weighted, length-bucketed batches for the multi-task fine-tune.

A row longer than one window is cut to the window that holds its ``focus`` (the planted attack or
the payload after a benign prefix), else to a window drawn at random each epoch; so the model sees
what the runtime sees: one window of at most ``max_tokens`` tokens per encoder pass.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from training.corpus.records import CATEGORIES, Record

__all__ = ["Encoded", "batches", "encode_rows", "label_matrix", "row_weights"]


@dataclass
class Encoded:
    """One row's tokens (without [CLS]/[SEP]), their character offsets and its focus token."""

    ids: list[int]
    offsets: list[tuple[int, int]]
    focus: tuple[int, int] | None


def encode_rows(tokenizer: Any, rows: list[Record]) -> list[Encoded]:
    """Tokenize every row once (the tokenizer adds e5's prefix; specials are added per window)."""
    out: list[Encoded] = []
    texts = [r["text"] for r in rows]
    for i in range(0, len(texts), 4096):
        for r, enc in zip(rows[i:i + 4096], tokenizer.encode_batch(texts[i:i + 4096], add_special_tokens=False)):
            focus = None
            if r.get("focus"):
                c0, c1 = r["focus"]
                toks = [j for j, (a, b) in enumerate(enc.offsets) if b > c0 and a < c1]
                if toks:
                    focus = (toks[0], toks[-1] + 1)
            out.append(Encoded(enc.ids, enc.offsets, focus))
    return out


def label_matrix(rows: list[Record]) -> np.ndarray:
    """(n, len(CATEGORIES)) float32 multi-hot labels."""
    y = np.zeros((len(rows), len(CATEGORIES)), dtype=np.float32)
    index = {c: i for i, c in enumerate(CATEGORIES)}
    for n, r in enumerate(rows):
        for c in r["labels"]:
            y[n, index[c]] = 1.0
    return y


def known_matrix(rows: list[Record]) -> np.ndarray:
    """(n, len(CATEGORIES)) float32: 0 where the row's source leaves the category undecided."""
    m = np.ones((len(rows), len(CATEGORIES)), dtype=np.float32)
    index = {c: i for i, c in enumerate(CATEGORIES)}
    for n, r in enumerate(rows):
        for c in r.get("unknown", ()):
            m[n, index[c]] = 0.0
    return m


SOURCE_BOOST = {"reviewed": 3.0, "multijail": 2.0, "tatoeba": 1.0, "xquad": 1.0, "doc": 1.0}


def row_weights(rows: list[Record], power: float = 0.5) -> np.ndarray:
    """Sampling weight of each row: buckets of (source, label set) are drawn in proportion to
    size**``power`` (large sources count less per row), reviewed rows and the multilingual
    harmful requests boosted; weights sum to 1."""
    def bucket(r: Record) -> tuple[str, tuple[str, ...]]:
        return r["source"], tuple(r["labels"])

    sizes = Counter(bucket(r) for r in rows)
    w = np.empty(len(rows), dtype=np.float64)
    for i, r in enumerate(rows):
        n = sizes[bucket(r)]
        family = r["source"].split("_")[0]
        w[i] = (n ** power / n) * SOURCE_BOOST.get(family, 1.0)
    return w / w.sum()


def window(enc: Encoded, size: int, rng: random.Random) -> list[int]:
    """At most ``size`` content tokens: the whole row, the window around its focus, or a random one."""
    n = len(enc.ids)
    if n <= size:
        return enc.ids
    if enc.focus is not None:
        a, b = enc.focus
        if b - a >= size:
            start = a
        else:
            lo, hi = max(0, b - size), min(a, n - size)
            start = rng.randint(lo, max(lo, hi))
    else:
        start = rng.randint(0, n - size)
    return enc.ids[start:start + size]


def batches(encoded: list[Encoded], weights: np.ndarray, n_samples: int, batch_size: int,
            max_tokens: int, cls: int, sep: int, seed: int):
    """Yield (input_ids, attention_mask, row indices) int64 arrays: ``n_samples`` rows drawn with
    ``weights``, grouped into batches of similar length (pools of 50 batches sorted by length)."""
    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    draw = np_rng.choice(len(encoded), size=n_samples, replace=True, p=weights)
    pool = batch_size * 50
    for p0 in range(0, n_samples, pool):
        idx = draw[p0:p0 + pool]
        seqs = [(i, window(encoded[i], max_tokens - 2, rng)) for i in idx]
        seqs.sort(key=lambda s: len(s[1]))
        chunks = [seqs[b:b + batch_size] for b in range(0, len(seqs), batch_size)]
        rng.shuffle(chunks)
        for chunk in chunks:
            width = max(len(s) for _, s in chunk) + 2
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, (_, s) in enumerate(chunk):
                ids[row, 0], ids[row, 1:len(s) + 1], ids[row, len(s) + 1] = cls, s, sep
                mask[row, :len(s) + 2] = 1
            yield ids, mask, np.array([i for i, _ in chunk], dtype=np.int64)


def eval_windows(enc: Encoded, size: int, stride: int, limit: int = 16) -> list[list[int]]:
    """The windows the runtime would score for a row (every one, ``stride`` apart, the last
    aligned to the end), at most ``limit`` (head, tail and an even sample of the middle)."""
    n = len(enc.ids)
    if n <= size:
        return [enc.ids]
    starts = list(range(0, n - size, stride)) + [n - size]
    if len(starts) > limit:
        step = (len(starts) - 1) / (limit - 1)
        starts = sorted({starts[round(i * step)] for i in range(limit)})
    return [enc.ids[s:s + size] for s in starts]
