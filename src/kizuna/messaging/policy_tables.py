"""Send policy tables: per-workspace caps / quiet hours / rates, the suppression list, and the
log of sends the caps count (see docs/reference/consent-and-caps.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kizuna.db.metadata import Base, BigId, UtcDateTime


class SendPolicyRow(Base):
    """A workspace's frequency caps, quiet hours (local minutes of the day) and send rates."""

    __tablename__ = "message_send_policies"

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True)
    daily_cap: Mapped[int] = mapped_column(Integer)
    weekly_cap: Mapped[int] = mapped_column(Integer)
    quiet_start_minute: Mapped[int] = mapped_column(Integer)
    quiet_end_minute: Mapped[int] = mapped_column(Integer)
    email_per_second: Mapped[int] = mapped_column(Integer)
    webhook_per_second: Mapped[int] = mapped_column(Integer)
    other_per_second: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SuppressionRow(Base):
    """An address (or a customer, ``address`` empty) that must not receive on ``channel``.

    No unique constraint on ``customer_id`` (profile merges move rows); duplicates are
    avoided when writing and tolerated when reading.
    """

    __tablename__ = "message_suppressions"
    __table_args__ = (
        Index("ix_message_suppressions_address", "workspace_id", "channel", "address"),
        Index("ix_message_suppressions_customer", "customer_id", "channel"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(320))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), nullable=True)
    reason: Mapped[str] = mapped_column(String(32))  # hard_bounce|complaint|manual|unsubscribed
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MessageSendRow(Base):
    """One message handed to a channel; idempotent by key; counted by caps and rate limits."""

    __tablename__ = "message_sends"
    __table_args__ = (
        UniqueConstraint("workspace_id", "idempotency_key"),
        Index("ix_message_sends_customer", "customer_id", "sent_at"),
        Index("ix_message_sends_channel", "workspace_id", "channel", "sent_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(32))
    transactional: Mapped[bool] = mapped_column(Boolean, default=False)
    idempotency_key: Mapped[str] = mapped_column(String(300))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
