"""Commerce KPIs, breakdowns and the revenue series on small hand-checked snapshots."""

from __future__ import annotations

import dataclasses
import statistics
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kizuna.errors import Invalid
from kizuna.metrics import commerce
from kizuna.metrics.errors import DimensionInvalid, PeriodInvalid
from kizuna.metrics.periods import Period
from tests.analytic_tables import make_snapshot

NOV = Period(date(2026, 11, 1), date(2026, 11, 30))  # previous: 2026-10-02..2026-10-31


def _at(month: int, day: int, hour: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)  # 12:00 in Tokyo


def _shop() -> list[dict[str, object]]:
    return [
        # customer 1: once in October, twice in November (gaps 13 d and 3 d)
        {"order_id": 1, "customer_id": 1, "placed_at": _at(10, 20), "total": 100},
        {"order_id": 2, "customer_id": 1, "placed_at": _at(11, 2), "total": 50, "channel": "app"},
        {"order_id": 3, "customer_id": 1, "placed_at": _at(11, 5), "total": 70},
        # customer 2: first order in November
        {"order_id": 4, "customer_id": 2, "placed_at": _at(11, 10), "total": 30},
        # customer 3: cancelled, never counted
        {"order_id": 5, "customer_id": 3, "placed_at": _at(11, 11), "total": 999,
         "status": "cancelled"},
    ]  # fmt: skip


ITEMS = [
    {"order_id": 2, "category": "Jazz", "amount": 30.0},
    {"order_id": 2, "category": "Rock", "amount": 20.0},
    {"order_id": 3, "category": "Jazz", "amount": 70.0},
    {"order_id": 4, "category": "Rock", "amount": 25.0},
]


def test_kpis_of_a_period_are_hand_checked() -> None:
    snap = make_snapshot(orders=_shop(), order_items=ITEMS)
    r = commerce.commerce_kpis(snap, NOV)
    assert (r.previous_start, r.previous_end) == (date(2026, 10, 2), date(2026, 10, 31))
    assert r.revenue.value == 150.0 and r.revenue.previous == 100.0
    assert r.orders.value == 3 and r.orders.previous == 1
    assert r.aov.value == pytest.approx(50.0) and r.aov.n == 3
    assert r.aov.ci_low is not None and r.aov.ci_high is not None
    assert r.aov.ci_low < 50 < r.aov.ci_high
    assert r.aov.p_value is None  # one order before: no Welch test
    assert r.active_customers.value == 2
    assert r.new_customers.value == 1 and r.new_customers.previous == 1
    assert r.returning_customers.value == 1 and r.returning_customers.previous == 0
    assert r.repeat_purchase_rate.value == 0.5 and r.repeat_purchase_rate.n == 2
    assert r.purchase_frequency.value == 1.5
    assert r.inter_purchase_days_mean.value == pytest.approx(8.0)
    assert r.inter_purchase_days_mean.n == 2
    assert r.inter_purchase_days_median.value == pytest.approx(8.0)
    assert r.note is None
    dataclasses.asdict(r)  # JSON-friendly


def test_welch_and_two_proportion_tests_compare_with_previous() -> None:
    orders = []
    for i in range(20):
        orders.append({"customer_id": i, "placed_at": _at(10, 10), "total": 10 + i % 3})
        orders.append({"customer_id": 100 + i, "placed_at": _at(11, 10), "total": 50 + i % 3})
    r = commerce.commerce_kpis(make_snapshot(orders=orders), NOV)
    assert r.aov.p_value is not None and r.aov.p_value < 1e-6
    assert r.repeat_purchase_rate.value == 0.0 and r.repeat_purchase_rate.p_value == 1.0


def test_no_orders_at_all_gives_zero_totals_and_none_means_with_notes() -> None:
    r = commerce.commerce_kpis(make_snapshot(), NOV)
    assert r.revenue.value == 0 and r.orders.value == 0
    assert r.revenue.note is not None and "no counted orders" in r.revenue.note
    for kpi in (r.aov, r.repeat_purchase_rate, r.purchase_frequency, r.inter_purchase_days_mean,
                r.inter_purchase_days_median):  # fmt: skip
        assert kpi.value is None and kpi.note


def test_period_without_orders_and_future_period_say_so() -> None:
    snap = make_snapshot(orders=_shop())
    quiet = commerce.commerce_kpis(snap, Period(date(2026, 8, 1), date(2026, 8, 31)))
    assert quiet.aov.value is None and quiet.aov.note == "No counted orders in the period."
    future = commerce.commerce_kpis(snap, Period(date(2027, 1, 1), date(2027, 1, 31)))
    assert future.note is not None and "after the snapshot's date" in future.note
    assert future.orders.value == 0 and future.aov.value is None
    partly = commerce.commerce_kpis(snap, Period(date(2026, 11, 15), date(2026, 12, 14)))
    assert partly.note is not None and "partly observed" in partly.note


def test_inter_purchase_time_needs_repeat_orders() -> None:
    snap = make_snapshot(orders=[{"customer_id": 1, "placed_at": _at(11, 3), "total": 5}])
    r = commerce.commerce_kpis(snap, NOV)
    assert r.inter_purchase_days_mean.value is None
    assert r.inter_purchase_days_mean.note is not None
    assert r.inter_purchase_days_median.value is None


def test_breakdown_by_category_counts_multi_category_orders_in_each() -> None:
    snap = make_snapshot(orders=_shop(), order_items=ITEMS)
    b = commerce.commerce_breakdown(snap, NOV, "category")
    rows = {row.value: row for row in b.rows}
    assert [row.value for row in b.rows] == ["Jazz", "Rock"]  # by revenue
    assert rows["Jazz"].revenue.value == 100.0 and rows["Jazz"].orders.value == 2
    assert rows["Jazz"].aov.value == 50.0 and rows["Jazz"].active_customers.value == 1
    assert rows["Rock"].revenue.value == 45.0 and rows["Rock"].orders.value == 2
    assert rows["Rock"].active_customers.value == 2
    assert rows["Jazz"].revenue_share == pytest.approx(100 / 145)


def test_breakdown_by_channel_country_and_segment() -> None:
    snap = make_snapshot(
        customers=[{"customer_id": 1, "country": "JP"}, {"customer_id": 2}],
        orders=_shop(),
    )
    channels = {r.value: r for r in commerce.commerce_breakdown(snap, NOV, "channel").rows}
    assert channels["web"].orders.value == 2 and channels["app"].orders.value == 1
    assert channels["web"].orders.previous == 1
    countries = {r.value: r for r in commerce.commerce_breakdown(snap, NOV, "country").rows}
    assert countries["JP"].revenue.value == 120.0 and countries["unknown"].revenue.value == 30.0
    segs = commerce.commerce_breakdown(snap, NOV, "segment", segment_of={1: "champions"})
    got = {r.value: r.revenue.value for r in segs.rows}
    assert got == {"champions": 120.0, commerce.UNASSIGNED: 30.0}
    report = commerce.commerce_kpis(snap, NOV, by="segment", segment_of={2: "new"})
    assert report.breakdown is not None
    assert {r.value for r in report.breakdown.rows} == {"new", commerce.UNASSIGNED}


def test_unknown_dimension_lists_the_valid_ones() -> None:
    snap = make_snapshot(orders=_shop())
    with pytest.raises(DimensionInvalid) as exc:
        commerce.commerce_breakdown(snap, NOV, "colour")
    assert "category, channel, country, segment" in str(exc.value)
    with pytest.raises(Invalid):
        commerce.commerce_breakdown(snap, NOV, "segment")  # no mapping


def test_breakdown_of_empty_period_has_no_rows_and_a_note() -> None:
    b = commerce.commerce_breakdown(make_snapshot(), NOV, "channel")
    assert b.rows == () and b.note is not None


def test_series_fills_empty_buckets_with_zero_in_local_time() -> None:
    orders = [
        # 2026-11-01 20:00 UTC is 2026-11-02 05:00 in Tokyo
        {"customer_id": 1, "placed_at": datetime(2026, 11, 1, 20, tzinfo=UTC), "total": 10},
        {"customer_id": 1, "placed_at": _at(11, 4), "total": 5},
    ]
    snap = make_snapshot(orders=orders)
    days = commerce.commerce_series(snap, Period(date(2026, 11, 1), date(2026, 11, 4)))
    assert [(p.start.day, p.orders, p.revenue) for p in days.points] == [
        (1, 0, 0.0), (2, 1, 10.0), (3, 0, 0.0), (4, 1, 5.0),
    ]  # fmt: skip
    weeks = commerce.commerce_series(snap, NOV, grain="week")
    assert weeks.points[0].start == date(2026, 10, 26)  # the Monday of the first week
    assert sum(p.orders for p in weeks.points) == 2
    months = commerce.commerce_series(snap, Period(date(2026, 10, 1), date(2026, 12, 31)),
                                      grain="month")  # fmt: skip
    assert [(p.start.month, p.orders) for p in months.points] == [(10, 0), (11, 2), (12, 0)]
    with pytest.raises(PeriodInvalid):
        commerce.commerce_series(snap, NOV, grain="hour")


totals = st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=30)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(totals=totals, buyers=st.integers(min_value=1, max_value=8))
def test_aov_frequency_and_repeat_rate_agree_with_their_definitions(
    totals: list[int], buyers: int
) -> None:
    orders = [
        {"customer_id": i % buyers, "placed_at": _at(11, 1) + timedelta(hours=i), "total": t}
        for i, t in enumerate(totals)
    ]
    r = commerce.commerce_kpis(make_snapshot(orders=orders), NOV)
    counts = [sum(1 for i in range(len(totals)) if i % buyers == c) for c in range(buyers)]
    counts = [c for c in counts if c]
    assert r.aov.value == pytest.approx(statistics.mean(totals))
    assert r.revenue.value == pytest.approx(sum(totals))
    assert r.purchase_frequency.value == pytest.approx(len(totals) / len(counts))
    assert r.repeat_purchase_rate.value == pytest.approx(sum(c >= 2 for c in counts) / len(counts))
    rate = r.repeat_purchase_rate
    assert rate.ci_low is not None and rate.ci_high is not None and rate.value is not None
    assert 0.0 <= rate.ci_low <= rate.value <= rate.ci_high <= 1.0
    if len(totals) >= 2:
        assert r.aov.ci_low is not None and r.aov.ci_high is not None
        assert r.aov.ci_low <= r.aov.value <= r.aov.ci_high  # type: ignore[operator]
        sd = statistics.stdev(totals)
        half = (r.aov.ci_high - r.aov.ci_low) / 2
        assert half == pytest.approx(
            sd / len(totals) ** 0.5 * _t(len(totals) - 1), rel=1e-6, abs=1e-6
        )
    assert r.new_customers.value == len(counts) and r.returning_customers.value == 0


def _t(df: int) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.975, df))
