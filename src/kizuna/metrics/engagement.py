"""Engagement: sessions, pages per session, email and social rates for a period (each a
``Kpi`` compared with the previous period), and a 0–100 engagement score per customer.

Definitions, interval methods and examples: docs/reference/metrics/engagement.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from scipy import stats

from kizuna.analytics import runner
from kizuna.analytics.snapshot import Snapshot
from kizuna.errors import Invalid
from kizuna.metrics import intervals, kpis
from kizuna.metrics.contracts import Kpi, Unit
from kizuna.metrics.periods import Period

_PACKAGE = "kizuna.metrics"
#: Campaign ids of newsletters start with this (the demo sends ``nl-YYYYMMDD``).
NEWSLETTER_PREFIX = "nl-"


@dataclass(frozen=True, slots=True, kw_only=True)
class EngagementReport:
    """The engagement KPIs of ``start``..``end`` (local dates), each compared with the period
    of the same length before it (``previous_start``..``previous_end``)."""

    start: date
    end: date
    previous_start: date
    previous_end: date
    sessions: Kpi
    pages_per_session: Kpi
    email_open_rate: Kpi
    email_click_rate: Kpi
    click_to_open_rate: Kpi
    newsletter_open_rate: Kpi
    unsubscribe_rate: Kpi
    social_engagement: Kpi

    @property
    def kpis(self) -> tuple[Kpi, ...]:
        return (
            self.sessions,
            self.pages_per_session,
            self.email_open_rate,
            self.email_click_rate,
            self.click_to_open_rate,
            self.newsletter_open_rate,
            self.unsubscribe_rate,
            self.social_engagement,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class EngagementWeights:
    """Weights of the engagement score's signals. Any non-negative numbers, not all zero; the
    score divides by their sum, so the defaults (which sum to 1) read as shares."""

    sessions: float = 0.15
    product_views: float = 0.15
    email_opens: float = 0.10
    email_clicks: float = 0.15
    social: float = 0.10
    orders: float = 0.20
    recency: float = 0.15

    def __post_init__(self) -> None:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        bad = {
            k: v
            for k, v in values.items()
            if not isinstance(v, int | float) or not math.isfinite(v) or v < 0
        }
        if bad:
            raise Invalid(
                "Engagement weights must be finite numbers ≥ 0; "
                f"got {', '.join(f'{k}={v!r}' for k, v in bad.items())}.",
                field="weights",
            )
        if sum(values.values()) <= 0:
            raise Invalid(
                "At least one engagement weight must be above 0 (the defaults sum to 1).",
                field="weights",
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoreBin:
    """Customers whose score is in [low, high) (the last bin includes 100)."""

    low: int
    high: int
    customers: int


@dataclass(frozen=True, slots=True, kw_only=True)
class EngagementSummary:
    """Distribution of the scores of active customers: mean with its 95 % t interval,
    quartiles and ten bins of width 10. ``mean`` etc. are None (with ``note``) without any."""

    n: int
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    q1: float | None
    median: float | None
    q3: float | None
    histogram: tuple[ScoreBin, ...]
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EngagementScores:
    """Engagement score (0–100) of every customer over ``window_days`` before ``as_of``.

    ``scores`` maps every customer id to its score (inactive customers score 0);
    ``summary`` describes the ``active`` customers only.
    """

    as_of: datetime
    window_days: int
    weights: EngagementWeights
    customers: int
    active: int
    scores: dict[int, float] = field(metadata={"per_customer": True})
    summary: EngagementSummary


# --- KPIs ---------------------------------------------------------------------------------


def engagement_kpis(
    snap: Snapshot, period: Period, *, newsletter_prefix: str = NEWSLETTER_PREFIX
) -> EngagementReport:
    """Sessions, pages per session, email open/click/click-to-open/unsubscribe rates, the
    newsletter open rate and social engagement of ``period`` vs. the previous period."""
    prev = period.previous()
    lo, hi = period.bounds_utc(snap.zone)
    prev_lo, _ = prev.bounds_utc(snap.zone)
    spans = {"prev_lo": prev_lo, "lo": lo, "hi": hi}
    sess = _by_span(runner.rows(snap.con, _PACKAGE, "engagement_sessions", **spans))
    mail = runner.rows(
        snap.con,
        _PACKAGE,
        "engagement_email",
        **spans,
        as_of=snap.as_of_naive,
        newsletter_prefix=newsletter_prefix,
    )
    social = _by_span(runner.rows(snap.con, _PACKAGE, "engagement_social", **spans))
    every = _email_totals(mail, newsletters_only=False)
    letters = _email_totals(mail, newsletters_only=True)
    no_mail = "No emails were delivered in the period (pairs of campaign and person)."
    return EngagementReport(
        start=period.start,
        end=period.end,
        previous_start=prev.start,
        previous_end=prev.end,
        sessions=_sessions(sess),
        pages_per_session=_pages_per_session(sess),
        email_open_rate=_rate("email_open_rate", every, "opened", "delivered", no_mail),
        email_click_rate=_rate("email_click_rate", every, "clicked", "delivered", no_mail),
        click_to_open_rate=_rate(
            "click_to_open_rate", every, "clicked", "opened", "No email was opened in the period."
        ),
        newsletter_open_rate=_rate(
            "newsletter_open_rate",
            letters,
            "opened",
            "delivered",
            f"No newsletter (campaign id starting {newsletter_prefix!r}) was delivered.",
        ),
        unsubscribe_rate=_rate("unsubscribe_rate", every, "unsubscribed", "delivered", no_mail),
        social_engagement=_social(social),
    )


def _by_span(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["span"]: r for r in rows}


def _email_totals(
    rows: list[dict[str, Any]], *, newsletters_only: bool
) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        if newsletters_only and not r["newsletter"]:
            continue
        acc = out.setdefault(
            r["span"], dict.fromkeys(("delivered", "opened", "clicked", "unsubscribed"), 0)
        )
        for key in acc:
            acc[key] += int(r[key] or 0)
    return out


def _sessions(rows: dict[str, dict[str, Any]]) -> Kpi:
    cur = int(rows.get("current", {}).get("sessions") or 0)
    prev = int(rows.get("previous", {}).get("sessions") or 0)
    return Kpi(
        key="sessions",
        value=float(cur),
        unit=Unit.COUNT,
        n=cur,
        previous=float(prev),
        previous_n=prev,
    )


def _sums(row: dict[str, Any] | None) -> tuple[int, float, float]:
    """(sessions, pages, pages²) of one span, for ``kpis.mean_kpi``."""
    if not row:
        return 0, 0.0, 0.0
    return int(row.get("sessions") or 0), float(row.get("pages") or 0), float(
        row.get("pages_sq") or 0)


def _pages_per_session(rows: dict[str, dict[str, Any]]) -> Kpi:
    kpi = kpis.mean_kpi("pages_per_session", Unit.MEAN, _sums(rows.get("current")),
                        _sums(rows.get("previous")), None)
    if kpi.value is None:
        return replace(kpi, note="No sessions (page or screen views) in the period.")
    return kpi


def _rate(key: str, totals: dict[str, dict[str, int]], num: str, den: str, empty: str) -> Kpi:
    cur, prev = totals.get("current", {}), totals.get("previous", {})
    return kpis.proportion_kpi(key, (cur.get(num, 0), cur.get(den, 0)),
                               (prev.get(num, 0), prev.get(den, 0)), None, empty_note=empty)


def _ratio_estimate(row: dict[str, Any] | None) -> tuple[float, float | None, int] | None:
    """Actions / reach over posts, with the linearisation (delta-method) variance of a ratio
    of sums: var = n/(n−1) · Σ(a_i − R·r_i)² / (Σr)²."""
    if not row or not row.get("posts") or not row.get("reach"):
        return None
    n = int(row["posts"])
    a, r = float(row["actions"]), float(row["reach"])
    ratio = a / r
    if n < 2:
        return ratio, None, n
    resid = float(row["actions_sq"]) - 2 * ratio * float(row["cross_sum"])
    resid += ratio * ratio * float(row["reach_sq"])
    return ratio, n / (n - 1) * max(0.0, resid) / (r * r), n


def _social(rows: dict[str, dict[str, Any]]) -> Kpi:
    cur, prev = _ratio_estimate(rows.get("current")), _ratio_estimate(rows.get("previous"))
    unreached = int(rows.get("current", {}).get("unreached") or 0)
    skipped = f"{unreached} social actions without a reach were left out." if unreached else None
    if cur is None:
        return Kpi(
            key="social_engagement",
            value=None,
            unit=Unit.RATIO,
            n=0,
            previous=prev[0] if prev else None,
            previous_n=prev[2] if prev else 0,
            note="No social actions with a known reach in the period."
            + (f" {skipped}" if skipped else ""),
        )
    ratio, var, n = cur
    z = float(stats.norm.ppf(0.975))
    ci_low = ci_high = p = None
    if var is not None:
        half = z * math.sqrt(var)
        ci_low, ci_high = max(0.0, ratio - half), ratio + half
        if prev is not None and prev[1] is not None:
            se = math.sqrt(var + prev[1])
            diff = ratio - prev[0]
            p = (1.0 if diff == 0 else 0.0) if se == 0 else float(2 * stats.norm.sf(abs(diff) / se))
    return Kpi(
        key="social_engagement",
        value=ratio,
        unit=Unit.RATIO,
        n=n,
        previous=prev[0] if prev else None,
        previous_n=prev[2] if prev else 0,
        ci_low=ci_low,
        ci_high=ci_high,
        p_value=p,
        note=skipped,
    )


# --- score ----------------------------------------------------------------------------------


def engagement_scores(
    snap: Snapshot, *, weights: EngagementWeights | None = None, window_days: int = 90
) -> EngagementScores:
    """Score every customer 0–100 from their activity in the ``window_days`` before
    ``snap.as_of`` (percentile ranks of the signals, combined with ``weights``)."""
    w = weights or EngagementWeights()
    if not isinstance(w, EngagementWeights):
        raise Invalid("weights must be an EngagementWeights.", field="weights")
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 1:
        raise Invalid(
            f"window_days must be a whole number of days ≥ 1; got {window_days!r}.",
            field="window_days",
        )
    as_of = snap.as_of_naive
    params = {f"w_{f.name}": float(getattr(w, f.name)) for f in fields(w)}
    cur = runner.execute(
        snap.con,
        runner.sql(_PACKAGE, "engagement_scores"),
        {"lo": as_of - timedelta(days=window_days), "as_of": as_of, **params},
    )
    data = cur.fetchnumpy()
    ids = np.asarray(data["customer_id"], dtype=np.int64)
    score = np.asarray(data["score"], dtype=np.float64)
    active = np.asarray(data["active"], dtype=bool)
    return EngagementScores(
        as_of=snap.as_of,
        window_days=window_days,
        weights=w,
        customers=int(ids.size),
        active=int(active.sum()),
        scores=dict(zip(ids.tolist(), np.round(score, 4).tolist(), strict=True)),
        summary=_summary(score[active]),
    )


def _summary(values: np.ndarray[Any, np.dtype[np.float64]]) -> EngagementSummary:
    edges = np.arange(0, 101, 10)
    counts = np.histogram(values, bins=edges)[0] if values.size else np.zeros(10, dtype=np.int64)
    bins = tuple(
        ScoreBin(low=int(edges[i]), high=int(edges[i + 1]), customers=int(counts[i]))
        for i in range(10)
    )
    n = int(values.size)
    if n == 0:
        return EngagementSummary(
            n=0,
            mean=None,
            ci_low=None,
            ci_high=None,
            q1=None,
            median=None,
            q3=None,
            histogram=bins,
            note="No customer was active in the window; widen window_days or load more history.",
        )
    mean = float(values.mean())
    sd = float(values.std(ddof=1)) if n > 1 else math.nan
    ci = intervals.mean_interval(mean, sd, n)
    q1, med, q3 = (float(q) for q in np.quantile(values, [0.25, 0.5, 0.75]))
    return EngagementSummary(
        n=n,
        mean=mean,
        ci_low=max(0.0, ci.low) if ci else None,
        ci_high=min(100.0, ci.high) if ci else None,
        q1=q1,
        median=med,
        q3=q3,
        histogram=bins,
        note=None if ci else "One active customer: no interval.",
    )
