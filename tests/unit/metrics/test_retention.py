"""Cohort retention and inactivity churn on hand-checked snapshots."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kizuna.errors import Invalid
from kizuna.metrics import retention
from kizuna.metrics.errors import PeriodInvalid
from tests.analytic_tables import make_snapshot

AS_OF = datetime(2026, 4, 10, tzinfo=UTC)


def _at(month: int, day: int, hour: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _orders() -> list[dict[str, object]]:
    return [
        # January cohort: 1, 2, 3
        {"customer_id": 1, "placed_at": _at(1, 5)},
        {"customer_id": 1, "placed_at": _at(2, 7)},
        {"customer_id": 1, "placed_at": _at(2, 9)},  # twice in February counts once
        {"customer_id": 2, "placed_at": _at(1, 20)},
        {"customer_id": 2, "placed_at": _at(3, 1)},
        {"customer_id": 3, "placed_at": _at(1, 31, 16)},  # 2026-02-01 01:00 in Tokyo
        # February cohort: 4
        {"customer_id": 4, "placed_at": _at(2, 2)},
        {"customer_id": 4, "placed_at": _at(2, 3, 0), "status": "cancelled"},
        {"customer_id": 5, "placed_at": _at(3, 3), "status": "cancelled"},  # never counted
    ]


def test_monthly_cohorts_are_hand_checked() -> None:
    snap = make_snapshot(orders=_orders(), as_of=AS_OF)
    m = retention.cohort_retention(snap, periods=3)
    assert [c.start for c in m.cohorts] == [date(2026, m, 1) for m in (1, 2, 3, 4)]
    jan, feb, mar, apr = m.cohorts
    assert jan.n == 2  # customer 3's first order is February in Tokyo
    assert [c.count for c in jan.cells] == [2, 1, 1, None]  # April not over at AS_OF
    assert [c.share for c in jan.cells][:3] == [1.0, 0.5, 0.5]
    assert feb.n == 2 and [c.count for c in feb.cells] == [2, 0, None, None]
    assert mar.n == 0 and all(c.count is None for c in mar.cells)
    assert apr.n == 0
    assert [c.count for c in m.overall][:3] == [4, 1, 1]
    assert m.overall[1].share == pytest.approx(1 / 4)  # jan and feb observable at k = 1
    assert m.overall[3].share is None
    cell = jan.cells[1]
    assert cell.ci_low is not None and cell.ci_high is not None
    assert cell.ci_low < 0.5 < cell.ci_high
    dataclasses.asdict(m)


def test_weekly_cohorts_and_since() -> None:
    snap = make_snapshot(orders=_orders(), as_of=AS_OF)
    m = retention.cohort_retention(snap, grain="week", periods=4, since=date(2026, 2, 4))
    assert m.cohorts[0].start == date(2026, 2, 2)  # Monday of the week holding `since`
    first = m.cohorts[0]
    assert first.n == 1 and [c.count for c in first.cells] == [1, 0, 0, 0, 0]


def test_no_orders_gives_an_empty_matrix_with_a_note() -> None:
    m = retention.cohort_retention(make_snapshot(as_of=AS_OF))
    assert m.cohorts == () and m.note is not None


def test_bad_grain_and_periods_are_refused() -> None:
    snap = make_snapshot(as_of=AS_OF)
    with pytest.raises(PeriodInvalid):
        retention.cohort_retention(snap, grain="year")
    with pytest.raises(Invalid):
        retention.cohort_retention(snap, periods=-1)


def test_churn_rate_is_hand_checked() -> None:
    orders = [
        {"customer_id": 1, "placed_at": _at(1, 1)},  # inactive since January
        {"customer_id": 2, "placed_at": _at(1, 1)},
        {"customer_id": 2, "placed_at": _at(4, 1)},  # active again
        {"customer_id": 3, "placed_at": _at(3, 1)},
        {"customer_id": 4, "placed_at": _at(4, 1), "status": "cancelled"},
    ]
    snap = make_snapshot(orders=orders, as_of=AS_OF)
    k = retention.churn_rate(snap, inactive_days=30)
    assert k.value == pytest.approx(2 / 3) and k.n == 3  # 1 and 3 inactive > 30 days
    # as of 2026-03-11: customers 1, 2, 3 had bought; 1 and 2 last bought on 1 January
    assert k.previous == pytest.approx(2 / 3) and k.previous_n == 3
    assert k.ci_low is not None and k.ci_high is not None and k.p_value is not None
    assert k.note is not None


def test_churn_without_buyers_is_none_with_a_note() -> None:
    k = retention.churn_rate(make_snapshot(as_of=AS_OF))
    assert k.value is None and k.note
    with pytest.raises(Invalid):
        retention.churn_rate(make_snapshot(as_of=AS_OF), inactive_days=0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    days=st.lists(st.integers(min_value=0, max_value=95), min_size=1, max_size=20),
    window=st.integers(min_value=1, max_value=60),
)
def test_churn_counts_last_orders_older_than_the_window(days: list[int], window: int) -> None:
    # customer i's only order is days[i] days before AS_OF (plus one hour)
    from datetime import timedelta

    orders = [
        {"customer_id": i, "placed_at": AS_OF - timedelta(days=d, hours=1)}
        for i, d in enumerate(days)
    ]
    k = retention.churn_rate(make_snapshot(orders=orders, as_of=AS_OF), inactive_days=window)
    assert k.value == pytest.approx(sum(d >= window for d in days) / len(days))
    assert k.ci_low is not None and k.ci_high is not None
    assert 0 <= k.ci_low <= k.value <= k.ci_high <= 1  # type: ignore[operator]
