"""Commerce, retention, funnel and involvement over the small shop read from real SQLite
and real PostgreSQL (see conftest.write_small_shop: u1 buys Jazz on 2 March and Rock 40 days
later, u2 buys Rock on 5 March, u3 only browses)."""

from __future__ import annotations

from datetime import date

import pytest

from kizuna.analytics.snapshot import Snapshot
from kizuna.metrics import commerce, funnel, involvement, retention
from kizuna.metrics.involvement import Involvement
from kizuna.metrics.periods import Period

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
APRIL = Period(date(2026, 4, 1), date(2026, 4, 30))


def test_commerce_kpis_from_the_store(store_snapshot: Snapshot, small_shop: dict[str, int]) -> None:
    march = commerce.commerce_kpis(store_snapshot, MARCH, by="category")
    assert march.revenue.value == 50.0 and march.orders.value == 2
    assert march.aov.value == 25.0 and march.new_customers.value == 2
    assert march.breakdown is not None
    assert {r.value: r.revenue.value for r in march.breakdown.rows} == {"Rock": 30.0, "Jazz": 20.0}
    april = commerce.commerce_kpis(store_snapshot, APRIL, by="channel")
    assert april.revenue.value == 10.0 and april.returning_customers.value == 1
    assert april.inter_purchase_days_mean.value == pytest.approx(40 - 1 / 24)
    assert april.breakdown is not None and april.breakdown.rows[0].value == "store"
    segs = commerce.commerce_breakdown(
        store_snapshot, MARCH, "segment", segment_of={small_shop["u1"]: "vip"}
    )
    assert {r.value: r.orders.value for r in segs.rows} == {"vip": 1, "unassigned": 1}
    series = commerce.commerce_series(store_snapshot, Period(date(2026, 3, 1), date(2026, 4, 30)),
                                      grain="month")  # fmt: skip
    assert [(p.revenue, p.orders) for p in series.points] == [(50.0, 2), (10.0, 1)]


def test_retention_and_churn_from_the_store(store_snapshot: Snapshot) -> None:
    m = retention.cohort_retention(store_snapshot, periods=3)
    march = m.cohorts[0]
    assert march.start == date(2026, 3, 1) and march.n == 2
    assert [c.count for c in march.cells] == [2, 1, 0, None]  # June not over at as_of
    assert retention.churn_rate(store_snapshot, inactive_days=90).value == 0.0
    assert retention.churn_rate(store_snapshot, inactive_days=60).value == 0.5


def test_funnel_from_the_store(store_snapshot: Snapshot, small_shop: dict[str, int]) -> None:
    f = funnel.purchase_funnel(store_snapshot, MARCH)
    assert [s.people for s in f.steps] == [2, 1, 0, 0]
    short = funnel.purchase_funnel(
        store_snapshot,
        MARCH,
        steps=("Product Viewed", "Product Added", "Order Completed"),
        by={small_shop["u1"]: "vip"},
    )
    assert [s.people for s in short.steps] == [2, 1, 1]
    assert {s.segment: s.steps[-1].people for s in short.segments} == {"unassigned": 0, "vip": 1}


def test_involvement_from_the_store(store_snapshot: Snapshot) -> None:
    r = involvement.category_involvement(store_snapshot)
    got = {c.category: c for c in r.categories}
    jazz, rock = got["Jazz"], got["Rock"]
    assert jazz.n == 1 and jazz.views.value == 1 and jazz.sessions.value == 1
    assert jazz.days_to_purchase.value == pytest.approx(58 / 1440)
    assert rock.n == 2 and rock.views.value == 0 and rock.sessions.value == 0
    assert {c.level for c in r.categories} == {Involvement.UNKNOWN}
