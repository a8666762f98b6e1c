from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from kizuna.paging import Page as Page  # re-exported: the domain's list_* pages
from kizuna.types import CustomerId, WorkspaceId


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentityRef:
    """How a message names its person: Segment's ``userId`` and/or ``anonymousId``."""

    user_id: str | None = None
    anonymous_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Customer:
    id: CustomerId
    workspace_id: WorkspaceId
    external_id: str | None
    email: str | None
    phone: str | None
    first_name: str | None
    last_name: str | None
    name: str | None
    birthday: date | None
    timezone: str | None
    locale: str | None
    country: str | None
    traits: dict[str, Any]
    first_seen_at: datetime
    last_seen_at: datetime
    created_at: datetime
    updated_at: datetime
    anonymous_ids: tuple[str, ...] = ()

    @property
    def display_name(self) -> str:
        if self.name:
            return self.name
        parts = [p for p in (self.first_name, self.last_name) if p]
        if parts:
            return " ".join(parts)
        return self.email or self.external_id or f"anonymous #{self.id}"

    @property
    def is_anonymous(self) -> bool:
        return self.external_id is None and self.email is None


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerUpsert:
    """A customer as an import or identify describes them. ``None`` leaves a field unchanged."""

    external_id: str | None = None
    anonymous_id: str | None = None
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    birthday: date | None = None
    timezone: str | None = None
    locale: str | None = None
    country: str | None = None
    traits: dict[str, Any] = field(default_factory=dict)
    seen_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Consent:
    channel: str
    purpose: str
    status: str
    method: str
    wording: str | None
    recorded_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelineEntry:
    """One line on a customer's timeline: an event, or a merge of two profiles."""

    kind: str  # "event" | "merge"
    at: datetime
    id: int
    type: str | None = None  # track | identify | page | screen | group | alias
    event: str | None = None
    name: str | None = None
    properties: dict[str, Any] | None = None
    traits: dict[str, Any] | None = None
    user_id: str | None = None
    anonymous_id: str | None = None
    source_id: int | None = None
    message_id: str | None = None
    merged_customer_id: int | None = None
    merge_reason: str | None = None
    merge_identifier: str | None = None

