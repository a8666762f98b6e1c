"""Segment's e-commerce spec: what product and order events mean for the catalogue and orders.

* ``Order Completed`` creates an order with its lines (idempotent by ``order_id``; without
  one, the messageId stands in). ``total`` is ``total``, else ``revenue``, else the sum of
  ``price × quantity`` over ``products``.
* ``Order Cancelled`` / ``Order Refunded`` cancel the order named by ``order_id``.
* Product events (``Product Viewed``, ``Product Added`` …) upsert the product they describe;
  events that carry a ``products`` list (orders, carts, checkouts, product lists) upsert each.

Malformed commerce properties never reject the event (it is valid Segment); unusable values
are simply not derived.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

from kizuna.commerce.contracts import OrderLine, OrderRecord, ProductUpsert
from kizuna.ingest.contracts import Message
from kizuna.types import CustomerId

PRODUCT_EVENTS = frozenset(
    {
        "Product Viewed",
        "Product Clicked",
        "Product Added",
        "Product Removed",
        "Product Added to Wishlist",
        "Product Removed from Wishlist",
        "Product Shared",
        "Product Reviewed",
        "Wishlist Product Added to Cart",
    }
)
PRODUCT_LIST_EVENTS = frozenset(
    {
        "Product List Viewed",
        "Product List Filtered",
        "Cart Viewed",
        "Checkout Started",
        "Order Updated",
        "Order Completed",
        "Order Refunded",
        "Order Cancelled",
        "Cart Shared",
        "Product Added",
        "Products Searched",
    }
)
ORDER_COMPLETED = "Order Completed"
ORDER_CANCELLING = frozenset({"Order Cancelled", "Order Refunded"})
_MONEY_LIMIT = Decimal("1e12")  # orders.total is NUMERIC(14, 2)
_QUANTITY_LIMIT = Decimal("1e9")  # order_items.quantity is NUMERIC(12, 3)


def _decimal(value: Any, limit: Decimal = _MONEY_LIMIT) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if not isinstance(value, int | float | str):
        return None
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not result.is_finite() or abs(result) >= limit:
        return None
    return result


def _text(value: Any, limit: int = 200) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        return None
    return value[:limit]


def _currency(value: Any) -> str | None:
    text = _text(value)
    return text.upper() if text and len(text) == 3 else None


def _product(item: Any, currency: str | None) -> ProductUpsert | None:
    if not isinstance(item, dict):
        return None
    external_id = _text(item.get("product_id")) or _text(item.get("sku"))
    if external_id is None:
        return None
    return ProductUpsert(
        external_id=external_id,
        sku=_text(item.get("sku")),
        name=_text(item.get("name"), 400),
        category=_text(item.get("category")),
        brand=_text(item.get("brand")),
        price=_decimal(item.get("price")),
        currency=_currency(item.get("currency")) or currency,
        url=_text(item.get("url"), 2000),
        image_url=_text(item.get("image_url"), 2000),
    )


def products_of(event: str, props: dict[str, Any]) -> list[ProductUpsert]:
    """The products an event describes (empty for events outside the e-commerce spec)."""
    currency = _currency(props.get("currency"))
    found: list[ProductUpsert] = []
    if event in PRODUCT_EVENTS:
        product = _product(props, currency)
        if product is not None:
            found.append(product)
    if event in PRODUCT_LIST_EVENTS and isinstance(props.get("products"), list):
        for item in props["products"]:
            product = _product(item, currency)
            if product is not None:
                found.append(product)
    return found


def _line(item: Any) -> OrderLine | None:
    if not isinstance(item, dict):
        return None
    quantity = _decimal(item.get("quantity"), _QUANTITY_LIMIT)
    if quantity is None:
        quantity = Decimal(1)
    price = _decimal(item.get("price"))
    amount = price * quantity if price is not None else Decimal(0)
    if abs(amount) >= _MONEY_LIMIT:
        return None
    return OrderLine(
        product_external_id=_text(item.get("product_id")) or _text(item.get("sku")),
        quantity=quantity,
        amount=amount,
        unit_price=price,
        sku=_text(item.get("sku")),
        name=_text(item.get("name"), 400),
        category=_text(item.get("category")),
    )


def order_of(
    message: Message, props: dict[str, Any], customer_id: CustomerId, event_id: int
) -> OrderRecord | None:
    """The order an ``Order Completed`` event records (``None`` for any other event)."""
    if message.event != ORDER_COMPLETED:
        return None
    items = props.get("products")
    lines = tuple(
        line
        for line in (_line(i) for i in (items if isinstance(items, list) else []))
        if line is not None
    )
    total = _decimal(props.get("total"))
    if total is None:
        total = _decimal(props.get("revenue"))
    if total is None:
        total = sum((line.amount for line in lines), Decimal(0))
        if abs(total) >= _MONEY_LIMIT:
            total = Decimal(0)
    external_id = _text(props.get("order_id")) or _text(props.get("orderId"))
    return OrderRecord(
        external_id=external_id or message.message_id,
        customer_id=customer_id,
        placed_at=message.timestamp,
        total=total,
        currency=_currency(props.get("currency")),
        subtotal=_decimal(props.get("subtotal")),
        revenue=_decimal(props.get("revenue")),
        tax=_decimal(props.get("tax")),
        shipping=_decimal(props.get("shipping")),
        discount=_decimal(props.get("discount")),
        coupon=_text(props.get("coupon")),
        channel=_text(message.channel, 64),
        origin="event",
        event_id=event_id,
        lines=lines,
    )


def cancelled_order_of(event: str, props: dict[str, Any]) -> str | None:
    """The ``order_id`` an ``Order Cancelled`` / ``Order Refunded`` event cancels."""
    if event not in ORDER_CANCELLING:
        return None
    return _text(props.get("order_id")) or _text(props.get("orderId"))
