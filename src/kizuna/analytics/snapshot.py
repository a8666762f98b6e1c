"""A snapshot: one workspace of the operational store copied into DuckDB's analytic schema.

The analytic schema is the contract between the store and every metric (documented in
docs/reference/metrics.md#analytic-schema): ``customers``, ``orders``, ``order_items``,
``products``, ``events``, ``page_views`` and ``sessions``, timestamps as UTC ``TIMESTAMP``
plus a local-time column in the workspace's zone. Metrics only ever read these tables, so the
same SQL runs over a snapshot of SQLite, of PostgreSQL, or over tables that another engine
(or a benchmark) filled.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from kizuna.analytics import engine, runner
from kizuna.analytics.errors import AnalyticsUnavailable
from kizuna.clock import as_utc

#: The analytic tables and the columns every metric may rely on.
SCHEMA: dict[str, tuple[str, ...]] = {
    "customers": (
        "customer_id",
        "external_id",
        "email",
        "country",
        "locale",
        "timezone",
        "first_seen_at",
        "is_known",
    ),
    "orders": (
        "order_id",
        "customer_id",
        "placed_at",
        "placed_local",
        "total",
        "channel",
        "status",
        "counted",
        "currency",
    ),
    "order_items": ("order_id", "product_id", "category", "quantity", "amount"),
    "products": ("product_id", "external_id", "name", "category"),
    "events": (
        "event_id",
        "customer_id",
        "who",
        "type",
        "event",
        "ts",
        "ts_local",
        "session_hint",
        "category",
        "product_ref",
        "order_ref",
        "campaign_id",
        "reach",
        "score",
        "survey_kind",
        "medium",
    ),
    "page_views": ("event_id", "who", "customer_id", "ts", "ts_local", "session_id"),
    "sessions": (
        "session_id",
        "who",
        "customer_id",
        "started_at",
        "started_local",
        "ended_at",
        "pages",
    ),
}
_PACKAGE = "kizuna.analytics"
_LOAD_ORDER = ("customers", "products", "orders", "order_items", "events")


@dataclass(slots=True, kw_only=True)
class Snapshot:
    """An open DuckDB connection holding the analytic tables of one workspace.

    ``as_of`` (aware UTC) is "now" for every metric computed on it; ``timezone`` is the
    workspace's zone (periods, cohorts and local hours are cut there).
    """

    con: duckdb.DuckDBPyConnection
    timezone: str
    currency: str
    as_of: datetime
    source: str
    load_seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def as_of_naive(self) -> datetime:
        """``as_of`` as the naive UTC timestamp the analytic tables use."""
        return as_utc(self.as_of).replace(tzinfo=None)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _check_zone(timezone: str) -> None:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise AnalyticsUnavailable(
            f"Unknown time zone {timezone!r}; use an IANA name such as Asia/Tokyo.",
            timezone=timezone,
        ) from exc


def _count(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    out: dict[str, int] = {}
    for table in SCHEMA:
        row = con.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608 - fixed names
        out[table] = int(row[0]) if row else 0
    return out


def _order_currency(con: duckdb.DuckDBPyConnection, fallback: str) -> str:
    """The currency most orders are in (the workspace's when orders name none)."""
    row = con.execute(
        "SELECT currency FROM orders WHERE currency IS NOT NULL "
        "GROUP BY currency ORDER BY count(*) DESC, currency LIMIT 1"
    ).fetchone()
    return str(row[0]) if row else fallback


def build_sessions(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build ``page_views`` and ``sessions`` from ``events``."""
    con.execute(runner.sql(_PACKAGE, "snapshot_sessions"))


def take_snapshot(
    database_url: str,
    workspace_id: int,
    *,
    timezone: str,
    currency: str,
    as_of: datetime,
    threads: int | None = None,
) -> Snapshot:
    """Copy workspace ``workspace_id`` of the store at ``database_url`` into a new DuckDB."""
    _check_zone(timezone)
    started = time.perf_counter()
    con = engine.connect(threads=threads)
    try:
        # SQLite: DuckDB reads a copy, never the live file (see engine.readable_store)
        with engine.readable_store(database_url) as readable_url:
            dialect = engine.attach_store(con, readable_url)
            params = {"workspace_id": workspace_id, "tz": timezone}
            for table in _LOAD_ORDER:
                runner.execute(con, runner.sql(_PACKAGE, f"snapshot_{table}"), params)
            con.execute(f"DETACH {engine.STORE}")
        build_sessions(con)
    except duckdb.Error as exc:
        con.close()
        raise AnalyticsUnavailable(
            f"Reading the store into the analytics engine failed: {exc}"
        ) from exc
    except BaseException:
        con.close()
        raise
    snap = Snapshot(
        con=con,
        timezone=timezone,
        currency=_order_currency(con, currency),
        as_of=as_utc(as_of),
        source=dialect,
        load_seconds=time.perf_counter() - started,
    )
    snap.counts = _count(con)
    currencies = con.execute(
        "SELECT DISTINCT currency FROM orders WHERE currency IS NOT NULL ORDER BY 1"
    ).fetchall()
    if len(currencies) > 1:
        snap.notes.append(
            "Orders are in several currencies (" + ", ".join(c for (c,) in currencies) + "); "
            f"amounts are added as they are and shown in {snap.currency}."
        )
    return snap


def open_snapshot(
    con: duckdb.DuckDBPyConnection,
    *,
    timezone: str,
    currency: str,
    as_of: datetime,
    source: str = "tables",
) -> Snapshot:
    """Wrap a DuckDB connection whose analytic tables were filled some other way (another
    engine's export, a benchmark). Builds ``page_views``/``sessions`` if they are missing and
    checks that every table has the columns the metrics read."""
    _check_zone(timezone)
    present = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    if "sessions" not in present or "page_views" not in present:
        build_sessions(con)
    for table, columns in SCHEMA.items():
        have = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
            ).fetchall()
        }
        missing = [c for c in columns if c not in have]
        if missing:
            raise AnalyticsUnavailable(
                f"The analytic table {table!r} lacks {', '.join(missing)}.",
                table=table,
                missing=missing,
            )
    snap = Snapshot(
        con=con, timezone=timezone, currency=currency, as_of=as_utc(as_of), source=source
    )
    snap.counts = _count(con)
    return snap


def restrict(snap: Snapshot, customer_ids: Iterable[int], *, label: str) -> Snapshot:
    """A snapshot of the same connection limited to ``customer_ids`` (a segment filter).

    The filtered tables live in their own schema and become the connection's search path, so
    every metric's unqualified table names read them; ``restrict`` on an already restricted
    snapshot filters the full data again. Events of people without a profile drop out.
    """
    con = snap.con
    con.execute("SET search_path = 'main'")
    con.execute("DROP SCHEMA IF EXISTS segment_filter CASCADE")
    con.execute("CREATE SCHEMA segment_filter")
    con.execute("CREATE TABLE segment_filter.members (customer_id BIGINT PRIMARY KEY)")
    con.executemany(
        "INSERT INTO segment_filter.members VALUES (?)", [(int(c),) for c in set(customer_ids)]
    )
    for table in ("customers", "orders", "events", "page_views", "sessions"):
        con.execute(
            f"CREATE TABLE segment_filter.{table} AS SELECT * FROM main.{table} "  # noqa: S608
            "WHERE customer_id IN (SELECT customer_id FROM segment_filter.members)"
        )
    con.execute(
        "CREATE TABLE segment_filter.order_items AS SELECT i.* FROM main.order_items i "
        "WHERE i.order_id IN (SELECT order_id FROM segment_filter.orders)"
    )
    con.execute("CREATE TABLE segment_filter.products AS SELECT * FROM main.products")
    con.execute("SET search_path = 'segment_filter,main'")
    out = Snapshot(
        con=con, timezone=snap.timezone, currency=snap.currency, as_of=snap.as_of,
        source=snap.source, load_seconds=snap.load_seconds, notes=[*snap.notes, label],
    )
    out.counts = _count(con)
    return out
