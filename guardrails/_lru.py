"""A bounded, thread-safe least-recently-used mapping with hit and miss counters.

Shared by the decision cache (guardrails.decision_cache) and the encoder's embedding cache
(guardrails.runtime.cache). Standard library only, so the core can use it without numpy.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, NamedTuple, TypeVar

__all__ = ["CacheInfo", "LRUCache"]

V = TypeVar("V")


class CacheInfo(NamedTuple):
    """Counters of a cache: lookups that hit and missed, entries now held, the entry bound."""

    hits: int
    misses: int
    size: int
    maxsize: int


class LRUCache(Generic[V]):
    """At most ``maxsize`` entries (0 disables caching) and, when ``max_bytes`` is set, at most
    that many bytes by the costs given to :meth:`put`; the least recently used entries go first."""

    def __init__(self, maxsize: int = 4096, max_bytes: int | None = None) -> None:
        self.maxsize = max(0, int(maxsize))
        self.max_bytes = None if max_bytes is None else max(0, int(max_bytes))
        self._data: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0
        self._bytes = 0

    def get(self, key: Hashable) -> V | None:
        """The cached value (counted as a hit) or None (counted as a miss)."""
        with self._lock:
            item = self._data.get(key)
            if item is None:
                self._misses += 1
                return None
            self._data.move_to_end(key)
            self._hits += 1
            return item[0]

    def peek(self, key: Hashable) -> V | None:
        """The cached value or None, without counting or reordering."""
        item = self._data.get(key)
        return None if item is None else item[0]

    def put(self, key: Hashable, value: V, cost: int = 0) -> None:
        """Store ``value`` (``cost`` bytes); evict least recently used entries past the bounds.

        A value costing more than ``max_bytes`` on its own is not stored.
        """
        if self.maxsize == 0 or (self.max_bytes is not None and cost > self.max_bytes):
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._data[key] = (value, cost)
            self._bytes += cost
            while len(self._data) > self.maxsize or (
                self.max_bytes is not None and self._bytes > self.max_bytes
            ):
                _, (_, gone) = self._data.popitem(last=False)
                self._bytes -= gone

    def info(self) -> CacheInfo:
        """Hits, misses, current size and maximum size."""
        with self._lock:
            return CacheInfo(self._hits, self._misses, len(self._data), self.maxsize)

    @property
    def nbytes(self) -> int:
        """The summed cost of the entries held."""
        return self._bytes

    def clear(self) -> None:
        """Drop every entry and reset the counters."""
        with self._lock:
            self._data.clear()
            self._hits = self._misses = self._bytes = 0

    def __len__(self) -> int:
        return len(self._data)
