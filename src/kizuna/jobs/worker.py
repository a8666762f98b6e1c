"""``Worker``: claims outbox jobs and runs their handlers in N threads of one process.

* Each thread claims one job at a time (``jobs.api.claim``), runs its handler, and records
  the outcome. A handler that raises is a retry with the exception text.
* One heartbeat thread refreshes ``heartbeat_at`` of the jobs this process holds every
  ``heartbeat_seconds`` and re-queues jobs of any worker whose heartbeat is older than
  ``stall_seconds`` (a crashed process), so a stalled job is back in the queue within
  ``stall_seconds + heartbeat_seconds``.
* With ``batch`` > 1 a handler that has a ``run_batch(sessions, jobs)`` method (see
  :class:`BatchHandler`) gets the claimed jobs of its kind together and the outcomes are
  recorded in one transaction (``jobs.api.complete_many``); other handlers run one by one.
* :meth:`stop` lets running handlers finish (a job cut short is re-queued as stalled).
* PostgreSQL: run as many worker processes as you like (``FOR UPDATE SKIP LOCKED``). SQLite:
  several processes are safe but their claims are serialised by the single writer lock.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Protocol, runtime_checkable

from sqlalchemy.orm import Session, sessionmaker

from kizuna.clock import Clock, SystemClock
from kizuna.jobs import api
from kizuna.jobs.contracts import Handler, Job, JobOutcome, JobStatus, Retry

log = logging.getLogger("kizuna.jobs.worker")


@runtime_checkable
class BatchHandler(Protocol):
    """A handler that can also run several claimed jobs of its kind at once.

    ``run_batch`` returns one outcome per job, in order; None means the job was taken away
    mid-run (its outcome is dropped, like :class:`jobs.api.JobLost`).
    """

    def __call__(self, sessions: sessionmaker[Session], job: Job) -> JobOutcome: ...

    def run_batch(self, sessions: sessionmaker[Session],
                  jobs: Sequence[Job]) -> list[JobOutcome | None]: ...


class Worker:
    def __init__(self, sessions: sessionmaker[Session], *, clock: Clock | None = None,
                 handlers: Mapping[str, Handler] | None = None, concurrency: int = 1,
                 stall_seconds: float = 30.0, heartbeat_seconds: float | None = None,
                 poll_seconds: float = 1.0, name: str | None = None, batch: int = 1) -> None:
        self.sessions = sessions
        self.clock = clock or SystemClock()
        self.handlers = dict(handlers if handlers is not None else api.registered_handlers())
        self.concurrency = max(1, concurrency)
        self.stall_seconds = stall_seconds
        self.heartbeat_seconds = heartbeat_seconds or max(0.2, min(5.0, stall_seconds / 4))
        self.poll_seconds = poll_seconds
        self.batch = max(1, batch)  # jobs claimed per claim transaction, run one after another
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._held: dict[int, Job] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._beat_stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.processed = 0

    # -- one job ------------------------------------------------------------------------
    def _run_handler(self, job: Job) -> JobOutcome:
        handler = self.handlers.get(job.kind)
        if handler is None:
            return Retry(f"no handler for job kind {job.kind!r} in worker {self.name}")
        try:
            return handler(self.sessions, job)
        except api.JobLost:
            raise
        except Exception as exc:
            log.warning("job %s (%s) raised; it will be retried", job.id, job.kind,
                        exc_info=True)
            return Retry(f"{type(exc).__name__}: {exc}")

    def run_job(self, job: Job) -> JobStatus | None:
        with self._lock:
            self._held[job.id] = job
        try:
            try:
                outcome = self._run_handler(job)
            except api.JobLost:
                log.warning("job %s was taken from %s mid-run; dropping it", job.id, self.name)
                return None
            status = api.complete(self.sessions, job, outcome, self.clock.now())
        finally:
            with self._lock:
                self._held.pop(job.id, None)
        with self._lock:
            self.processed += 1
        return status

    def run_once(self) -> int:
        """Claim up to ``batch`` due jobs of kinds this worker handles, run them; the count."""
        jobs = api.claim(self.sessions, worker=self.name, now=self.clock.now(),
                         limit=self.batch, kinds=sorted(self.handlers))
        with self._lock:
            self._held.update((job.id, job) for job in jobs)  # heartbeats while they wait
        by_kind: dict[str, list[Job]] = {}
        for job in jobs:
            by_kind.setdefault(job.kind, []).append(job)
        for kind, group in by_kind.items():
            handler = self.handlers.get(kind)
            if len(group) > 1 and isinstance(handler, BatchHandler):
                self.run_batch(handler, group)
                continue
            for job in group:
                if self._stop.is_set():
                    self._release(job)
                else:
                    self.run_job(job)
        return len(jobs)

    def run_batch(self, handler: BatchHandler, jobs: list[Job]) -> list[JobStatus | None]:
        """Run claimed jobs of one kind through ``handler.run_batch``; finish them together."""
        if self._stop.is_set():
            for job in jobs:
                self._release(job)
            return [None] * len(jobs)
        with self._lock:
            self._held.update((job.id, job) for job in jobs)
        try:
            try:
                outcomes = handler.run_batch(self.sessions, jobs)
            except Exception as exc:
                log.warning("batch of %s %s job(s) raised; they will be retried", len(jobs),
                            jobs[0].kind, exc_info=True)
                outcomes = [Retry(f"{type(exc).__name__}: {exc}")] * len(jobs)
            done = [(job, outcome) for job, outcome in zip(jobs, outcomes, strict=True)
                    if outcome is not None]
            finished = dict(zip((job.id for job, _ in done),
                                api.complete_many(self.sessions, done, self.clock.now()),
                                strict=True))
        finally:
            with self._lock:
                for job in jobs:
                    self._held.pop(job.id, None)
        with self._lock:
            self.processed += len(done)
        return [finished.get(job.id) for job in jobs]

    def _release(self, job: Job) -> None:
        """Hand back a claimed job not started (stopping): queued again, attempt not counted."""
        api.release(self.sessions, job, self.clock.now())
        with self._lock:
            self._held.pop(job.id, None)

    def run_until_idle(self, max_jobs: int | None = None) -> int:
        """Re-queue stalled jobs, then run due jobs until none is left; the count run."""
        self.requeue_stalled()
        ran = 0
        while (max_jobs is None or ran < max_jobs) and not self._stop.is_set():
            done = self.run_once()
            if not done:
                break
            ran += done
        return ran

    # -- maintenance --------------------------------------------------------------------
    def requeue_stalled(self) -> list[Job]:
        return api.requeue_stalled(self.sessions, now=self.clock.now(),
                                   stall_seconds=self.stall_seconds)

    def beat(self) -> None:
        with self._lock:
            held = list(self._held.values())
        api.heartbeat(self.sessions, held, self.clock.now())

    # -- threads ------------------------------------------------------------------------
    def _work_loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except Exception:
                log.exception("worker %s could not claim or finish a job", self.name)
                busy = 0
            if not busy:
                self._stop.wait(self.poll_seconds)

    def _beat_loop(self) -> None:
        while not self._beat_stop.wait(self.heartbeat_seconds):
            try:
                self.beat()
                self.requeue_stalled()
            except Exception:
                log.exception("worker %s heartbeat failed", self.name)

    def _beat_thread(self) -> threading.Thread:
        self._beat_stop.clear()
        thread = threading.Thread(target=self._beat_loop, name="kizuna-jobs-beat", daemon=True)
        thread.start()
        return thread

    def drain(self) -> int:
        """Run due jobs in ``concurrency`` threads (with heartbeats) until none is left."""
        beat = self._beat_thread()
        threads = [threading.Thread(target=self.run_until_idle, name=f"kizuna-jobs-{i}")
                   for i in range(self.concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self._beat_stop.set()
        beat.join()
        return self.processed

    def start(self) -> None:
        self._stop.clear()
        log.info("worker %s started: %s thread(s), kinds %s", self.name, self.concurrency,
                 ", ".join(sorted(self.handlers)))
        self._threads = [self._beat_thread()]
        workers = [threading.Thread(target=self._work_loop, name=f"kizuna-jobs-{i}",
                                   daemon=True) for i in range(self.concurrency)]
        for thread in workers:
            thread.start()
        self._threads += workers

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop claiming, let running handlers finish; True when every thread ended."""
        self._stop.set()
        threads, self._threads = self._threads, []
        for thread in threads[1:]:  # the job threads; heartbeats go on while they finish
            thread.join(timeout)
        self._beat_stop.set()
        for thread in threads[:1]:
            thread.join(timeout)
        ended = not any(t.is_alive() for t in threads)
        if not ended:
            log.warning("worker %s still running a job after %ss; it will be re-queued as "
                        "stalled", self.name, timeout)
        log.info("worker %s stopped after %s job(s)", self.name, self.processed)
        return ended

    def wait(self, timeout: float | None = None) -> bool:
        """Block until :meth:`stop` is called (for the CLI); True when stopping."""
        return self._stop.wait(timeout)

    def request_stop(self) -> None:
        """Stop claiming (safe from a signal handler); :meth:`stop` then joins."""
        self._stop.set()


@asynccontextmanager
async def running(sessions: sessionmaker[Session], *, enabled: bool, clock: Clock | None = None,
                  stall_seconds: float = 30.0, concurrency: int = 1, batch: int = 1,
                  poll_seconds: float = 1.0) -> AsyncIterator[Worker | None]:
    """For the app lifespan: a worker in the server process (``KIZUNA_WORKER_IN_SERVER``)."""
    if not enabled:
        yield None
        return
    worker = Worker(sessions, clock=clock, stall_seconds=stall_seconds, concurrency=concurrency,
                    batch=batch, poll_seconds=poll_seconds)
    worker.start()
    try:
        yield worker
    finally:
        await asyncio.to_thread(worker.stop)
