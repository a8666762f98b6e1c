"""Reporting periods: whole local days in the workspace's time zone, compared with the
period of the same length just before."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kizuna.metrics.errors import PeriodInvalid

_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
_LAST = re.compile(r"^last-(\d{1,4})d$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True, slots=True)
class Period:
    """Local days ``start``..``end``, both inclusive."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodInvalid(
                f"The period ends ({self.end}) before it starts ({self.start}).", field="period"
            )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same number of days that ends the day before this one starts."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    def bounds_utc(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) as naive UTC timestamps (what the analytic tables store)."""
        lo = datetime.combine(self.start, time(), zone).astimezone(UTC).replace(tzinfo=None)
        hi = datetime.combine(self.end + timedelta(days=1), time(), zone)
        return lo, hi.astimezone(UTC).replace(tzinfo=None)

    def label(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def parse_period(text: str | None, *, today: date, default_days: int = 30) -> Period:
    """Read ``last-30d``, ``2026-11``, ``2026-Q3``, ``2026`` or ``2026-11-01..2026-11-30``.

    ``today`` is the local date of "now"; ``last-Nd`` ends today. None gives the last
    ``default_days`` days.
    """
    raw = (text or f"last-{default_days}d").strip()
    try:
        if m := _LAST.match(raw):
            n = int(m.group(1))
            if n < 1:
                raise ValueError("at least one day")
            return Period(today - timedelta(days=n - 1), today)
        if m := _RANGE.match(raw):
            return Period(date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2)))
        if m := _MONTH.match(raw):
            y, mo = int(m.group(1)), int(m.group(2))
            start = date(y, mo, 1)
            nxt = date(y + (mo == 12), mo % 12 + 1, 1)
            return Period(start, nxt - timedelta(days=1))
        if m := _QUARTER.match(raw):
            y, q = int(m.group(1)), int(m.group(2))
            start = date(y, 3 * q - 2, 1)
            nxt = date(y + (q == 4), (3 * q) % 12 + 1, 1)
            return Period(start, nxt - timedelta(days=1))
        if m := _YEAR.match(raw):
            y = int(m.group(1))
            return Period(date(y, 1, 1), date(y, 12, 31))
    except ValueError as exc:
        raise PeriodInvalid(
            f"Cannot read the period {raw!r}: {exc}.", field="period", value=raw
        ) from exc
    raise PeriodInvalid(
        f"Cannot read the period {raw!r}; use last-30d, 2026-11, 2026-Q3, 2026 "
        "or 2026-11-01..2026-11-30.",
        field="period",
        value=raw,
    )
