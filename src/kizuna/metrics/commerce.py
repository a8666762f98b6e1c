"""Commerce KPIs of a period compared with the period before: revenue, orders, AOV, active,
new and returning customers, repeat-purchase rate, purchase frequency and inter-purchase
time; the same per category, channel, country or caller-given segment; and a revenue/orders
series for a chart.

Only counted orders (completed, not cancelled) enter any figure. Definitions, intervals and
edge cases are in docs/reference/metrics/commerce.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from kizuna.analytics import runner
from kizuna.analytics.snapshot import Snapshot
from kizuna.errors import Invalid
from kizuna.metrics.contracts import Kpi, Unit
from kizuna.metrics.errors import DimensionInvalid, PeriodInvalid
from kizuna.metrics.kpis import mean_kpi, proportion_kpi
from kizuna.metrics.periods import Period

_PKG = "kizuna.metrics"

#: The dimensions a breakdown can be cut by.
DIMENSIONS: tuple[str, ...] = ("category", "channel", "country", "segment")
#: The buckets of a revenue series.
GRAINS: tuple[str, ...] = ("day", "week", "month")
#: Customers a caller-given segment mapping does not list fall into this segment.
UNASSIGNED = "unassigned"

Grain = Literal["day", "week", "month"]


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakdownRow:
    """The KPIs of one value of a dimension (e.g. ``channel = "web"``)."""

    value: str
    revenue: Kpi
    orders: Kpi
    aov: Kpi
    active_customers: Kpi
    revenue_share: float | None  # of the dimension's total revenue in the period


@dataclass(frozen=True, slots=True, kw_only=True)
class Breakdown:
    """Revenue, orders, AOV and active customers per value of one dimension, sorted by
    revenue (highest first). For ``category`` an order with lines in several categories
    counts once in each, so the rows' orders may add up to more than the period's orders."""

    dimension: str
    period_start: date
    period_end: date
    rows: tuple[BreakdownRow, ...]
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CommerceReport:
    """The commerce KPIs of ``period_start..period_end`` (local dates, inclusive), each
    compared with ``previous_start..previous_end``."""

    period_start: date
    period_end: date
    previous_start: date
    previous_end: date
    currency: str
    revenue: Kpi
    orders: Kpi
    aov: Kpi
    active_customers: Kpi
    new_customers: Kpi
    returning_customers: Kpi
    repeat_purchase_rate: Kpi
    purchase_frequency: Kpi
    inter_purchase_days_mean: Kpi
    inter_purchase_days_median: Kpi
    breakdown: Breakdown | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SeriesPoint:
    """One bucket of a revenue series; ``start`` is the bucket's first local day (a bucket
    cut by the period's ends covers only the part inside the period)."""

    start: date
    revenue: float
    orders: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RevenueSeries:
    grain: str
    period_start: date
    period_end: date
    currency: str
    points: tuple[SeriesPoint, ...]
    note: str | None = None


# --- public API --------------------------------------------------------------------------


def commerce_kpis(
    snap: Snapshot,
    period: Period,
    *,
    by: str | None = None,
    segment_of: Mapping[int, str] | None = None,
) -> CommerceReport:
    """The commerce KPIs of ``period`` against ``period.previous()``; with ``by`` also the
    breakdown by that dimension (see ``commerce_breakdown``)."""
    breakdown = (
        commerce_breakdown(snap, period, by, segment_of=segment_of) if by is not None else None
    )
    prev = period.previous()
    lo, hi = period.bounds_utc(snap.zone)
    prev_lo, _ = prev.bounds_utc(snap.zone)
    found = {
        r["per"]: r
        for r in runner.rows(snap.con, _PKG, "commerce_kpis", prev_lo=prev_lo, lo=lo, hi=hi)
    }
    cur, old = _Stats.of(found.get("current")), _Stats.of(found.get("previous"))
    empty = _empty_note(snap, period, cur.orders)
    note = _future_note(snap, period)
    return CommerceReport(
        period_start=period.start,
        period_end=period.end,
        previous_start=prev.start,
        previous_end=prev.end,
        currency=snap.currency,
        **_core_kpis(cur, old, empty),
        new_customers=_count_kpi(
            "new_customers", Unit.COUNT, cur.new, old.new, cur.customers, old.customers, empty
        ),
        returning_customers=_count_kpi(
            "returning_customers",
            Unit.COUNT,
            cur.customers - cur.new,
            old.customers - old.new,
            cur.customers,
            old.customers,
            empty,
        ),
        repeat_purchase_rate=proportion_kpi(
            "repeat_purchase_rate",
            (cur.repeaters, cur.customers),
            (old.repeaters, old.customers),
            empty,
        ),
        purchase_frequency=mean_kpi(
            "purchase_frequency",
            Unit.MEAN,
            (cur.customers, cur.customer_orders, cur.customer_orders_sq),
            (old.customers, old.customer_orders, old.customer_orders_sq),
            empty,
        ),
        inter_purchase_days_mean=mean_kpi(
            "inter_purchase_days_mean",
            Unit.DAYS,
            (cur.gaps, cur.gaps * cur.gap_mean, cur.gap_sq),
            (old.gaps, old.gaps * old.gap_mean, old.gap_sq),
            empty or _no_gaps(cur.gaps),
        ),
        inter_purchase_days_median=Kpi(
            key="inter_purchase_days_median",
            value=cur.gap_median if cur.gaps else None,
            unit=Unit.DAYS,
            n=cur.gaps,
            previous=old.gap_median if old.gaps else None,
            previous_n=old.gaps,
            note=empty or _no_gaps(cur.gaps),
        ),
        breakdown=breakdown,
        note=note,
    )


def commerce_breakdown(
    snap: Snapshot,
    period: Period,
    dimension: str,
    *,
    segment_of: Mapping[int, str] | None = None,
) -> Breakdown:
    """Revenue, orders, AOV and active customers per value of ``dimension`` (one of
    ``DIMENSIONS``) in ``period``, each against ``period.previous()``. ``segment`` needs
    ``segment_of`` (customer id -> segment label, e.g. the RFM segment)."""
    if dimension not in DIMENSIONS:
        raise DimensionInvalid(
            f"Unknown dimension {dimension!r}; use one of {', '.join(DIMENSIONS)}.",
            field="by",
            value=str(dimension),
            allowed=list(DIMENSIONS),
        )
    if dimension == "segment":
        if segment_of is None:
            raise Invalid(
                "A breakdown by segment needs the segment of each customer (segment_of).",
                field="segment_of",
            )
        load_segments(snap, segment_of)
    lo, hi = period.bounds_utc(snap.zone)
    prev_lo, _ = period.previous().bounds_utc(snap.zone)
    found = runner.rows(
        snap.con, _PKG, f"commerce_breakdown_{dimension}", prev_lo=prev_lo, lo=lo, hi=hi
    )
    cells: dict[str, dict[str, dict[str, Any]]] = {}
    for r in found:
        cells.setdefault(str(r["value"]), {})[r["per"]] = r
    total = sum(float(c["current"]["revenue"] or 0) for c in cells.values() if "current" in c)
    rows: list[BreakdownRow] = []
    for value, per in cells.items():
        cur, old = _Stats.of(per.get("current")), _Stats.of(per.get("previous"))
        empty = (
            None if cur.orders else f"No counted orders with {dimension} = {value!r} in the period."
        )
        rows.append(
            BreakdownRow(
                value=value,
                **_core_kpis(cur, old, empty),
                revenue_share=cur.revenue / total if total else None,
            )
        )
    rows.sort(key=lambda r: (-(r.revenue.value or 0.0), r.value))
    note = _future_note(snap, period)
    if not rows:
        note = _join(note, _empty_note(snap, period, 0))
    return Breakdown(
        dimension=dimension,
        period_start=period.start,
        period_end=period.end,
        rows=tuple(rows),
        note=note,
    )


def commerce_series(snap: Snapshot, period: Period, *, grain: str = "day") -> RevenueSeries:
    """Revenue and counted orders per local day, ISO week or month of ``period``; buckets
    without orders are 0."""
    if grain not in GRAINS:
        raise PeriodInvalid(
            f"Unknown grain {grain!r}; use one of {', '.join(GRAINS)}.",
            field="grain",
            value=str(grain),
        )
    lo, hi = period.bounds_utc(snap.zone)
    found = {
        r["bucket"]: r
        for r in runner.rows(snap.con, _PKG, "commerce_series", grain=grain, lo=lo, hi=hi)
    }
    points = []
    for start in _buckets(period, grain):
        r = found.get(start)
        points.append(
            SeriesPoint(
                start=start,
                revenue=float(r["revenue"] or 0.0) if r else 0.0,
                orders=int(r["orders"]) if r else 0,
            )
        )
    note = _future_note(snap, period)
    if not found:
        note = _join(note, _empty_note(snap, period, 0))
    return RevenueSeries(
        grain=grain,
        period_start=period.start,
        period_end=period.end,
        currency=snap.currency,
        points=tuple(points),
        note=note,
    )


def load_segments(snap: Snapshot, segment_of: Mapping[int, str]) -> None:
    """Put ``segment_of`` (customer id -> label) into the temporary table ``segment_of``."""
    ids = [int(k) for k in segment_of]
    labels = [str(segment_of[k]) for k in segment_of]
    runner.execute(
        snap.con,
        runner.sql(_PKG, "commerce_segments_load"),
        {"customer_ids": ids, "segments": labels},
    )


# --- helpers -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Stats:
    orders: int = 0
    revenue: float = 0.0
    revenue_sq: float = 0.0
    customers: int = 0
    repeaters: int = 0
    customer_orders: float = 0.0
    customer_orders_sq: float = 0.0
    new: int = 0
    gaps: int = 0
    gap_mean: float = 0.0
    gap_sq: float = 0.0
    gap_median: float | None = None

    @classmethod
    def of(cls, r: Mapping[str, Any] | None) -> _Stats:
        if not r:
            return cls()

        def f(name: str) -> float:
            v = r.get(name)
            return float(v) if v is not None else 0.0

        def i(name: str) -> int:
            v = r.get(name)
            return int(v) if v is not None else 0

        median = r.get("gap_median")
        return cls(
            orders=i("orders"),
            revenue=f("revenue"),
            revenue_sq=f("revenue_sq"),
            customers=i("customers"),
            repeaters=i("repeaters"),
            customer_orders=f("customer_orders"),
            customer_orders_sq=f("customer_orders_sq"),
            new=i("new_customers"),
            gaps=i("gaps"),
            gap_mean=f("gap_mean"),
            gap_sq=f("gap_sq"),
            gap_median=float(median) if median is not None else None,
        )


def _core_kpis(cur: _Stats, old: _Stats, empty: str | None) -> dict[str, Kpi]:
    """Revenue, orders, AOV and active customers of a period against the previous one: the
    figures the report and every breakdown row share."""
    return {
        "revenue": _count_kpi(
            "revenue", Unit.CURRENCY, cur.revenue, old.revenue, cur.orders, old.orders, empty
        ),
        "orders": _count_kpi(
            "orders", Unit.COUNT, cur.orders, old.orders, cur.orders, old.orders, empty
        ),
        "aov": mean_kpi(
            "aov",
            Unit.CURRENCY,
            (cur.orders, cur.revenue, cur.revenue_sq),
            (old.orders, old.revenue, old.revenue_sq),
            empty,
        ),
        "active_customers": _count_kpi(
            "active_customers",
            Unit.COUNT,
            cur.customers,
            old.customers,
            cur.customers,
            old.customers,
            empty,
        ),
    }


def _count_kpi(
    key: str,
    unit: Unit,
    value: float,
    previous: float,
    n: int,
    previous_n: int,
    note: str | None,
) -> Kpi:
    """A total of what happened (no interval): 0 is a real value, not missing."""
    return Kpi(
        key=key, value=value, unit=unit, n=n, previous=previous, previous_n=previous_n, note=note
    )


def _no_gaps(gaps: int) -> str | None:
    if gaps:
        return None
    return "No customer ordered again in the period (no consecutive orders to measure)."


def _join(*notes: str | None) -> str | None:
    kept = [n for n in notes if n]
    return " ".join(kept) if kept else None


def local_today(snap: Snapshot) -> date:
    """The local date of ``snap.as_of`` in the workspace's zone."""
    return snap.as_of.astimezone(snap.zone).date()


def _future_note(snap: Snapshot, period: Period) -> str | None:
    today = local_today(snap)
    if period.start > today:
        return f"The period starts after the snapshot's date ({today}); there is no data yet."
    if period.end > today:
        return f"The period runs past the snapshot's date ({today}); it is only partly observed."
    return None


def _empty_note(snap: Snapshot, period: Period, orders: int) -> str | None:
    if orders:
        return None
    total = runner.one(snap.con, _PKG, "commerce_totals")
    if not total["orders"]:
        return "The snapshot holds no counted orders; import or record orders first."
    if period.start > local_today(snap):
        return "No counted orders: the period lies in the future."
    return "No counted orders in the period."


def _buckets(period: Period, grain: str) -> list[date]:
    if grain == "day":
        return [period.start + timedelta(days=d) for d in range(period.days)]
    if grain == "week":
        first = period.start - timedelta(days=period.start.weekday())
        return [first + timedelta(days=7 * w) for w in range((period.end - first).days // 7 + 1)]
    out = []
    y, m = period.start.year, period.start.month
    while date(y, m, 1) <= period.end:
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
