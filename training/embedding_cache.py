"""Window embeddings of training texts by the shipped encoder, cached on disk by text hash.

The cache lives in ``.cache/embeddings/<encoder id>/`` (gitignored) as append-only shards of
float16 vectors, so a rerun of ``python -m training.train_heads`` only embeds texts it has not seen.
The encoder id hashes the model's MANIFEST, so a new encoder never reads another's vectors.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["CACHE_DIR", "EmbeddingCache", "encoder_id", "load_encoder"]

CACHE_DIR = Path(__file__).resolve().parents[1] / ".cache" / "embeddings"
def load_encoder() -> Any:
    """The shipped int8 encoder (``guardrails.runtime.default_encoder``), ``$TRAIN_THREADS`` threads (2)."""
    from guardrails.runtime import default_encoder

    return default_encoder(intra_op_threads=int(os.environ.get("TRAIN_THREADS", "2")))


def encoder_id(enc: Any) -> str:
    """A filesystem-safe id of the encoder (name, dim, hash of manifest and window sizes): the cache key."""
    parts = [str(getattr(enc, "name", type(enc).__name__)), str(getattr(enc, "dim", ""))]
    manifest = getattr(enc, "manifest", None)
    if isinstance(manifest, dict):
        ident = json.dumps([manifest, getattr(enc, "window_tokens", 0), getattr(enc, "window_stride", 0)],
                           sort_keys=True)
        parts.append(hashlib.sha256(ident.encode()).hexdigest()[:12])
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(p for p in parts if p))


class EmbeddingCache:
    """Window embeddings (float16) per text sha1, persisted as append-only shards under
    ``CACHE_DIR/<encoder id>/``, so a rerun only embeds texts it has not seen."""

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
        """Window embeddings (n_windows, dim) per text, float32; only cache misses are embedded."""
        keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in self.index}
        items = sorted(todo.items(), key=lambda kv: len(kv[1]))
        t0, new = time.time(), []
        for i in range(0, len(items), batch):
            chunk = items[i:i + batch]
            for (k, _), w in zip(chunk, self.enc.embed_windows_batch([t for _, t in chunk]), strict=True):
                self.index[k] = np.asarray(w, dtype=np.float16).reshape(-1, self.enc.dim)
                new.append(k)
            done = min(i + batch, len(items))
            if done % (batch * 8) == 0 or done == len(items):
                print(f"  embedded {label} {done}/{len(items)} ({done / max(time.time() - t0, 1e-6):.0f} texts/s)",
                      file=sys.stderr)
            if len(new) >= 8192 or (new and done == len(items)):
                vecs = [self.index[k] for k in new]
                offsets = np.cumsum([0] + [len(v) for v in vecs]).astype(np.int64)
                path = self.dir / f"shard-{len(list(self.dir.glob('shard-*.npz'))):04d}-{int(time.time())}.npz"
                np.savez(path, keys=np.array(new), offsets=offsets, vecs=np.concatenate(vecs))
                new = []
        return [self.index[k].astype(np.float32) for k in keys]

