"""What crosses the ideas domain's boundary: frozen dataclasses and the status vocabulary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kizuna.paging import Page as Page  # re-exported: the domain's list_* pages
from kizuna.types import CustomerId, WorkspaceId


class IdeaStatus(StrEnum):
    """Where an idea stands. ``shipped`` and ``declined`` are final."""

    NEW = "new"
    UNDER_REVIEW = "under_review"
    PLANNED = "planned"
    SHIPPED = "shipped"
    DECLINED = "declined"


class IdeaSort(StrEnum):
    TOP = "top"  # most votes first
    NEW = "new"  # newest first


MERGED = "merged"  # the history's ``to_status`` and a notification's status for a merge
THRESHOLD_NOTE = "threshold reached"
SYSTEM_ACTOR = "system"


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """Who acts on an idea: a customer (``customer_id``) or a staff member / key (``name``)."""

    name: str
    customer_id: CustomerId | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IdeaInput:
    title: str
    body: str
    category: str | None = None
    locale: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Idea:
    id: int
    workspace_id: WorkspaceId
    title: str
    body: str
    category: str | None
    author_customer_id: CustomerId | None
    locale: str | None
    status: IdeaStatus
    vote_count: int
    comment_count: int
    merged_into_id: int | None
    created_at: datetime
    updated_at: datetime

    @property
    def is_open(self) -> bool:
        """Takes votes: not merged away, not shipped or declined."""
        return self.merged_into_id is None and self.status not in FINAL_STATUSES


FINAL_STATUSES = frozenset({IdeaStatus.SHIPPED, IdeaStatus.DECLINED})


@dataclass(frozen=True, slots=True, kw_only=True)
class IdeaComment:
    id: int
    idea_id: int
    customer_id: CustomerId | None
    official: bool
    staff_name: str | None
    body: str
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusChange:
    id: int
    idea_id: int
    from_status: str | None
    to_status: str
    note: str | None
    changed_by: str
    changed_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class IdeaVote:
    customer_id: CustomerId
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class IdeaNotification:
    id: int
    customer_id: CustomerId
    idea_id: int
    kind: str  # status_changed | merged
    status: str
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class VoteResult:
    """After a vote: the idea (maybe moved to under_review) and whether the vote was new."""

    idea: Idea
    counted: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberLink:
    """A public-board link for one customer; ``token`` is shown once and stored hashed."""

    customer_id: CustomerId
    token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    workspace_id: WorkspaceId
    customer_id: CustomerId

