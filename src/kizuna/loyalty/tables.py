"""Tables of the loyalty domain.

The ledger (``loyalty_entries``) is append-only: a balance is the sum of a customer's entries,
and nothing is ever updated or deleted there. Every entry carries a ``source_key`` unique in
the workspace (``order:<external id>``, ``bonus:review:<id>``, ``redeem:<idempotency key>``,
``expire:<earn entry id>`` …), so replaying a source awards nothing twice.

Rows name the customer (``customer_id`` references ``customers``), so a profile merge moves
them to the survivor; that is why "one membership / one badge per customer" is kept by the
store under a lock, not by unique constraints (see ``reviews.tables`` for the same choice).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kizuna.db.metadata import Base, BigId, JsonDoc, UtcDateTime


class LoyaltyProgramRow(Base):
    """The workspace's programme: how points are earned, expire and qualify for tiers."""

    __tablename__ = "loyalty_programs"

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    enrolment: Mapped[str] = mapped_column(String(16), default="opt_in")  # opt_in | automatic
    currency: Mapped[str] = mapped_column(String(3))
    points_per_unit: Mapped[Decimal] = mapped_column(Numeric(12, 4))  # per 1 currency unit
    point_value: Mapped[Decimal] = mapped_column(Numeric(12, 6))  # currency per point (liability)
    expiry_months: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: never
    bonus_rules: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    tier_basis: Mapped[str] = mapped_column(String(16), default="spend")  # spend | points
    tier_window_days: Mapped[int] = mapped_column(Integer, default=365)
    tiers: Mapped[list[dict[str, Any]]] = mapped_column(JsonDoc, default=list)
    cursors: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)  # processing marks
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LoyaltyMemberRow(Base):
    """A customer's membership; ``tier`` is the current tier key (see ``tier_changes``)."""

    __tablename__ = "loyalty_members"
    __table_args__ = (
        Index("ix_loyalty_members_workspace_customer", "workspace_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | left
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    channel: Mapped[str] = mapped_column(String(32))  # api | dashboard | automatic | demo
    tier: Mapped[str | None] = mapped_column(String(32), nullable=True)
    tier_since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    page_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)


class LoyaltyEntryRow(Base):
    """One append-only ledger entry: ``points`` > 0 earns, < 0 spends, expires or reverses.

    ``kind``: earn (purchase), bonus (rule), redeem, expire, reverse (return / cancellation),
    adjust (staff). ``expires_at`` is set on credits that expire; FIFO consumption is derived
    from the entries in order, never stored.
    """

    __tablename__ = "loyalty_entries"
    __table_args__ = (
        UniqueConstraint("workspace_id", "source_key"),
        Index("ix_loyalty_entries_customer", "workspace_id", "customer_id", "id"),
        Index("ix_loyalty_entries_workspace_occurred", "workspace_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(Integer)
    source_key: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(200), default="")
    qualifying_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LoyaltyTierChangeRow(Base):
    """An upgrade or downgrade, with the date and the qualifying figure that caused it."""

    __tablename__ = "loyalty_tier_changes"
    __table_args__ = (Index("ix_loyalty_tier_changes_customer", "workspace_id", "customer_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    from_tier: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_tier: Mapped[str | None] = mapped_column(String(32), nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    qualifying: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    reason: Mapped[str] = mapped_column(String(200))


class LoyaltyRewardRow(Base):
    """A reward in the catalogue, bought with points; redemption issues a coupon code."""

    __tablename__ = "loyalty_rewards"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description_ja: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    cost_points: Mapped[int] = mapped_column(Integer)
    coupon_prefix: Mapped[str] = mapped_column(String(16))
    stock: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: unlimited
    min_tier: Mapped[str | None] = mapped_column(String(32), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LoyaltyRedemptionRow(Base):
    """A reward redeemed: the ledger entry that paid for it and the coupon code issued."""

    __tablename__ = "loyalty_redemptions"
    __table_args__ = (
        UniqueConstraint("workspace_id", "coupon_code"),
        Index("ix_loyalty_redemptions_customer", "workspace_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    reward_id: Mapped[int] = mapped_column(ForeignKey("loyalty_rewards.id", ondelete="RESTRICT"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("loyalty_entries.id", ondelete="RESTRICT"))
    coupon_code: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="issued")  # issued | used | cancelled
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LoyaltyBadgeRow(Base):
    """A badge awarded once per customer (``badge`` is the rule's key)."""

    __tablename__ = "loyalty_badges"
    __table_args__ = (Index("ix_loyalty_badges_customer", "workspace_id", "customer_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    badge: Mapped[str] = mapped_column(String(64))
    awarded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    source_key: Mapped[str] = mapped_column(String(200))
