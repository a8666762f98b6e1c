"""The event-feed dispatcher on real SQLite and PostgreSQL: positions committed with the
consumer's writes, a new consumer at the end of the feed, failures and poison events, gaps
from out-of-order commits and burnt ids, one active dispatcher across processes."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kizuna import dispatch
from kizuna.db.metadata import import_all_tables
from kizuna.dispatch import Consumer, Dispatcher, Ticker
from kizuna.ingest import api as ingest
from kizuna.ingest.api import FeedEvent
from kizuna.ingest.feed_tables import EventFeedCursorRow
from kizuna.runtime import Runtime
from kizuna.types import WorkspaceId
from kizuna.workspaces.contracts import Workspace


def _send(runtime: Runtime, write_key: str, *names: str, session: Session | None = None) -> None:
    messages = [{"type": "track", "messageId": f"m-{name}", "userId": f"u-{name}", "event": name}
                for name in names]

    def go(s: Session) -> None:
        source = ingest.find_source_by_write_key(s, write_key)
        assert source is not None
        ingest.ingest_messages(s, source=source, messages=messages,
                               received_at=runtime.clock.now())

    if session is not None:
        go(session)
        return
    with runtime.sessions.begin() as s:
        go(s)


class Recorder:
    """A consumer that remembers the events (names) it was handed, optionally failing."""

    def __init__(self, fail_on: str | None = None, write: bool = False) -> None:
        self.seen: list[str] = []
        self.fail_on = fail_on
        self.write = write
        self.calls = 0

    def handle(self, session: Session, events: Sequence[FeedEvent], now: datetime) -> None:
        self.calls += 1
        for e in events:
            if e.event and e.event.startswith("Seen "):
                continue
            if self.write and e.customer_id is not None:
                ingest.record_customer_event(session, WorkspaceId(e.workspace_id),
                                             customer_id=e.customer_id, event=f"Seen {e.event}",
                                             properties={}, at=now, message_id=f"seen:{e.id}")
            if e.event == self.fail_on:
                raise RuntimeError(f"cannot handle {e.event}")
        self.seen.extend(str(e.event) for e in events
                         if not (e.event or "").startswith("Seen "))


def _position(runtime: Runtime, name: str) -> int | None:
    with runtime.sessions() as s:
        row = s.get(EventFeedCursorRow, name)
        return None if row is None else int(row.position)


def _event_names(runtime: Runtime) -> list[str]:
    events = import_all_tables().tables["events"]
    with runtime.sessions() as s:
        return [str(n) for n in s.scalars(select(events.c.event).order_by(events.c.id))]


def test_new_consumer_starts_at_the_end_and_follows(runtime: Runtime, workspace: Workspace,
                                                    write_key: str) -> None:
    _send(runtime, write_key, "Old")
    rec = Recorder()
    d = Dispatcher(runtime, [Consumer("rec", rec.handle)])
    assert d.run_once() == 0  # the history is not replayed
    start = _position(runtime, "rec")
    assert start is not None and start > 0
    _send(runtime, write_key, "A", "B")
    assert d.run_once() == 2
    assert rec.seen == ["A", "B"]
    assert _position(runtime, "rec") == start + 2
    # a restarted dispatcher continues from the saved position
    again = Recorder()
    d2 = Dispatcher(runtime, [Consumer("rec", again.handle)])
    _send(runtime, write_key, "C")
    d2.drain()
    assert again.seen == ["C"]
    with runtime.sessions() as s:
        status = dispatch.status(s, runtime.clock.now())
    assert [(x.consumer, x.lag_events, x.last_error) for x in status] == [("rec", 0, "")]


def test_failure_rolls_back_writes_keeps_position_and_others_go_on(
        runtime: Runtime, workspace: Workspace, write_key: str) -> None:
    bad, good = Recorder(fail_on="B", write=True), Recorder()
    d = Dispatcher(runtime, [Consumer("bad", bad.handle), Consumer("good", good.handle)])
    d.run_once()
    before = _position(runtime, "bad")
    _send(runtime, write_key, "A", "B")
    d.run_once()
    assert good.seen == ["A", "B"]
    assert bad.seen == [] and _position(runtime, "bad") == before
    assert "Seen A" not in _event_names(runtime)  # its writes were rolled back
    with runtime.sessions() as s:
        row = s.get(EventFeedCursorRow, "bad")
        assert row is not None and "cannot handle B" in (row.last_error or "")
    assert d.run_once() == 0  # backing off: not retried at once
    assert bad.calls == 1


def test_poison_event_is_skipped_after_repeated_failures(
        runtime: Runtime, workspace: Workspace, write_key: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatch, "BACKOFF_CAP_SECONDS", 0.0)
    bad = Recorder(fail_on="B", write=True)
    d = Dispatcher(runtime, [Consumer("bad", bad.handle)])
    d.run_once()
    start = _position(runtime, "bad")
    assert start is not None
    _send(runtime, write_key, "A", "B", "C")
    for _ in range(dispatch.POISON_AFTER):
        d.run_once()
    assert _position(runtime, "bad") == start
    d.run_once()  # one by one: A and C handled, B skipped
    assert _position(runtime, "bad") == start + 3
    names = _event_names(runtime)
    assert "Seen A" in names and "Seen C" in names and "Seen B" not in names
    _send(runtime, write_key, "D")
    d.run_once()
    assert bad.seen[-1] == "D"


def test_tickers_run_on_their_interval(runtime: Runtime, workspace: Workspace) -> None:
    runs: list[datetime] = []

    def tick(_sessions: sessionmaker[Session], now: datetime) -> object:
        runs.append(now)
        return len(runs)

    d = Dispatcher(runtime, [], [Ticker("t", 3600, tick)])
    d.run_once(force_tickers=True)
    d.run_once()  # not due again for an hour
    assert len(runs) == 1 and d.ticker_results() == {"t": 1}


def test_background_thread_dispatches(runtime: Runtime, workspace: Workspace,
                                      write_key: str) -> None:
    rec = Recorder()
    d = Dispatcher(runtime, [Consumer("rec", rec.handle)], poll_seconds=0.02)
    d.run_once()
    d.start()
    try:
        _send(runtime, write_key, "A")
        deadline = time.monotonic() + 10
        while rec.seen != ["A"] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert rec.seen == ["A"] and d.active
    finally:
        assert d.stop()


@pytest.mark.postgres
def test_out_of_order_commits_are_not_missed(runtime: Runtime, workspace: Workspace,
                                             write_key: str, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("ids become visible out of order only on PostgreSQL")
    rec = Recorder()
    d = Dispatcher(runtime, [Consumer("rec", rec.handle)], gap_wait_seconds=30)
    d.run_once()
    start = _position(runtime, "rec")
    assert start is not None
    early = runtime.sessions()
    early.begin()
    _send(runtime, write_key, "Early", session=early)  # takes the lower id, commits last
    _send(runtime, write_key, "Late")  # the higher id, committed first
    d.run_once()
    assert rec.seen == ["Late"]  # handed over at once, not held back by the gap
    assert _position(runtime, "rec") == start  # but the saved position waits below the gap
    early.commit()
    early.close()
    d.run_once()
    assert sorted(rec.seen) == ["Early", "Late"] and len(rec.seen) == 2
    assert _position(runtime, "rec") == start + 2
    d.run_once()
    assert len(rec.seen) == 2  # nothing handed over twice


@pytest.mark.postgres
def test_a_burnt_id_blocks_the_position_only_for_the_wait(
        runtime: Runtime, workspace: Workspace, write_key: str, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("rolled-back inserts burn ids only on PostgreSQL")
    rec = Recorder()
    d = Dispatcher(runtime, [Consumer("rec", rec.handle)], gap_wait_seconds=0.5)
    d.run_once()
    start = _position(runtime, "rec")
    assert start is not None
    burnt = runtime.sessions()
    burnt.begin()
    _send(runtime, write_key, "Never", session=burnt)
    _send(runtime, write_key, "After")
    burnt.rollback()
    burnt.close()
    d.run_once()
    assert rec.seen == ["After"] and _position(runtime, "rec") == start
    time.sleep(0.6)
    d.run_once()
    assert _position(runtime, "rec") == start + 2
    assert rec.seen == ["After"]


@pytest.mark.postgres
def test_one_active_dispatcher_across_processes(runtime: Runtime, workspace: Workspace,
                                                database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the advisory lock is PostgreSQL's")
    first = Dispatcher(runtime, [], poll_seconds=0.02)
    second = Dispatcher(runtime, [], poll_seconds=0.02)
    first.start()
    try:
        deadline = time.monotonic() + 10
        while not first.active and time.monotonic() < deadline:
            time.sleep(0.02)
        second.start()
        time.sleep(0.3)
        assert first.active and not second.active
    finally:
        assert first.stop()
    try:
        deadline = time.monotonic() + 10
        while not second.active and time.monotonic() < deadline:
            time.sleep(0.05)
        assert second.active  # took over after its standby retry
    finally:
        assert second.stop()
