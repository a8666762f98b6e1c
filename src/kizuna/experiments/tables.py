"""Tables of the experiments domain: PDCA records (hypothesis → action → result → next step)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kizuna.db.metadata import Base, BigId, JsonDoc, UtcDateTime


class PdcaRecordRow(Base):
    """What the team tried and learnt; ``result`` is a JSON snapshot of the statistics."""

    __tablename__ = "pdca_records"
    __table_args__ = (
        Index("ix_pdca_records_workspace_updated", "workspace_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    hypothesis: Mapped[str] = mapped_column(Text)
    action_kind: Mapped[str] = mapped_column(String(16))  # journey | broadcast | other
    action_ref: Mapped[str] = mapped_column(String(200))
    experiment_key: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))  # planned | running | measured | closed
    result_summary: Mapped[str] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc, nullable=True)
    next_step: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
