"""Involvement per product category: how much effort customers spend before buying in it
(sessions, product views of the category, days from the first view to the order), and a
high/low classification relative to the shop's other categories. Definitions and the rule:
docs/reference/metrics/retention-funnel-involvement.md#involvement.
"""

from __future__ import annotations

import enum
import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from kizuna.analytics import runner
from kizuna.analytics.snapshot import Snapshot
from kizuna.errors import Invalid
from kizuna.metrics.contracts import Kpi, Unit
from kizuna.metrics.kpis import mean_kpi
from kizuna.metrics.periods import Period

_PKG = "kizuna.metrics"
#: A category needs this many orders to be classified.
MIN_ORDERS = 10
RULE = (
    "effort index = mean over the measures (sessions, product views, days from first view) "
    "of the category's mean divided by the median of that mean across the classified "
    f"categories; high if the index is above 1, low otherwise. Categories with fewer than "
    f"{MIN_ORDERS} orders, or shops with fewer than 2 such categories, are unknown."
)


class Involvement(enum.StrEnum):
    HIGH = "high"
    LOW = "low"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class CategoryInvolvement:
    """Effort before the orders containing ``category`` (``n`` = such orders).

    ``days_to_purchase`` rests only on the orders with at least one view of the category in
    the lookback (its own n)."""

    category: str
    n: int
    sessions: Kpi
    views: Kpi
    days_to_purchase: Kpi
    effort_index: float | None
    level: Involvement
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class InvolvementReport:
    lookback_days: int
    period_start: date | None
    period_end: date | None
    categories: tuple[CategoryInvolvement, ...]
    rule: str
    note: str | None = None


def category_involvement(
    snap: Snapshot, *, lookback_days: int = 30, period: Period | None = None
) -> InvolvementReport:
    """Mean sessions, category views and days from first view before the orders of each
    category (orders up to as_of, or within ``period``), classified high/low/unknown."""
    if lookback_days < 1 or lookback_days > 366:
        raise Invalid(
            "lookback_days must be between 1 and 366.", field="lookback_days", value=lookback_days
        )
    lo, hi = period.bounds_utc(snap.zone) if period is not None else (None, None)
    found = runner.rows(
        snap.con,
        _PKG,
        "involvement_categories",
        lookback=timedelta(days=lookback_days),
        as_of=snap.as_of_naive,
        lo=lo,
        hi=hi,
    )
    stats = [_Measured.of(r) for r in found]
    eligible = [s for s in stats if s.n >= MIN_ORDERS]
    note: str | None = None
    index: dict[str, float | None] = {}
    if not stats:
        note = "No counted orders with order lines; involvement needs orders with categories."
    elif len(eligible) < 2:
        note = (
            f"Fewer than 2 categories have {MIN_ORDERS} or more orders; "
            "involvement levels are unknown until there are more."
        )
    else:
        index = _effort_index(eligible)
        if all(v is None for v in index.values()):
            note = "No sessions or product views were recorded before purchases."
    out = []
    for s in stats:
        idx = index.get(s.category)
        if idx is None:
            level = Involvement.UNKNOWN
            why = (
                f"Only {s.n} orders (classification needs {MIN_ORDERS})."
                if s.n < MIN_ORDERS
                else None
            )
        else:
            level = Involvement.HIGH if idx > 1.0 else Involvement.LOW
            why = None
        out.append(
            CategoryInvolvement(
                category=s.category,
                n=s.n,
                sessions=mean_kpi("sessions_before_purchase", Unit.MEAN, s.sessions, _NONE, None),
                views=mean_kpi("views_before_purchase", Unit.MEAN, s.views, _NONE, None),
                days_to_purchase=mean_kpi(
                    "days_first_view_to_purchase",
                    Unit.DAYS,
                    s.days,
                    _NONE,
                    None if s.days[0] else "No order had a view of the category before it.",
                ),
                effort_index=idx,
                level=level,
                note=why,
            )
        )
    return InvolvementReport(
        lookback_days=lookback_days,
        period_start=period.start if period else None,
        period_end=period.end if period else None,
        categories=tuple(out),
        rule=RULE,
        note=note,
    )


_NONE: tuple[int, float, float] = (0, 0.0, 0.0)


@dataclass(frozen=True, slots=True)
class _Measured:
    category: str
    n: int
    sessions: tuple[int, float, float]
    views: tuple[int, float, float]
    days: tuple[int, float, float]

    @classmethod
    def of(cls, r: dict[str, Any]) -> _Measured:
        n = int(r["orders"])

        def f(name: str) -> float:
            return float(r[name] or 0.0)

        return cls(
            category=str(r["category"]),
            n=n,
            sessions=(n, f("sessions"), f("sessions_sq")),
            views=(n, f("views"), f("views_sq")),
            days=(int(r["viewed_orders"] or 0), f("days"), f("days_sq")),
        )

    def means(self) -> tuple[float | None, ...]:
        return tuple(t / k if k else None for k, t, _ in (self.sessions, self.views, self.days))


def _effort_index(eligible: list[_Measured]) -> dict[str, float | None]:
    """Each category's mean of (measure mean / median across categories) over the measures
    whose median is positive and which the category has."""
    means = {s.category: s.means() for s in eligible}
    medians: list[float | None] = []
    for m in range(3):
        present = [x for x in (v[m] for v in means.values()) if x is not None]
        med = statistics.median(present) if present else None
        medians.append(med if med and med > 0 else None)
    out: dict[str, float | None] = {}
    for category, own in means.items():
        ratios = [x / med for x, med in zip(own, medians, strict=True) if x is not None and med]
        out[category] = sum(ratios) / len(ratios) if ratios else None
    return out
