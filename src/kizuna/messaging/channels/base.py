"""The channel interface: an outgoing message in, a delivery outcome out.

``Channel.send(message, idempotency_key=…)`` returns one of

- :class:`Delivered` (the provider's message id),
- :class:`Retryable` (a reason and ``retry_after`` seconds: SMTP 4xx, connection errors,
  timeouts, HTTP 408/425/429/5xx — the server's ``Retry-After`` wins when it is longer),
- :class:`Failed` (a permanent reason: SMTP 5xx, HTTP 4xx, refused address, redirect).

The same idempotency key is passed on every attempt of one delivery, so a resend carries the
same ``Message-ID`` / ``webhook-id`` and receivers can drop duplicates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal, Protocol

#: Seconds to wait before attempt n+1 after a retryable failure of attempt n (1-based);
#: the last step repeats. The outbox gives up after its own maximum number of attempts.
BACKOFF_SECONDS: tuple[float, ...] = (30.0, 120.0, 600.0, 1800.0, 7200.0, 21600.0)
MAX_RETRY_AFTER = 86400.0


def backoff_seconds(attempt: int) -> float:
    """The delay after the ``attempt``-th attempt failed retryably (1 → 30 s, 2 → 2 min, …)."""
    return BACKOFF_SECONDS[min(max(attempt, 1), len(BACKOFF_SECONDS)) - 1]


@dataclass(frozen=True, slots=True, kw_only=True)
class OutgoingMessage:
    """One rendered message for one recipient.

    ``to`` is an email address (email) or a URL (webhook). ``payload`` is the webhook's JSON
    body. ``customer_id`` and ``purpose`` scope the unsubscribe link and tracking; without a
    customer there is neither. ``attempt`` (1-based) picks the backoff step.
    """

    workspace_id: int
    to: str
    customer_id: int | None = None
    subject: str = ""
    text: str = ""
    html: str = ""
    locale: str = "ja"
    from_address: str = ""
    reply_to: str = ""
    purpose: str = "marketing"
    payload: Mapping[str, Any] = field(default_factory=dict)
    track_opens: bool = True
    track_clicks: bool = True
    unsubscribe: bool = True
    attempt: int = 1


@dataclass(frozen=True, slots=True)
class Delivered:
    provider_message_id: str
    kind: Literal["delivered"] = "delivered"


@dataclass(frozen=True, slots=True)
class Retryable:
    reason: str
    retry_after: float
    kind: Literal["retryable"] = "retryable"


@dataclass(frozen=True, slots=True)
class Failed:
    reason: str
    kind: Literal["failed"] = "failed"


DeliveryOutcome = Delivered | Retryable | Failed


class Channel(Protocol):
    """A delivery channel (email over SMTP, webhook, …)."""

    name: str

    def send(self, message: OutgoingMessage, *, idempotency_key: str) -> DeliveryOutcome:
        ...


def retry(reason: str, attempt: int, server_seconds: float | None = None) -> Retryable:
    """A retryable outcome: the backoff step, or the server's wish if that is longer."""
    wait = backoff_seconds(attempt)
    if server_seconds is not None:
        wait = max(wait, min(server_seconds, MAX_RETRY_AFTER))
    return Retryable(reason[:500], wait)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def classify_http(status: int, attempt: int, retry_after: str | None = None) -> DeliveryOutcome:
    """Outcome of an HTTP answer other than 2xx (2xx is the caller's :class:`Delivered`)."""
    if status in (408, 425, 429) or status >= 500:
        return retry(f"HTTP {status}", attempt, parse_retry_after(retry_after))
    if 300 <= status < 400:
        return Failed(f"HTTP {status} (redirects are not followed)")
    return Failed(f"HTTP {status}")


def classify_smtp(code: int, text: str, attempt: int) -> DeliveryOutcome:
    """SMTP reply ``code``: 4xx is transient (retry), 5xx permanent."""
    reason = f"SMTP {code} {text}".strip()
    if 400 <= code < 500:
        return retry(reason, attempt)
    return Failed(reason)
