"""The demo data set without a database: reproducible, and consistent with CDNOW."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from decimal import Decimal

import pytest

from kizuna.demo.cdnow import read_cdnow
from kizuna.demo.generate import DemoData, generate_demo, shift_for

ANCHOR = date(2026, 11, 23)


@pytest.fixture(scope="module")
def data() -> DemoData:
    return generate_demo(customers=60, seed=7, anchor=ANCHOR)


def test_same_seed_gives_the_same_data(data: DemoData) -> None:
    again = generate_demo(customers=60, seed=7, anchor=ANCHOR)
    assert again.digest() == data.digest()
    assert again.messages == data.messages


def test_another_seed_gives_other_data(data: DemoData) -> None:
    other = generate_demo(customers=60, seed=8, anchor=ANCHOR)
    assert other.digest() != data.digest()


def test_orders_are_cdnow_transactions_with_lines_summing_to_the_total(data: DemoData) -> None:
    cdnow = read_cdnow()
    expected = {
        f"cdnow-{t.customer:05d}-{t.day:%Y%m%d}-{t.seq}": t
        for p in data.people
        for t in cdnow[int(p.user_id.removeprefix("cdnow-"))]
    }
    assert {o.record.external_id for o in data.orders} == set(expected)
    for order in data.orders:
        tx = expected[order.record.external_id]
        assert order.record.total == tx.dollars
        assert order.record.currency == "USD"
        assert sum(line.amount for line in order.record.lines) == tx.dollars
        assert sum(line.quantity for line in order.record.lines) == Decimal(max(tx.cds, 1))
        # Dates are shifted by whole days, so relative spacing is kept.
        assert (order.record.placed_at.date() - tx.day).days - data.shift_days in (-1, 0, 1)


def test_dates_end_just_before_the_anchor(data: DemoData) -> None:
    assert shift_for(ANCHOR) == (date(2026, 11, 21) - date(1998, 6, 30)).days
    last = max(datetime.fromisoformat(m["timestamp"]) for m in data.messages)
    assert last.date() < ANCHOR
    assert max(o.record.placed_at for o in data.orders).date() <= date(2026, 11, 22)


def test_people_are_japanese_and_english(data: DemoData) -> None:
    locales = Counter(p.locale for p in data.people)
    assert locales["ja"] > 10 and locales["en"] > 10
    ja = next(p for p in data.people if p.locale == "ja")
    assert ja.upsert.timezone == "Asia/Tokyo" and ja.upsert.phone.startswith("+81")
    assert ja.traits["last_name_kana"] and ja.traits["address"]["country"] == "JP"
    en = next(p for p in data.people if p.locale == "en")
    assert en.upsert.country in {"US", "GB", "AU"}


def test_behaviour_precedes_each_order_and_starts_anonymous(data: DemoData) -> None:
    checkouts = {
        m["properties"]["order_id"]: m
        for m in data.messages
        if m.get("event") == "Checkout Started" and "order_id" in m["properties"]
    }
    for order in data.orders:
        started = datetime.fromisoformat(checkouts[order.record.external_id]["timestamp"])
        assert started < order.record.placed_at
    first_by_anon: dict[str, dict] = {}
    for m in data.messages:
        if "anonymousId" in m:
            first_by_anon.setdefault(m["anonymousId"], m)
    anonymous_starts = [m for m in first_by_anon.values() if "userId" not in m]
    assert len(anonymous_starts) >= len(data.people)  # every first device starts anonymous
    identifies = [m for m in data.messages if m["type"] == "identify"]
    assert all(m["userId"] and m["anonymousId"] for m in identifies)
    events = Counter(m.get("event") for m in data.messages)
    for name in (
        "Email Delivered",
        "Email Opened",
        "Products Searched",
        "Product Added",
        "Cart Viewed",
        "Social Post Liked",
    ):
        assert events[name] > 0, name
    assert "Order Completed" not in events  # orders come from CDNOW, not from events


def test_email_only_while_consent_is_granted(data: DemoData) -> None:
    status: dict[str, list[tuple[datetime, str]]] = {}
    for c in data.consents:
        if c.channel == "email":
            status.setdefault(c.user_id, []).append((c.at, c.status))
    assert any(s == "withdrawn" for rows in status.values() for _, s in rows)
    for m in data.messages:
        if m.get("event") == "Email Delivered":
            at = datetime.fromisoformat(m["timestamp"])
            history = sorted(r for r in status.get(m["userId"], []) if r[0] <= at)
            assert history and history[-1][1] == "granted"
