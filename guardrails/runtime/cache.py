"""A bounded, thread-safe LRU cache of embeddings with hit and miss counters."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, NamedTuple, TypeVar

__all__ = ["CacheInfo", "LRUCache"]

V = TypeVar("V")


class CacheInfo(NamedTuple):
    """Counters of an embedding cache."""

    hits: int
    misses: int
    size: int
    maxsize: int


class LRUCache(Generic[V]):
    """Least-recently-used mapping of at most ``maxsize`` entries (0 disables caching)."""

    def __init__(self, maxsize: int = 4096) -> None:
        self.maxsize = max(0, int(maxsize))
        self._data: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    def get(self, key: Hashable) -> V | None:
        """The cached value (counted as a hit) or None (counted as a miss)."""
        with self._lock:
            value = self._data.get(key)
            if value is None:
                self._misses += 1
                return None
            self._data.move_to_end(key)
            self._hits += 1
            return value

    def put(self, key: Hashable, value: V) -> None:
        """Store ``value``; the least recently used entry goes when the cache is full."""
        if self.maxsize == 0:
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def info(self) -> CacheInfo:
        """Hits, misses, current size and maximum size."""
        with self._lock:
            return CacheInfo(self._hits, self._misses, len(self._data), self.maxsize)

    def clear(self) -> None:
        """Drop every entry and reset the counters."""
        with self._lock:
            self._data.clear()
            self._hits = self._misses = 0

    def __len__(self) -> int:
        return len(self._data)
