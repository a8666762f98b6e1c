from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kizuna.db.metadata import Base, BigId, JsonDoc, UtcDateTime


class JourneyRow(Base):
    """A journey; ``current_version`` is the version new runs start on. ``goal_event`` and
    ``trigger_kind`` mirror the current definition for quick filtering."""

    __tablename__ = "journeys"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    current_version: Mapped[int] = mapped_column(Integer)
    trigger_kind: Mapped[str] = mapped_column(String(16))
    goal_event: Mapped[str | None] = mapped_column(String(200), nullable=True)
    holdout_pct: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class JourneyVersionRow(Base):
    """An immutable definition; runs finish on the version they started on."""

    __tablename__ = "journey_versions"
    __table_args__ = (UniqueConstraint("journey_id", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class JourneyRunRow(Base):
    """One customer's way through one journey version.

    ``trigger_key`` makes enrolment idempotent (``event:<id>``, ``once``, ``date:…``);
    ``step_id`` is the step to run next (or, waiting for an event, the waiting step);
    ``due_at`` is when a wait ends or a wait for an event times out."""

    __tablename__ = "journey_runs"
    __table_args__ = (
        UniqueConstraint("journey_id", "customer_id", "trigger_key"),
        Index("ix_journey_runs_due", "state", "due_at"),
        Index("ix_journey_runs_customer_state", "workspace_id", "customer_id", "state"),
        Index("ix_journey_runs_journey_state", "journey_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    arm: Mapped[str] = mapped_column(String(64))
    trigger_key: Mapped[str] = mapped_column(String(200))
    trigger_event_id: Mapped[int] = mapped_column(BigInteger, default=0)
    state: Mapped[str] = mapped_column(String(16))
    step_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    wait_event: Mapped[str | None] = mapped_column(String(200), nullable=True)
    correlation_value: Mapped[str | None] = mapped_column(String(200), nullable=True)
    context: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    entered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
