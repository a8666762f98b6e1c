"""Display helpers for templates: dates in the workspace's time zone, with the zone named."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None, fallback: str = "Asia/Tokyo") -> ZoneInfo:
    for candidate in (name, fallback, "UTC"):
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


def format_datetime(value: datetime | None, tz: ZoneInfo, *, seconds: bool = False) -> str:
    """``2026-11-23 20:22 JST`` — local time in ``tz`` followed by the zone's abbreviation."""
    if value is None:
        return "—"
    local = value.astimezone(tz)
    pattern = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    return f"{local.strftime(pattern)} {local.tzname() or tz.key}"


def format_date(value: date | None) -> str:
    return "—" if value is None else value.isoformat()


def format_money(value: Decimal | float | int | None, currency: str | None = None) -> str:
    if value is None:
        return "—"
    amount = Decimal(str(value))
    zero_decimals = (currency or "").upper() in {"JPY", "KRW"}
    text = f"{amount:,.0f}" if zero_decimals else f"{amount:,.2f}"
    return f"{text} {currency.upper()}" if currency else text


def format_quantity(value: Decimal | float | int | None) -> str:
    """``Decimal("2.000")`` → ``2``; ``Decimal("1.500")`` → ``1.5``."""
    if value is None:
        return "—"
    text = format(Decimal(str(value)).normalize(), "f")
    return text


def format_value(value: Any) -> str:
    """A trait or property value as text (JSON for nested values)."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def format_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2, default=str)
