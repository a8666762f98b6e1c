from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from kizuna.ingest import commerce_events
from kizuna.ingest.contracts import Message
from kizuna.types import CustomerId

AT = datetime(2024, 5, 1, tzinfo=UTC)


def order_message(props: dict[str, object]) -> Message:
    return Message(
        type="track", message_id="m1", user_id="u", anonymous_id=None, timestamp=AT,
        received_at=AT, event="Order Completed", properties=props,
    )  # fmt: skip


def test_total_falls_back_to_revenue_then_line_sum() -> None:
    lines = [{"product_id": "a", "price": 2.5, "quantity": 2}, {"sku": "b", "price": "1"}]
    for props, expected in [
        ({"total": 10, "revenue": 8, "products": lines}, Decimal(10)),
        ({"revenue": "8.5", "products": lines}, Decimal("8.5")),
        ({"products": lines}, Decimal("6.0")),
        ({"total": "not a number", "products": "nope"}, Decimal(0)),
    ]:
        order = commerce_events.order_of(order_message(props), props, CustomerId(1), 7)
        assert order is not None
        assert order.total == expected


def test_order_without_order_id_uses_the_message_id() -> None:
    order = commerce_events.order_of(order_message({}), {}, CustomerId(1), 7)
    assert order is not None and order.external_id == "m1" and order.event_id == 7


def test_unusable_amounts_are_not_derived() -> None:
    props = {"order_id": "o", "total": 1e20, "tax": True, "products": [{"price": float("inf")}]}
    order = commerce_events.order_of(order_message(props), props, CustomerId(1), 1)
    assert order is not None
    assert order.tax is None
    assert order.lines[0].unit_price is None and order.lines[0].amount == 0


def test_products_from_product_events_and_lists() -> None:
    viewed = commerce_events.products_of(
        "Product Viewed", {"product_id": 12, "name": "Tea", "price": 3, "currency": "jpy"}
    )
    assert [(p.external_id, p.name, p.price, p.currency) for p in viewed] == [
        ("12", "Tea", Decimal(3), "JPY")
    ]
    listed = commerce_events.products_of(
        "Cart Viewed", {"products": [{"sku": "s1"}, {"name": "no id"}, "junk"]}
    )
    assert [p.external_id for p in listed] == ["s1"]
    assert commerce_events.products_of("Signed Up", {"product_id": "x"}) == []


def test_cancellation_names_the_order() -> None:
    assert commerce_events.cancelled_order_of("Order Refunded", {"order_id": "A"}) == "A"
    assert commerce_events.cancelled_order_of("Order Completed", {"order_id": "A"}) is None
