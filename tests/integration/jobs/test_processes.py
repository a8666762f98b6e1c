"""`kizuna worker` processes against the test database: exactly-once claims, crash recovery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kizuna.db.engine import transaction
from kizuna.jobs import api as jobs
from kizuna.jobs.contracts import Done, Job, JobOutcome, JobStatus
from kizuna.jobs.tables import OutboxAttemptRow
from kizuna.jobs.worker import Worker
from kizuna.runtime import Runtime
from kizuna.settings import Settings
from kizuna.workspaces.contracts import Workspace

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _worker_process(settings: Settings, *args: str, stall: float = 30,
                    log: Path | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KIZUNA_DATABASE_URL": settings.database_url,
           "KIZUNA_SECRET_KEY": "test-secret-key-not-for-production",
           "KIZUNA_JOB_STALL_SECONDS": str(stall)}
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    return subprocess.Popen([sys.executable, "-m", "kizuna", "worker", *args], env=env,
                            stdout=out, stderr=subprocess.STDOUT)


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for p in started:
        if p.poll() is None:
            p.kill()
            p.wait(10)


def _enqueue_many(rt: Runtime, ws: Workspace, n: int, payload: dict[str, object]) -> None:
    with transaction(rt.sessions) as s:
        for i in range(n):
            jobs.enqueue(s, workspace_id=ws.id, kind="echo", idempotency_key=f"p{i}",
                         payload=payload, now=T0)


def test_worker_processes_run_every_job_exactly_once(
        runtime: Runtime, settings: Settings, workspace: Workspace,
        procs: list[subprocess.Popen[bytes]], tmp_path: Path) -> None:
    n, count = 80, (2 if settings.is_sqlite else 4)
    _enqueue_many(runtime, workspace, n, {"sleep": 0.02})
    for i in range(count):
        procs.append(_worker_process(settings, "--once", "--concurrency", "2",
                                     log=tmp_path / f"w{i}.log"))
    for p in procs:
        assert p.wait(120) == 0, (tmp_path / "w0.log").read_text()
    with transaction(runtime.sessions) as s:
        done = jobs.list_jobs(s, workspace.id, list(JobStatus), limit=1000)
        assert len(done) == n
        assert {(j.status, j.attempts) for j in done} == {(JobStatus.DONE, 1)}
        rows = s.execute(select(OutboxAttemptRow.job_id, OutboxAttemptRow.outcome)).all()
    assert sorted(r.job_id for r in rows) == sorted(j.id for j in done)  # one attempt each
    assert {r.outcome for r in rows} == {"done"}


def _wait_for(read: Callable[[], Job], until: Callable[[Job], bool],
              timeout: float = 30.0) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = read()
        if until(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for the job: {read()}")


def test_killed_worker_job_is_requeued_and_flagged_possible_duplicate(
        runtime: Runtime, settings: Settings, workspace: Workspace,
        procs: list[subprocess.Popen[bytes]], tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    with transaction(runtime.sessions) as s:
        queued = jobs.enqueue(s, workspace_id=workspace.id, kind="echo",
                              idempotency_key="campaign:1:customer:9",
                              payload={"send": True, "sleep": 60}, now=T0).job
    stall = 1.0
    proc = _worker_process(settings, "--poll", "0.1", stall=stall, log=tmp_path / "w.log")
    procs.append(proc)

    def job() -> Job:
        with transaction(runtime.sessions) as s:
            return jobs.get_job(s, workspace.id, queued.id)

    sending = _wait_for(job, lambda j: j.send_started_at is not None)
    assert sending.status is JobStatus.RUNNING and sending.attempts == 1
    first_beat = sending.heartbeat_at
    assert first_beat is not None
    beaten = _wait_for(job, lambda j: j.heartbeat_at is not None and j.heartbeat_at > first_beat)
    assert beaten.claimed_by == sending.claimed_by and beaten.status is JobStatus.RUNNING
    proc.send_signal(signal.SIGKILL)  # a crash mid-send: no finish is ever written
    proc.wait(10)

    def finish(_s: sessionmaker[Session], _j: Job) -> JobOutcome:
        return Done({"second": True})

    rescuer = Worker(runtime.sessions, handlers={"echo": finish}, stall_seconds=stall)
    time.sleep(stall + 0.2)
    with caplog.at_level("WARNING", logger="kizuna.jobs"):
        assert rescuer.run_until_idle() == 1
    assert "possible duplicate" in caplog.text
    final = job()
    assert final.status is JobStatus.DONE and final.possible_duplicate and final.attempts == 2
    with transaction(runtime.sessions) as s:
        outcomes = [(a.outcome, a.possibly_delivered) for a in jobs.job_attempts(s, final.id)]
    assert outcomes == [("stalled", True), ("done", False)]
