"""Pydantic request and response models of the delivery admin API (jobs, send policy,
suppressions, e-mail events, template test send)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kizuna.jobs.contracts import Attempt, Job
from kizuna.messaging.contracts import SendPolicy, Suppression


class JobOut(BaseModel):
    id: int
    kind: str
    idempotency_key: str
    status: str
    attempts: int
    max_attempts: int
    run_after: datetime
    created_at: datetime
    started_at: datetime | None
    send_started_at: datetime | None
    finished_at: datetime | None
    possible_duplicate: bool
    last_error: str | None
    result: dict[str, Any] | None
    payload: dict[str, Any]


class AttemptOut(BaseModel):
    attempt: int
    worker: str | None
    outcome: str
    error: str | None
    possibly_delivered: bool
    started_at: datetime | None
    finished_at: datetime


class JobDetailOut(JobOut):
    attempt_log: list[AttemptOut]


class JobListOut(BaseModel):
    items: list[JobOut]
    limit: int


class JobCountOut(BaseModel):
    kind: str
    status: str
    count: int


class JobCountsOut(BaseModel):
    items: list[JobCountOut]
    total: dict[str, int] = Field(description="Jobs per status, all kinds together")


class SendPolicyOut(BaseModel):
    daily_cap: int
    weekly_cap: int
    quiet_start_minute: int
    quiet_end_minute: int
    email_per_second: int
    webhook_per_second: int
    other_per_second: int


class SendPolicyPatch(BaseModel):
    """Only the fields given change; the others keep their values."""

    model_config = ConfigDict(extra="forbid")

    daily_cap: int | None = Field(None, examples=[2])
    weekly_cap: int | None = None
    quiet_start_minute: int | None = Field(None, examples=[21 * 60])
    quiet_end_minute: int | None = Field(None, examples=[8 * 60])
    email_per_second: int | None = None
    webhook_per_second: int | None = None
    other_per_second: int | None = None


class SuppressionOut(BaseModel):
    id: int
    channel: str
    address: str
    customer_id: int | None
    reason: str
    created_at: datetime


class SuppressionListOut(BaseModel):
    items: list[SuppressionOut]
    next_after_id: int | None = Field(description="Pass as `after_id` for the next page")


class SuppressionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: str = Field("email", min_length=1, max_length=32)
    address: str | None = Field(None, max_length=320, examples=["hana@example.com"])
    customer_id: int | None = Field(None, ge=1)
    reason: Literal["hard_bounce", "complaint", "manual", "unsubscribed"] = "manual"


class EmailEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["bounce", "complaint"]
    email: str = Field(min_length=3, max_length=320, examples=["hana@example.com"])
    at: datetime | None = Field(None, description="When the provider saw it (default: now)")


class EmailEventOut(BaseModel):
    type: str
    suppression: SuppressionOut


class TestSendIn(BaseModel):
    __test__ = False
    model_config = ConfigDict(extra="forbid")

    template: dict[str, Any] = Field(description="The template document (as `kizuna template "
                                                 "preview` reads it)")
    customer_id: int = Field(ge=1, description="Render for this real customer")
    to: str = Field(min_length=3, max_length=320, examples=["you@shop.example"])
    locale: Literal["ja", "en"] | None = None
    event: dict[str, Any] | None = None


class TestSendOut(BaseModel):
    __test__ = False

    to: str
    customer_id: int
    locale: str
    subject: str
    outcome: Literal["delivered", "retryable", "failed"]
    detail: str


def job_out(job: Job) -> JobOut:
    return JobOut(id=job.id, kind=job.kind, idempotency_key=job.idempotency_key,
                  status=job.status.value, attempts=job.attempts, max_attempts=job.max_attempts,
                  run_after=job.run_after, created_at=job.created_at,
                  started_at=job.started_at, send_started_at=job.send_started_at,
                  finished_at=job.finished_at, possible_duplicate=job.possible_duplicate,
                  last_error=job.last_error, result=job.result, payload=job.payload)


def attempt_out(a: Attempt) -> AttemptOut:
    return AttemptOut(attempt=a.attempt, worker=a.worker, outcome=a.outcome, error=a.error,
                      possibly_delivered=a.possibly_delivered, started_at=a.started_at,
                      finished_at=a.finished_at)


def policy_out(p: SendPolicy) -> SendPolicyOut:
    return SendPolicyOut(daily_cap=p.daily_cap, weekly_cap=p.weekly_cap,
                         quiet_start_minute=p.quiet_start_minute,
                         quiet_end_minute=p.quiet_end_minute,
                         email_per_second=p.email_per_second,
                         webhook_per_second=p.webhook_per_second,
                         other_per_second=p.other_per_second)


def suppression_out(s: Suppression) -> SuppressionOut:
    return SuppressionOut(id=s.id, channel=s.channel, address=s.address,
                          customer_id=s.customer_id, reason=s.reason, created_at=s.created_at)
