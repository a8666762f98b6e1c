"""Pydantic models of the feedback API (inbox, themes, drivers, closed loop) and converters."""

from __future__ import annotations

import math
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from kizuna.feedback.contracts import (
    AlertDelivery,
    ClosedLoopStats,
    FeedbackItem,
    FeedbackPage,
    FollowupTask,
    TaskPage,
    ThemeSummary,
)
from kizuna.text.contracts import KeyDriver


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class FeedbackItemOut(_Out):
    id: int
    kind: str
    ref: str
    customer_id: int | None = Field(description="Null for anonymous feedback")
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
    sentiment: float | None = Field(description="-1 (negative) .. 1 (positive)")
    sentiment_label: str | None
    theme: str | None
    key_phrases: list[str]
    tags: list[str]


class FeedbackListOut(_Out):
    items: list[FeedbackItemOut]
    total: int
    page: int
    page_size: int


class TagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item_ids: list[int] = Field(min_length=1, max_length=500)
    add: list[str] = Field(default_factory=list, max_length=20)
    remove: list[str] = Field(default_factory=list, max_length=20)


class TagOut(_Out):
    changed: int


class ThemeOut(_Out):
    label: str
    size: int
    mean_sentiment: float | None
    detractor_share: float | None = Field(description="Among the theme's NPS/eNPS answers")


class ThemesOut(_Out):
    themes: list[ThemeOut]


class DriverOut(_Out):
    label: str
    n: int = Field(description="NPS/eNPS answers in the theme")
    share_of_comments: float
    promoters: int
    passives: int
    detractors: int
    nps_with: float
    nps_without: float
    effect_on_nps: float = Field(description="Points NPS would rise if the theme's "
                                 "respondents scored like the rest (negative = pulls NPS down)")
    ci_low: float | None
    ci_high: float | None
    p_value: float | None


class DriversOut(_Out):
    drivers: list[DriverOut] = Field(description="Themes with at least 5 answers, most "
                                     "negative effect first")


class TaskNoteOut(_Out):
    kind: str
    body: str
    author: str | None
    at: datetime


class TaskOut(_Out):
    id: int
    item_id: int
    customer_id: int | None
    reason: str
    status: str
    owner_email: str | None
    opened_at: datetime
    due_at: datetime | None
    contacted_at: datetime | None
    closed_at: datetime | None
    overdue: bool
    feedback: FeedbackItemOut
    notes: list[TaskNoteOut] = Field(description="History, oldest first (task detail only)")


class TaskListOut(_Out):
    items: list[TaskOut]
    total: int
    page: int
    page_size: int


class TaskUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str | None = Field(None, description="open | contacted | closed | wont_fix")
    owner: str | None = Field(None, description="Owner email; empty string unassigns")
    note: str | None = Field(None, max_length=5000)


class DeliveryOut(_Out):
    id: int
    task_id: int
    channel: str
    target: str
    status: str
    error: str | None
    attempts: int
    created_at: datetime
    sent_at: datetime | None


class ClosedLoopOut(_Out):
    since: datetime
    until: datetime
    tasks: int = Field(description="Follow-up tasks opened in the period")
    contacted: int
    contacted_share: float | None
    ci_low: float | None = Field(description="Wilson 95 % interval of contacted_share")
    ci_high: float | None
    median_hours_to_contact: float | None
    p90_hours_to_contact: float | None
    open: int = Field(description="Open tasks now (any period)")
    overdue: int


def item_out(i: FeedbackItem) -> FeedbackItemOut:
    return FeedbackItemOut(
        id=i.id, kind=i.kind, ref=i.ref, customer_id=i.customer_id, anonymous=i.anonymous,
        score_kind=i.score_kind, score=i.score, text=i.text, locale=i.locale,
        subject=i.subject, product_id=i.product_id, category=i.category,
        received_on=i.received_on, received_at=i.received_at, sentiment=i.sentiment,
        sentiment_label=i.sentiment_label, theme=i.theme, key_phrases=list(i.key_phrases),
        tags=list(i.tags),
    )


def list_out(page: FeedbackPage) -> FeedbackListOut:
    return FeedbackListOut(items=[item_out(i) for i in page.items], total=page.total,
                           page=page.page, page_size=page.page_size)


def theme_out(t: ThemeSummary) -> ThemeOut:
    return ThemeOut(label=t.label, size=t.size, mean_sentiment=t.mean_sentiment,
                    detractor_share=t.detractor_share)


def _finite(x: float) -> float | None:
    return None if math.isnan(x) else x


def driver_out(d: KeyDriver) -> DriverOut:
    return DriverOut(
        label=d.label, n=d.n, share_of_comments=d.share_of_comments, promoters=d.promoters,
        passives=d.passives, detractors=d.detractors, nps_with=d.nps_with,
        nps_without=d.nps_without, effect_on_nps=d.effect_on_nps, ci_low=_finite(d.ci_low),
        ci_high=_finite(d.ci_high), p_value=_finite(d.p_value),
    )


def task_out(t: FollowupTask) -> TaskOut:
    return TaskOut(
        id=t.id, item_id=t.item_id, customer_id=t.customer_id, reason=t.reason,
        status=t.status, owner_email=t.owner_email, opened_at=t.opened_at, due_at=t.due_at,
        contacted_at=t.contacted_at, closed_at=t.closed_at, overdue=t.overdue,
        feedback=item_out(t.item),
        notes=[TaskNoteOut(kind=n.kind, body=n.body, author=n.author, at=n.at)
               for n in t.notes],
    )


def task_list_out(page: TaskPage) -> TaskListOut:
    return TaskListOut(items=[task_out(t) for t in page.items], total=page.total,
                       page=page.page, page_size=page.page_size)


def delivery_out(d: AlertDelivery) -> DeliveryOut:
    return DeliveryOut(id=d.id, task_id=d.task_id, channel=d.channel, target=d.target,
                       status=d.status, error=d.error, attempts=d.attempts,
                       created_at=d.created_at, sent_at=d.sent_at)


def closed_loop_out(s: ClosedLoopStats) -> ClosedLoopOut:
    return ClosedLoopOut(
        since=s.since, until=s.until, tasks=s.tasks, contacted=s.contacted,
        contacted_share=s.contacted_share, ci_low=s.ci_low, ci_high=s.ci_high,
        median_hours_to_contact=s.median_hours_to_contact,
        p90_hours_to_contact=s.p90_hours_to_contact, open=s.open, overdue=s.overdue,
    )
