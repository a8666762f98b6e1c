"""Template filters: a curated, size-guarded subset of Jinja's, plus ``date`` and ``money``.

Left out on purpose: ``safe`` (nothing a customer typed is ever rendered unescaped),
``format`` (unbounded widths), ``urlize`` / ``xmlattr`` (HTML building), ``batch`` /
``slice`` / ``random`` / ``pprint``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import defaults

from kizuna.messaging import limits

_KEPT = (
    "abs", "attr", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape",
    "filesizeformat", "first", "float", "groupby", "indent", "int", "items", "join", "last",
    "length", "list", "lower", "map", "max", "min", "reject", "rejectattr", "replace",
    "reverse", "round", "select", "selectattr", "sort", "string", "striptags", "sum", "title",
    "tojson", "trim", "truncate", "unique", "upper", "urlencode", "wordcount", "wordwrap",
)

_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
_SYMBOLS = {"JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "CNY": "¥", "KRW": "₩"}
_ZERO_DECIMAL = {"JPY", "KRW", "VND", "CLP", "ISK", "TWD"}
DATE_STYLES = ("date", "datetime", "time", "short")


def _guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    skip = 2 if hasattr(fn, "jinja_pass_arg") else 1  # (context,) value: not parameters

    @functools.wraps(fn)  # keeps jinja's pass_context / pass_environment markers
    def guarded(*args: Any, **kwargs: Any) -> Any:
        limits.check_numbers(args[skip:], kwargs)
        result = fn(*args, **kwargs)
        limits.check_size(result)
        return result

    return guarded


def _texts(args: tuple[Any, ...]) -> list[str]:
    return [a for a in args if isinstance(a, str)]


def _replace_guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        texts = _texts(args)
        if len(texts) >= 3:  # (eval_ctx,) value, old, new
            value, old, new = texts[-3:]
            hits = value.count(old) if old else len(value) + 1
            limits.check_planned(len(value) + hits * len(new))
        return fn(*args, **kwargs)

    return guarded


def _join_guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def guarded(eval_ctx: Any, value: Iterable[Any], d: str = "", attribute: Any = None) -> Any:
        items = list(value)
        limits.check_size(items)
        size = len(str(d)) * len(items)
        for item in items:
            size += len(str(item))
            limits.check_planned(size)
        return fn(eval_ctx, items, d, attribute)

    return guarded


def _indent_guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def guarded(s: Any, width: Any = 4, *args: Any, **kwargs: Any) -> Any:
        limits.check_numbers((width,), kwargs)
        if isinstance(width, int):
            limits.check_planned(len(str(s)) + width * (str(s).count("\n") + 1))
        elif isinstance(width, str):
            limits.check_planned(len(str(s)) + len(width) * (str(s).count("\n") + 1))
        return fn(s, width, *args, **kwargs)

    return guarded


def _sum(iterable: Iterable[Any], attribute: Any = None, start: Any = 0) -> Any:
    """Numbers only (summing lists or strings could build unbounded values)."""
    values = list(iterable)
    limits.check_size(values)
    total = start
    for value in values:
        item = value.get(attribute) if attribute is not None and isinstance(value, dict) else value
        if not isinstance(item, int | float | Decimal) or isinstance(item, bool):
            raise TypeError(f"sum adds numbers only; got {type(item).__name__}")
        total = total + item
    return total


def to_datetime(value: Any) -> datetime | date:
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(
        f"the date filter needs a date, a datetime or an ISO 8601 string; got {value!r}"
    )


def format_date(value: Any, style: str = "date", timezone: str | None = None) -> str:
    """``{{ order.at | date }}``: in the customer's time zone, in the message's language.

    Styles: ``date`` (2026年12月2日 / December 2, 2026), ``datetime`` (adds 16:05 / 4:05 PM),
    ``time``, ``short`` (2026/12/02 / 2026-12-02). A date without a time is not shifted.
    """
    state = limits.current()
    if style not in DATE_STYLES:
        raise ValueError(f"unknown date style {style!r}; use one of {', '.join(DATE_STYLES)}")
    moment = to_datetime(value)
    if isinstance(moment, datetime):
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        try:
            zone = ZoneInfo(timezone or state.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {timezone or state.timezone!r}") from exc
        moment = aware.astimezone(zone)
    day = moment if not isinstance(moment, datetime) else moment.date()
    clock = f"{moment.hour}:{moment.minute:02d}" if isinstance(moment, datetime) else ""
    if state.locale == "ja":
        parts = {"date": f"{day.year}年{day.month}月{day.day}日",
                 "short": f"{day.year}/{day.month:02d}/{day.day:02d}", "time": clock}
    else:
        if isinstance(moment, datetime):
            hour12 = moment.hour % 12 or 12
            clock = f"{hour12}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"
        parts = {"date": f"{_MONTHS_EN[day.month - 1]} {day.day}, {day.year}",
                 "short": day.isoformat(), "time": clock}
    if style == "datetime":
        sep = " " if state.locale == "ja" else ", "
        return f"{parts['date']}{sep}{parts['time']}" if parts["time"] else parts["date"]
    return parts[style]


def format_money(value: Any, currency: str | None = None) -> str:
    """``{{ 1200 | money }}`` → ``1,200円`` (ja) / ``¥1,200`` (en); ``money('USD')``."""
    state = limits.current()
    code = (currency or state.currency).upper()
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation as exc:
        raise ValueError(f"the money filter needs a number; got {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"the money filter needs a finite number; got {value!r}")
    places = 0 if code in _ZERO_DECIMAL else 2
    amount = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    digits = f"{abs(amount):,.{places}f}"
    if state.locale == "ja" and code == "JPY":
        return f"{sign}{digits}円"
    symbol = _SYMBOLS.get(code)
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {code}"


def build_filters() -> dict[str, Callable[..., Any]]:
    table: dict[str, Callable[..., Any]] = {}
    for name in _KEPT:
        fn = defaults.DEFAULT_FILTERS[name]  # type: ignore[attr-defined]
        if name == "replace":
            fn = _replace_guard(fn)
        elif name == "join":
            fn = _join_guard(fn)
        elif name == "indent":
            fn = _indent_guard(fn)
        table[name] = _guard(fn)
    table["sum"] = _guard(_sum)
    table["date"] = _guard(format_date)
    table["money"] = _guard(format_money)
    return table
