"""SQL for the outbox. Claims are one UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING.

PostgreSQL: the inner SELECT takes ``FOR UPDATE SKIP LOCKED``, so concurrent workers pass
over rows another transaction is claiming and never claim a job twice. SQLite: the engine
opens every transaction with ``BEGIN IMMEDIATE`` (one writer at a time), so the claim is
serialised; ``FOR UPDATE`` is not rendered there. Both need UPDATE … RETURNING (SQLite ≥ 3.35).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, bindparam, func, or_, select, tuple_, update
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
    """Refresh the heartbeat of jobs still held; the count refreshed. One statement; rows
    another transaction of this worker is finishing right now are skipped, not waited for
    (no lock-order deadlock with a batch finish)."""
    if not jobs:
        return 0
    mine = select(T.id).where(or_(*_owned_many(jobs))).order_by(T.id).with_for_update(
        skip_locked=True)
    res = session.execute(update(_JOBS).where(T.id.in_(mine.scalar_subquery()))
                          .values(heartbeat_at=now))
    return int(res.rowcount)  # type: ignore[attr-defined]


def mark_send_started(session: Session, job: Job, now: datetime) -> bool:
    res = session.execute(update(_JOBS).where(_owned(job)).values(send_started_at=now,
                                                              heartbeat_at=now))
    return bool(res.rowcount)  # type: ignore[attr-defined]


def _owned_many(jobs: Sequence[Job]) -> list[Any]:
    """One condition per worker name: (id, attempts) pairs still running for that worker."""
    by_worker: dict[str | None, list[tuple[int, int]]] = {}
    for job in jobs:
        by_worker.setdefault(job.claimed_by, []).append((job.id, job.attempts))
    return [and_(tuple_(T.id, T.attempts).in_(pairs), T.status == JobStatus.RUNNING.value,
                 T.claimed_by == worker) for worker, pairs in by_worker.items()]


def mark_sends_started(session: Session, jobs: Sequence[Job], now: datetime) -> set[int]:
    """:func:`mark_send_started` for several jobs in one statement; the ids still held."""
    if not jobs:
        return set()
    return set(session.scalars(update(_JOBS).where(or_(*_owned_many(jobs))).values(
        send_started_at=now, heartbeat_at=now).returning(T.id)))


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
    return finish_many(session, [Finish(job, status, error=error, result=result,
                                        run_after=run_after,
                                        refund_attempt=refund_attempt)], now)[0]


@dataclass(frozen=True, slots=True)
class Finish:
    """How one job's attempt ended (see :func:`finish_many`)."""

    job: Job
    status: JobStatus
    error: str | None = None
    result: dict[str, Any] | None = None
    run_after: datetime | None = None
    refund_attempt: bool = False  # a deferral: the attempt did not happen


def finish_many(session: Session, finishes: Sequence[Finish], now: datetime) -> list[bool]:
    """Record the end of many attempts: one locking SELECT of the rows still held, one
    UPDATE per shape of change (executemany) and one multi-row INSERT of attempt rows.
    False for a job the worker no longer held."""
    if not finishes:
        return []
    held = {row.id: row.send_started_at for row in session.execute(
        select(T.id, T.send_started_at).where(or_(*_owned_many([f.job for f in finishes])))
        .order_by(T.id).with_for_update())}
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    attempts: list[dict[str, Any]] = []
    for f in finishes:
        if f.job.id not in held:
            continue
        values: dict[str, Any] = {"status": f.status.value, "last_error": f.error}
        if f.status is JobStatus.QUEUED:
            values["run_after"] = f.run_after or now
        else:
            values["finished_at"] = now
        if f.result is not None:
            values["result"] = f.result
        shape = tuple(sorted(values)) + (("refund",) if f.refund_attempt else ())
        shapes.setdefault(shape, []).append(
            {"b_job_id": f.job.id, **{f"b_{n}": v for n, v in values.items()}})
        outcome = "deferred" if f.refund_attempt else {JobStatus.QUEUED: "retry"}.get(
            f.status, f.status.value)
        attempts.append({"job_id": f.job.id, "attempt": f.job.attempts,
                         "worker": f.job.claimed_by, "outcome": outcome, "error": f.error,
                         "possibly_delivered": held[f.job.id] is not None,
                         "started_at": f.job.started_at, "finished_at": now})
    for shape, rows in shapes.items():
        names = [n for n in shape if n != "refund"]
        stmt = update(_JOBS).where(T.id == bindparam("b_job_id")).values(
            claimed_by=None, heartbeat_at=None,
            **{n: bindparam(f"b_{n}", type_=T[n].type) for n in names})
        if "refund" in shape:
            stmt = stmt.values(attempts=T.attempts - 1)
        session.execute(stmt, rows)
    if attempts:
        session.execute(_ATTEMPTS.insert(), attempts)
    return [f.job.id in held for f in finishes]


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
