"""A small shop written through the real facades, then snapshotted into DuckDB — on real
SQLite and real PostgreSQL (the ``database_url`` fixture runs each test on both)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from kizuna.analytics.snapshot import Snapshot, take_snapshot
from kizuna.commerce import api as commerce
from kizuna.commerce.contracts import OrderLine, OrderRecord, ProductUpsert
from kizuna.ingest import api as ingest
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


def _track(mid: str, user: str, event: str, at: datetime, **props: Any) -> dict[str, Any]:
    return {
        "type": "track",
        "messageId": mid,
        "userId": user,
        "event": event,
        "timestamp": at.isoformat(),
        "properties": props,
    }


def _page(mid: str, user: str, at: datetime, session: str) -> dict[str, Any]:
    return {
        "type": "page",
        "messageId": mid,
        "userId": user,
        "name": "Home",
        "timestamp": at.isoformat(),
        "properties": {"path": "/", "session_id": session},
    }


def write_small_shop(runtime: Runtime, workspace: Workspace, write_key: str) -> dict[str, int]:
    """Three customers: u1 buys twice (jazz, then rock), u2 once, u3 only browses.

    Returns the customer ids by user id.
    """
    with runtime.sessions.begin() as s:
        ids = profiles.resolve_customers(
            s, workspace.id, [IdentityRef(user_id=u) for u in ("u1", "u2", "u3")], T0
        )
        commerce.upsert_products(
            s,
            workspace.id,
            [
                ProductUpsert(external_id="jz", name="Blue", category="Jazz", price=Decimal("20")),
                ProductUpsert(external_id="rk", name="Loud", category="Rock", price=Decimal("10")),
            ],
            T0,
        )
        orders = [
            OrderRecord(
                external_id="o1",
                customer_id=ids[0],
                placed_at=T0 + timedelta(hours=1),
                total=Decimal("20.00"),
                currency="JPY",
                channel="web",
                lines=(
                    OrderLine(
                        product_external_id="jz",
                        quantity=Decimal(1),
                        unit_price=Decimal("20"),
                        amount=Decimal("20"),
                    ),
                ),
            ),
            OrderRecord(
                external_id="o2",
                customer_id=ids[0],
                placed_at=T0 + timedelta(days=40),
                total=Decimal("10.00"),
                currency="JPY",
                channel="store",
                lines=(
                    OrderLine(
                        product_external_id="rk",
                        quantity=Decimal(1),
                        unit_price=Decimal("10"),
                        amount=Decimal("10"),
                    ),
                ),
            ),
            OrderRecord(
                external_id="o3",
                customer_id=ids[1],
                placed_at=T0 + timedelta(days=3),
                total=Decimal("30.00"),
                currency="JPY",
                channel="web",
                lines=(
                    OrderLine(
                        product_external_id="rk",
                        quantity=Decimal(3),
                        unit_price=Decimal("10"),
                        amount=Decimal("30"),
                    ),
                ),
            ),
        ]
        commerce.record_orders(s, workspace.id, orders, T0)
        source = ingest.find_source_by_write_key(s, write_key)
        assert source is not None
        messages = [
            _page("p1", "u1", T0, "s1"),
            _track(
                "v1",
                "u1",
                "Product Viewed",
                T0 + timedelta(minutes=2),
                category="Jazz",
                product_id="jz",
            ),
            _track(
                "a1",
                "u1",
                "Product Added",
                T0 + timedelta(minutes=5),
                category="Jazz",
                product_id="jz",
            ),
            _page("p2", "u1", T0 + timedelta(minutes=20), "s1"),
            _page("p3", "u3", T0 + timedelta(days=1), "s2"),
            _track(
                "v3",
                "u3",
                "Product Viewed",
                T0 + timedelta(days=1, minutes=1),
                category="Rock",
                product_id="rk",
            ),
            _track(
                "n1", "u2", "Survey Responded", T0 + timedelta(days=10), survey_type="nps", score=9
            ),
        ]
        ingest.ingest_messages(s, source=source, messages=messages, received_at=AS_OF)
    return {"u1": ids[0], "u2": ids[1], "u3": ids[2]}


@pytest.fixture
def small_shop(runtime: Runtime, workspace: Workspace, write_key: str) -> dict[str, int]:
    return write_small_shop(runtime, workspace, write_key)


@pytest.fixture
def store_snapshot(
    settings: Any, workspace: Workspace, small_shop: dict[str, int]
) -> Iterator[Snapshot]:
    """The small shop, read from the real store into DuckDB (Tokyo time)."""
    snap = take_snapshot(
        settings.database_url, workspace.id, timezone="Asia/Tokyo", currency="JPY", as_of=AS_OF
    )
    yield snap
    snap.close()
