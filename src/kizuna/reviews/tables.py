"""Tables of the reviews domain: product reviews and the signed links that invite them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kizuna.db.metadata import Base, BigId, JsonDoc, UtcDateTime


class ReviewRow(Base):
    """A customer's review of a product: one per (customer, product); a second submission
    edits the first (its ``version`` goes up and it waits for moderation again).

    ``product_id`` is the product's external id (as in ``products.external_id``); a review of a
    product kizuna has not seen yet is kept (the catalogue may arrive later).

    The one-per-pair rule is kept by ``reviews.store`` (under a lock), not by a unique
    constraint: when two profiles merge, ``profiles`` moves every row that names the merged
    customer to the survivor, and both may have reviewed the same product. Both reviews stay;
    the latest is the one a new submission edits.
    """

    __tablename__ = "reviews"
    __table_args__ = (
        Index("ix_reviews_customer_product", "workspace_id", "customer_id", "product_id"),
        Index("ix_reviews_queue", "workspace_id", "status", "submitted_at"),
        Index("ix_reviews_product", "workspace_id", "product_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    product_id: Mapped[str] = mapped_column(String(200))
    rating: Mapped[int] = mapped_column(Integer)  # 1..5
    title: Mapped[str] = mapped_column(String(150), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list[str]] = mapped_column(JsonDoc, default=list)  # https links, never fetched
    locale: Mapped[str | None] = mapped_column(String(16), nullable=True)
    verified_purchase: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(16))  # api | form
    status: Mapped[str] = mapped_column(String(16))  # pending | approved | rejected
    reject_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    moderation_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    moderated_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    moderated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)  # of the latest version
    attributes: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)


class ReviewLinkRow(Base):
    """A single-use, expiring invitation for one customer to review one product.

    Only the SHA-256 of the token is stored; the token itself is shown once when issued.
    """

    __tablename__ = "review_links"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    review_id: Mapped[int | None] = mapped_column(
        ForeignKey("reviews.id", ondelete="SET NULL"), nullable=True
    )
