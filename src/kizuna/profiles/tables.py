from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kizuna.db.metadata import Base, BigId, JsonDoc, UtcDateTime


class CustomerRow(Base):
    """A person the business knows, identified or still anonymous.

    When two profiles turn out to be one person, the loser gets ``merged_into_id`` and keeps
    no events of its own; its identities and events move to the survivor.
    """

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("workspace_id", "external_id"),
        Index("ix_customers_workspace_email", "workspace_id", "email"),
        Index("ix_customers_workspace_last_seen", "workspace_id", "last_seen_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)  # Segment userId
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    first_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    last_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    name: Mapped[str | None] = mapped_column(String(400), nullable=True)
    birthday: Mapped[date | None] = mapped_column(Date, nullable=True)
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    locale: Mapped[str | None] = mapped_column(String(16), nullable=True)
    country: Mapped[str | None] = mapped_column(String(64), nullable=True)
    traits: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), nullable=True
    )


class IdentityRow(Base):
    """An identifier that points at a customer: ``user_id``, ``anonymous_id`` or ``email``."""

    __tablename__ = "customer_identities"
    __table_args__ = (UniqueConstraint("workspace_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(320))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MergeRow(Base):
    """A record that two profiles were merged (shown on the survivor's timeline)."""

    __tablename__ = "customer_merges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    survivor_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    merged_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(32))  # identify | alias | import
    identifier: Mapped[str | None] = mapped_column(String(320), nullable=True)
    merged_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ConsentRow(Base):
    """What a customer agreed to (or withdrew), per channel and purpose, with evidence."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_customer", "customer_id", "channel", "purpose"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(32))  # email | sms | push | in_app | webhook
    purpose: Mapped[str] = mapped_column(String(32))  # marketing | transactional | analytics
    status: Mapped[str] = mapped_column(String(16))  # granted | withdrawn
    method: Mapped[str] = mapped_column(String(64))  # form | import | api | identify
    wording: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
