"""Small analytic snapshots built from Python rows, for metric tests without a store.

``make_snapshot(orders=[...], events=[...])`` creates the analytic tables of
``kizuna.analytics.snapshot.SCHEMA`` in a fresh DuckDB, fills defaults for the columns a row
leaves out (local times from the UTC ones, ``counted`` from the status, customers from the
ids the orders and events mention) and returns the ``Snapshot`` the metrics take.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from kizuna.analytics import engine
from kizuna.analytics.snapshot import Snapshot, open_snapshot

_TYPES = {
    "customers": "customer_id BIGINT, external_id VARCHAR, email VARCHAR, country VARCHAR, "
    "locale VARCHAR, timezone VARCHAR, first_seen_at TIMESTAMP, is_known BOOLEAN",
    "orders": "order_id BIGINT, customer_id BIGINT, placed_at TIMESTAMP, placed_local TIMESTAMP, "
    "total DOUBLE, channel VARCHAR, status VARCHAR, counted BOOLEAN, currency VARCHAR",
    "order_items": "order_id BIGINT, product_id BIGINT, category VARCHAR, quantity DOUBLE, "
    "amount DOUBLE",
    "products": "product_id BIGINT, external_id VARCHAR, name VARCHAR, category VARCHAR",
    "events": "event_id BIGINT, customer_id BIGINT, who VARCHAR, type VARCHAR, event VARCHAR, "
    "ts TIMESTAMP, ts_local TIMESTAMP, session_hint VARCHAR, category VARCHAR, "
    "product_ref VARCHAR, order_ref VARCHAR, campaign_id VARCHAR, reach DOUBLE, score DOUBLE, "
    "survey_kind VARCHAR, medium VARCHAR",
}


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("test rows need aware datetimes")
    return value.astimezone(UTC).replace(tzinfo=None)


def _local(value: datetime, zone: ZoneInfo) -> datetime:
    return value.astimezone(zone).replace(tzinfo=None)


def make_snapshot(
    *,
    customers: Iterable[Mapping[str, Any]] = (),
    orders: Iterable[Mapping[str, Any]] = (),
    order_items: Iterable[Mapping[str, Any]] = (),
    products: Iterable[Mapping[str, Any]] = (),
    events: Iterable[Mapping[str, Any]] = (),
    timezone: str = "Asia/Tokyo",
    currency: str = "JPY",
    as_of: datetime = datetime(2026, 12, 1, tzinfo=UTC),
) -> Snapshot:
    """A snapshot holding exactly these rows (aware datetimes; see the module docstring)."""
    zone = ZoneInfo(timezone)
    con = engine.connect(threads=1)
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in _TYPES}
    for i, o in enumerate(orders, 1):
        placed = o["placed_at"]
        status = o.get("status", "completed")
        rows["orders"].append(
            {
                "order_id": o.get("order_id", i),
                "customer_id": o.get("customer_id"),
                "placed_at": _naive_utc(placed),
                "placed_local": _local(placed, zone),
                "total": float(o.get("total", 0.0)),
                "channel": o.get("channel", "web"),
                "status": status,
                "counted": o.get("counted", status == "completed"),
                "currency": o.get("currency", currency),
            }
        )
    for i, e in enumerate(events, 1):
        ts = e["ts"]
        cid = e.get("customer_id")
        kind = e.get("type", "track")
        rows["events"].append(
            {
                "event_id": e.get("event_id", i),
                "customer_id": cid,
                "who": e.get("who", str(cid) if cid is not None else f"anon:{i}"),
                "type": kind,
                "event": e.get("event", kind if kind in ("page", "screen") else None),
                "ts": _naive_utc(ts),
                "ts_local": _local(ts, zone),
                **{
                    k: e.get(k)
                    for k in (
                        "session_hint",
                        "category",
                        "product_ref",
                        "order_ref",
                        "campaign_id",
                        "reach",
                        "score",
                        "survey_kind",
                        "medium",
                    )
                },
            }
        )
    rows["order_items"] = [dict(i) for i in order_items]
    rows["products"] = [dict(p) for p in products]
    known = {c["customer_id"]: dict(c) for c in customers}
    mentioned = {r["customer_id"] for r in rows["orders"] + rows["events"]} - {None}
    first_seen: dict[Any, datetime] = {}
    for r in rows["orders"]:
        first_seen[r["customer_id"]] = min(
            first_seen.get(r["customer_id"], r["placed_at"]), r["placed_at"]
        )
    for r in rows["events"]:
        first_seen[r["customer_id"]] = min(first_seen.get(r["customer_id"], r["ts"]), r["ts"])
    for cid in sorted(mentioned | set(known)):
        c = known.get(cid, {})
        seen = c.get("first_seen_at")
        rows["customers"].append(
            {
                "customer_id": cid,
                "external_id": c.get("external_id", f"c{cid}"),
                "email": c.get("email"),
                "country": c.get("country"),
                "locale": c.get("locale"),
                "timezone": c.get("timezone"),
                "first_seen_at": _naive_utc(seen)
                if seen
                else first_seen.get(cid, _naive_utc(as_of)),
                "is_known": c.get("is_known", True),
            }
        )
    for table, types in _TYPES.items():
        con.execute(f"CREATE TABLE {table} ({types})")
        columns = [part.split()[0] for part in types.split(", ")]
        data = [tuple(r.get(c) for c in columns) for r in rows[table]]
        if data:
            marks = ", ".join("?" for _ in columns)
            con.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", data)
    return open_snapshot(con, timezone=timezone, currency=currency, as_of=as_of)
