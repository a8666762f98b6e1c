"""The dashboard's security helpers on their own (no I/O)."""

from __future__ import annotations

import pytest

from kizuna.web.errors import CsrfInvalid
from kizuna.web.security import LoginThrottle, check_csrf, csrf_token, safe_next


class Ticker:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_throttle_counts_failures_per_address_in_a_sliding_minute() -> None:
    now = Ticker()
    throttle = LoginThrottle(limit=2, window=60, now=now)
    assert throttle.retry_after("a") is None
    throttle.record_failure("a")
    now.t += 10
    throttle.record_failure("a")
    assert throttle.retry_after("a") == 51  # the first failure expires at +60 s
    assert throttle.retry_after("b") is None  # other addresses are unaffected
    now.t += 50.5
    assert throttle.retry_after("a") is None  # the first failure slid out of the window
    throttle.record_failure("a")
    assert throttle.retry_after("a") is not None
    throttle.reset("a")
    assert throttle.retry_after("a") is None


def test_throttle_memory_is_bounded() -> None:
    now = Ticker()
    throttle = LoginThrottle(limit=5, window=60, now=now)
    for i in range(10_001):
        throttle.record_failure(f"10.0.{i // 256}.{i % 256}")
    now.t += 61
    throttle.record_failure("late")
    assert len(throttle._failures) == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/app/customers?q=a", "/app/customers?q=a"),
        ("/app/customers/1#timeline", "/app/customers/1#timeline"),
        ("", "/home"),
        (None, "/home"),
        ("//evil.example", "/home"),
        ("/\\evil.example", "/home"),
        ("https://evil.example/app", "/home"),
        ("javascript:alert(1)", "/home"),
        ("app/customers", "/home"),
        ("/app/\r\nSet-Cookie:x", "/home"),
    ],
)
def test_safe_next_allows_only_relative_paths(value: str | None, expected: str) -> None:
    assert safe_next(value, "/home") == expected


def test_csrf_token_is_stable_per_session_and_checked_exactly() -> None:
    session: dict[str, object] = {}
    token = csrf_token(session)
    assert csrf_token(session) == token and len(token) >= 40
    check_csrf(session, token)
    for bad in ("", None, token[:-1], token + "x", csrf_token({})):
        with pytest.raises(CsrfInvalid):
            check_csrf(session, bad)
    with pytest.raises(CsrfInvalid):
        check_csrf({}, token)
