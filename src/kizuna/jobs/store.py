"""SQL for the outbox. Claims are one UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING.

PostgreSQL: the inner SELECT takes ``FOR UPDATE SKIP LOCKED``, so concurrent workers pass
over rows another transaction is claiming and never claim a job twice. SQLite: the engine
opens every transaction with ``BEGIN IMMEDIATE`` (one writer at a time), so the claim is
serialised; ``FOR UPDATE`` is not rendered there. Both need UPDATE … RETURNING (SQLite ≥ 3.35).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, func, select, update
from sqlalchemy.orm import Session

from kizuna.db.dialect import insert
from kizuna.jobs.contracts import Attempt, Job, JobStatus, StatusCount
from kizuna.jobs.tables import OutboxAttemptRow, OutboxJobRow

# Core tables, not the ORM classes: claims and finishes are hot and need no unit of work.
_JOBS: Table = OutboxJobRow.__table__  # type: ignore[assignment]
_ATTEMPTS: Table = OutboxAttemptRow.__table__  # type: ignore[assignment]
T = _JOBS.c
_COLUMNS = (
    T.id, T.workspace_id, T.kind, T.idempotency_key, T.payload, T.status, T.attempts,
    T.max_attempts, T.run_after, T.created_at, T.claimed_by, T.claimed_at, T.heartbeat_at,
    T.started_at, T.send_started_at, T.finished_at, T.possible_duplicate, T.last_error, T.result,
)


def _job(row: Any) -> Job:
    return Job(
        id=row.id, workspace_id=row.workspace_id, kind=row.kind,
        idempotency_key=row.idempotency_key, payload=dict(row.payload or {}),
        status=JobStatus(row.status), attempts=row.attempts, max_attempts=row.max_attempts,
        run_after=row.run_after, created_at=row.created_at, claimed_by=row.claimed_by,
        claimed_at=row.claimed_at, heartbeat_at=row.heartbeat_at, started_at=row.started_at,
        send_started_at=row.send_started_at, finished_at=row.finished_at,
        possible_duplicate=bool(row.possible_duplicate), last_error=row.last_error,
        result=None if row.result is None else dict(row.result),
    )


def insert_job(session: Session, *, workspace_id: int, kind: str, idempotency_key: str,
               payload: dict[str, Any], max_attempts: int, run_after: datetime,
               now: datetime) -> tuple[Job, bool]:
    stmt = insert(session, _JOBS).values(
        workspace_id=workspace_id, kind=kind, idempotency_key=idempotency_key, payload=payload,
        status=JobStatus.QUEUED.value, attempts=0, max_attempts=max_attempts,
        run_after=run_after, possible_duplicate=False, created_at=now,
    ).on_conflict_do_nothing(index_elements=["workspace_id", "idempotency_key"]).returning(T.id)
    new_id = session.execute(stmt).scalar()
    row = session.execute(select(*_COLUMNS).where(
        T.workspace_id == workspace_id, T.idempotency_key == idempotency_key)).one()
    return _job(row), new_id is not None


def insert_jobs(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert many jobs (keys already present are skipped); the number inserted."""
    if not rows:
        return 0
    stmt = insert(session, _JOBS).values(list(rows)).on_conflict_do_nothing(
        index_elements=["workspace_id", "idempotency_key"]).returning(T.id)
    return len(session.execute(stmt).all())


def get_job(session: Session, workspace_id: int, job_id: int) -> Job | None:
    row = session.execute(select(*_COLUMNS).where(
        T.workspace_id == workspace_id, T.id == job_id)).one_or_none()
    return None if row is None else _job(row)


def claim(session: Session, *, worker: str, limit: int, now: datetime,
          kinds: Sequence[str] | None = None) -> list[Job]:
    """Mark up to ``limit`` due queued jobs running for ``worker`` and return them."""
    due = select(T.id).where(T.status == JobStatus.QUEUED.value, T.run_after <= now)
    if kinds is not None:
        due = due.where(T.kind.in_(list(kinds)))
    due = due.order_by(T.run_after, T.id).limit(limit).with_for_update(skip_locked=True)
    stmt = (
        update(_JOBS).where(T.id.in_(due.scalar_subquery()))
        .values(status=JobStatus.RUNNING.value, claimed_by=worker, claimed_at=now,
                heartbeat_at=now, started_at=now, send_started_at=None,
                attempts=T.attempts + 1)
        .returning(*_COLUMNS)
    )
    jobs = [_job(r) for r in session.execute(stmt)]
    return sorted(jobs, key=lambda j: (j.run_after, j.id))


def _owned(job: Job) -> Any:
    return and_(T.id == job.id, T.status == JobStatus.RUNNING.value,
                T.claimed_by == job.claimed_by, T.attempts == job.attempts)


def heartbeat(session: Session, jobs: Sequence[Job], now: datetime) -> int:
    """Refresh the heartbeat of jobs still held; the count held (lost ones are skipped)."""
    held = 0
    for job in jobs:
        res = session.execute(update(_JOBS).where(_owned(job)).values(heartbeat_at=now))
        held += res.rowcount  # type: ignore[attr-defined]
    return held


def mark_send_started(session: Session, job: Job, now: datetime) -> bool:
    res = session.execute(update(_JOBS).where(_owned(job)).values(send_started_at=now,
                                                              heartbeat_at=now))
    return bool(res.rowcount)  # type: ignore[attr-defined]


def _attempt(session: Session, job: Job, *, outcome: str, error: str | None,
             possibly_delivered: bool, now: datetime) -> None:
    session.execute(_ATTEMPTS.insert().values(
        job_id=job.id, attempt=job.attempts, worker=job.claimed_by, outcome=outcome,
        error=error, possibly_delivered=possibly_delivered, started_at=job.started_at,
        finished_at=now))


def finish(session: Session, job: Job, *, status: JobStatus, now: datetime,
           error: str | None = None, result: dict[str, Any] | None = None,
           run_after: datetime | None = None, refund_attempt: bool = False) -> bool:
    """Record the end of ``job``'s attempt; False when the worker no longer held it.

    The attempt row says "possibly delivered" when the handler had committed its send start.
    """
    values: dict[str, Any] = {"status": status.value, "claimed_by": None,
                              "heartbeat_at": None, "last_error": error}
    if status is JobStatus.QUEUED:
        values["run_after"] = run_after or now
    else:
        values["finished_at"] = now
    if result is not None:
        values["result"] = result
    if refund_attempt:  # a deferral: the attempt did not happen
        values["attempts"] = T.attempts - 1
    row = session.execute(update(_JOBS).where(_owned(job)).values(**values)
                          .returning(T.send_started_at)).one_or_none()
    if row is None:
        return False
    outcome = "deferred" if refund_attempt else {JobStatus.QUEUED: "retry"}.get(
        status, status.value)
    _attempt(session, job, outcome=outcome, error=error,
             possibly_delivered=row.send_started_at is not None, now=now)
    return True


def release(session: Session, job: Job, now: datetime) -> bool:
    res = session.execute(update(_JOBS).where(_owned(job)).values(
        status=JobStatus.QUEUED.value, claimed_by=None, heartbeat_at=None,
        attempts=T.attempts - 1, run_after=now))
    return bool(res.rowcount)  # type: ignore[attr-defined]


def stalled(session: Session, *, before: datetime, limit: int = 100) -> list[Job]:
    """Running jobs whose heartbeat is older than ``before``, locked for re-queueing."""
    stmt = (select(*_COLUMNS).where(T.status == JobStatus.RUNNING.value,
                                    T.heartbeat_at < before)
            .order_by(T.heartbeat_at).limit(limit).with_for_update(skip_locked=True))
    return [_job(r) for r in session.execute(stmt)]


def requeue_stalled(session: Session, job: Job, *, now: datetime, error: str) -> JobStatus:
    """Re-queue (or dead-letter, when attempts are used up) a stalled job."""
    maybe_sent = job.send_started_at is not None
    status = JobStatus.DEAD if job.attempts >= job.max_attempts else JobStatus.QUEUED
    values: dict[str, Any] = {"status": status.value, "claimed_by": None, "heartbeat_at": None,
                              "last_error": error, "run_after": now}
    if maybe_sent:
        values["possible_duplicate"] = True
    if status is JobStatus.DEAD:
        values["finished_at"] = now
    session.execute(update(_JOBS).where(_owned(job)).values(**values))
    _attempt(session, job, outcome="stalled", error=error, possibly_delivered=maybe_sent, now=now)
    return status


def requeue(session: Session, workspace_id: int, job_id: int, now: datetime) -> bool:
    """Put a dead or failed job back in the queue with a fresh attempt budget."""
    res = session.execute(
        update(_JOBS).where(T.workspace_id == workspace_id, T.id == job_id,
                        T.status.in_([JobStatus.DEAD.value, JobStatus.FAILED.value]))
        .values(status=JobStatus.QUEUED.value, attempts=0, run_after=now, finished_at=None))
    return bool(res.rowcount)  # type: ignore[attr-defined]


def counts(session: Session, workspace_id: int) -> list[StatusCount]:
    rows = session.execute(
        select(T.kind, T.status, func.count()).where(T.workspace_id == workspace_id)
        .group_by(T.kind, T.status).order_by(T.kind, T.status))
    return [StatusCount(kind, JobStatus(status), int(n)) for kind, status, n in rows]


def list_jobs(session: Session, workspace_id: int, statuses: Sequence[JobStatus],
              limit: int = 100) -> list[Job]:
    rows = session.execute(
        select(*_COLUMNS).where(T.workspace_id == workspace_id,
                                T.status.in_([s.value for s in statuses]))
        .order_by(T.finished_at.desc(), T.id.desc()).limit(limit))
    return [_job(r) for r in rows]


def attempts(session: Session, job_id: int) -> list[Attempt]:
    A = _ATTEMPTS.c
    rows = session.execute(select(_ATTEMPTS).where(A.job_id == job_id).order_by(A.id))
    return [Attempt(r.attempt, r.worker, r.outcome, r.error, r.possibly_delivered,
                    r.started_at, r.finished_at) for r in rows]


def stall_cutoff(now: datetime, stall_seconds: float) -> datetime:
    return now - timedelta(seconds=stall_seconds)
