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
