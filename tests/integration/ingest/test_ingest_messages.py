"""ingest_messages against real SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from kizuna.commerce import api as commerce
from kizuna.commerce.tables import ProductRow
from kizuna.ingest import api as ingest
from kizuna.ingest.contracts import Source
from kizuna.ingest.errors import PayloadInvalid
from kizuna.ingest.tables import EventRow
from kizuna.profiles import api as profiles
from kizuna.runtime import Runtime
from kizuna.types import CustomerId

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)



def send(runtime: Runtime, source: Source, messages: list[dict[str, Any]], at: datetime = T0):
    with runtime.sessions() as s, s.begin():
        return ingest.ingest_messages(s, source=source, messages=messages, received_at=at)


def events(runtime: Runtime) -> list[EventRow]:
    with runtime.sessions() as s:
        return list(s.scalars(sa.select(EventRow).order_by(EventRow.id)))


def track(message_id: str, **fields: Any) -> dict[str, Any]:
    return {"type": "track", "messageId": message_id, "event": "Clicked", **fields}


def test_events_are_stored_with_every_segment_field(runtime: Runtime, source: Source) -> None:
    outcome = send(
        runtime,
        source,
        [
            track(
                "m1",
                userId="u1",
                anonymousId="a1",
                properties={"x": 1, "名前": "日本語"},
                context={"library": {"name": "t"}},
                integrations={"All": True},
                channel="server",
                originalTimestamp="2024-05-01T11:00:00Z",
                sentAt="2024-05-01T11:30:00Z",
            )
        ],
    )
    assert (outcome.accepted, outcome.duplicates) == (1, 0)
    (row,) = events(runtime)
    assert (row.source_id, row.workspace_id, row.message_id, row.type, row.event) == (
        source.id,
        source.workspace_id,
        "m1",
        "track",
        "Clicked",
    )
    assert row.properties == {"x": 1, "名前": "日本語"}
    assert row.context == {"library": {"name": "t"}}
    assert row.integrations == {"All": True}
    assert row.received_at == T0
    assert row.original_timestamp == T0 - timedelta(hours=1)
    assert row.timestamp == T0 - timedelta(minutes=30)
    assert row.customer_id is not None


def test_duplicates_within_one_batch_are_stored_once(runtime: Runtime, source: Source) -> None:
    outcome = send(
        runtime,
        source,
        [track("dup", userId="u1"), track("dup", userId="u1"), track("m2", userId="u1")],
    )
    assert (outcome.accepted, outcome.duplicates) == (2, 1)
    assert [e.message_id for e in events(runtime)] == ["dup", "m2"]


def test_retries_days_apart_are_stored_once_and_have_no_second_effect(
    runtime: Runtime, source: Source
) -> None:
    order = track(
        "order-msg",
        userId="u1",
        event="Order Completed",
        properties={
            "order_id": "o-1",
            "total": 30,
            "products": [{"product_id": "p1", "price": 15, "quantity": 2}],
        },
    )
    first = send(runtime, source, [order])
    later = send(runtime, source, [order, track("new", userId="u1")], at=T0 + timedelta(days=3))
    assert (first.accepted, later.accepted, later.duplicates) == (1, 1, 1)
    assert [e.message_id for e in events(runtime)] == ["order-msg", "new"]
    with runtime.sessions() as s:
        customer = events(runtime)[0].customer_id
        orders = commerce.list_customer_orders(s, source.workspace_id, CustomerId(customer))
    assert len(orders) == 1


def test_one_invalid_message_stores_nothing(runtime: Runtime, source: Source) -> None:
    with pytest.raises(PayloadInvalid) as info:
        send(
            runtime,
            source,
            [track("ok", userId="u1"), {"type": "track", "messageId": "bad", "userId": "u1"}],
        )
    assert info.value.errors == [
        {
            "index": 1,
            "field": "event",
            "message": "is required for track calls (the name of the action)",
        }
    ]
    assert events(runtime) == []
    with runtime.sessions() as s:
        assert profiles.count_customers(s, source.workspace_id) == 0


def test_anonymous_events_merge_into_the_customer_on_identify(
    runtime: Runtime, source: Source
) -> None:
    send(runtime, source, [track("a-1", anonymousId="anon-1"), track("a-2", anonymousId="anon-1")])
    send(
        runtime,
        source,
        [
            {
                "type": "identify",
                "messageId": "id-1",
                "userId": "user-1",
                "anonymousId": "anon-1",
                "context": {"traits": {"email": "hana@example.jp", "firstName": "Hana"}},
            }
        ],
        at=T0 + timedelta(minutes=5),
    )
    rows = events(runtime)
    assert len({r.customer_id for r in rows}) == 1
    with runtime.sessions() as s:
        customer = profiles.get_customer(s, source.workspace_id, CustomerId(rows[0].customer_id))
        timeline = ingest.list_timeline(s, source.workspace_id, customer.id)
    assert customer.external_id == "user-1"
    assert customer.email == "hana@example.jp"
    assert customer.first_name == "Hana"
    assert {e.message_id for e in timeline.entries if e.kind == "event"} == {"a-1", "a-2", "id-1"}


def test_anonymous_then_identify_in_the_same_batch(runtime: Runtime, source: Source) -> None:
    send(
        runtime,
        source,
        [
            track("b-1", anonymousId="anon-2"),
            {"type": "identify", "messageId": "b-2", "userId": "user-2", "anonymousId": "anon-2"},
            track("b-3", anonymousId="anon-2"),
        ],
    )
    assert len({r.customer_id for r in events(runtime)}) == 1


def test_alias_merges_the_previous_id_into_the_user(runtime: Runtime, source: Source) -> None:
    send(runtime, source, [track("c-1", anonymousId="old-id"), track("c-2", userId="new-user")])
    send(
        runtime,
        source,
        [{"type": "alias", "messageId": "c-3", "previousId": "old-id", "userId": "new-user"}],
    )
    rows = events(runtime)
    assert len(rows) == 3
    assert len({r.customer_id for r in rows}) == 1
    with runtime.sessions() as s:
        merges = profiles.list_merges(s, source.workspace_id, CustomerId(rows[0].customer_id))
    assert [m.merge_reason for m in merges] == ["alias"]


def test_order_completed_creates_an_order_with_items_and_products(
    runtime: Runtime, source: Source, session: Session
) -> None:
    send(
        runtime,
        source,
        [
            track(
                "pv",
                anonymousId="shopper",
                event="Product Viewed",
                properties={
                    "product_id": "sku-1",
                    "name": "抹茶",
                    "category": "Tea",
                    "price": 1200,
                },
            ),
            track(
                "oc",
                anonymousId="shopper",
                event="Order Completed",
                properties={
                    "order_id": "A-100",
                    "currency": "jpy",
                    "coupon": "SPRING",
                    "tax": 240,
                    "products": [
                        {"product_id": "sku-1", "price": 1200, "quantity": 2},
                        {"sku": "sku-2", "name": "Cup", "price": "800.5", "quantity": 1},
                    ],
                },
            ),
        ],
    )
    customer_id = CustomerId(events(runtime)[1].customer_id)
    (order,) = commerce.list_customer_orders(session, source.workspace_id, customer_id)
    assert order.external_id == "A-100"
    assert order.currency == "JPY"
    assert order.total == Decimal("3200.50")  # no total given: sum of price × quantity
    assert [(line.product_external_id, line.quantity, line.amount) for line in order.lines] == [
        ("sku-1", Decimal(2), Decimal("2400")),
        ("sku-2", Decimal(1), Decimal("800.5")),
    ]
    products = {
        p.external_id: p
        for p in session.scalars(
            sa.select(ProductRow).where(ProductRow.workspace_id == source.workspace_id)
        )
    }
    assert set(products) == {"sku-1", "sku-2"}
    assert (products["sku-1"].name, products["sku-1"].category) == ("抹茶", "Tea")
    assert products["sku-2"].name == "Cup"


def test_order_total_and_cancellation(runtime: Runtime, source: Source, session: Session) -> None:
    send(
        runtime,
        source,
        [
            track(
                "o1",
                userId="buyer",
                event="Order Completed",
                properties={"order_id": "B-1", "total": 99.5},
            ),
            track("o2", userId="buyer", event="Order Cancelled", properties={"order_id": "B-1"}),
        ],
    )
    customer_id = CustomerId(events(runtime)[0].customer_id)
    (order,) = commerce.list_customer_orders(session, source.workspace_id, customer_id)
    assert (order.total, order.status) == (Decimal("99.50"), "cancelled")


def test_text_with_nul_is_refused_not_lost(runtime: Runtime, source: Source) -> None:
    with pytest.raises(PayloadInvalid) as info:
        send(runtime, source, [track("n1", userId="u", properties={"note": "a\x00b"})])
    assert info.value.errors[0]["field"] == "properties"
    assert events(runtime) == []
