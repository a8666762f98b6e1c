"""The purchase funnel: order of steps, the conversion window and counted orders."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest

from kizuna.errors import Invalid
from kizuna.metrics import funnel
from kizuna.metrics.periods import Period
from tests.analytic_tables import make_snapshot

NOV = Period(date(2026, 11, 1), date(2026, 11, 30))


def _at(day: int, hour: int = 3) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def _ev(cid: int | None, name: str, at: datetime, **extra: object) -> dict[str, object]:
    return {"customer_id": cid, "type": "track", "event": name, "ts": at, **extra}


def _snapshot() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    events = [
        # 1: three steps, then orders too late (18 days after checkout)
        _ev(1, "Product Viewed", _at(1)), _ev(1, "Product Added", _at(2)),
        _ev(1, "Checkout Started", _at(2, 5)),
        # 2: add 19 days after the first view, but a second view the day before
        _ev(2, "Product Viewed", _at(1)), _ev(2, "Product Viewed", _at(19)),
        _ev(2, "Product Added", _at(20)),
        # 3: steps in the wrong order
        _ev(3, "Product Added", _at(3)), _ev(3, "Product Viewed", _at(4)),
        # 4: everything; the order is a counted order, not an event
        _ev(4, "Product Viewed", _at(5)), _ev(4, "Product Added", _at(5)),
        _ev(4, "Checkout Started", _at(6)),
        # 5: an anonymous visitor who only views; 6: views in October (outside the period)
        _ev(None, "Product Viewed", _at(7), who="anon:x"),
        _ev(6, "Product Viewed", datetime(2026, 10, 30, tzinfo=UTC)),
        _ev(6, "Product Added", _at(1)),
    ]  # fmt: skip
    orders = [
        {"customer_id": 4, "placed_at": _at(7), "total": 10},
        {"customer_id": 1, "placed_at": _at(20), "total": 5},
    ]
    return events, orders


def test_funnel_is_hand_checked() -> None:
    events, orders = _snapshot()
    f = funnel.purchase_funnel(make_snapshot(events=events, orders=orders), NOV)
    assert [s.people for s in f.steps] == [5, 3, 2, 1]
    assert f.steps[0].from_previous.value is None
    assert f.steps[1].from_previous.value == pytest.approx(3 / 5)
    assert f.steps[3].from_previous.value == pytest.approx(1 / 2)
    assert f.steps[3].from_start.value == pytest.approx(1 / 5)
    assert f.overall.value == pytest.approx(1 / 5) and f.overall.n == 5
    assert f.overall.ci_low is not None and f.overall.ci_low < 0.2
    assert f.note is None and f.segments == ()
    dataclasses.asdict(f)


def test_window_and_order_completed_events() -> None:
    events, orders = _snapshot()
    events.append(_ev(1, "Order Completed", _at(3)))  # now within the window for 1
    snap = make_snapshot(events=events, orders=orders)
    assert [s.people for s in funnel.purchase_funnel(snap, NOV).steps] == [5, 3, 2, 2]
    wide = funnel.purchase_funnel(snap, NOV, window_days=30)
    assert [s.people for s in wide.steps] == [5, 3, 2, 2]
    narrow = funnel.purchase_funnel(snap, NOV, window_days=1)
    # 1's add came exactly 24 h after the view: the window's end is included
    assert [s.people for s in narrow.steps] == [5, 3, 2, 2]
    hours = funnel.purchase_funnel(snap, Period(date(2026, 11, 2), date(2026, 11, 30)))
    assert [s.people for s in hours.steps] == [4, 2, 1, 1]  # 1 lost: its view was on 1 Nov


def test_funnel_by_segment_and_custom_steps() -> None:
    events, orders = _snapshot()
    snap = make_snapshot(events=events, orders=orders)
    f = funnel.purchase_funnel(snap, NOV, by={1: "a", 4: "a"})
    got = {s.segment: [x.people for x in s.steps] for s in f.segments}
    assert got == {"a": [2, 2, 2, 1], "unassigned": [3, 1, 0, 0]}
    short = funnel.purchase_funnel(snap, NOV, steps=("Product Added", "Order Completed"))
    assert [s.people for s in short.steps] == [5, 1]  # 6 added on 1 November
    tables = {r[0] for r in snap.con.execute("SELECT table_name FROM information_schema.tables")
              .fetchall()}  # fmt: skip
    assert "funnel_events" not in tables and "funnel_reached" not in tables


def test_empty_and_future_periods_have_notes() -> None:
    snap = make_snapshot()
    f = funnel.purchase_funnel(snap, NOV)
    assert [s.people for s in f.steps] == [0, 0, 0, 0]
    assert f.overall.value is None and f.note is not None
    later = funnel.purchase_funnel(snap, Period(date(2027, 1, 1), date(2027, 1, 31)))
    assert later.note is not None and "after the snapshot" in later.note


def test_bad_steps_are_refused() -> None:
    snap = make_snapshot()
    with pytest.raises(Invalid):
        funnel.purchase_funnel(snap, NOV, steps=())
    with pytest.raises(Invalid):
        funnel.purchase_funnel(snap, NOV, steps=("A", "A"))
    with pytest.raises(Invalid):
        funnel.purchase_funnel(snap, NOV, window_days=0)


def test_people_never_increase_down_the_funnel() -> None:
    import random

    rng = random.Random(7)
    names = funnel.DEFAULT_STEPS[:3]
    events = [
        _ev(rng.randrange(30), rng.choice(names), _at(1) + timedelta(hours=rng.randrange(600)))
        for _ in range(400)
    ]
    f = funnel.purchase_funnel(make_snapshot(events=events), NOV)
    people = [s.people for s in f.steps]
    assert people == sorted(people, reverse=True)
