from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from kizuna.db.metadata import Base, BigId, UtcDateTime


class WorkspaceRow(Base):
    """A tenant: one business with its own customers, sources and users."""

    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Tokyo")
    currency: Mapped[str] = mapped_column(String(3), default="JPY")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
