"""Pydantic request and response models of the ideas API, and their contract converters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kizuna.ideas.contracts import (
    Idea,
    IdeaComment,
    IdeaNotification,
    IdeaStatus,
    IdeaVote,
    Page,
    StatusChange,
)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class _Person(_In):
    """Who acts, as the site knows them: Segment's ``userId`` and/or ``anonymousId``."""

    userId: str | None = Field(None, min_length=1, max_length=200)
    anonymousId: str | None = Field(None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _someone(self) -> _Person:
        if not self.userId and not self.anonymousId:
            raise ValueError("name the customer with userId or anonymousId")
        return self


class IdeaSubmitIn(_Person):
    title: str = Field(max_length=1000, description="At most 150 characters once trimmed")
    body: str = Field("", max_length=20_000, description="At most 5,000 characters")
    category: str | None = Field(None, max_length=1000)
    locale: str | None = Field(None, max_length=16)


class VoteIn(_Person):
    pass


class CommentIn(_Person):
    body: str = Field(max_length=20_000, description="At most 5,000 characters")


class StatusIn(_In):
    status: str = Field(description="new, under_review, planned, shipped or declined",
                        max_length=32)
    note: str | None = Field(None, max_length=10_000, description="Why (shown in the history)")


class MergeIn(_In):
    into: int = Field(ge=1, description="The id of the idea that absorbs this one")
    note: str | None = Field(None, max_length=10_000)


class OfficialCommentIn(_In):
    body: str = Field(max_length=20_000)
    author: str | None = Field(None, max_length=200,
                               description="Staff name shown with the comment (default: the "
                               "API key's name)")


class MemberLinkIn(_In):
    customerId: int | None = Field(None, ge=1)
    userId: str | None = Field(None, min_length=1, max_length=200)
    validDays: int = Field(365, ge=1, le=3650)

    @model_validator(mode="after")
    def _someone(self) -> MemberLinkIn:
        if (self.customerId is None) == (self.userId is None):
            raise ValueError("name the customer with exactly one of customerId and userId")
        return self


class IdeaOut(_Out):
    id: int
    title: str
    body: str
    category: str | None
    author_customer_id: int | None
    locale: str | None
    status: IdeaStatus
    vote_count: int
    comment_count: int
    merged_into_id: int | None
    created_at: datetime
    updated_at: datetime


class CommentOut(_Out):
    id: int
    idea_id: int
    customer_id: int | None
    official: bool
    staff_name: str | None
    body: str
    created_at: datetime


class StatusChangeOut(_Out):
    from_status: str | None
    to_status: str
    note: str | None
    changed_by: str
    changed_at: datetime


class VoteOut(_Out):
    customer_id: int
    created_at: datetime


class NotificationOut(_Out):
    id: int
    customer_id: int
    idea_id: int
    kind: str
    status: str
    created_at: datetime
    delivered_at: datetime | None


class IdeaDetailOut(_Out):
    idea: IdeaOut
    comments: list[CommentOut]
    history: list[StatusChangeOut]
    votes: list[VoteOut]


class IdeaListOut(_Out):
    items: list[IdeaOut]
    total: int
    page: int
    page_size: int
    counts: dict[str, int] = Field(description="Ideas per status (merged ones under `merged`)")


class VoteResultOut(_Out):
    idea: IdeaOut
    counted: bool = Field(description="False if this customer had already voted")


class NotificationListOut(_Out):
    items: list[NotificationOut]


class MemberLinkOut(_Out):
    customer_id: int
    url: str = Field(description="Give this link to the customer; it is shown only once")
    expires_at: datetime


def idea_out(idea: Idea) -> IdeaOut:
    return IdeaOut(
        id=idea.id, title=idea.title, body=idea.body, category=idea.category,
        author_customer_id=idea.author_customer_id, locale=idea.locale, status=idea.status,
        vote_count=idea.vote_count, comment_count=idea.comment_count,
        merged_into_id=idea.merged_into_id, created_at=idea.created_at,
        updated_at=idea.updated_at,
    )


def comment_out(comment: IdeaComment) -> CommentOut:
    return CommentOut(id=comment.id, idea_id=comment.idea_id, customer_id=comment.customer_id,
                      official=comment.official, staff_name=comment.staff_name,
                      body=comment.body, created_at=comment.created_at)


def detail_out(idea: Idea, comments: Sequence[IdeaComment], history: Sequence[StatusChange],
               votes: Sequence[IdeaVote]) -> IdeaDetailOut:
    return IdeaDetailOut(
        idea=idea_out(idea),
        comments=[comment_out(c) for c in comments],
        history=[StatusChangeOut(from_status=h.from_status, to_status=h.to_status, note=h.note,
                                 changed_by=h.changed_by, changed_at=h.changed_at)
                 for h in history],
        votes=[VoteOut(customer_id=v.customer_id, created_at=v.created_at) for v in votes],
    )


def list_out(page: Page[Idea], counts: Mapping[str, int]) -> IdeaListOut:
    return IdeaListOut(items=[idea_out(i) for i in page.items], total=page.total,
                       page=page.page, page_size=page.page_size, counts=dict(counts))


def notifications_out(items: Sequence[IdeaNotification]) -> NotificationListOut:
    return NotificationListOut(items=[NotificationOut(
        id=n.id, customer_id=n.customer_id, idea_id=n.idea_id, kind=n.kind, status=n.status,
        created_at=n.created_at, delivered_at=n.delivered_at) for n in items])
