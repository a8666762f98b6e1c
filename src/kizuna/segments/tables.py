from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kizuna.db.metadata import Base, BigId, JsonDoc, UtcDateTime


class SegmentRow(Base):
    """A named condition over customers; ``size`` and ``computed_at`` from the last recompute."""

    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    condition: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recompute_count: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SegmentMembershipRow(Base):
    """A customer currently in a segment (no unique constraint: profile merges may move two
    rows onto one survivor; readers de-duplicate, the next recompute drops the extra row)."""

    __tablename__ = "segment_memberships"
    __table_args__ = (Index("ix_segment_memberships_segment_customer", "segment_id",
                            "customer_id"),
                      Index("ix_segment_memberships_customer", "customer_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    entered_at: Mapped[datetime] = mapped_column(UtcDateTime)
