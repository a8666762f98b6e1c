from __future__ import annotations

import pytest

from kizuna.errors import RateLimited
from kizuna.http.ratelimit import TokenBucket


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_bucket_allows_the_burst_then_refills_at_the_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=10, burst=30, now=clock)
    bucket.take("s", 30)
    with pytest.raises(RateLimited) as info:
        bucket.take("s", 10)
    assert info.value.retry_after == 1
    assert info.value.extra_headers == {"Retry-After": "1"}
    clock.t += 1.0
    bucket.take("s", 10)  # one second refilled ten tokens
    bucket.take("other", 30)  # keys are independent


def test_refused_requests_spend_nothing_and_rate_zero_is_off() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=10, burst=10, now=clock)
    bucket.take("s", 8)
    with pytest.raises(RateLimited):
        bucket.take("s", 5)
    bucket.take("s", 2)
    off = TokenBucket(rate=0, burst=0, now=clock)
    for _ in range(1000):
        off.take("s", 1000)
