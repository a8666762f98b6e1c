# ruff: noqa: E501 - SQL text reads better unwrapped
"""Seeded analytic tables at scale, generated inside DuckDB (no store in between).

``fill(con, customers=1_000_000, events=20_000_000)`` creates the analytic schema of
``kizuna.analytics.snapshot`` with: customers first seen over two years; orders at about
2.5 per customer (Poisson-like: most customers buy once, some often), one or two lines each
in ten categories; events mixing page views (with and without an SDK session id),
product views/adds/checkouts, email delivered/opened/clicked, social actions and survey
answers — all timestamps in the two years before ``END``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

END = datetime(2026, 12, 1, tzinfo=UTC)
DAYS = 730
CATEGORIES = ("J-Pop", "Rock", "Jazz", "Classical", "Anime Soundtracks", "City Pop", "Enka",
              "Hip-Hop", "Electronic", "World Music")
COUNTRIES = ("JP", "JP", "JP", "US", "US", "GB", "AU", "DE")

# (event name or page, share of events)
_MIX = (
    ("page", 0.40), ("Product Viewed", 0.18), ("Products Searched", 0.06),
    ("Product Added", 0.06), ("Cart Viewed", 0.03), ("Checkout Started", 0.03),
    ("Email Delivered", 0.14), ("Email Opened", 0.05), ("Email Link Clicked", 0.015),
    ("Email Unsubscribed", 0.002), ("Social Post Liked", 0.008), ("Social Post Shared", 0.003),
    ("Social Post Commented", 0.003), ("Social Post Mentioned", 0.002),
    ("Survey Responded", 0.003), ("Review Submitted", 0.001),
)


def fill(con: duckdb.DuckDBPyConnection, *, customers: int, events: int, seed: float = 0.42,
         tz: str = "Asia/Tokyo") -> None:
    """Create and fill the five base analytic tables (``open_snapshot`` builds sessions)."""
    con.execute(f"SELECT setseed({seed})")
    start = f"TIMESTAMP '{END.replace(tzinfo=None)}' - INTERVAL {DAYS} DAY"
    con.execute(f"""
        CREATE OR REPLACE TABLE customers AS
        SELECT i AS customer_id, 'c' || i AS external_id, 'c' || i || '@example.com' AS email,
               list_extract({list(COUNTRIES)}, 1 + CAST(floor(random() * {len(COUNTRIES)}) AS INTEGER))
                   AS country,
               NULL::VARCHAR AS locale, NULL::VARCHAR AS timezone,
               {start} + to_seconds(CAST(random() * {DAYS - 30} * 86400 AS BIGINT)) AS first_seen_at,
               TRUE AS is_known
        FROM range(1, {customers} + 1) t(i)""")
    # Orders: a customer's "appetite" is skewed (cube of a uniform), order count ~ 2.5 mean.
    n_orders = int(customers * 2.5)
    con.execute(f"""
        CREATE OR REPLACE TABLE orders AS
        WITH o AS (
            SELECT i AS order_id,
                   1 + CAST(floor(pow(random(), 2) * {customers}) AS BIGINT) AS customer_id,
                   random() AS u, random() AS v
            FROM range(1, {n_orders} + 1) t(i)
        )
        SELECT o.order_id, o.customer_id,
               c.first_seen_at + to_seconds(CAST(o.u * (date_diff('second', c.first_seen_at,
                   TIMESTAMP '{END.replace(tzinfo=None)}') - 1) AS BIGINT)) AS placed_at,
               NULL::TIMESTAMP AS placed_local,
               round(5 + o.v * o.v * 120, 2) AS total,
               CASE WHEN o.v < 0.8 THEN 'web' WHEN o.v < 0.95 THEN 'app' ELSE 'store' END AS channel,
               CASE WHEN o.u < 0.97 THEN 'completed' ELSE 'cancelled' END AS status,
               o.u < 0.97 AS counted, 'JPY' AS currency
        FROM o JOIN customers c USING (customer_id)""")
    con.execute(f"UPDATE orders SET placed_local = timezone('{tz}', CAST(placed_at AS TIMESTAMPTZ))")
    con.execute(f"""
        CREATE OR REPLACE TABLE order_items AS
        SELECT order_id, 1 + CAST(floor(random() * 500) AS BIGINT) AS product_id,
               list_extract({list(CATEGORIES)}, 1 + CAST(floor(random() * {len(CATEGORIES)}) AS INTEGER))
                   AS category,
               1.0 AS quantity, total AS amount
        FROM orders""")
    con.execute(f"""
        CREATE OR REPLACE TABLE products AS
        SELECT i AS product_id, 'p' || i AS external_id, 'Product ' || i AS name,
               list_extract({list(CATEGORIES)}, 1 + (i % {len(CATEGORIES)})) AS category
        FROM range(1, 501) t(i)""")
    bounds, acc = [], 0.0
    total = sum(share for _, share in _MIX)
    for name, share in _MIX:
        acc += share / total
        bounds.append((name, acc))
    case = " ".join(f"WHEN r < {b:.6f} THEN '{n}'" for n, b in bounds[:-1])
    case = f"CASE {case} ELSE '{bounds[-1][0]}' END"
    con.execute(f"""
        CREATE OR REPLACE TABLE events AS
        WITH e AS (  -- visits of 8 events: one person, a few minutes apart
            SELECT i AS event_id, i // 8 AS visit, random() AS r, random() AS w
            FROM range(1, {events} + 1) t(i)
        ), v AS (
            SELECT *, (hash(visit) % 1000003) / 1000003.0 AS u,
                   1 + CAST(floor(pow((hash(visit + 7919) % 1000003) / 1000003.0, 1.5)
                                  * {customers}) AS BIGINT) AS customer_id
            FROM e
        ), named AS (SELECT *, {case} AS name FROM v)
        SELECT event_id, customer_id, CAST(customer_id AS VARCHAR) AS who,
               CASE WHEN name = 'page' THEN 'page' ELSE 'track' END AS type, name AS event,
               {start} + to_seconds(CAST(u * {DAYS} * 86400 + (event_id % 8) * 120
                                         + r * 60 AS BIGINT)) AS ts,
               NULL::TIMESTAMP AS ts_local,
               NULL::VARCHAR AS session_hint,
               CASE WHEN name LIKE 'Product%' THEN
                   list_extract({list(CATEGORIES)}, 1 + CAST(floor(w * {len(CATEGORIES)}) AS INTEGER))
               END AS category,
               CASE WHEN name LIKE 'Product%' THEN 'p' || (1 + CAST(floor(w * 500) AS INTEGER)) END
                   AS product_ref,
               NULL::VARCHAR AS order_ref,
               CASE WHEN name LIKE 'Email%' THEN 'nl-' || (1 + CAST(floor(w * 26) AS INTEGER)) END
                   AS campaign_id,
               CASE WHEN name LIKE 'Social%' THEN round(1 + w * 400) END AS reach,
               CASE WHEN name = 'Survey Responded' THEN CAST(floor(w * 11) AS DOUBLE)
                    WHEN name = 'Review Submitted' THEN 1 + CAST(floor(w * 5) AS DOUBLE) END AS score,
               CASE WHEN name = 'Survey Responded' THEN 'nps' END AS survey_kind,
               CASE WHEN name LIKE 'Email%' THEN 'email' END AS medium
        FROM named""")
    con.execute(f"UPDATE events SET ts_local = timezone('{tz}', CAST(ts AS TIMESTAMPTZ))")
