"""A broadcast to a 100 k-member segment, and its results, on SQLite and PostgreSQL.

Run: python benchmarks/bench_broadcasts.py [n] [sqlite|postgresql ...]   (default 100000, both)

A throwaway database gets N customers (all in the segment) and ~1.5·N orders spread over the
60 days around the send (so both the 30-day pre-period and the 7-day window have orders).
Timed: ``send_broadcast`` (segment recompute, arms, N recipient rows, ~0.9·N ``message.send``
jobs, chunks of 2,000, one transaction each; the segment was computed before, as the
dispatcher keeps it) with the process's peak RSS; a second ``send_due`` (nothing left to
do); ``results`` (``observe`` over N entries + ``analyse``).
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from scratch_databases import drop_database, fresh_database

from kizuna.broadcasts import api as broadcasts
from kizuna.db.engine import make_engine, make_sessionmaker
from kizuna.db.migrate import upgrade_to_head
from kizuna.segments import api as segments
from kizuna.types import WorkspaceId

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
WS = WorkspaceId(1)
COND = {"trait": "plan", "op": "exists"}
TEMPLATE = {"en": {"subject": "Sale", "text": "Hello"}, "ja": {"subject": "セール",
                                                                "text": "こんにちは"}}


def fill(engine: sa.Engine, n: int) -> None:
    orders = int(n * 1.5)
    with engine.begin() as c:
        if engine.dialect.name == "postgresql":
            c.exec_driver_sql(
                "INSERT INTO workspaces (id, slug, name, timezone, currency, created_at)"
                " VALUES (1, 'bench', 'bench', 'Asia/Tokyo', 'JPY', now())")
            c.exec_driver_sql(f"""
                INSERT INTO customers (workspace_id, external_id, traits, first_seen_at,
                                       last_seen_at, created_at, updated_at)
                SELECT 1, 'u' || g, jsonb_build_object('plan', 'pro'), now(), now(), now(),
                       now() FROM generate_series(1, {n}) g""")
            c.exec_driver_sql(f"""
                INSERT INTO orders (workspace_id, external_id, customer_id, status, placed_at,
                                    total, origin, created_at)
                SELECT 1, 'o' || g, 1 + mod(g::bigint * 7919, {n}), 'completed',
                       '2026-12-01 03:00+00'::timestamptz
                         + ((mod(g, 60) - 30) || ' days')::interval, 20 + mod(g, 90),
                       'import', now() FROM generate_series(1, {orders}) g""")
            c.exec_driver_sql("ANALYZE")
            return
        c.exec_driver_sql(
            "INSERT INTO workspaces (id, slug, name, timezone, currency, created_at)"
            " VALUES (1, 'bench', 'bench', 'Asia/Tokyo', 'JPY', '2026-01-01 00:00:00.000000')")
        c.exec_driver_sql(f"""
            WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < {n})
            INSERT INTO customers (workspace_id, external_id, traits, first_seen_at,
                                   last_seen_at, created_at, updated_at)
            SELECT 1, 'u' || x, json_object('plan', 'pro'), '2026-01-01 00:00:00.000000',
                   '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000',
                   '2026-01-01 00:00:00.000000' FROM g""")
        c.exec_driver_sql(f"""
            WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < {orders})
            INSERT INTO orders (workspace_id, external_id, customer_id, status, placed_at,
                                total, origin, created_at)
            SELECT 1, 'o' || x, 1 + (x * 7919) % {n}, 'completed',
                   strftime('%Y-%m-%d %H:%M:%S.000000', '2026-12-01 03:00:00',
                            ((x % 60) - 30) || ' days'),
                   20 + x % 90, 'import', '2026-01-01 00:00:00.000000' FROM g""")
        c.exec_driver_sql("ANALYZE")


def timed(label: str, fn: object) -> object:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    result = fn()  # type: ignore[operator]
    took = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  {label:<40} {took:8.2f} s   peak RSS {peak:6.0f} MiB (+{peak - before:.0f})",
          flush=True)
    return result


def run(kind: str, n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url, name = fresh_database(kind, Path(tmp))
        engine = make_engine(url)
        try:
            upgrade_to_head(engine)
            fill(engine, n)
            sessions = make_sessionmaker(engine)
            with sessions.begin() as s:
                segments.create_segment(s, WS, key="all", name="All", condition=COND, now=NOW)
                # the segment is up to date before the send (as the dispatcher keeps it)
                segments.recompute_segment(s, WS, "all", NOW, emit_events=False)
                broadcasts.create_broadcast(s, WS, broadcasts.BroadcastInput(
                    key="sale", name="Sale", segment_key="all", template=TEMPLATE,
                    throttle_per_minute=6000), created_by="bench", now=NOW)
            print(f"{kind}, {n:,} members:")
            sent = timed("send_broadcast (recompute + chunks)", lambda: broadcasts.send_broadcast(
                sessions, WS, "sale", now=NOW))
            print(f"    {sent.recipients:,} recipients, {sent.enqueued:,} jobs")  # type: ignore[attr-defined]
            timed("send_due again (nothing to do)",
                  lambda: broadcasts.send_due(sessions, NOW + timedelta(seconds=5)))

            def results() -> object:
                with sessions() as s:
                    return broadcasts.results(s, WS, "sale", NOW + timedelta(days=8))
            res = timed("results (observe + analyse)", results)
            for arm in res.report.arms:  # type: ignore[attr-defined]
                print(f"    {arm.name:<8} n={arm.n:,} conversions={arm.conversions:,}")
        finally:
            engine.dispose()
            drop_database(name)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    for kind in sys.argv[2:] or ["sqlite", "postgresql"]:
        run(kind, n)


if __name__ == "__main__":
    main()
