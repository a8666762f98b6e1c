"""Pydantic response models of the admin API for customers, and their contract converters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kizuna.commerce.contracts import Order, OrderLine
from kizuna.profiles.contracts import Consent, Customer, Page, TimelineEntry


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Problem(_Out):
    """An RFC 9457 problem (served as ``application/problem+json``)."""

    model_config = ConfigDict(frozen=True, extra="allow")
    type: str
    title: str
    status: int
    detail: str
    instance: str


class CustomerOut(_Out):
    id: int
    external_id: str | None = Field(description="Segment userId")
    email: str | None
    phone: str | None
    first_name: str | None
    last_name: str | None
    name: str | None
    display_name: str
    birthday: date | None
    timezone: str | None
    locale: str | None
    country: str | None
    anonymous: bool = Field(description="No user id and no email yet")
    traits: dict[str, Any]
    first_seen_at: datetime
    last_seen_at: datetime
    created_at: datetime
    updated_at: datetime


class CustomerListOut(_Out):
    items: list[CustomerOut]
    total: int
    page: int
    page_size: int


class IdentifiersOut(_Out):
    external_id: str | None
    email: str | None
    phone: str | None
    anonymous_ids: list[str]


class ConsentOut(_Out):
    channel: str
    purpose: str
    status: str
    method: str
    wording: str | None
    recorded_at: datetime


class OrderLineOut(_Out):
    product_external_id: str | None
    sku: str | None
    name: str | None
    category: str | None
    quantity: Decimal
    unit_price: Decimal | None
    amount: Decimal


class OrderOut(_Out):
    id: int
    external_id: str
    status: str
    placed_at: datetime
    currency: str | None
    total: Decimal
    origin: str
    lines: list[OrderLineOut]


class OrderSummaryOut(_Out):
    orders: int
    revenue: Decimal
    first_at: datetime | None
    last_at: datetime | None


class OrdersOut(_Out):
    summary: OrderSummaryOut
    recent: list[OrderOut] = Field(description="Newest first")


class CustomerProfileOut(CustomerOut):
    identifiers: IdentifiersOut
    consents: list[ConsentOut] = Field(description="Latest record per channel and purpose")
    orders: OrdersOut
    timeline_url: str = Field(description="Path of the paginated timeline")


class TimelineEntryOut(_Out):
    kind: Literal["event", "merge"]
    at: datetime
    id: int
    type: str | None = None
    event: str | None = None
    name: str | None = None
    properties: dict[str, Any] | None = None
    traits: dict[str, Any] | None = None
    user_id: str | None = None
    anonymous_id: str | None = None
    source_id: int | None = None
    message_id: str | None = None
    merged_customer_id: int | None = None
    merge_reason: str | None = None
    merge_identifier: str | None = None


class TimelineOut(_Out):
    entries: list[TimelineEntryOut] = Field(description="Newest first; merges interleaved")
    next_cursor: str | None = Field(description="Pass as `cursor` to get older entries")


def customer_out(c: Customer) -> CustomerOut:
    return CustomerOut(**_customer_fields(c))


def _customer_fields(c: Customer) -> dict[str, Any]:
    return {
        "id": int(c.id),
        "external_id": c.external_id,
        "email": c.email,
        "phone": c.phone,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "name": c.name,
        "display_name": c.display_name,
        "birthday": c.birthday,
        "timezone": c.timezone,
        "locale": c.locale,
        "country": c.country,
        "anonymous": c.is_anonymous,
        "traits": dict(c.traits),
        "first_seen_at": c.first_seen_at,
        "last_seen_at": c.last_seen_at,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def customer_list_out(page: Page[Customer]) -> CustomerListOut:
    return CustomerListOut(
        items=[customer_out(c) for c in page.items],
        total=page.total,
        page=page.page,
        page_size=page.page_size,
    )


def _line_out(line: OrderLine) -> OrderLineOut:
    return OrderLineOut(
        product_external_id=line.product_external_id,
        sku=line.sku,
        name=line.name,
        category=line.category,
        quantity=line.quantity,
        unit_price=line.unit_price,
        amount=line.amount,
    )


def order_out(o: Order) -> OrderOut:
    return OrderOut(
        id=o.id,
        external_id=o.external_id,
        status=o.status,
        placed_at=o.placed_at,
        currency=o.currency,
        total=o.total,
        origin=o.origin,
        lines=[_line_out(line) for line in o.lines],
    )


def profile_out(
    c: Customer,
    *,
    consents: Sequence[Consent],
    orders: Sequence[Order],
    stats: Mapping[str, Any],
    timeline_url: str,
) -> CustomerProfileOut:
    return CustomerProfileOut(
        **_customer_fields(c),
        identifiers=IdentifiersOut(
            external_id=c.external_id,
            email=c.email,
            phone=c.phone,
            anonymous_ids=list(c.anonymous_ids),
        ),
        consents=[
            ConsentOut(
                channel=x.channel,
                purpose=x.purpose,
                status=x.status,
                method=x.method,
                wording=x.wording,
                recorded_at=x.recorded_at,
            )
            for x in consents
        ],
        orders=OrdersOut(
            summary=OrderSummaryOut(
                orders=int(stats.get("orders") or 0),
                revenue=Decimal(str(stats.get("revenue") or 0)),
                first_at=stats.get("first_at"),
                last_at=stats.get("last_at"),
            ),
            recent=[order_out(o) for o in orders],
        ),
        timeline_url=timeline_url,
    )


def timeline_entry_out(e: TimelineEntry) -> TimelineEntryOut:
    return TimelineEntryOut(
        kind="merge" if e.kind == "merge" else "event",
        at=e.at,
        id=e.id,
        type=e.type,
        event=e.event,
        name=e.name,
        properties=e.properties,
        traits=e.traits,
        user_id=e.user_id,
        anonymous_id=e.anonymous_id,
        source_id=e.source_id,
        message_id=e.message_id,
        merged_customer_id=e.merged_customer_id,
        merge_reason=e.merge_reason,
        merge_identifier=e.merge_identifier,
    )
