"""The event-feed dispatcher: hands newly stored events to consumers and runs periodic tickers.

A background loop (inside ``kizuna serve`` and ``kizuna worker``) tails the event feed
(``ingest.read_feed``) and calls every registered :class:`Consumer` with the events stored
since its persisted position, and runs every :class:`Ticker` on its interval.

* **One transaction per batch**: a consumer's writes and its new position commit together.
  Delivery is at least once (after a crash, or a gap that resolved late, an event may be
  handed over again): consumers must be idempotent by event id.
* **A failing consumer** is logged with its name, rolled back, keeps its position and backs
  off exponentially (capped at 30 s); the other consumers go on. After
  :data:`POISON_AFTER` failures of the same batch its events are retried one by one and the
  one that still fails is skipped (logged at ERROR with its id).
* **Gaps** (PostgreSQL): ids become visible out of commit order and ``ON CONFLICT DO
  NOTHING`` burns ids. Events above a gap are handed over at once and remembered in memory;
  the persisted position only moves up to the first gap that is younger than
  ``gap_wait_seconds`` (measured from when the dispatcher first saw it). An event whose
  transaction commits later than that after its id was taken is not handed over.
* **A new consumer starts at the current end of the feed** (``ingest.latest_event_id``), not
  at 0: registering a consumer does not replay the history.
* **One active dispatcher** across processes on PostgreSQL (a session advisory lock held
  while it runs; the others stand by and retry every few seconds). SQLite: one process.

Other pieces register with one line in :func:`default_consumers` / :func:`default_tickers`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session, sessionmaker

from kizuna.db.engine import transaction
from kizuna.ingest import api as ingest
from kizuna.ingest.api import FeedEvent
from kizuna.ingest.feed_tables import EventFeedCursorRow
from kizuna.runtime import Runtime
from kizuna.settings import Settings

log = logging.getLogger("kizuna.dispatch")

POISON_AFTER = 3  # failures of the same batch before it is retried event by event
BACKOFF_CAP_SECONDS = 30.0
STANDBY_RETRY_SECONDS = 3.0
MAX_TRACKED_GAP = 100_000  # a jump in ids larger than this is not waited for


@dataclass(frozen=True, slots=True)
class Consumer:
    """Reacts to stored events: ``handle(session, events, now)`` inside the batch's
    transaction (do not commit). Must be idempotent by event id."""

    name: str
    handle: Callable[[Session, Sequence[FeedEvent], datetime], None]


@dataclass(frozen=True, slots=True)
class Ticker:
    """Periodic work: ``run(sessions, now)`` every ``interval_seconds`` (opens its own
    transactions)."""

    name: str
    interval_seconds: float
    run: Callable[[sessionmaker[Session], datetime], object]


def default_consumers(settings: Settings) -> list[Consumer]:
    """The consumers every dispatcher runs (one line per piece)."""
    from kizuna.journeys import api as journeys
    from kizuna.segments import api as segments

    return [
        Consumer("segments", segments.apply_events),
        Consumer("journeys", journeys.apply_events),
    ]


def default_tickers(settings: Settings) -> list[Ticker]:
    """The tickers every dispatcher runs (one line per piece)."""
    from kizuna.broadcasts import api as broadcasts
    from kizuna.journeys import api as journeys
    from kizuna.segments import api as segments

    return [
        Ticker("segments.time_sweep", settings.segment_time_sweep_seconds,
               segments.sweep_time_windows),
        Ticker("segments.consents", 1.0, segments.sweep_consents),
        Ticker("broadcasts.send_due", 5.0, broadcasts.send_due),
        Ticker("journeys.advance_due", journeys.TICK_SECONDS, journeys.advance_due),
    ]


@dataclass
class _ConsumerState:
    consumer: Consumer
    position: int = -1  # persisted; -1 until loaded
    high: int = -1  # highest id handed over
    seen: set[int] = field(default_factory=set)  # handed over, above position
    gaps: dict[int, float] = field(default_factory=dict)  # missing id -> monotonic noticed
    failures: int = 0
    failing_from: int | None = None  # first event id of the failing batch
    retry_at: float = 0.0
    last_error: str = ""
    handled: int = 0


@dataclass
class _TickerState:
    ticker: Ticker
    next_due: float = 0.0
    runs: int = 0
    last_result: object = None
    last_error: str = ""


@dataclass(frozen=True, slots=True)
class ConsumerStatus:
    consumer: str
    position: int
    lag_events: int
    lag_seconds: float
    updated_at: datetime
    last_error: str
    last_error_at: datetime | None


def _lock_key() -> int:
    digest = hashlib.sha256(b"kizuna.dispatch").digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _first_gap_below(gaps: dict[int, float], high: int) -> int:
    return min((g for g in gaps if g <= high), default=high + 1)


class Dispatcher:
    """Tails the event feed for ``consumers`` and runs ``tickers``, in one background thread."""

    def __init__(self, runtime: Runtime, consumers: Sequence[Consumer],
                 tickers: Sequence[Ticker] = (), *, poll_seconds: float = 0.1,
                 batch: int = 2000, gap_wait_seconds: float = 5.0) -> None:
        names = [c.name for c in consumers]
        if len(set(names)) != len(names):
            raise ValueError(f"consumer names must be unique: {names}")
        self.runtime = runtime
        self.poll_seconds = poll_seconds
        self.batch = batch
        self.gap_wait_seconds = gap_wait_seconds
        self._consumers = [_ConsumerState(c) for c in consumers]
        start = time.monotonic()
        self._tickers = [_TickerState(t, start + min(t.interval_seconds, 1.0))
                         for t in tickers]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_conn: Connection | None = None
        self.active = False  # holds the lock (or SQLite) and dispatches

    # -- persisted positions -------------------------------------------------------------
    def _load(self, state: _ConsumerState) -> None:
        now = self.runtime.clock.now()
        with transaction(self.runtime.sessions) as session:
            row = session.get(EventFeedCursorRow, state.consumer.name)
            if row is None:
                row = EventFeedCursorRow(consumer=state.consumer.name,
                                         position=ingest.latest_event_id(session),
                                         updated_at=now)
                session.add(row)
                log.info("consumer %r starts at event %s (the end of the feed)",
                         state.consumer.name, row.position)
            state.position = state.high = int(row.position)
            state.seen.clear()
            state.gaps.clear()

    def _save_error(self, state: _ConsumerState, error: str) -> None:
        with suppress(Exception), transaction(self.runtime.sessions) as session:
            row = session.get(EventFeedCursorRow, state.consumer.name)
            if row is not None:
                row.last_error, row.last_error_at = error[:2000], self.runtime.clock.now()

    # -- one consumer ----------------------------------------------------------------------
    def _next_state(self, state: _ConsumerState, events: Sequence[FeedEvent],
                    fresh: Sequence[FeedEvent]) -> tuple[int, int, set[int], dict[int, float]]:
        """Position, high, seen and gaps after ``events`` (of which ``fresh`` are above
        ``high``) were handed over."""
        mono = time.monotonic()
        gaps = dict(state.gaps)
        for e in events:
            gaps.pop(e.id, None)
        high = state.high
        for e in fresh:
            if e.id - high - 1 > MAX_TRACKED_GAP:
                log.warning("consumer %r: ids %s..%s never seen; not waiting for them",
                            state.consumer.name, high + 1, e.id - 1)
            else:
                for missing in range(high + 1, e.id):
                    gaps[missing] = mono
            high = max(high, e.id)
        expired = [g for g, seen_at in gaps.items() if mono - seen_at >= self.gap_wait_seconds]
        for g in expired:
            del gaps[g]
        if expired:
            log.debug("consumer %r: moving past %d missing id(s) (waited %ss)",
                      state.consumer.name, len(expired), self.gap_wait_seconds)
        position = max(state.position, _first_gap_below(gaps, high) - 1)
        seen = {i for i in state.seen if i > position}
        seen.update(e.id for e in events if e.id > position)
        return position, high, seen, gaps

    def _commit(self, state: _ConsumerState, events: Sequence[FeedEvent],
                fresh: Sequence[FeedEvent], handle: bool) -> None:
        position, high, seen, gaps = self._next_state(state, events, fresh)
        if not events and position == state.position:
            state.high, state.seen, state.gaps = high, seen, gaps
            return
        now = self.runtime.clock.now()
        with transaction(self.runtime.sessions) as session:
            if events and handle:
                state.consumer.handle(session, events, now)
            if position != state.position:
                row = session.get(EventFeedCursorRow, state.consumer.name)
                if row is None:
                    session.add(EventFeedCursorRow(consumer=state.consumer.name,
                                                   position=position, updated_at=now))
                else:
                    row.position, row.updated_at = position, now
                    row.last_error, row.last_error_at = None, None
        state.position, state.high, state.seen, state.gaps = position, high, seen, gaps
        state.handled += len(events)

    def _one_by_one(self, state: _ConsumerState, events: Sequence[FeedEvent]) -> None:
        """Retry a batch that kept failing event by event; skip the ones that still fail."""
        now = self.runtime.clock.now()
        for e in events:
            try:
                with transaction(self.runtime.sessions) as session:
                    state.consumer.handle(session, [e], now)
            except Exception:
                log.exception("consumer %r: skipping event %s (message %s) that keeps failing",
                              state.consumer.name, e.id, e.message_id)
                log.error("consumer %r skipped event id %s", state.consumer.name, e.id)

    def _pass(self, state: _ConsumerState) -> int:
        if time.monotonic() < state.retry_at:
            return 0
        if state.position < 0:
            self._load(state)
        with self.runtime.sessions() as session:
            late = ingest.read_feed_ids(session, list(state.gaps)) if state.gaps else []
            fresh = ingest.read_feed(session, after_id=state.high, limit=self.batch)
        events = sorted([*late, *fresh], key=lambda e: e.id)
        events = [e for e in events if e.id not in state.seen]
        if (events and state.failures >= POISON_AFTER
                and state.failing_from == events[0].id):
            self._one_by_one(state, events)
            self._commit(state, events, fresh, handle=False)
            state.failures, state.failing_from, state.last_error = 0, None, ""
            return len(events)
        try:
            self._commit(state, events, fresh, handle=True)
        except Exception as exc:
            first = events[0].id if events else None
            state.failures = state.failures + 1 if state.failing_from == first else 1
            state.failing_from = first
            wait = min(BACKOFF_CAP_SECONDS, 0.5 * 2 ** (state.failures - 1))
            state.retry_at = time.monotonic() + wait
            state.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("consumer %r failed on %d event(s) from id %s (attempt %d); "
                          "retrying in %.1fs", state.consumer.name, len(events), first,
                          state.failures, wait)
            self._save_error(state, state.last_error)
            return 0
        state.failures, state.failing_from, state.last_error = 0, None, ""
        return len(events)

    # -- tickers -----------------------------------------------------------------------------
    def _tick(self, state: _TickerState, force: bool = False) -> None:
        if not force and time.monotonic() < state.next_due:
            return
        try:
            state.last_result = state.ticker.run(self.runtime.sessions, self.runtime.clock.now())
            state.last_error = ""
        except Exception as exc:
            state.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("ticker %r failed", state.ticker.name)
        state.runs += 1
        state.next_due = time.monotonic() + state.ticker.interval_seconds

    def run_once(self, *, tickers: bool = True, force_tickers: bool = False) -> int:
        """One pass: every consumer once, then the due tickers (``force_tickers``: all).
        Returns the number of events handed over."""
        handled = 0
        for state in self._consumers:
            if self._stop.is_set():
                break
            try:
                handled += self._pass(state)
            except Exception:  # reading the feed or the cursor failed (database away)
                log.exception("dispatcher pass for consumer %r failed", state.consumer.name)
                state.retry_at = time.monotonic() + 1.0
        if tickers:
            for ticker in self._tickers:
                if self._stop.is_set():
                    break
                self._tick(ticker, force_tickers)
        return handled

    def drain(self, *, max_passes: int = 1000) -> int:
        """Run passes until no consumer has events left (tests, ``--once``)."""
        total = 0
        for _ in range(max_passes):
            n = self.run_once(tickers=False)
            total += n
            if n == 0:
                break
        return total

    # -- the thread ----------------------------------------------------------------------------
    def _acquire(self) -> bool:
        if self.runtime.engine.dialect.name != "postgresql":
            return True
        conn = self.runtime.engine.connect()
        try:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                    {"k": _lock_key()}).scalar())
            conn.commit()
        except Exception:
            conn.close()
            raise
        if got:
            self._lock_conn = conn
        else:
            conn.close()
        return got

    def _release(self) -> None:
        conn, self._lock_conn = self._lock_conn, None
        if conn is None:
            return
        with suppress(Exception):
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _lock_key()})
            conn.commit()
        with suppress(Exception):
            conn.close()

    def _loop(self) -> None:
        log.info("dispatcher started: consumers %s; tickers %s",
                 ", ".join(s.consumer.name for s in self._consumers) or "-",
                 ", ".join(f"{t.ticker.name} every {t.ticker.interval_seconds:g}s"
                           for t in self._tickers) or "-")
        try:
            while not self._stop.is_set():
                if not self.active:
                    try:
                        self.active = self._acquire()
                    except Exception:
                        log.exception("dispatcher could not reach the database")
                    if not self.active:
                        self._stop.wait(STANDBY_RETRY_SECONDS)
                        continue
                    log.info("dispatcher active")
                    for state in self._consumers:
                        state.position = -1  # reload: another process may have moved it
                handled = self.run_once()
                if handled < self.batch:
                    self._stop.wait(self.poll_seconds)
        finally:
            self.active = False
            self._release()
            log.info("dispatcher stopped")

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="kizuna-dispatch", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop after the running batch; True when the thread ended."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def consumer_positions(self) -> dict[str, int]:
        return {s.consumer.name: s.position for s in self._consumers}

    def ticker_results(self) -> dict[str, object]:
        return {t.ticker.name: t.last_result for t in self._tickers}


def build(runtime: Runtime, settings: Settings | None = None, **kwargs: float) -> Dispatcher:
    """A dispatcher with the default consumers and tickers."""
    s = settings or runtime.settings
    return Dispatcher(runtime, default_consumers(s), default_tickers(s),
                      poll_seconds=kwargs.get("poll_seconds", s.dispatch_poll_seconds),
                      gap_wait_seconds=kwargs.get("gap_wait_seconds",
                                                  s.dispatch_gap_wait_seconds))


def status(session: Session, now: datetime) -> list[ConsumerStatus]:
    """Every consumer's persisted position and how far behind the feed it is."""
    from sqlalchemy import select

    latest = ingest.latest_event_id(session)
    out: list[ConsumerStatus] = []
    for row in session.scalars(select(EventFeedCursorRow).order_by(EventFeedCursorRow.consumer)):
        nxt = ingest.read_feed(session, after_id=int(row.position), limit=1)
        lag_seconds = max(0.0, (now - nxt[0].received_at).total_seconds()) if nxt else 0.0
        out.append(ConsumerStatus(
            consumer=row.consumer, position=int(row.position),
            lag_events=max(0, latest - int(row.position)), lag_seconds=lag_seconds,
            updated_at=row.updated_at, last_error=row.last_error or "",
            last_error_at=row.last_error_at))
    return out


@asynccontextmanager
async def running(runtime: Runtime, settings: Settings, *,
                  enabled: bool) -> AsyncIterator[Dispatcher | None]:
    """For the app lifespan: run the dispatcher while the server serves (when ``enabled``)."""
    if not enabled:
        yield None
        return
    dispatcher = build(runtime, settings)
    dispatcher.start()
    try:
        yield dispatcher
    finally:
        await asyncio.to_thread(dispatcher.stop)
