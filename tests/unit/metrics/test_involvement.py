"""Involvement per category: effort before purchase and the high/low rule."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest

from kizuna.errors import Invalid
from kizuna.metrics import involvement
from kizuna.metrics.involvement import Involvement
from kizuna.metrics.periods import Period
from tests.analytic_tables import make_snapshot

T0 = datetime(2026, 11, 16, tzinfo=UTC)


def _shop(spec: dict[str, tuple[int, int, float]]) -> dict[str, list[dict[str, object]]]:
    """Per category: (orders, views before each, days from the first view to the order).
    Each view comes with one page view that starts its own session."""
    orders: list[dict[str, object]] = []
    items: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    for c, (cat, (n, views, lead)) in enumerate(spec.items()):
        for j in range(n):
            cid = 1000 * (c + 1) + j
            placed = T0 + timedelta(hours=j)
            oid = len(orders) + 1
            orders.append({"order_id": oid, "customer_id": cid, "placed_at": placed})
            items.append({"order_id": oid, "category": cat, "amount": 1.0})
            for v in range(views):
                ts = placed - timedelta(days=lead) + timedelta(hours=v)
                events.append({"customer_id": cid, "type": "track", "event": "Product Viewed",
                               "category": cat, "ts": ts})  # fmt: skip
                events.append({"customer_id": cid, "type": "page", "ts": ts})
    return {"orders": orders, "order_items": items, "events": events}


def test_effort_and_levels_are_hand_checked() -> None:
    snap = make_snapshot(**_shop({"TV": (12, 4, 10.0), "Snack": (12, 1, 0.5)}))
    r = involvement.category_involvement(snap)
    got = {c.category: c for c in r.categories}
    tv, snack = got["TV"], got["Snack"]
    assert tv.n == 12 and tv.views.value == 4 and tv.sessions.value == 4
    assert tv.days_to_purchase.value == pytest.approx(10.0) and tv.days_to_purchase.n == 12
    assert snack.views.value == 1 and snack.days_to_purchase.value == pytest.approx(0.5)
    # medians: views 2.5, sessions 2.5, days 5.25
    assert tv.effort_index == pytest.approx((4 / 2.5 + 4 / 2.5 + 10 / 5.25) / 3)
    assert tv.level is Involvement.HIGH and snack.level is Involvement.LOW
    assert r.note is None and r.rule
    dataclasses.asdict(r)


def test_views_outside_the_lookback_or_of_other_categories_do_not_count() -> None:
    data = _shop({"TV": (12, 2, 40.0), "Snack": (12, 1, 0.5)})
    snap = make_snapshot(**data)
    got = {c.category: c for c in involvement.category_involvement(snap).categories}
    assert got["TV"].views.value == 0 and got["TV"].days_to_purchase.value is None
    assert got["TV"].days_to_purchase.note is not None
    wide = {c.category: c for c in
            involvement.category_involvement(snap, lookback_days=60).categories}  # fmt: skip
    assert wide["TV"].views.value == 2


def test_few_orders_or_categories_are_unknown() -> None:
    one = involvement.category_involvement(make_snapshot(**_shop({"TV": (15, 2, 3.0)})))
    assert [c.level for c in one.categories] == [Involvement.UNKNOWN]
    assert one.note is not None and "Fewer than 2" in one.note
    few = involvement.category_involvement(
        make_snapshot(**_shop({"A": (12, 2, 3.0), "B": (12, 1, 1.0), "C": (3, 9, 9.0)}))
    )
    levels = {c.category: c.level for c in few.categories}
    assert levels == {"A": Involvement.HIGH, "B": Involvement.LOW, "C": Involvement.UNKNOWN}
    c = next(c for c in few.categories if c.category == "C")
    assert c.note is not None and "3 orders" in c.note


def test_no_orders_and_bad_lookback() -> None:
    r = involvement.category_involvement(make_snapshot())
    assert r.categories == () and r.note is not None
    with pytest.raises(Invalid):
        involvement.category_involvement(make_snapshot(), lookback_days=0)


def test_period_restricts_the_orders() -> None:
    snap = make_snapshot(**_shop({"TV": (12, 2, 3.0), "Snack": (12, 1, 1.0)}))
    r = involvement.category_involvement(snap, period=Period(date(2026, 10, 1), date(2026, 10, 31)))
    assert r.categories == () and r.period_start == date(2026, 10, 1)
