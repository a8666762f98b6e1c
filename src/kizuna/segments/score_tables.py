"""Per-customer metric scores for segment conditions, and the last refresh per workspace."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Float, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from kizuna.db.metadata import Base, BigId, UtcDateTime


class CustomerScoreRow(Base):
    """One customer's scores at the last refresh (NULL where the metric has no value).

    ``customer_id`` has no foreign key on purpose: a profile merge moves every row that
    references customers.id onto the survivor, which would collide with the survivor's own
    row here. Scores are derived data; the next refresh deletes the merged-away customer's
    row and recomputes the survivor's."""

    __tablename__ = "customer_scores"
    __table_args__ = (Index("ix_customer_scores_workspace", "workspace_id"),)

    customer_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    rfm_segment: Mapped[str | None] = mapped_column(String(40), nullable=True)
    clv: Mapped[Decimal | None] = mapped_column(Numeric(18, 2), nullable=True)
    p_alive: Mapped[float | None] = mapped_column(Float, nullable=True)
    expected_purchases: Mapped[float | None] = mapped_column(Float, nullable=True)
    nps_group: Mapped[str | None] = mapped_column(String(20), nullable=True)
    nps_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    journey_stage: Mapped[str | None] = mapped_column(String(20), nullable=True)
    engagement_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ScoreRefreshRow(Base):
    """The last score refresh of a workspace (its absence: scores never computed)."""

    __tablename__ = "customer_score_refreshes"

    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True,
        autoincrement=False)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    customers: Mapped[int] = mapped_column(Integer)
    changed: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    notes: Mapped[str] = mapped_column(String(4000), default="")
