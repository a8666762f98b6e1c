"""In-app inbox tables: messages shown in a customer's app/site inbox, and per-workspace
inbox settings (allowed origins for the embeddable snippet, the secret's version)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kizuna.db.metadata import Base, BigId, JsonDoc, UtcDateTime


class InAppMessageRow(Base):
    """One message in one customer's inbox; one per (workspace, idempotency key)."""

    __tablename__ = "in_app_messages"
    __table_args__ = (
        UniqueConstraint("workspace_id", "idempotency_key"),
        Index("ix_in_app_messages_customer", "customer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(300))
    locale: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(500))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    link_url: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    dismissed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class InboxSettingsRow(Base):
    """Origins allowed to call the inbox API from a browser; the inbox secret's version."""

    __tablename__ = "in_app_inbox_settings"

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True)
    allowed_origins: Mapped[list[Any]] = mapped_column(JsonDoc)
    secret_version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
