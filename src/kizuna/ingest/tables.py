from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kizuna.db.metadata import Base, BigId, JsonDoc, UtcDateTime


class SourceRow(Base):
    """Where events come from (a site, an app, an import). Identified by a write key."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="http")  # http | import | demo
    write_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    write_key_prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class EventRow(Base):
    """One Segment-spec message (track, identify, page, screen, group, alias).

    Exactly one row per (source, messageId). ``timestamp`` is corrected for client clock
    skew; ``original_timestamp`` is what the client said.
    """

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("source_id", "message_id"),
        Index("ix_events_customer_time", "customer_id", "timestamp"),
        Index("ix_events_workspace_type_time", "workspace_id", "type", "timestamp"),
        Index("ix_events_workspace_anonymous", "workspace_id", "anonymous_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    event: Mapped[str | None] = mapped_column(String(200), nullable=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    category: Mapped[str | None] = mapped_column(String(200), nullable=True)
    user_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    anonymous_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    previous_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    group_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), nullable=True
    )
    timestamp: Mapped[datetime] = mapped_column(UtcDateTime)
    original_timestamp: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    properties: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc, nullable=True)
    traits: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc, nullable=True)
    context: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc, nullable=True)
    integrations: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc, nullable=True)
    channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    version: Mapped[str | None] = mapped_column(Text, nullable=True)
