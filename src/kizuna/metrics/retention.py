"""Cohort retention (by the local month or week of the first counted order) and inactivity
churn. Definitions and edge cases: docs/reference/metrics/retention-funnel-involvement.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kizuna.analytics import runner
from kizuna.analytics.snapshot import Snapshot
from kizuna.errors import Invalid
from kizuna.metrics.contracts import Kpi
from kizuna.metrics.errors import PeriodInvalid
from kizuna.metrics.intervals import wilson
from kizuna.metrics.kpis import proportion_kpi

_PKG = "kizuna.metrics"
GRAINS: tuple[str, ...] = ("month", "week")


@dataclass(frozen=True, slots=True, kw_only=True)
class RetentionCell:
    """Period ``k`` after the cohort's first: ``count`` of the cohort's ``n`` customers
    ordered in it. ``count``/``share`` are None while that period has not fully passed at
    the snapshot's as_of (not yet observable), which is different from 0."""

    k: int
    count: int | None
    share: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Cohort:
    start: date  # first local day of the cohort's month/week
    n: int  # customers whose first counted order fell in it
    cells: tuple[RetentionCell, ...]  # k = 0..periods


@dataclass(frozen=True, slots=True, kw_only=True)
class CohortMatrix:
    """Retention by cohort; ``overall`` pools every cohort for which cell k is observable
    (sum of counts / sum of their sizes)."""

    grain: str
    periods: int
    as_of: datetime
    cohorts: tuple[Cohort, ...]
    overall: tuple[RetentionCell, ...]
    note: str | None = None


def cohort_retention(
    snap: Snapshot, *, grain: str = "month", periods: int = 12, since: date | None = None
) -> CohortMatrix:
    """Share of each first-order cohort ordering again k months/weeks later (k = 0..periods).

    Cohorts run from the first one (or the one containing ``since``) to the one containing
    the snapshot's as_of; a cohort without customers has n = 0 and empty cells.
    """
    if grain not in GRAINS:
        raise PeriodInvalid(
            f"Unknown cohort grain {grain!r}; use one of {', '.join(GRAINS)}.",
            field="grain",
            value=str(grain),
        )
    if periods < 0 or periods > 520:
        raise Invalid("periods must be between 0 and 520.", field="periods", value=periods)
    today_local = snap.as_of.astimezone(snap.zone).replace(tzinfo=None)
    first_since = _truncate(since, grain) if since is not None else None
    found = runner.rows(
        snap.con,
        _PKG,
        "retention_cohorts",
        grain=grain,
        as_of=snap.as_of_naive,
        since=first_since,
        periods=periods,
    )
    counts: dict[date, dict[int, int]] = {}
    for r in found:
        counts.setdefault(r["cohort"], {})[int(r["k"])] = int(r["customers"])
    if not counts:
        note = (
            "No customer placed a counted order"
            + (f" in a cohort from {first_since} on" if first_since else "")
            + " up to the snapshot's as_of; there are no cohorts."
        )
        return CohortMatrix(
            grain=grain, periods=periods, as_of=snap.as_of, cohorts=(), overall=(), note=note
        )
    start = first_since or min(counts)
    last = _truncate(today_local.date(), grain)
    cohorts: list[Cohort] = []
    pooled_k = [0] * (periods + 1)
    pooled_n = [0] * (periods + 1)
    c = start
    while c <= last:
        row = counts.get(c, {})
        n = row.get(0, 0)
        cells = []
        for k in range(periods + 1):
            observable = k == 0 or _shift(c, grain, k + 1) <= today_local.date()
            if not observable or n == 0:
                cells.append(RetentionCell(k=k, count=None, share=None, ci_low=None, ci_high=None))
                continue
            got = row.get(k, 0)
            pooled_k[k] += got
            pooled_n[k] += n
            cells.append(_cell(k, got, n))
        cohorts.append(Cohort(start=c, n=n, cells=tuple(cells)))
        c = _shift(c, grain, 1)
    overall = tuple(
        _cell(k, pooled_k[k], pooled_n[k])
        if pooled_n[k]
        else RetentionCell(k=k, count=None, share=None, ci_low=None, ci_high=None)
        for k in range(periods + 1)
    )
    return CohortMatrix(
        grain=grain, periods=periods, as_of=snap.as_of, cohorts=tuple(cohorts), overall=overall
    )


def churn_rate(snap: Snapshot, *, inactive_days: int = 90) -> Kpi:
    """Share of customers with at least one counted order whose last one is more than
    ``inactive_days`` before as_of (Wilson interval); ``previous`` is the same share as of
    ``inactive_days`` earlier."""
    if inactive_days < 1:
        raise Invalid(
            "inactive_days must be at least 1.", field="inactive_days", value=inactive_days
        )
    window = timedelta(days=inactive_days)
    as_of = snap.as_of_naive
    ref = as_of - window
    r = runner.one(
        snap.con,
        _PKG,
        "retention_churn",
        as_of=as_of,
        cutoff=as_of - window,
        ref=ref,
        ref_cutoff=ref - window,
    )
    n, k = int(r["customers"]), int(r["churned"] or 0)
    pn, pk = int(r["previous_customers"]), int(r["previous_churned"] or 0)
    note = None
    if n == 0:
        note = "No customer has a counted order yet; churn needs buyers."
    kpi = proportion_kpi("churn_rate", (k, n), (pk, pn), note)
    if n and pn:
        # The two reference times share customers: the p-value of the independent-samples
        # test is only a rough guide (see the docs).
        return Kpi(
            key=kpi.key,
            value=kpi.value,
            unit=kpi.unit,
            n=kpi.n,
            previous=kpi.previous,
            previous_n=kpi.previous_n,
            ci_low=kpi.ci_low,
            ci_high=kpi.ci_high,
            p_value=kpi.p_value,
            note=f"Inactive = no counted order in the last {inactive_days} days; previous "
            f"is as of {ref.date()} (the two groups overlap, so the p-value is approximate).",
        )
    return kpi


def _cell(k: int, count: int, n: int) -> RetentionCell:
    ci = wilson(count, n)
    return RetentionCell(
        k=k,
        count=count,
        share=count / n,
        ci_low=ci.low if ci else None,
        ci_high=ci.high if ci else None,
    )


def _truncate(day: date, grain: str) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _shift(start: date, grain: str, k: int) -> date:
    """The start of the period ``k`` months/weeks after ``start`` (a period start)."""
    if grain == "week":
        return start + timedelta(days=7 * k)
    months = start.year * 12 + start.month - 1 + k
    return date(months // 12, months % 12 + 1, 1)
