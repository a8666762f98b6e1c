"""Pydantic request and response models of the reviews API, and their contract converters.

Request models are deliberately loose about values (``rating`` may arrive as 4, 4.0 or "4"):
the reviews domain checks them and answers with one problem naming every bad field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kizuna.reviews.contracts import Page, RatingSummary, Review, ReviewInput


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class ReviewSubmitIn(_In):
    """A customer's review of a product, sent by the shop's site or app with a write key."""

    userId: str | None = Field(None, max_length=200, description="Segment userId")
    anonymousId: str | None = Field(None, max_length=200, description="Segment anonymousId")
    product_id: Any = Field(description="The product's external id (as in its events)")
    rating: Any = Field(description="Whole stars, 1 to 5")
    title: Any = Field("", description="At most 150 characters")
    body: Any = Field("", description="At most 5,000 characters")
    photos: Any = Field(default_factory=list, description="Up to 5 https:// links to photos")
    locale: Any = Field(None, description="Language tag, e.g. ja or en-US")

    def to_input(self) -> ReviewInput:
        return ReviewInput(product_id=self.product_id, rating=self.rating, title=self.title,
                           body=self.body, photos=self.photos, locale=self.locale)


class ModerationIn(_In):
    decision: Literal["approve", "reject"]
    reason: str | None = Field(
        None, description="When rejecting: spam, offensive, off_topic, personal_data or other")
    note: str | None = Field(None, description="Free text; required with reason 'other'")


class BulkApproveIn(_In):
    review_ids: list[int] = Field(min_length=1, max_length=500)


class ReviewLinkIn(_In):
    customer_id: int = Field(ge=1)
    product_id: str = Field(min_length=1, max_length=200)
    valid_days: int = Field(30, ge=1, le=365)


class ReviewOut(_Out):
    id: int
    customer_id: int
    product_id: str
    rating: int
    title: str
    body: str
    photos: list[str]
    locale: str | None
    verified_purchase: bool
    channel: str
    status: str
    reject_reason: str | None
    moderation_note: str | None
    moderated_by: int | None
    moderated_at: datetime | None
    version: int
    created_at: datetime
    submitted_at: datetime


class PublicReviewOut(_Out):
    """An approved review as a shop shows it."""

    id: int
    customer_id: int
    product_id: str
    rating: int
    title: str
    body: str
    photos: list[str]
    locale: str | None
    verified_purchase: bool
    submitted_at: datetime


class ReviewListOut(_Out):
    items: list[ReviewOut]
    total: int
    page: int
    page_size: int


class PublicReviewListOut(_Out):
    items: list[PublicReviewOut]
    total: int
    page: int
    page_size: int


class RatingOut(_Out):
    product_id: str
    n: int = Field(description="Approved reviews")
    average: float | None
    ci_low: float | None = Field(description="95 % Student-t interval of the mean (n ≥ 2)")
    ci_high: float | None
    distribution: dict[str, int] = Field(description="Reviews per star, '1' … '5'")
    verified: int
    verified_share: float | None


class ModerationOutcomeOut(_Out):
    approved: list[int]
    unchanged: list[int]


class ReviewLinkOut(_Out):
    token: str = Field(description="Shown once; only its hash is stored")
    url: str = Field(description="Path of the public review form, under this server")
    customer_id: int
    product_id: str
    expires_at: datetime


def review_out(review: Review) -> ReviewOut:
    return ReviewOut(
        id=review.id, customer_id=review.customer_id, product_id=review.product_id,
        rating=review.rating, title=review.title, body=review.body, photos=list(review.photos),
        locale=review.locale, verified_purchase=review.verified_purchase,
        channel=review.channel, status=review.status.value,
        reject_reason=review.reject_reason.value if review.reject_reason else None,
        moderation_note=review.moderation_note, moderated_by=review.moderated_by,
        moderated_at=review.moderated_at, version=review.version,
        created_at=review.created_at, submitted_at=review.submitted_at,
    )


def public_review_out(review: Review) -> PublicReviewOut:
    return PublicReviewOut(
        id=review.id, customer_id=review.customer_id, product_id=review.product_id,
        rating=review.rating, title=review.title, body=review.body, photos=list(review.photos),
        locale=review.locale, verified_purchase=review.verified_purchase,
        submitted_at=review.submitted_at,
    )


def review_list_out(page: Page[Review]) -> ReviewListOut:
    return ReviewListOut(items=[review_out(r) for r in page.items], total=page.total,
                         page=page.page, page_size=page.page_size)


def public_list_out(page: Page[Review]) -> PublicReviewListOut:
    return PublicReviewListOut(items=[public_review_out(r) for r in page.items],
                               total=page.total, page=page.page, page_size=page.page_size)


def rating_out(summary: RatingSummary) -> RatingOut:
    return RatingOut(
        product_id=summary.product_id, n=summary.n, average=summary.average,
        ci_low=summary.ci_low, ci_high=summary.ci_high,
        distribution={str(k): v for k, v in summary.distribution.items()},
        verified=summary.verified, verified_share=summary.verified_share,
    )
