"""Journeys: the feed consumer's cost per event, and date-trigger enrolment on many profiles.

Run: python benchmarks/bench_journeys.py [sqlite|postgresql] [customers]   (default postgresql
100000)

1. ``apply_events``: 20 000 track events in batches of 1 000 (the dispatcher's batch), with
   three live journeys (one triggers on 10 % of the events and advances to a send at once,
   one has a goal event that is 5 % of the events, one triggers on an event nobody sends).
   Reported: events per second through the consumer, runs and send jobs created.
2. ``enrol_due_dates``: a birthday journey over N customers in two time zones, 1/365 of them
   with today's birthday. Reported: the time of the first tick (enrols) and of a second tick
   (nothing new: the steady-state cost every minute).
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from scratch_databases import drop_database, fresh_database

from kizuna.db.engine import make_engine, make_sessionmaker, transaction
from kizuna.db.migrate import upgrade_to_head
from kizuna.ingest.api import FeedEvent
from kizuna.journeys import api as journeys
from kizuna.types import WorkspaceId

NOW = datetime(2026, 12, 2, 0, 30, tzinfo=UTC)  # 09:30 Tokyo
HELLO = {"en": {"subject": "Hi", "text": "Hello"}}


def _fill(engine: sa.Engine, n: int) -> None:
    start = date(1980, 1, 1)
    with engine.begin() as c:
        c.execute(sa.text("INSERT INTO workspaces (id, slug, name, timezone, currency, "
                          "created_at) VALUES (1, 'b', 'b', 'Asia/Tokyo', 'JPY', :t)"),
                  {"t": NOW})
        rows = [{"ext": f"u{i}", "mail": f"u{i}@example.com",
                 "tz": "Asia/Tokyo" if i % 2 else "America/New_York",
                 "bd": start + timedelta(days=i % 365), "t": NOW} for i in range(n)]
        for i in range(0, n, 5000):
            c.execute(sa.text(
                "INSERT INTO customers (workspace_id, external_id, email, timezone, birthday, "
                "traits, first_seen_at, last_seen_at, created_at, updated_at) VALUES "
                "(1, :ext, :mail, :tz, :bd, '{}', :t, :t, :t, :t)"),
                rows[i:i + 5000])


def main() -> None:
    kind = sys.argv[1] if len(sys.argv) > 1 else "postgresql"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        url, name = fresh_database(kind, Path(tmp))
        engine = make_engine(url)
        try:
            upgrade_to_head(engine)
            _fill(engine, n)
            sessions = make_sessionmaker(engine)
            ws = WorkspaceId(1)
            with transaction(sessions) as s:
                for key, trigger, goal in (("cart", "Cart", None), ("goal", "Never", "Bought"),
                                           ("idle", "Nobody Sends This", None)):
                    doc = {"trigger": {"type": "event", "event": trigger}, "re_entry": "always",
                           "steps": [{"id": "hi", "type": "send", "template": HELLO},
                                     {"id": "w", "type": "wait", "duration": "1d"}]}
                    if goal:
                        doc["goal_event"] = goal
                    journeys.create_journey(s, ws, key=key, name=key, definition=doc, now=NOW)
                    journeys.set_status(s, ws, key, "live", now=NOW)
            events = [FeedEvent(id=i + 1, workspace_id=1, message_id=f"m{i}", type="track",
                                event="Cart" if i % 10 == 0 else "Bought" if i % 20 == 1
                                else "Page Viewed", customer_id=1 + (i * 7919) % n,
                                timestamp=NOW, received_at=NOW, properties={"cart_id": i})
                      for i in range(20_000)]
            t0 = time.perf_counter()
            for i in range(0, len(events), 1000):
                with transaction(sessions) as s:
                    journeys.apply_events(s, events[i:i + 1000], NOW)
            took = time.perf_counter() - t0
            with engine.connect() as c:
                runs = c.execute(sa.text("SELECT count(*) FROM journey_runs")).scalar()
                jobs = c.execute(sa.text("SELECT count(*) FROM outbox_jobs")).scalar()
            print(f"[{kind}] apply_events: {len(events):,} events in {took:.2f}s = "
                  f"{len(events) / took:,.0f} events/s ({runs:,} runs, {jobs:,} send jobs)")

            with transaction(sessions) as s:
                journeys.create_journey(s, ws, key="bday", name="bday", now=NOW,
                                        definition=journeys.template("birthday").definition)
                journeys.set_status(s, ws, "bday", "live", now=NOW)
            for label in ("first tick", "second tick"):
                t0 = time.perf_counter()
                enrolled = journeys.enrol_due_dates(sessions, NOW)
                print(f"[{kind}] birthday {label} over {n:,} customers: {enrolled:,} enrolled "
                      f"in {time.perf_counter() - t0:.3f}s")
            t0 = time.perf_counter()
            resumed = journeys.advance_due(sessions, NOW, limit=500)
            print(f"[{kind}] advance_due: {resumed:,} runs started in "
                  f"{time.perf_counter() - t0:.3f}s")
        finally:
            engine.dispose()
            drop_database(name)


if __name__ == "__main__":
    main()
