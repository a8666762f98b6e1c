"""Parsing the text of one cell: numbers, dates, booleans. Parsers cache repeated values."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kizuna.bulk_import.errors import MappingInvalid

_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_FALLBACK_FORMATS = (
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y",
    "%d.%m.%Y",
)
_TRUE = {"1", "true", "t", "yes", "y", "on", "granted", "opt_in", "opted_in", "subscribed"}
_FALSE = {"0", "false", "f", "no", "n", "off", "withdrawn", "opt_out", "opted_out",
          "unsubscribed"}
CENT = Decimal("0.01")


def parse_decimal(text: object) -> Decimal:
    """``12.5``, ``-3``, ``1,234.50``, ``¥1,200``, ``$9.99``. Raises ValueError otherwise."""
    if isinstance(text, (int, Decimal)):
        return Decimal(text)
    if isinstance(text, float):
        return Decimal(repr(text))
    s = str(text).strip()
    try:
        value = Decimal(s)
    except InvalidOperation:
        s = s.lstrip("$¥€£").replace("￥", "").strip()
        if _THOUSANDS.match(s):
            s = s.replace(",", "")
        try:
            value = Decimal(s)
        except InvalidOperation:
            raise ValueError(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a number")
    return value


def parse_bool(text: object) -> bool:
    if isinstance(text, bool):
        return text
    s = str(text).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueError(f"{text!r} is not true/false")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise MappingInvalid(
            f"Unknown time zone {name!r}; use an IANA name such as Asia/Tokyo or UTC.",
            timezone=name,
        ) from None


DateParser = Callable[[object], datetime]


def make_date_parser(date_format: str | None, tz: ZoneInfo) -> DateParser:
    """A parser returning aware UTC datetimes; naive values are read in ``tz``.

    Without ``date_format``: ISO 8601 (also ``YYYYMMDD``), Unix seconds or milliseconds, and
    ``YYYY/MM/DD``, ``MM/DD/YYYY[ HH:MM]`` forms. Results are cached per distinct text.
    """
    cache: dict[str, datetime] = {}

    def parse(value: object) -> datetime:
        text = str(value).strip()
        hit = cache.get(text)
        if hit is not None:
            return hit
        parsed = _parse(text, date_format)
        result = (parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)).astimezone(UTC)
        if len(cache) < 200_000:
            cache[text] = result
        return result

    return parse


def _parse(text: str, date_format: str | None) -> datetime:
    if not text:
        raise ValueError("date is empty")
    if date_format:
        try:
            return datetime.strptime(text, date_format)
        except ValueError:
            raise ValueError(
                f"date {text!r} does not match --date-format {date_format!r}"
            ) from None
    if text.isdigit() and len(text) in (10, 13):
        seconds = int(text) / (1000 if len(text) == 13 else 1)
        return datetime.fromtimestamp(seconds, UTC)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for fmt in _FALLBACK_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"date {text!r} not understood; pass --date-format (strptime syntax)")


def parse_date_only(text: object) -> date:
    s = str(text).strip()
    try:
        return date.fromisoformat(s)
    except ValueError:
        for fmt in ("%Y/%m/%d", "%m/%d/%Y", "%d.%m.%Y"):
            try:
                return datetime.strptime(s, fmt).date()
            except ValueError:
                continue
    raise ValueError(f"birthday {text!r} not understood (use YYYY-MM-DD)")


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
