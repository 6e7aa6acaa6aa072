"""A small thread-safe LRU cache with a time limit, for answers that repeat.

People in a chat look up the same papers again and again (this week's paper, a link
someone shared); the store answers those from memory. The time limit bounds how stale an
answer can be when another process ingested new content; a local ingest clears the cache.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlLru(Generic[K, V]):
    """At most ``size`` entries, each for at most ``ttl`` seconds; least recently used go."""

    def __init__(self, size: int, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.size = size
        self.ttl = ttl
        self._clock = clock
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: K, compute: Callable[[], V]) -> V:
        """The cached value, or ``compute()`` stored (computed outside the lock)."""
        now = self._clock()
        with self._lock:
            found = self._items.get(key)
            if found is not None and now - found[0] < self.ttl:
                self._items.move_to_end(key)
                self.hits += 1
                return found[1]
            self.misses += 1
        value = compute()
        with self._lock:
            self._items[key] = (now, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def peek(self, key: K) -> V | None:
        """The cached value if present and fresh, else None (nothing computed)."""
        now = self._clock()
        with self._lock:
            found = self._items.get(key)
            if found is None or now - found[0] >= self.ttl:
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found[1]

    def put(self, key: K, value: V) -> None:
        """Store ``value`` under ``key``."""
        with self._lock:
            self._items[key] = (self._clock(), value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget everything (after an ingest)."""
        with self._lock:
            self._items.clear()
