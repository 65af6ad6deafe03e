"""The encoder's cache entries: one per text, its windows filled in as they are computed.

An entry holds a text's window plan, the content token ids and character offsets of each window,
and the pooled vector (and, when kept, the token states) of each window computed so far. Windows
are computed on demand, so a scan that stops early leaves the others for a later call to fill.
Entries live in a bounded LRU (``guardrails._lru.LRUCache``) keyed by :func:`text_key`.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Hashable, Sequence

import numpy as np

from guardrails._lru import CacheInfo, LRUCache
from guardrails.runtime.segments import WindowPlan

__all__ = ["CacheInfo", "Encoded", "LRUCache", "text_key"]

SHORT_KEY = 256
"""Texts up to this many characters are cache keys themselves; longer ones by BLAKE2b digest."""
_ENTRY_OVERHEAD = 600
"""Bytes an entry costs beyond its arrays (Python objects), for the cache's byte bound."""


def text_key(kind: str, text: str) -> Hashable:
    """The cache key of ``text`` for entries of ``kind`` (``"w"``: all windows, ``"t"``: the first)."""
    if len(text) <= SHORT_KEY:
        return text if kind == "w" else (kind, text)
    return kind, hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class Encoded:
    """One text's windows: ``plan``, per-window ``ids`` (int32) and character ``offsets``
    ((n, 2) int32), and what was computed.

    ``pooled`` (n_windows, dim) float32 holds a window's vector once ``done[i]``; ``states[i]``
    its token states (len(ids[i]), dim) when they were kept. Thread-safe: :meth:`store` takes the
    entry's lock, and a fully computed ``pooled`` is frozen (read-only).
    """

    __slots__ = ("_lock", "done", "dim", "ids", "offsets", "plan", "pooled", "states")

    def __init__(
        self, plan: WindowPlan, ids: list[np.ndarray], offsets: list[np.ndarray], dim: int
    ) -> None:
        self.plan = plan
        self.ids = ids
        self.offsets = offsets
        self.dim = dim
        self.pooled = np.zeros((len(ids), dim), dtype=np.float32)
        self.done = [False] * len(ids)
        self.states: list[np.ndarray | None] = [None] * len(ids)
        self._lock = threading.Lock()

    def missing(self, indices: Sequence[int], tokens: bool) -> list[int]:
        """Of ``indices``, the windows still to compute (their token states too when ``tokens``)."""
        return [i for i in indices if not self.done[i] or (tokens and self.states[i] is None)]

    def store(self, i: int, pooled: np.ndarray, states: np.ndarray | None) -> None:
        """Record window ``i``'s vector (and token states); freeze ``pooled`` once all are done."""
        with self._lock:
            if not self.done[i]:
                self.pooled[i] = pooled
                self.done[i] = True
                if all(self.done):
                    self.pooled.flags.writeable = False
            if states is not None and self.states[i] is None:
                states.flags.writeable = False
                self.states[i] = states

    @property
    def complete(self) -> bool:
        """True when every window's vector is computed."""
        return not self.pooled.flags.writeable

    def cost(self, tokens: bool) -> int:
        """Bytes this entry holds once filled (token states counted when ``tokens``)."""
        n_tok = sum(len(ids) for ids in self.ids)
        size = self.pooled.nbytes + n_tok * 12 + _ENTRY_OVERHEAD
        return size + (n_tok * self.dim * 4 if tokens else 0)
