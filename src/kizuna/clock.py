"""Injectable time. All datetimes in kizuna are timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock for tests: returns ``at`` until moved with :meth:`advance`."""

    def __init__(self, at: datetime) -> None:
        self.at = ensure_aware_utc(at)

    def now(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at = self.at + delta


def ensure_aware_utc(value: datetime) -> datetime:
    """Return ``value`` in UTC; naive datetimes are refused (they hide bugs)."""
    if value.tzinfo is None:
        raise ValueError("Timezone aware datetime is required")
    return value.astimezone(UTC)


def as_utc(value: datetime) -> datetime:
    """Read a datetime from storage: SQLite returns naive values that are UTC by contract."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
