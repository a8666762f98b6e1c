from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from kizuna.types import CustomerId


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductUpsert:
    external_id: str
    sku: str | None = None
    name: str | None = None
    category: str | None = None
    brand: str | None = None
    price: Decimal | None = None
    currency: str | None = None
    url: str | None = None
    image_url: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderLine:
    product_external_id: str | None
    quantity: Decimal
    amount: Decimal  # line total; negative for returns
    unit_price: Decimal | None = None
    sku: str | None = None
    name: str | None = None
    category: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRecord:
    """An order to store. ``external_id`` makes recording idempotent."""

    external_id: str
    customer_id: CustomerId | None
    placed_at: datetime
    total: Decimal
    status: str = "completed"  # completed | cancelled | returned
    currency: str | None = None
    subtotal: Decimal | None = None
    revenue: Decimal | None = None
    tax: Decimal | None = None
    shipping: Decimal | None = None
    discount: Decimal | None = None
    coupon: str | None = None
    channel: str | None = None
    origin: str = "event"
    event_id: int | None = None
    lines: tuple[OrderLine, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Order:
    id: int
    external_id: str
    customer_id: CustomerId | None
    status: str
    placed_at: datetime
    currency: str | None
    total: Decimal
    origin: str
    lines: tuple[OrderLine, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordOutcome:
    written: int
    skipped: int  # already present (idempotent re-run)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductSummary:
    """A catalogue product as other domains see it (e.g. the reviews domain)."""

    id: int
    external_id: str
    name: str | None
    category: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderFact:
    """An order without its lines, as the loyalty programme scans them."""

    id: int
    external_id: str
    customer_id: CustomerId | None
    status: str
    placed_at: datetime
    total: Decimal
    currency: str | None
    cancelled_at: datetime | None
