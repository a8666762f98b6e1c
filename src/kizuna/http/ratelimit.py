"""Token buckets for public endpoints (in memory, per process)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from kizuna.errors import RateLimited


class TokenBucket:
    """``rate`` tokens per second per key, holding at most ``burst`` tokens.

    :meth:`take` spends tokens or raises :class:`RateLimited` with the seconds to wait, which
    Segment-style SDKs honour through ``Retry-After``. A rate of 0 turns the limit off.
    """

    def __init__(
        self, rate: float, burst: float, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = max(burst, rate)
        self._now = now
        self._buckets: dict[object, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key: object, tokens: float = 1.0) -> None:
        if self.rate <= 0:
            return
        with self._lock:
            now = self._now()
            level, at = self._buckets.get(key, (self.burst, now))
            level = min(self.burst, level + (now - at) * self.rate)
            if tokens > level:
                self._buckets[key] = (level, now)
                wait = math.ceil((min(tokens, self.burst) - level) / self.rate)
                raise RateLimited(
                    f"This source sends more than {self.rate:,.0f} events per second; "
                    f"retry in {wait} s.",
                    retry_after=max(1, wait),
                )
            if len(self._buckets) > 100_000:
                self._buckets.clear()
            self._buckets[key] = (level - tokens, now)
