"""Broadcasts and the recipients each one was sent to (or held out from)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kizuna.db.metadata import Base, BigId, JsonDoc, UtcDateTime


class BroadcastRow(Base):
    """One message to a segment's members, now or at ``scheduled_at``, with a holdout.

    ``status``: draft → scheduled → sending → sent, or cancelled. While ``sending``,
    ``cursor`` is the last segment member (customer id) handled: each chunk of members is
    stored and enqueued in one transaction together with the new cursor, so a crash resumes
    where it stopped."""

    __tablename__ = "broadcasts"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),
                      Index("ix_broadcasts_status_scheduled", "status", "scheduled_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    segment_key: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(32))
    transactional: Mapped[bool] = mapped_column(Boolean, default=False)
    template: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    arms: Mapped[list[Any]] = mapped_column(JsonDoc)  # [{"name", "weight", "template"?}]
    holdout_pct: Mapped[float] = mapped_column(Float)
    global_control_pct: Mapped[float] = mapped_column(Float, default=0.0)
    goal_event: Mapped[str | None] = mapped_column(String(200), nullable=True)
    window_days: Mapped[float] = mapped_column(Float)
    throttle_per_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)
    webhook_url: Mapped[str] = mapped_column(String(2000), default="")
    status: Mapped[str] = mapped_column(String(16))
    scheduled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    cursor: Mapped[int] = mapped_column(BigId, default=0)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    enqueued: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BroadcastRecipientRow(Base):
    """A segment member at send time: the arm (a variant, ``holdout`` or ``global_control``)
    and when they entered the experiment. Exactly one row per (broadcast, customer)."""

    __tablename__ = "broadcast_recipients"
    __table_args__ = (UniqueConstraint("broadcast_id", "customer_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    arm: Mapped[str] = mapped_column(String(100))
    entered_at: Mapped[datetime] = mapped_column(UtcDateTime)
