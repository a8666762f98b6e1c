"""Full segment recompute on N profiles (PostgreSQL) vs the raw SQL COUNT of the same condition.

Run: python benchmarks/bench_segments.py [n]   (default 1000000)

A throwaway PostgreSQL database gets N customers (traits ``plan`` in free/pro/premier) and
about 1.6·N orders, by bulk ``INSERT … SELECT generate_series``. The condition is
``plan = pro AND at least 2 orders totalling 100+ in the last 365 days``. Timed: the raw
hand-written SQL COUNT; ``preview_size`` (compiled SQL COUNT + sample); the first recompute
(everyone enters: membership rows written, events off — one event per row is the incremental
path's job); a second recompute (steady state: nothing changes, the diff still scans all).
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from kizuna.db.engine import make_engine, make_sessionmaker
from kizuna.db.migrate import upgrade_to_head
from kizuna.segments import api as segments
from kizuna.types import WorkspaceId

PG_URL = os.environ.get(
    "KIZUNA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
COND = {"all": [{"trait": "plan", "op": "eq", "value": "pro"},
                {"orders": {"at_least": 2, "within_days": 365, "total_at_least": 100}}]}
RAW = """
SELECT count(*) FROM customers c
WHERE c.workspace_id = 1 AND c.merged_into_id IS NULL AND c.traits->>'plan' = 'pro'
  AND c.id IN (SELECT customer_id FROM orders WHERE workspace_id = 1 AND cancelled_at IS NULL
               AND placed_at >= :since GROUP BY customer_id
               HAVING count(*) >= 2 AND sum(total) >= 100)
"""


def fill(engine: sa.Engine, n: int) -> None:
    with engine.begin() as c:
        c.exec_driver_sql("INSERT INTO workspaces (id, slug, name, timezone, currency, created_at)"
                          " VALUES (1, 'bench', 'bench', 'Asia/Tokyo', 'JPY', now())")
        c.exec_driver_sql(f"""
            INSERT INTO customers (workspace_id, external_id, traits, first_seen_at,
                                   last_seen_at, created_at, updated_at)
            SELECT 1, 'u' || g, jsonb_build_object('plan', (ARRAY['free','pro','premier'])
                   [1 + mod(g, 3)], 'score', mod(g, 100)), now(), now(), now(), now()
            FROM generate_series(1, {n}) g""")
        c.exec_driver_sql(f"""
            INSERT INTO orders (workspace_id, external_id, customer_id, status, placed_at,
                                total, origin, created_at)
            SELECT 1, 'o' || g, 1 + mod(g::bigint * 7919, {n}), 'completed',
                   '2026-12-01'::timestamptz - (mod(g, 500) || ' days')::interval,
                   20 + mod(g, 90), 'import', now()
            FROM generate_series(1, {int(n * 1.6)}) g""")
        c.exec_driver_sql("ANALYZE")


def timed(label: str, fn: object) -> float:
    start = time.perf_counter()
    result = fn()  # type: ignore[operator]
    took = time.perf_counter() - start
    print(f"{label:<34} {took:8.3f} s   {result}")
    return took


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    name = f"kz_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(False)
    engine = make_engine(url)
    try:
        upgrade_to_head(engine)
        t0 = time.perf_counter()
        fill(engine, n)
        print(f"{n} customers generated in {time.perf_counter() - t0:.1f} s")
        sessions = make_sessionmaker(engine)
        ws = WorkspaceId(1)
        since = NOW.replace(year=NOW.year - 1)
        with sessions() as s:
            raw = timed("raw SQL COUNT", lambda: s.scalar(sa.text(RAW), {"since": since}))
            prev = timed("preview_size (compiled COUNT)",
                         lambda: segments.preview_size(s, ws, COND, NOW).size)
        with sessions.begin() as s:
            segments.create_segment(s, ws, key="bench", name="Bench", condition=COND, now=NOW)
        with sessions.begin() as s:
            first = timed("recompute 1 (all enter)", lambda: segments.recompute_segment(
                s, ws, "bench", NOW, emit_events=False))
        with sessions.begin() as s:
            second = timed("recompute 2 (no change)", lambda: segments.recompute_segment(
                s, ws, "bench", NOW, emit_events=False))
        print(f"ratio preview/raw {prev / raw:.2f}; recompute 1/raw {first / raw:.2f}; "
              f"recompute 2/raw {second / raw:.2f}")
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    main()
