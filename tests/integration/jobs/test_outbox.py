"""The outbox on both databases: idempotent enqueue, claims, retries, dead letters."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from kizuna.clock import FrozenClock
from kizuna.db.engine import transaction
from kizuna.jobs import api as jobs
from kizuna.jobs.contracts import Done, Fail, Job, JobOutcome, JobStatus, Retry
from kizuna.jobs.errors import JobNotRetryable
from kizuna.jobs.worker import Worker
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _enqueue(rt: Runtime, ws: Workspace, key: str, kind: str = "echo",
             payload: dict[str, object] | None = None, max_attempts: int = 5,
             now: datetime = T0) -> jobs.Enqueued:
    with transaction(rt.sessions) as s:
        return jobs.enqueue(s, workspace_id=ws.id, kind=kind, idempotency_key=key,
                            payload=payload or {"n": key}, now=now, max_attempts=max_attempts)


def test_enqueue_is_idempotent_per_workspace_key(runtime: Runtime, workspace: Workspace) -> None:
    first = _enqueue(runtime, workspace, "journey:1:step:2:customer:7")
    again = _enqueue(runtime, workspace, "journey:1:step:2:customer:7", payload={"other": 1})
    assert first.created and not again.created
    assert again.job.id == first.job.id and again.job.payload == first.job.payload
    with transaction(runtime.sessions) as s:
        assert sum(c.count for c in jobs.counts(s, workspace.id)) == 1


def test_worker_runs_each_job_once_and_records_result(runtime: Runtime,
                                                      workspace: Workspace) -> None:
    for i in range(5):
        _enqueue(runtime, workspace, f"k{i}")
    clock = FrozenClock(T0)
    worker = Worker(runtime.sessions, clock=clock)
    assert worker.run_until_idle() == 5
    assert worker.run_until_idle() == 0
    with transaction(runtime.sessions) as s:
        done = jobs.list_jobs(s, workspace.id, [JobStatus.DONE])
        assert len(done) == 5
        assert all(j.attempts == 1 and j.result == {"echo": j.payload} for j in done)
        assert [a.outcome for a in jobs.job_attempts(s, done[0].id)] == ["done"]


def test_jobs_not_yet_due_are_not_claimed(runtime: Runtime, workspace: Workspace) -> None:
    with transaction(runtime.sessions) as s:
        jobs.enqueue(s, workspace_id=workspace.id, kind="echo", idempotency_key="later",
                     payload={}, now=T0, run_after=T0 + timedelta(minutes=5))
    clock = FrozenClock(T0)
    worker = Worker(runtime.sessions, clock=clock)
    assert worker.run_until_idle() == 0
    clock.advance(timedelta(minutes=5))
    assert worker.run_until_idle() == 1


def _flaky(outcomes: list[JobOutcome]) -> jobs.Handler:
    def handler(_sessions: sessionmaker[Session], _job: Job) -> JobOutcome:
        return outcomes.pop(0)
    return handler


def test_retry_backoff_then_dead_letter_with_reason(runtime: Runtime,
                                                   workspace: Workspace) -> None:
    _enqueue(runtime, workspace, "flaky", kind="test.flaky", max_attempts=3)
    clock = FrozenClock(T0)

    def always_down(_s: sessionmaker[Session], _job: Job) -> JobOutcome:
        raise ConnectionError("provider down")

    worker = Worker(runtime.sessions, clock=clock, handlers={"test.flaky": always_down})
    delays = []
    for attempt in (1, 2):
        assert worker.run_until_idle() == 1
        with transaction(runtime.sessions) as s:
            (job,) = jobs.list_jobs(s, workspace.id, [JobStatus.QUEUED])
        delay = (job.run_after - clock.now()).total_seconds()
        low = 10.0 * 2 ** (attempt - 1)
        assert low <= delay <= low * 1.25
        assert job.last_error == "ConnectionError: provider down"
        delays.append(delay)
        assert worker.run_until_idle() == 0  # not due yet
        clock.advance(timedelta(seconds=delay))
    assert delays[1] > delays[0]
    assert worker.run_until_idle() == 1
    with transaction(runtime.sessions) as s:
        (dead,) = jobs.list_jobs(s, workspace.id, [JobStatus.DEAD])
        assert dead.attempts == 3 and dead.last_error == "ConnectionError: provider down"
        assert [a.outcome for a in jobs.job_attempts(s, dead.id)] == ["retry", "retry", "dead"]
        again = jobs.retry_job(s, workspace.id, dead.id, clock.now())
        assert again.status is JobStatus.QUEUED and again.attempts == 0
        with pytest.raises(JobNotRetryable):
            jobs.retry_job(s, workspace.id, dead.id, clock.now())


def test_handler_outcomes(runtime: Runtime, workspace: Workspace) -> None:
    outcomes: list[JobOutcome] = [Retry("busy", delay=1), Done({"id": "m1"}), Fail("bad address")]
    _enqueue(runtime, workspace, "a", kind="t")
    _enqueue(runtime, workspace, "b", kind="t")
    clock = FrozenClock(T0)
    worker = Worker(runtime.sessions, clock=clock, handlers={"t": _flaky(outcomes)})
    assert worker.run_until_idle() == 2  # a: retry in 1 s, b: done
    clock.advance(timedelta(seconds=1))
    assert worker.run_until_idle() == 1  # a: failed permanently
    with transaction(runtime.sessions) as s:
        by_key = {j.idempotency_key: j for j in jobs.list_jobs(
            s, workspace.id, list(JobStatus))}
    assert by_key["a"].status is JobStatus.FAILED and by_key["a"].last_error == "bad address"
    assert by_key["b"].status is JobStatus.DONE and by_key["b"].result == {"id": "m1"}


@pytest.mark.parametrize("attempt", [1, 2, 5, 12, 40])
def test_backoff_schedule_grows_and_is_capped(attempt: int) -> None:
    rng = random.Random(attempt)
    delay = jobs.backoff_seconds(attempt, rng=rng)
    nominal = min(6 * 3600.0, 10.0 * 2 ** (attempt - 1))
    assert nominal <= delay <= nominal * 1.25
    spread = {round(jobs.backoff_seconds(attempt, rng=rng), 6) for _ in range(20)}
    assert len(spread) > 1  # jitter


def test_concurrent_claims_never_double_claim(runtime: Runtime, workspace: Workspace) -> None:
    n = 120
    for i in range(n):
        _enqueue(runtime, workspace, f"c{i}", kind="count")
    seen: Counter[int] = Counter()
    lock = threading.Lock()

    def count(_s: sessionmaker[Session], job: Job) -> JobOutcome:
        with lock:
            seen[job.id] += 1
        return Done()

    workers = [Worker(runtime.sessions, handlers={"count": count}, name=f"w{i}")
               for i in range(4)]
    threads = [threading.Thread(target=w.run_until_idle) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == n and set(seen.values()) == {1}
    assert sum(w.processed for w in workers) == n
    with transaction(runtime.sessions) as s:
        assert {(c.status, c.count) for c in jobs.counts(s, workspace.id)} == {
            (JobStatus.DONE, n)}


def test_stalled_job_is_requeued_and_flagged_when_send_had_started(
        runtime: Runtime, workspace: Workspace, caplog: pytest.LogCaptureFixture) -> None:
    _enqueue(runtime, workspace, "sent", payload={"send": True})
    _enqueue(runtime, workspace, "unsent")
    clock = FrozenClock(T0)
    claimed = jobs.claim(runtime.sessions, worker="crashed", now=clock.now(), limit=2)
    assert len(claimed) == 2
    jobs.begin_send(runtime.sessions, next(j for j in claimed if j.idempotency_key == "sent"),
                    now=clock.now())
    # the "crashed" worker never beats again
    clock.advance(timedelta(seconds=29))
    assert jobs.requeue_stalled(runtime.sessions, now=clock.now(), stall_seconds=30) == []
    clock.advance(timedelta(seconds=2))
    with caplog.at_level("WARNING", logger="kizuna.jobs"):
        moved = jobs.requeue_stalled(runtime.sessions, now=clock.now(), stall_seconds=30)
    assert len(moved) == 2
    assert "possible duplicate" in caplog.text and "key sent" in caplog.text
    with transaction(runtime.sessions) as s:
        by_key = {j.idempotency_key: j for j in jobs.list_jobs(s, workspace.id,
                                                               [JobStatus.QUEUED])}
        assert by_key["sent"].possible_duplicate and not by_key["unsent"].possible_duplicate
        (att,) = jobs.job_attempts(s, by_key["sent"].id)
        assert att.outcome == "stalled" and att.possibly_delivered
    # the crashed worker's late outcome is dropped; the job runs again elsewhere
    stale = next(j for j in claimed if j.idempotency_key == "unsent")
    assert jobs.complete(runtime.sessions, stale, Done(), clock.now()) is None
    assert Worker(runtime.sessions, clock=clock).run_until_idle() == 2


@given(attempt=st.integers(min_value=1, max_value=200), seed=st.integers(0, 2**32))
def test_backoff_is_bounded_and_never_shrinks_nominally(attempt: int, seed: int) -> None:
    rng = random.Random(seed)
    delay = jobs.backoff_seconds(attempt, rng=rng)
    nominal = min(6 * 3600.0, 10.0 * 2 ** min(attempt - 1, 60))
    assert nominal <= delay <= nominal * 1.25
    assert jobs.backoff_seconds(attempt + 1, rng=random.Random(seed)) >= nominal


def test_batch_claims_and_release_of_unstarted_jobs(runtime: Runtime,
                                                    workspace: Workspace) -> None:
    for i in range(7):
        _enqueue(runtime, workspace, f"b{i}")
    clock = FrozenClock(T0)
    claimed = jobs.claim(runtime.sessions, worker="stopping", now=clock.now(), limit=3)
    assert len(claimed) == 3 and all(j.attempts == 1 for j in claimed)
    assert all(jobs.release(runtime.sessions, j, clock.now()) for j in claimed)
    assert not jobs.release(runtime.sessions, claimed[0], clock.now())  # no longer held
    worker = Worker(runtime.sessions, clock=clock, batch=3)
    assert worker.run_until_idle() == 7
    with transaction(runtime.sessions) as s:
        done = jobs.list_jobs(s, workspace.id, [JobStatus.DONE])
    assert len(done) == 7 and {j.attempts for j in done} == {1}
