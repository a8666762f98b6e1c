"""The analytic snapshot reads the same tables from SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from kizuna.analytics.snapshot import SCHEMA, Snapshot


def test_snapshot_has_every_table_with_utc_and_local_times(
    store_snapshot: Snapshot, small_shop: dict[str, int]
) -> None:
    con = store_snapshot.con
    assert store_snapshot.counts["orders"] == 3
    assert store_snapshot.counts["order_items"] == 3
    assert store_snapshot.counts["customers"] == 3
    for table, columns in SCHEMA.items():
        got = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        assert got == list(columns), table
    placed, local, total, counted = con.execute(
        "SELECT placed_at, placed_local, total, counted FROM orders ORDER BY placed_at LIMIT 1"
    ).fetchone()
    assert placed == datetime(2026, 3, 2, 2, 0) and local == datetime(2026, 3, 2, 11, 0)
    assert total == 20.0 and counted is True
    cats = con.execute("SELECT category FROM order_items ORDER BY category").fetchall()
    assert [c for (c,) in cats] == ["Jazz", "Rock", "Rock"]


def test_events_are_flattened_and_sessions_cut(
    store_snapshot: Snapshot, small_shop: dict[str, int]
) -> None:
    con = store_snapshot.con
    viewed = con.execute(
        "SELECT customer_id, category, product_ref FROM events "
        "WHERE event = 'Product Viewed' ORDER BY ts"
    ).fetchall()
    assert viewed == [(small_shop["u1"], "Jazz", "jz"), (small_shop["u3"], "Rock", "rk")]
    survey = con.execute(
        "SELECT survey_kind, score FROM events WHERE event = 'Survey Responded'"
    ).fetchall()
    assert survey == [("nps", 9.0)]
    sessions = con.execute("SELECT customer_id, pages FROM sessions ORDER BY started_at").fetchall()
    assert sessions == [(small_shop["u1"], 2), (small_shop["u3"], 1)]
