from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kizuna.db.metadata import Base, BigId, JsonDoc, UtcDateTime

Money = Numeric(14, 2)


class ProductRow(Base):
    """A product in the catalogue, upserted from product events and imports."""

    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("workspace_id", "external_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))  # product_id or sku
    sku: Mapped[str | None] = mapped_column(String(200), nullable=True)
    name: Mapped[str | None] = mapped_column(String(400), nullable=True)
    category: Mapped[str | None] = mapped_column(String(200), nullable=True)
    brand: Mapped[str | None] = mapped_column(String(200), nullable=True)
    price: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    image_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OrderRow(Base):
    """An order (Segment `Order Completed`, or imported). Cancelled orders keep their rows."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("workspace_id", "external_id"),
        Index("ix_orders_customer_placed", "customer_id", "placed_at"),
        Index("ix_orders_workspace_placed", "workspace_id", "placed_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(16), default="completed")
    placed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    total: Mapped[Decimal] = mapped_column(Money)  # what the customer paid (negative: return)
    subtotal: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    revenue: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    tax: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    shipping: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    discount: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    coupon: Mapped[str | None] = mapped_column(String(200), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(64), nullable=True)
    origin: Mapped[str] = mapped_column(String(16))  # event | import | demo
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), nullable=True
    )
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OrderItemRow(Base):
    """One line of an order. A negative quantity is a return."""

    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), nullable=True, index=True
    )
    sku: Mapped[str | None] = mapped_column(String(200), nullable=True)
    name: Mapped[str | None] = mapped_column(String(400), nullable=True)
    category: Mapped[str | None] = mapped_column(String(200), nullable=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    unit_price: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    amount: Mapped[Decimal] = mapped_column(Money)
