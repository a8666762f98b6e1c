"""Refresh of the per-customer metric scores on N profiles (PostgreSQL).

Run: python benchmarks/bench_scores.py [n] [postgresql|sqlite]   (default 100000 postgresql)

A throwaway PostgreSQL database gets N customers with 1..7 completed orders each (about 4·N;
the last one 0..430 days ago, one every 5..64 days before it, so the CLV models fit), one
page view per customer and an NPS answer (``Survey Responded``) for every fifth customer,
all by bulk ``INSERT … SELECT generate_series``. One segment uses a metric condition. Timed:

* the first ``refresh_scores`` (every row new: snapshot + RFM + CLV + NPS + stages +
  engagement in DuckDB, bulk upsert of N rows, full recompute of the metric segment);
* a second refresh at the same instant (nothing changed: diff only);
* a refresh one day later (P(alive) and CLV move for most customers: bulk update);
* ``preview_size`` of a metric condition.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from scratch_databases import drop_database, fresh_database

from kizuna.db.engine import make_engine, make_sessionmaker
from kizuna.db.metadata import import_all_tables
from kizuna.db.migrate import upgrade_to_head
from kizuna.segments import api as segments
from kizuna.types import WorkspaceId

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
WS = WorkspaceId(1)
COND = {"all": [{"metric": "rfm_segment", "op": "in", "value": ["At Risk", "Cannot Lose Them"]},
                {"metric": "p_alive", "op": "lt", "value": 0.5}]}


def fill(engine: sa.Engine, n: int) -> None:
    with engine.begin() as c:
        c.exec_driver_sql("INSERT INTO workspaces (id, slug, name, timezone, currency, created_at)"
                          " VALUES (1, 'bench', 'bench', 'Asia/Tokyo', 'JPY', now())")
        c.exec_driver_sql("INSERT INTO sources (workspace_id, name, kind, write_key_hash, "
                          "write_key_prefix, created_at) VALUES (1, 'bench', 'import', "
                          "'x', 'x', now())")
        c.exec_driver_sql(f"""
            INSERT INTO customers (workspace_id, external_id, traits, first_seen_at,
                                   last_seen_at, created_at, updated_at)
            SELECT 1, 'u' || g, '{{}}'::jsonb, now(), now(), now(), now()
            FROM generate_series(1, {n}) g""")
        # customer c: 1..7 orders, the last one 0..430 days ago, one every 5..64 days before
        c.exec_driver_sql(f"""
            INSERT INTO orders (workspace_id, external_id, customer_id, status, placed_at,
                                total, origin, created_at)
            SELECT 1, 'o' || c || '-' || j, c, 'completed',
                   '2026-12-01'::timestamptz - ((mod(c::bigint * 7919, 430)
                       + j * (5 + mod(c::bigint * 31, 60))) || ' days')::interval,
                   20 + mod(c::bigint * 17 + j * 7, 90), 'import', now()
            FROM generate_series(1, {n}) c, generate_series(0, mod(c * 13, 7)) j""")
        c.exec_driver_sql(f"""
            INSERT INTO events (workspace_id, source_id, message_id, type, event, name,
                                customer_id, timestamp, received_at, properties)
            SELECT 1, (SELECT min(id) FROM sources), 'p' || g, 'page', NULL, 'Home', g,
                   '2026-12-01'::timestamptz - (mod(g, 80) || ' days')::interval, now(),
                   '{{}}'::jsonb
            FROM generate_series(1, {n}) g
            UNION ALL
            SELECT 1, (SELECT min(id) FROM sources), 'n' || g, 'track', 'Survey Responded', NULL, g,
                   '2026-12-01'::timestamptz - (mod(g, 60) || ' days')::interval, now(),
                   jsonb_build_object('survey_type', 'nps', 'score', mod(g, 11))
            FROM generate_series(1, {n}, 5) g""")
        c.exec_driver_sql("ANALYZE")


def fill_sqlite(engine: sa.Engine, n: int) -> None:
    """The same shop as ``fill``, through SQLAlchemy Core executemany (SQLite)."""
    md = import_all_tables()
    t = md.tables
    at = datetime(2026, 12, 1, tzinfo=UTC)
    with engine.begin() as c:
        c.execute(t["workspaces"].insert(), [{"id": 1, "slug": "bench", "name": "bench",
                                              "timezone": "Asia/Tokyo", "currency": "JPY",
                                              "created_at": at}])
        c.execute(t["sources"].insert(), [{"workspace_id": 1, "name": "bench", "kind": "import",
                                           "write_key_hash": "x", "write_key_prefix": "x",
                                           "created_at": at}])
        source = c.execute(sa.select(sa.func.min(t["sources"].c.id))).scalar()
        c.execute(t["customers"].insert(), [
            {"id": i, "workspace_id": 1, "external_id": f"u{i}", "traits": {},
             "first_seen_at": at, "last_seen_at": at, "created_at": at, "updated_at": at}
            for i in range(1, n + 1)])
        c.execute(t["orders"].insert(), [
            {"workspace_id": 1, "external_id": f"o{i}-{j}", "customer_id": i,
             "status": "completed", "origin": "import", "created_at": at,
             "placed_at": at - timedelta(days=(i * 7919) % 430 + j * (5 + (i * 31) % 60)),
             "total": 20 + (i * 17 + j * 7) % 90}
            for i in range(1, n + 1) for j in range((i * 13) % 7 + 1)])
        events = [{"workspace_id": 1, "source_id": source, "message_id": f"p{i}",
                   "type": "page", "event": None, "name": "Home", "customer_id": i,
                   "received_at": at, "timestamp": at - timedelta(days=i % 80), "properties": {}}
                  for i in range(1, n + 1)]
        events += [{"workspace_id": 1, "source_id": source, "message_id": f"n{i}",
                    "type": "track", "event": "Survey Responded", "name": None,
                    "customer_id": i,
                    "received_at": at, "timestamp": at - timedelta(days=i % 60),
                    "properties": {"survey_type": "nps", "score": i % 11}}
                   for i in range(1, n + 1, 5)]
        c.execute(t["events"].insert(), events)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    kind = sys.argv[2] if len(sys.argv) > 2 else "postgresql"
    url, name = fresh_database(kind, Path(tempfile.gettempdir()))
    engine = make_engine(url)
    try:
        upgrade_to_head(engine)
        t0 = time.perf_counter()
        (fill if kind == "postgresql" else fill_sqlite)(engine, n)
        print(f"fill {n:,} customers: {time.perf_counter() - t0:.1f} s")
        sessions = make_sessionmaker(engine)
        with sessions.begin() as s:
            segments.create_segment(s, WS, key="risky", name="Risky", condition=COND, now=NOW)
        for label, at in (("first refresh (all new)", NOW), ("again, nothing changed", NOW),
                          ("one day later", NOW + timedelta(days=1))):
            start = time.perf_counter()
            done = segments.refresh_workspace_scores(sessions, WS, at, database_url=url)
            took = time.perf_counter() - start
            print(f"{label:<26} {took:7.2f} s  (analytics {done.compute_seconds:.2f} s, "
                  f"store {done.store_seconds:.2f} s, segments {done.segment_seconds:.2f} s)"
                  f"  n={done.n:,} changed={done.changed:,} segments={done.segments} "
                  f"notes={done.notes}")
        start = time.perf_counter()
        with sessions() as s:
            p = segments.preview_size(s, WS, COND, NOW + timedelta(days=1))
        print(f"{'preview_size':<26} {time.perf_counter() - start:7.2f} s  size={p.size:,}")
    finally:
        engine.dispose()
        drop_database(name)


if __name__ == "__main__":
    main()
