"""Positions of the event-feed consumers (``kizuna.dispatch``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kizuna.db.metadata import Base, UtcDateTime


class EventFeedCursorRow(Base):
    """Where one consumer is in the event feed: every event with ``id <= position`` has been
    handed to it (and its writes committed together with this row)."""

    __tablename__ = "event_feed_cursors"

    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_error_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
