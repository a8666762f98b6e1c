"""Building and reading the per-customer RFM summary (frequency, recency, T, monetary_value)."""

from __future__ import annotations

import csv
import importlib.util
import math
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import numpy as np

from kizuna.predict.contracts import CustomerSummary
from kizuna.predict.errors import SummaryInvalid, TransactionsInvalid

Freq = Literal["D", "W"]
DAYS_PER_UNIT: dict[str, float] = {"D": 1.0, "W": 7.0}
TransactionRow = tuple[str, date | datetime | str, float | str]

# Column names accepted for each field (lower case): ours, the literature's, lifetimes' CSVs.
_ALIASES: dict[str, tuple[str, ...]] = {
    "customer_id": ("customer_id", "id", "customer", "cust", ""),
    "frequency": ("frequency", "x", "frequency_cal"),
    "recency": ("recency", "t_x", "recency_cal"),
    "T": ("t", "t_cal"),
    "monetary_value": ("monetary_value", "zbar", "monetary_value_cal", "m"),
}


def as_date(value: date | datetime | str, date_format: str | None) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = value.strip()
    try:
        if date_format:
            return datetime.strptime(text, date_format).date()
        return date.fromisoformat(text[:10]) if "-" in text else datetime.strptime(
            text, "%Y%m%d").date()
    except ValueError as exc:
        raise TransactionsInvalid(f"Cannot read the date {value!r}"
                                  + (f" with format {date_format!r}." if date_format else
                                     "; give --date-format (e.g. %Y%m%d)."),
                                  value=str(value)) from exc


def summary_from_transactions(
    rows: Iterable[TransactionRow], calibration_end: date, *, freq: Freq = "W",
    date_format: str | None = None, today: date | None = None,
) -> CustomerSummary:
    """Summarise transactions as lifetimes' ``summary_data_from_transaction_data`` does with
    daily periods: purchases on the same day count once (their amounts summed); frequency is
    the number of repeat purchase days, recency the time from the first to the last purchase,
    T the time from the first purchase to ``calibration_end`` (inclusive), in days (``"D"``) or
    weeks of 7 days (``"W"``, fractional, as in the CDNOW summary of Fader, Hardie & Lee 2005);
    monetary_value is the mean amount of the repeat purchase days (0 for one-time buyers).
    Transactions after ``calibration_end`` are left out (they are the holdout period).
    """
    if freq not in DAYS_PER_UNIT:
        raise TransactionsInvalid(f"freq must be one of {sorted(DAYS_PER_UNIT)}, not {freq!r}.")
    if today is not None and calibration_end > today:
        raise TransactionsInvalid(f"The calibration end {calibration_end} is in the future.")
    per_day: dict[str, dict[date, float]] = {}
    future = 0
    for customer, when, amount in rows:
        day = as_date(when, date_format)
        if today is not None and day > today:
            future += 1
            continue
        try:
            value = float(amount)
        except (TypeError, ValueError) as exc:
            raise TransactionsInvalid(f"Cannot read the amount {amount!r} of customer "
                                      f"{customer!r}.") from exc
        if not math.isfinite(value):
            raise TransactionsInvalid(f"The amount of customer {customer!r} is not a number.")
        if day <= calibration_end:
            days = per_day.setdefault(str(customer), {})
            days[day] = days.get(day, 0.0) + value
    if future:
        raise TransactionsInvalid(f"{future} transaction(s) are dated after today ({today}); "
                                  "check the date format (day/month order) and the time zone.")
    if not per_day:
        raise TransactionsInvalid("No transactions on or before the calibration end "
                                  f"{calibration_end}.")
    unit = DAYS_PER_UNIT[freq]
    ids = sorted(per_day)
    n = len(ids)
    frequency, recency, t, money = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    for i, cid in enumerate(ids):
        dates = sorted(per_day[cid])
        first = dates[0]
        frequency[i] = len(dates) - 1
        recency[i] = (dates[-1] - first).days / unit
        t[i] = (calibration_end - first).days / unit
        if len(dates) > 1:
            money[i] = float(np.mean([per_day[cid][d] for d in dates[1:]]))
    return CustomerSummary(customer_ids=tuple(ids), frequency=frequency, recency=recency, T=t,
                           monetary_value=money)


def _column(header: list[str], field: str) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for alias in _ALIASES[field]:
        if field == "T" and "T" in header:
            return header.index("T")
        if alias in lowered:
            return lowered.index(alias)
    return None


def read_summary_csv(path: Path, *, need_monetary: bool = False) -> CustomerSummary:
    """Read a summary CSV with columns customer_id (or ID, or unnamed), frequency (or x),
    recency (or t_x), T and optionally monetary_value (or zbar)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise SummaryInvalid(f"Cannot read {path}: {exc}") from exc
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise SummaryInvalid(f"{path} is empty.")
    header, body = rows[0], rows[1:]
    cols = {f: _column(header, f) for f in _ALIASES}
    missing = [f for f in ("frequency", "recency", "T") if cols[f] is None]
    if need_monetary and cols["monetary_value"] is None:
        missing.append("monetary_value")
    if missing:
        raise SummaryInvalid(f"{path} lacks the column(s) {', '.join(missing)}; found "
                             f"{', '.join(header)}.", missing=missing)
    if not body:
        raise SummaryInvalid(f"{path} has a header but no customers.")

    def numbers(field: str) -> np.ndarray:
        idx = cols[field]
        assert idx is not None
        try:
            return np.array([float(r[idx]) for r in body], dtype=np.float64)
        except (ValueError, IndexError) as exc:
            raise SummaryInvalid(f"{path}: column {header[idx]!r} has a non-numeric or "
                                 f"missing value ({exc}).", field=field) from exc

    id_col = cols["customer_id"]
    ids = tuple(r[id_col] if id_col is not None else str(i) for i, r in enumerate(body, 1))
    return CustomerSummary(
        customer_ids=ids, frequency=numbers("frequency"), recency=numbers("recency"),
        T=numbers("T"),
        monetary_value=numbers("monetary_value") if cols["monetary_value"] is not None else None)


def lifetimes_dataset(name: str) -> Path:
    """Path of a data file shipped in the ``lifetimes`` package (without importing it)."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or spec.origin is None:
        from kizuna.errors import NotFound

        raise NotFound("The lifetimes data files are not installed: "
                       "`pip install --no-deps lifetimes`.")
    return Path(spec.origin).parent / "datasets" / name
