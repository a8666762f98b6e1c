"""Tables of the recommend domain: training runs and what each run precomputed.

A run writes its rows, then becomes the workspace's current run; older runs (and their rows,
by cascade) are deleted. Serving reads the current run only and applies exclusions (out of
stock, excluded categories, already bought) at read time, so a catalogue change takes effect
without retraining. Customer rows move with profile merges (``customer_id`` references
``customers``): serving de-duplicates.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kizuna.db.metadata import Base, BigId, JsonDoc, UtcDateTime


class RecommenderRunRow(Base):
    """One training of the workspace's recommender, with its held-out evaluation."""

    __tablename__ = "recommender_runs"
    __table_args__ = (Index("ix_recommender_runs_workspace_trained", "workspace_id", "trained_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))  # training | ready | failed
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    trained_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    interactions: Mapped[int] = mapped_column(Integer, default=0)
    customers: Mapped[int] = mapped_column(Integer, default=0)
    products: Mapped[int] = mapped_column(Integer, default=0)
    weights: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)  # blend weights
    params: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)  # held-out table
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class CustomerRecommendationRow(Base):
    """A product recommended to a customer by a run, best first (``rank`` 1..N)."""

    __tablename__ = "customer_recommendations"
    __table_args__ = (
        Index("ix_customer_recommendations_lookup", "run_id", "customer_id", "rank"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("recommender_runs.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(16))  # buy_again | als | popular


class ProductAssociationRow(Base):
    """"Frequently bought together": ``other_product_id`` was in the same orders as
    ``product_id``; ranked by lift among pairs with enough support."""

    __tablename__ = "product_associations"
    __table_args__ = (Index("ix_product_associations_lookup", "run_id", "product_id", "rank"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("recommender_runs.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    other_product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(Integer)
    orders_together: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)  # P(other | product)
    lift: Mapped[float] = mapped_column(Float)


class PopularProductRow(Base):
    """Cold-start lists: ``scope`` is ``all``, ``trending``, ``category:<name>`` or
    ``locale:<code>``."""

    __tablename__ = "popular_products"
    __table_args__ = (Index("ix_popular_products_lookup", "run_id", "scope", "rank"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("recommender_runs.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(220))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)


class RecommenderSettingsRow(Base):
    """Per-workspace exclusions. ``exclude_purchased``: ``auto`` (exclude products customers
    rarely buy twice, learnt from the orders), ``always`` or ``never``."""

    __tablename__ = "recommender_settings"

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    exclude_purchased: Mapped[str] = mapped_column(String(16), default="auto")
    excluded_categories: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    repeatable_categories: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    retrain_hours: Mapped[int] = mapped_column(Integer, default=24)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
