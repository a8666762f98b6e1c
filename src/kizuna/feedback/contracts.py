from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from kizuna.types import CustomerId


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedbackInput:
    """What a collecting domain hands to the inbox.

    ``kind`` + ``ref`` identify the item (recording it again updates it). For anonymous
    feedback pass ``anonymous=True``, no ``customer_id`` and no ``received_at`` (only
    ``received_on``): nothing that could tie it to a person is stored.
    """

    kind: str  # survey_response | review | idea | idea_comment | import
    ref: str
    text: str
    received_on: date
    received_at: datetime | None = None
    customer_id: CustomerId | None = None
    anonymous: bool = False
    score_kind: str | None = None  # nps | csat | ces | enps | rating
    score: int | None = None
    locale: str | None = None
    subject: str | None = None  # e.g. the survey's or the product's name
    product_id: str | None = None
    category: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedbackItem:
    id: int
    kind: str
    ref: str
    customer_id: CustomerId | None
    anonymous: bool
    score_kind: str | None
    score: int | None
    text: str
    locale: str | None
    subject: str | None
    product_id: str | None
    category: str | None
    received_on: date
    received_at: datetime | None
    sentiment: float | None
    sentiment_label: str | None
    theme: str | None
    key_phrases: tuple[str, ...]
    tags: tuple[str, ...]


SCORE_GROUPS = ("detractor", "passive", "promoter", "low_csat", "hard_ces")
SENTIMENT_LABELS = ("positive", "neutral", "negative")
TASK_STATUSES = ("open", "contacted", "closed", "wont_fix")


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedbackFilters:
    """What the inbox shows; every field is optional (``None`` = no filter)."""

    kind: str | None = None
    sentiment: str | None = None  # positive | neutral | negative
    theme: str | None = None
    tag: str | None = None
    score_group: str | None = None  # detractor | passive | promoter | low_csat | hard_ces
    has_text: bool | None = None
    date_from: date | None = None
    date_to: date | None = None
    product_id: str | None = None
    category: str | None = None
    search: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedbackPage:
    items: tuple[FeedbackItem, ...]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True, slots=True, kw_only=True)
class ThemeSummary:
    """One theme of the inbox: how many comments, their mean sentiment, share of detractors
    (among the theme's NPS/eNPS answers; ``None`` without any)."""

    label: str
    size: int
    mean_sentiment: float | None
    detractor_share: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowupPolicy:
    """Who owns new follow-up tasks and when they are due (from Settings)."""

    default_owner: str | None = None
    due_hours: int = 48


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskNote:
    kind: str  # opened | note | status | assign
    body: str
    author: str | None
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowupTask:
    id: int
    item_id: int
    customer_id: CustomerId | None
    reason: str  # detractor | low_csat | hard_ces
    status: str  # open | contacted | closed | wont_fix
    owner_email: str | None
    opened_at: datetime
    due_at: datetime | None
    contacted_at: datetime | None
    closed_at: datetime | None
    overdue: bool
    item: FeedbackItem
    notes: tuple[TaskNote, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskPage:
    items: tuple[FollowupTask, ...]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True, slots=True, kw_only=True)
class ClosedLoopStats:
    """How well the loop is closed for tasks opened in ``[since, until)``.

    ``contacted_share`` is the share of tasks whose customer was contacted (Wilson 95 %
    interval ``ci_low``..``ci_high``); the times to contact are in hours.
    """

    since: datetime
    until: datetime
    tasks: int
    contacted: int
    contacted_share: float | None
    ci_low: float | None
    ci_high: float | None
    median_hours_to_contact: float | None
    p90_hours_to_contact: float | None
    open: int
    overdue: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertDelivery:
    id: int
    task_id: int
    channel: str
    target: str
    status: str
    error: str | None
    attempts: int
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryReport:
    sent: int
    failed: int
    gave_up: int
