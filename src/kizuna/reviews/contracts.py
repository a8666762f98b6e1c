"""What crosses the boundary of the reviews domain: frozen dataclasses and enums."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from kizuna.paging import Page as Page  # re-exported: the domain's list_* pages
from kizuna.types import CustomerId, UserId, WorkspaceId

MAX_TITLE = 150
MAX_BODY = 5000
MAX_PHOTOS = 5
MAX_PHOTO_URL = 2000
MAX_PRODUCT_ID = 200


class ReviewStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class RejectReason(StrEnum):
    """Why a moderator rejected a review (a fixed list; ``other`` wants a note)."""

    SPAM = "spam"
    OFFENSIVE = "offensive"
    OFF_TOPIC = "off_topic"
    PERSONAL_DATA = "personal_data"
    OTHER = "other"


class Channel(StrEnum):
    API = "api"  # POST /v1/reviews with a source write key
    FORM = "form"  # the public form behind a signed link


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewInput:
    """A review as submitted, before validation (values exactly as the customer sent them)."""

    product_id: object
    rating: object
    title: object = ""
    body: object = ""
    photos: object = ()
    locale: object = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Review:
    id: int
    customer_id: CustomerId
    product_id: str
    rating: int
    title: str
    body: str
    photos: tuple[str, ...]
    locale: str | None
    verified_purchase: bool
    channel: str
    status: ReviewStatus
    reject_reason: RejectReason | None
    moderation_note: str | None
    moderated_by: UserId | None
    moderated_at: datetime | None
    version: int
    created_at: datetime
    submitted_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewFilter:
    status: ReviewStatus | None = None
    rating: int | None = None
    verified: bool | None = None
    product_id: str | None = None
    customer_id: CustomerId | None = None



@dataclass(frozen=True, slots=True, kw_only=True)
class RatingSummary:
    """Approved reviews of one product: the mean rating with a 95 % Student-t interval
    (``None`` below two reviews), the count per star (1..5) and the verified share."""

    product_id: str
    n: int
    average: float | None
    ci_low: float | None
    ci_high: float | None
    distribution: dict[int, int]
    verified: int
    verified_share: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewLink:
    """An invitation to review: ``token`` is shown this once and stored only hashed."""

    token: str
    customer_id: CustomerId
    product_id: str
    expires_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkGrant:
    """What a valid review link allows: this customer may review this product."""

    link_id: int
    workspace_id: WorkspaceId
    customer_id: CustomerId
    product_id: str
    expires_at: datetime
    existing: Review | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductInfo:
    external_id: str
    name: str | None
    category: str | None
    known: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ModerationOutcome:
    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
