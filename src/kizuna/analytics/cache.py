"""A small time-limited cache of computed analytics results, shared by the adapters.

Figures are cached, not DuckDB connections: a connection must not be used by two threads at
once, while results are immutable dataclasses. Concurrent requests for the same key wait for
the one computation instead of each snapshotting the store.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class ResultCache:
    def __init__(self, ttl_seconds: float, *, max_entries: int = 256) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self._entries: dict[Hashable, tuple[float, Any]] = {}

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value for ``key`` if younger than the TTL, else ``compute()``'s."""
        if self.ttl <= 0:
            return compute()
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            now = time.monotonic()
            with self._lock:
                hit = self._entries.get(key)
            if hit is not None and now - hit[0] < self.ttl:
                value: T = hit[1]
                return value
            value = compute()
            with self._lock:
                if len(self._entries) >= self.max_entries:
                    oldest = min(self._entries, key=lambda k: self._entries[k][0])
                    del self._entries[oldest]
                self._entries[key] = (time.monotonic(), value)
            return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
