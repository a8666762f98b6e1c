"""Tables of the surveys domain.

Anonymous surveys: ``survey_responses`` rows of an anonymous survey never carry a customer,
an invitation, a token or a time of day (only local dates), their ids are random, and on
SQLite the table has no hidden sequential rowid (``WITHOUT ROWID``). Invitations of anonymous
surveys keep only ``used`` (no time, no response). See docs/reference/surveys.md.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kizuna.db.metadata import Base, BigId, JsonDoc, UtcDateTime


class SurveyRow(Base):
    """A survey; its questions live in versions (``current_version`` is the one shown)."""

    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # nps | csat | ces | enps | custom
    status: Mapped[str] = mapped_column(String(16))  # draft | active | closed
    anonymous: Mapped[bool] = mapped_column(Boolean)
    current_version: Mapped[int] = mapped_column(Integer)
    closes_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    recontact_days: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SurveyVersionRow(Base):
    """One version of a survey's definition (the JSON document of docs/reference/surveys.md)."""

    __tablename__ = "survey_versions"
    __table_args__ = (UniqueConstraint("survey_id", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SurveyInvitationRow(Base):
    """A personal single-use link: the SHA-256 of its token, the customer, the expiry.

    For anonymous surveys only ``used`` is set when it is redeemed: ``used_at`` and
    ``response_id`` stay null, so nothing ties the invitation to the answer.
    """

    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), nullable=True, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used: Mapped[bool] = mapped_column(Boolean)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    response_id: Mapped[str | None] = mapped_column(String(32), nullable=True)


class SurveyResponseRow(Base):
    """One response (partial until ``complete``), with the answers as a JSON object.

    ``id`` is random. For anonymous surveys ``customer_id``, ``invitation_id`` and every
    ``*_at`` column are null; only ``started_on`` / ``completed_on`` (local dates) are kept.
    """

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("survey_id", "import_ref"),
        Index("ix_survey_responses_survey_completed", "survey_id", "complete", "completed_on"),
        Index("ix_survey_responses_customer", "customer_id", "completed_on"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(8))
    anonymous: Mapped[bool] = mapped_column(Boolean)
    complete: Mapped[bool] = mapped_column(Boolean)
    answers: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    hidden: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_on: Mapped[date] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), nullable=True)
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_invitations.id", ondelete="SET NULL"), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    import_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)


class SurveyImpressionRow(Base):
    """A survey shown in an app to a customer on a local day (for ``recontact_days``)."""

    __tablename__ = "survey_impressions"
    __table_args__ = (
        UniqueConstraint("survey_id", "customer_id", "shown_on"),
        Index("ix_survey_impressions_customer_day", "workspace_id", "customer_id", "shown_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    shown_on: Mapped[date] = mapped_column(Date)
