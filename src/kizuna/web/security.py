"""Dashboard protections: CSRF tokens, login throttling, safe redirects, security headers."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kizuna.web.errors import CsrfInvalid

CSRF_SESSION_KEY = "csrf"
CSRF_FIELD = "csrf_token"

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
        b"form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
]


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The session's CSRF token, created on first use."""
    token = session.get(CSRF_SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_SESSION_KEY] = token
    return token


def check_csrf(session: MutableMapping[str, Any], submitted: str | None) -> None:
    """Raise :class:`CsrfInvalid` unless ``submitted`` equals the session's token."""
    expected = session.get(CSRF_SESSION_KEY)
    if not isinstance(expected, str) or not expected or not submitted:
        raise CsrfInvalid()
    if not hmac.compare_digest(expected.encode(), submitted.encode()):
        raise CsrfInvalid()


def safe_next(value: str | None, default: str) -> str:
    """Only same-site relative paths (``/app/…``) are allowed as redirect targets."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    if any(ord(ch) < 0x20 or ch == "\\" for ch in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


class LoginThrottle:
    """At most ``limit`` failed logins per client address in a sliding ``window`` (seconds).

    In memory, per process: enough to slow down password guessing against one server. Behind
    several workers each has its own budget (documented in docs/reference/dashboard.md).
    """

    def __init__(
        self, limit: int, window: float = 60.0, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._now = now
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str) -> deque[float]:
        stamps = self._failures.setdefault(key, deque())
        cutoff = self._now() - self.window
        while stamps and stamps[0] <= cutoff:
            stamps.popleft()
        return stamps

    def retry_after(self, key: str) -> int | None:
        """Seconds to wait if ``key`` is over the limit, else ``None``."""
        with self._lock:
            stamps = self._recent(key)
            if len(stamps) < self.limit:
                if not stamps:
                    self._failures.pop(key, None)
                return None
            return max(1, int(stamps[0] + self.window - self._now()) + 1)

    def record_failure(self, key: str) -> None:
        with self._lock:
            self._recent(key).append(self._now())
            if len(self._failures) > 10_000:  # bound memory under a spray of addresses
                cutoff = self._now() - self.window
                for stale in [k for k, v in self._failures.items() if not v or v[-1] <= cutoff]:
                    del self._failures[stale]

    def reset(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


class SecurityHeadersMiddleware:
    """Adds CSP, X-Frame-Options, Referrer-Policy and nosniff to every dashboard response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                if b"content-security-policy" in names:  # its frame-ancestors decides framing
                    extra = [(k, v) for k, v in extra if k != b"x-frame-options"]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
