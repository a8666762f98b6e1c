"""The server's housekeeping loop: periodic per-workspace jobs run inside ``kizuna serve``.

Every ``KIZUNA_LOYALTY_RUN_SECONDS`` it runs the loyalty programme of each workspace; every
``KIZUNA_RECOMMEND_CHECK_SECONDS`` it asks the recommender whether a retrain is due (the
recommender decides). Each task runs per workspace in its own transaction; a failure is
logged with the task and workspace and never stops the loop.

* One loop per process (a second :meth:`Housekeeper.start` in the same process is refused).
* Several server processes on PostgreSQL: a session advisory lock per (task, workspace)
  means only one process runs a given task at a time; the others skip it that round.
  SQLite has one writer and is served by one process, so it needs no lock.
* It runs in one background thread (the tasks are synchronous database work) and stops
  cleanly: :meth:`Housekeeper.stop` lets the running task finish, then joins the thread.
* ``KIZUNA_HOUSEKEEPING=false`` turns it off (for a separate process or cron instead).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, text

from kizuna.db.engine import transaction
from kizuna.runtime import Runtime
from kizuna.settings import Settings
from kizuna.types import WorkspaceId
from kizuna.workspaces import api as workspaces

log = logging.getLogger("kizuna.housekeeping")
_ACTIVE = threading.Lock()  # held while a loop runs in this process


@dataclass(frozen=True, slots=True)
class Task:
    """A periodic job: ``run(runtime, workspace_id, now)`` every ``interval`` seconds."""

    name: str
    interval: float
    run: Callable[[Runtime, WorkspaceId, datetime], object]


@dataclass(frozen=True, slots=True)
class TaskRun:
    task: str
    workspace_id: int
    outcome: str  # ok | failed | skipped (another process holds the lock)
    seconds: float
    error: str = ""


def _run_loyalty(rt: Runtime, workspace_id: WorkspaceId, now: datetime) -> object:
    from kizuna.loyalty import api as loyalty

    with transaction(rt.sessions) as session:
        return loyalty.run_programme(session, workspace_id, now=now)


def _check_recommendations(rt: Runtime, workspace_id: WorkspaceId, now: datetime) -> object:
    from kizuna.recommend import api as recommend

    return recommend.retrain_if_due(rt.sessions, workspace_id, now=now)


def _recompute_segments(rt: Runtime, workspace_id: WorkspaceId, now: datetime) -> object:
    from kizuna.segments import api as segments

    with transaction(rt.sessions) as session:
        return segments.recompute_all(session, workspace_id, now)


def _refresh_scores(rt: Runtime, workspace_id: WorkspaceId, now: datetime) -> object:
    from kizuna.segments import api as segments

    return segments.refresh_workspace_scores(rt.sessions, workspace_id, now,
                                             database_url=rt.settings.database_url)


def default_tasks(settings: Settings) -> list[Task]:
    return [
        Task("loyalty", settings.loyalty_run_seconds, _run_loyalty),
        Task("recommend", settings.recommend_check_seconds, _check_recommendations),
        Task("segments", settings.segment_recompute_seconds, _recompute_segments),
        Task("scores", settings.scores_refresh_seconds, _refresh_scores),
    ]


def lock_key(task: str, workspace_id: int) -> int:
    """A stable signed 64-bit advisory-lock key for (task, workspace)."""
    digest = hashlib.sha256(f"kizuna.housekeeping:{task}:{workspace_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def exclusive(engine: Engine, key: int) -> Iterator[bool]:
    """Yield True when this process may run the task (PostgreSQL: the advisory lock was free)."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as conn:
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        conn.commit()  # a session lock: no transaction left open while the task runs
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()


class Housekeeper:
    """Runs ``tasks`` for every workspace on their intervals, in one background thread."""

    def __init__(self, runtime: Runtime, tasks: Sequence[Task], *, tick: float = 1.0,
                 first_delay: float = 1.0) -> None:
        self.runtime = runtime
        self.tasks = list(tasks)
        self.tick = tick
        self.history: deque[TaskRun] = deque(maxlen=1000)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        start = time.monotonic() + first_delay
        self._next_due = {task.name: start for task in self.tasks}

    def workspace_ids(self) -> list[WorkspaceId]:
        with transaction(self.runtime.sessions) as session:
            return [w.id for w in workspaces.list_workspaces(session)]

    def run_task(self, task: Task, workspace_id: WorkspaceId) -> TaskRun:
        started = time.perf_counter()
        try:
            with exclusive(self.runtime.engine, lock_key(task.name, workspace_id)) as mine:
                if not mine:
                    run = TaskRun(task.name, workspace_id, "skipped", 0.0)
                else:
                    task.run(self.runtime, workspace_id, self.runtime.clock.now())
                    run = TaskRun(task.name, workspace_id, "ok",
                                  time.perf_counter() - started)
        except Exception as exc:
            log.exception("housekeeping task %r failed for workspace %s", task.name,
                          workspace_id)
            run = TaskRun(task.name, workspace_id, "failed", time.perf_counter() - started,
                          f"{type(exc).__name__}: {exc}")
        self.history.append(run)
        return run

    def run_due(self) -> list[TaskRun]:
        """Run every task whose time has come, for every workspace; schedule the next round."""
        now = time.monotonic()
        due = [t for t in self.tasks if self._next_due[t.name] <= now]
        if not due:
            return []
        try:
            workspace_ids = self.workspace_ids()
        except Exception:
            log.exception("housekeeping could not list workspaces")
            return []
        runs: list[TaskRun] = []
        for task in due:
            for workspace_id in workspace_ids:
                if self._stop.is_set():
                    return runs
                runs.append(self.run_task(task, workspace_id))
            self._next_due[task.name] = time.monotonic() + task.interval
        return runs

    def _loop(self) -> None:
        log.info("housekeeping started: %s",
                 ", ".join(f"{t.name} every {t.interval:g}s" for t in self.tasks))
        try:
            while not self._stop.is_set():
                self.run_due()
                wait = min(self._next_due.values(), default=time.monotonic() + self.tick)
                self._stop.wait(max(0.0, min(self.tick, wait - time.monotonic())))
        finally:
            _ACTIVE.release()
            log.info("housekeeping stopped")

    def start(self) -> bool:
        """Start the loop thread; False when another loop already runs in this process."""
        if not _ACTIVE.acquire(blocking=False):
            log.warning("housekeeping already runs in this process; not starting another")
            return False
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="kizuna-housekeeping",
                                        daemon=True)
        self._thread.start()
        return True

    def stop(self, timeout: float = 60.0) -> bool:
        """Ask the loop to stop, wait for the running task; True when the thread ended."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is None:
            return True
        thread.join(timeout)
        ended = not thread.is_alive()
        if not ended:
            log.warning("housekeeping still running a task after %ss; leaving it", timeout)
        return ended

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


@asynccontextmanager
async def running(runtime: Runtime, *, enabled: bool,
                  tasks: Sequence[Task] | None = None) -> AsyncIterator[Housekeeper | None]:
    """For the app lifespan: run the loop while the server serves (when ``enabled``)."""
    if not enabled:
        yield None
        return
    keeper = Housekeeper(runtime, tasks if tasks is not None else default_tasks(runtime.settings))
    started = keeper.start()
    try:
        yield keeper if started else None
    finally:
        if started:
            await asyncio.to_thread(keeper.stop)
