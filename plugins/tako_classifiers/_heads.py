"""Shipped head files, their loading and checks, and a memo of head outputs per window array.

``load_head(path)`` returns one shared ``Head`` per file version; ``encoder_for(head, resources)``
returns the encoder the head was trained on, raising ModelError (naming the retrain command) when
the dimension or the encoder's sha256 differs; ``score_memo()`` lets guards that share one head
score each window once.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections import OrderedDict
from pathlib import Path

import numpy as np

from guardrails.errors import ModelError
from guardrails.protocol import EncoderLike, Resources
from guardrails.runtime.heads import Head

__all__ = [
    "HEADS_DIR", "RETRAIN_HINT", "SAFETY_HEAD", "SEXUAL_MINORS_THRESHOLD", "encoder_for", "load_head",
    "score_memo", "shipped_head_path",
]

SAFETY_HEAD = "safety"
"""The shipped multi-task head: every category of the three model guards, on one encoder pass."""
RETRAIN_HINT = "retrain it on this encoder: guardrails train-head DATA.jsonl --out HEAD (docs/custom-heads.md)"

SEXUAL_MINORS_THRESHOLD = 0.4
"""Threshold of the sexual_minors rule for heads without a calibrated sexual_minors output."""


HEADS_DIR = Path(__file__).resolve().parent / "heads"
"""The shipped head on the default encoder (package data of this plugin)."""


def shipped_head_path(name: str = SAFETY_HEAD) -> Path:
    """Path of a shipped head in this plugin's package (``safety``: the one multi-task head)."""
    return HEADS_DIR / f"{name}.head.json"


def load_head(path: str | Path) -> Head:
    p = Path(path).expanduser()
    if not p.name.endswith(".head.json") and not p.is_file():
        p = p.with_name(p.name + ".head.json")
    p = p.resolve()
    stat = p.stat() if p.is_file() else None
    return _cached_head(str(p), stat.st_mtime_ns if stat else 0)


@functools.lru_cache(maxsize=32)
def _cached_head(path: str, mtime_ns: int) -> Head:
    """One Head object per file (and version of it), shared by every guard that uses it."""
    return Head.load(path)


def encoder_for(head: Head, resources: Resources) -> EncoderLike:
    enc = resources.encoder(head.encoder)
    dim = getattr(enc, "dim", head.dim)
    if dim != head.dim:
        raise ModelError(
            f"head {head.name!r} expects {head.dim}-dim embeddings but encoder {head.encoder!r} gives {dim}: "
            + RETRAIN_HINT
        )
    trained_on, actual = head.provenance.get("encoder_sha256"), getattr(enc, "fingerprint", None)
    if trained_on and actual and trained_on != actual:
        raise ModelError(
            f"head {head.name!r} was trained on another encoder (model sha256 {trained_on[:12]}...) than "
            f"encoder {head.encoder!r} ({actual[:12]}...): " + RETRAIN_HINT
        )
    return enc


class _ScoreMemo:
    """Head outputs per window array, so guards sharing one head score each window once.

    Keyed by the array's identity (the encoder's cached arrays are read-only and long-lived); a
    weak reference checks the entry still belongs to the same array.
    """

    def __init__(self, size: int = 256) -> None:
        self._items: OrderedDict[tuple[int, int], tuple[weakref.ref, dict[str, float]]] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def scores(self, head: Head, windows: np.ndarray) -> dict[str, float]:
        key = (id(head), id(windows))
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and hit[0]() is windows:
                return hit[1]
        out = head.score_windows(windows)
        try:
            ref = weakref.ref(windows)
        except TypeError:  # not weak-referenceable: do not memoise
            return out
        with self._lock:
            self._items[key] = (ref, out)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return out


@functools.cache
def score_memo() -> _ScoreMemo:
    """The process-wide memo, built on first use (not at import)."""
    return _ScoreMemo()
