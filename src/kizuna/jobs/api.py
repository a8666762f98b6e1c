"""The jobs facade: enqueue delivery work, claim and finish it, inspect and retry dead letters.

Enqueue inside the caller's transaction (``session``) so the job commits with the business
change that caused it (the transactional outbox). Workers use :mod:`kizuna.jobs.worker`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from kizuna.clock import SystemClock
from kizuna.db.engine import transaction
from kizuna.jobs import logic, store
from kizuna.jobs.contracts import (
    Attempt,
    Done,
    Enqueued,
    Fail,
    Handler,
    Job,
    JobOutcome,
    JobStatus,
    Retry,
    StatusCount,
)
from kizuna.jobs.errors import JobKindInvalid, JobNotFound, JobNotRetryable

__all__ = [
    "Attempt", "Done", "Enqueued", "Fail", "Handler", "Job", "JobLost", "JobOutcome",
    "JobStatus", "Retry", "StatusCount", "backoff_seconds", "begin_send", "begin_sends", "claim",
    "complete_many", "counts", "counts_by_key_prefix",
    "enqueue", "enqueue_many", "get_job", "job_attempts", "list_jobs", "register_handler",
    "registered_handlers", "requeue_stalled", "retry_job",
]

log = logging.getLogger("kizuna.jobs")
backoff_seconds = logic.backoff_seconds
register_handler = logic.register_handler
registered_handlers = logic.registered_handlers


class JobLost(Exception):
    """The worker no longer holds the job (it was re-queued as stalled); stop working on it."""


def enqueue(session: Session, *, workspace_id: int, kind: str, idempotency_key: str,
            payload: dict[str, Any], now: datetime, max_attempts: int = 5,
            run_after: datetime | None = None) -> Enqueued:
    """Add a job unless one with ``idempotency_key`` exists in the workspace (then return it)."""
    if not kind or len(kind) > 64:
        raise JobKindInvalid(kind=kind)
    job, created = store.insert_job(
        session, workspace_id=workspace_id, kind=kind, idempotency_key=idempotency_key,
        payload=payload, max_attempts=max(1, max_attempts), run_after=run_after or now, now=now)
    return Enqueued(job, created)


def enqueue_many(session: Session, *, workspace_id: int, kind: str,
                 jobs: list[tuple[str, dict[str, Any]]], now: datetime,
                 max_attempts: int = 5, chunk: int = 2000,
                 run_after: list[datetime] | None = None) -> int:
    """Add many ``(idempotency_key, payload)`` jobs of one kind (existing keys are skipped);
    the number added. A driver-level bulk insert per ``chunk`` jobs (a campaign's
    recipients; ``kizuna.db.bulk``: no per-value SQL compilation).
    ``run_after`` (one time per job, same order) holds jobs back (throttled campaigns)."""
    from kizuna.db import bulk
    from kizuna.jobs.tables import OutboxJobRow

    if run_after is not None and len(run_after) != len(jobs):
        raise ValueError("run_after needs one time per job")
    if not kind or len(kind) > 64:
        raise JobKindInvalid(kind=kind)
    columns = ["workspace_id", "kind", "status", "attempts", "max_attempts", "run_after",
               "possible_duplicate", "created_at", "idempotency_key", "payload"]
    head = (workspace_id, kind, JobStatus.QUEUED.value, 0, max(1, max_attempts))
    added = 0
    for start in range(0, len(jobs), chunk):
        added += len(bulk.insert_many_returning(
            session, OutboxJobRow.__table__, columns,  # type: ignore[arg-type]
            [(*head, run_after[start + i] if run_after is not None else now, False, now, key,
              payload) for i, (key, payload) in enumerate(jobs[start:start + chunk])],
            returning=["id"], on_conflict_do_nothing=["workspace_id", "idempotency_key"]))
    return added


def claim(sessions: sessionmaker[Session], *, worker: str, now: datetime, limit: int = 1,
          kinds: list[str] | None = None) -> list[Job]:
    """Claim up to ``limit`` due jobs for ``worker`` in one committed transaction."""
    with transaction(sessions) as session:
        return store.claim(session, worker=worker, limit=limit, now=now, kinds=kinds)


def begin_send(sessions: sessionmaker[Session], job: Job, now: datetime | None = None) -> None:
    """Commit "the send is starting" before a non-idempotent provider call.

    If the worker dies between this and the job's finish, the job is re-queued flagged as a
    possible duplicate. Raises :class:`JobLost` when the job was already taken away.
    """
    with transaction(sessions) as session:
        if not store.mark_send_started(session, job, now or SystemClock().now()):
            raise JobLost(f"job {job.id} is no longer held by {job.claimed_by}")


def begin_sends(session: Session, jobs: list[Job], now: datetime) -> set[int]:
    """:func:`begin_send` for a batch, in the caller's transaction (commit it before sending);
    the ids of the jobs still held (the others were taken away: do not send them)."""
    return store.mark_sends_started(session, jobs, now)


def complete(sessions: sessionmaker[Session], job: Job, outcome: JobOutcome,
             now: datetime, *, retry_delay: float | None = None) -> JobStatus | None:
    """Record a handler's outcome; the job's new status, None when the worker lost the job."""
    return complete_many(sessions, [(job, outcome)], now, retry_delay=retry_delay)[0]


def complete_many(sessions: sessionmaker[Session], outcomes: list[tuple[Job, JobOutcome]],
                  now: datetime, *, retry_delay: float | None = None) -> list[JobStatus | None]:
    """Record the outcomes of a batch of jobs in one transaction (see :func:`complete`)."""
    plans = [_plan(job, outcome, now, retry_delay) for job, outcome in outcomes]
    with transaction(sessions) as session:
        held = store.finish_many(session, plans, now)
    return [_log_finish(job, outcome, plan.status if ok else None)
            for (job, outcome), plan, ok in zip(outcomes, plans, held, strict=True)]


def _plan(job: Job, outcome: JobOutcome, now: datetime,
          retry_delay: float | None) -> store.Finish:
    if isinstance(outcome, Done):
        return store.Finish(job, JobStatus.DONE, result=outcome.result)
    if isinstance(outcome, Fail):
        return store.Finish(job, JobStatus.FAILED, error=outcome.reason)
    if outcome.deferred:
        return store.Finish(job, JobStatus.QUEUED, error=outcome.reason,
                            run_after=now + timedelta(seconds=outcome.delay or 0.0),
                            refund_attempt=True)
    if job.attempts >= job.max_attempts:
        return store.Finish(job, JobStatus.DEAD, error=outcome.reason)
    delay = outcome.delay if outcome.delay is not None else (
        retry_delay if retry_delay is not None else backoff_seconds(job.attempts))
    return store.Finish(job, JobStatus.QUEUED, error=outcome.reason,
                        run_after=now + timedelta(seconds=delay))


def _log_finish(job: Job, outcome: JobOutcome, status: JobStatus | None) -> JobStatus | None:
    if status is None:
        log.warning("job %s (%s) was re-queued while worker %s ran it; its outcome %s is "
                    "dropped", job.id, job.kind, job.claimed_by, type(outcome).__name__)
        return None
    if status is JobStatus.DEAD:
        log.error("job %s (%s) is dead after %s attempts: %s", job.id, job.kind, job.attempts,
                  getattr(outcome, "reason", ""))
    return status


def release(sessions: sessionmaker[Session], job: Job, now: datetime) -> bool:
    """Give back a claimed job that was not started (a stopping worker); False if lost."""
    with transaction(sessions) as session:
        return store.release(session, job, now)


def requeue_stalled(sessions: sessionmaker[Session], *, now: datetime,
                    stall_seconds: float) -> list[Job]:
    """Re-queue running jobs whose worker stopped heart-beating; returns the jobs moved."""
    with transaction(sessions) as session:
        jobs = store.stalled(session, before=store.stall_cutoff(now, stall_seconds))
        for job in jobs:
            error = (f"worker {job.claimed_by} stopped sending heartbeats "
                     f"(last {job.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC)" if job.heartbeat_at
                     else f"worker {job.claimed_by} stalled")
            status = store.requeue_stalled(session, job, now=now, error=error)
            if job.send_started_at is not None:
                log.warning("possible duplicate: job %s (%s, key %s) stalled after its send "
                            "started at %s; it is %s and flagged possible_duplicate",
                            job.id, job.kind, job.idempotency_key,
                            job.send_started_at.isoformat(), status.value)
            else:
                log.info("job %s (%s) stalled on %s; %s", job.id, job.kind, job.claimed_by,
                         status.value)
    return jobs


def heartbeat(sessions: sessionmaker[Session], jobs: list[Job], now: datetime) -> int:
    if not jobs:
        return 0
    with transaction(sessions) as session:
        return store.heartbeat(session, jobs, now)


def get_job(session: Session, workspace_id: int, job_id: int) -> Job:
    job = store.get_job(session, workspace_id, job_id)
    if job is None:
        raise JobNotFound(job_id=job_id)
    return job


def counts(session: Session, workspace_id: int) -> list[StatusCount]:
    return store.counts(session, workspace_id)


def list_jobs(session: Session, workspace_id: int, statuses: list[JobStatus],
              limit: int = 100) -> list[Job]:
    return store.list_jobs(session, workspace_id, statuses, limit)


def job_attempts(session: Session, job_id: int) -> list[Attempt]:
    return store.attempts(session, job_id)


def retry_job(session: Session, workspace_id: int, job_id: int, now: datetime) -> Job:
    """Re-queue a dead (or failed) job with a fresh attempt budget."""
    job = get_job(session, workspace_id, job_id)
    if not store.requeue(session, workspace_id, job_id, now):
        raise JobNotRetryable(job_id=job_id, job_status=job.status.value)
    log.info("job %s (%s) re-queued by hand from %s", job_id, job.kind, job.status.value)
    return get_job(session, workspace_id, job_id)


def counts_by_key_prefix(session: Session, workspace_id: int, prefix: str, *,
                         error_prefix: str = "") -> dict[str, int]:
    """Jobs whose idempotency key starts with ``prefix`` (a campaign's send key + ``:``),
    counted by status; with ``error_prefix``, ``"failed_matching"`` counts the failed jobs
    whose last error starts with it (e.g. refused by the send policy)."""
    from sqlalchemy import case, func, select

    from kizuna.jobs.tables import OutboxJobRow as J

    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = error_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    matching = (J.status == JobStatus.FAILED.value) & J.last_error.like(pattern + "%",
                                                                         escape="\\")
    found: dict[str, int] = {}
    for status, n, hits in session.execute(
            select(J.status, func.count(), func.sum(case((matching, 1), else_=0)))
            .where(J.workspace_id == workspace_id,
                   J.idempotency_key.like(escaped + "%", escape="\\"))
            .group_by(J.status)):
        found[str(status)] = int(n)
        if error_prefix:
            found["failed_matching"] = found.get("failed_matching", 0) + int(hits or 0)
    return found
