"""Per-segment state of incremental membership: the change counter that makes enter/exit
message ids unique, and where the time-window and consent sweeps got to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from kizuna.db.metadata import Base, BigId, UtcDateTime


class SegmentLiveRow(Base):
    __tablename__ = "segment_live_state"

    segment_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True)
    changes: Mapped[int] = mapped_column(BigInteger, default=0)
    swept_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    consent_position: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
