from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kizuna.db.metadata import Base, BigId, JsonDoc, UtcDateTime


class FeedbackItemRow(Base):
    """One piece of customer feedback in the voice-of-customer inbox.

    Written by the domain that collected it (a survey response, a review, an idea or its
    comment, an import) through ``feedback.api.record_feedback``; unique per (kind, ref), so
    recording the same thing again updates it instead of adding a copy. Anonymous feedback
    carries no customer and only the day it arrived (``received_at`` is null).
    """

    __tablename__ = "feedback_items"
    __table_args__ = (
        UniqueConstraint("workspace_id", "kind", "ref"),
        Index("ix_feedback_items_workspace_day", "workspace_id", "received_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # survey_response | review | idea | idea_comment
    ref: Mapped[str] = mapped_column(String(200))  # the collecting domain's id of the item
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), nullable=True, index=True
    )
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    score_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)  # nps|csat|ces|rating
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    locale: Mapped[str | None] = mapped_column(String(16), nullable=True)
    subject: Mapped[str | None] = mapped_column(String(300), nullable=True)  # survey / product
    product_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    category: Mapped[str | None] = mapped_column(String(200), nullable=True)
    received_on: Mapped[date] = mapped_column(Date)
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    sentiment: Mapped[float | None] = mapped_column(Float, nullable=True)  # -1..1
    sentiment_label: Mapped[str | None] = mapped_column(String(16), nullable=True)
    theme: Mapped[str | None] = mapped_column(String(200), nullable=True)
    key_phrases: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    tags: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
