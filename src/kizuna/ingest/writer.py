"""Group commit: concurrent ingest requests share one transaction.

Under load, most of an ingest request's cost is per transaction, not per event: the commit
(WAL write / fsync), the identity lookup, the lock (SQLite has one writer at a time). The
:class:`IngestWriter` lets requests that arrive while a transaction is running queue up; the
next one to run takes every queued request and stores them all in one transaction, one
identity resolution and one insert per source (leader/follower, no extra thread).

All-or-nothing still holds per request: messages are validated before they are queued, and a
request's messages are committed together or not at all. If a shared transaction fails, each
of its requests is retried in a transaction of its own, so one request's failure never fails
another's.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from kizuna.db.translate import translate_db_errors
from kizuna.ingest import logic, store
from kizuna.ingest.contracts import IngestOutcome, Message, Source


@dataclass
class _Job:
    source: Source
    messages: Sequence[Message]
    received_at: datetime
    rows: list[dict[str, Any]]
    done: bool = False
    inserted: int = 0
    error: BaseException | None = None
    message_ids: set[str] = field(default_factory=set)


class IngestWriter:
    """Stores validated messages, sharing transactions between concurrent callers."""

    def __init__(self, sessions: sessionmaker[Session], *, max_events: int = 5000) -> None:
        self._sessions = sessions
        self._max_events = max_events
        self._cond = threading.Condition()
        self._pending: list[_Job] = []
        self._busy = False

    def write(
        self, *, source: Source, messages: Sequence[Message], received_at: datetime
    ) -> IngestOutcome:
        """Store ``messages`` (blocking until committed); raises what storing raised."""
        if not messages:
            return IngestOutcome(accepted=0, duplicates=0)
        job = _Job(
            source=source,
            messages=messages,
            received_at=received_at,
            rows=[store.event_row(source, m, None) for m in messages],
        )
        with self._cond:
            self._pending.append(job)
            while self._busy and not job.done:
                self._cond.wait()
            if not job.done:
                self._busy = True
                group = self._take(job)
            else:
                group = []
        if group:
            try:
                self._run(group)
            except BaseException as exc:  # never leave a follower without an answer
                for other in group:
                    if not other.done and other.error is None:
                        other.error = exc
                raise
            finally:
                with self._cond:
                    for other in group:
                        other.done = True
                    self._busy = False
                    self._cond.notify_all()
        if job.error is not None:
            raise job.error
        return IngestOutcome(accepted=job.inserted, duplicates=len(messages) - job.inserted)

    def _take(self, leader: _Job) -> list[_Job]:
        """Queued jobs, oldest first, up to ``max_events`` (always including the leader)."""
        group: list[_Job] = []
        size = 0
        for job in self._pending:
            if group and size + len(job.messages) > self._max_events and job is not leader:
                continue
            group.append(job)
            size += len(job.messages)
        taken = set(map(id, group))
        self._pending = [j for j in self._pending if id(j) not in taken]
        return group

    def _run(self, group: list[_Job]) -> None:
        try:
            with translate_db_errors(), self._sessions() as session, session.begin():
                self._store(session, group)
        except Exception as exc:
            if len(group) == 1:
                group[0].error = exc
                self._finish(group)
                return
            for job in group:  # isolate the failure: each request on its own
                try:
                    with translate_db_errors(), self._sessions() as session, session.begin():
                        self._store(session, [job])
                except Exception as exc:
                    job.error = exc
                    job.inserted = 0
            self._finish(group)
            return
        self._finish(group)

    def _store(self, session: Session, group: list[_Job]) -> None:
        by_source: dict[int, list[_Job]] = {}
        for job in group:
            by_source.setdefault(job.source.id, []).append(job)
        for jobs in by_source.values():
            messages = [m for job in jobs for m in job.messages]
            rows = [row for job in jobs for row in job.rows]
            received_at = max(job.received_at for job in jobs)
            inserted = logic.store_new(
                session, source=jobs[0].source, messages=messages, received_at=received_at,
                rows=rows,
            )  # fmt: skip
            claimed: set[str] = set()
            for job in jobs:
                ids = {m.message_id for m in job.messages if m.message_id in inserted}
                job.inserted = len(ids - claimed)
                claimed |= ids

    def _finish(self, group: list[_Job]) -> None:
        with self._cond:
            for job in group:
                job.done = True
            self._cond.notify_all()
