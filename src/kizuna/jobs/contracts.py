"""What crosses the jobs boundary: jobs, handler outcomes, counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session, sessionmaker


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # failed permanently by its handler (no retry makes sense)
    DEAD = "dead"  # retries exhausted (dead letter)


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    workspace_id: int
    kind: str
    idempotency_key: str
    payload: dict[str, Any]
    status: JobStatus
    attempts: int
    max_attempts: int
    run_after: datetime
    created_at: datetime
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    heartbeat_at: datetime | None = None
    started_at: datetime | None = None
    send_started_at: datetime | None = None
    finished_at: datetime | None = None
    possible_duplicate: bool = False
    last_error: str | None = None
    result: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Enqueued:
    job: Job
    created: bool  # False: a job with this idempotency key already existed


@dataclass(frozen=True, slots=True)
class Done:
    """The job did its work; ``result`` is kept on the row."""

    result: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Retry:
    """Try again later (``delay`` seconds, or the backoff schedule when None).

    ``deferred``: the handler chose not to try yet (quiet hours, a rate limit); the attempt is
    given back, so a deferral never uses up the retry budget.
    """

    reason: str
    delay: float | None = None
    deferred: bool = False


@dataclass(frozen=True, slots=True)
class Fail:
    """Give up now: retrying cannot help (a bad address, a refused payload)."""

    reason: str


JobOutcome = Done | Retry | Fail
Handler = Callable[[sessionmaker[Session], Job], JobOutcome]


@dataclass(frozen=True, slots=True)
class Attempt:
    attempt: int
    worker: str | None
    outcome: str
    error: str | None
    possibly_delivered: bool
    started_at: datetime | None
    finished_at: datetime


@dataclass(frozen=True, slots=True)
class StatusCount:
    kind: str
    status: JobStatus
    count: int
