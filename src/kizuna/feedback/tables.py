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


class FeedbackTaskRow(Base):
    """A follow-up task of the closed loop: contact the customer behind one unhappy answer.

    Opened by ``record_feedback`` (one per feedback item) for an NPS/eNPS detractor, a low
    CSAT or a hard CES from a known customer. ``due_at`` is null until the follow-up policy
    (owner, due hours from Settings) has been applied; ``alert_state`` is ``pending`` until
    the alert deliveries have been created.
    """

    __tablename__ = "feedback_tasks"
    __table_args__ = (
        UniqueConstraint("item_id"),
        Index("ix_feedback_tasks_workspace_status", "workspace_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("feedback_items.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), nullable=True, index=True
    )
    reason: Mapped[str] = mapped_column(String(16))  # detractor | low_csat | hard_ces
    status: Mapped[str] = mapped_column(String(16))  # open | contacted | closed | wont_fix
    owner_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    contacted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    alert_state: Mapped[str] = mapped_column(String(16))  # pending | created


class FeedbackTaskNoteRow(Base):
    """The append-only history of a follow-up task: notes, status changes, assignments."""

    __tablename__ = "feedback_task_notes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_tasks.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # opened | note | status | assign
    body: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(String(320), nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class AlertDeliveryRow(Base):
    """One alert about a new follow-up task on one channel (email or webhook).

    Written as ``pending`` after the transaction that opened the task; sent outside any
    transaction by ``deliver_pending_alerts``; a failure keeps its error and is retried
    (at most ``MAX_ATTEMPTS`` times).
    """

    __tablename__ = "alert_deliveries"
    __table_args__ = (Index("ix_alert_deliveries_status", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_tasks.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))  # email | webhook
    target: Mapped[str] = mapped_column(String(2000))
    message_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # pending | sending | sent | failed
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
