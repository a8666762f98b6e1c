"""CLV and churn on snapshots of real SQLite and real PostgreSQL stores: the summary SQL
reads the store's orders, the tiny shop fails clearly, and a larger shop written through
the facades gets predictions and an at-risk list."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from kizuna.analytics.snapshot import Snapshot, take_snapshot
from kizuna.commerce import api as commerce
from kizuna.commerce.contracts import OrderRecord
from kizuna.predict.churn import at_risk_customers, churn_model
from kizuna.predict.customers import clv_validation, predict_customers, summary_from_snapshot
from kizuna.predict.errors import DegenerateData
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


def test_summary_sql_reads_the_store(store_snapshot: Snapshot, small_shop: dict[str, int]) -> None:
    """u1 bought on 2 March and 11 April (Tokyo), u2 once on 5 March; the as-of date is
    1 June in Tokyo."""
    s = summary_from_snapshot(store_snapshot)
    assert s.customer_id.tolist() == sorted([small_shop["u1"], small_shop["u2"]])
    row = {cid: i for i, cid in enumerate(s.customer_id.tolist())}
    u1, u2 = row[small_shop["u1"]], row[small_shop["u2"]]
    assert s.calibration_end == date(2026, 6, 1)
    assert s.summary.frequency[u1] == 1 and s.summary.recency[u1] == pytest.approx(40 / 7)
    assert s.summary.T[u1] == pytest.approx(91 / 7) and s.summary.monetary_value[u1] == 10
    assert s.summary.frequency[u2] == 0 and s.summary.T[u2] == pytest.approx(88 / 7)
    assert s.orders.tolist()[u1] == 2 and s.spend[u1] == 30


def test_tiny_shop_is_degenerate(store_snapshot: Snapshot, small_shop: dict[str, int]) -> None:
    with pytest.raises(DegenerateData, match="at least 50"):
        churn_model(store_snapshot)
    with pytest.raises(DegenerateData, match="Only 2 customer"):
        predict_customers(store_snapshot)


def _write_shop(runtime: Runtime, workspace: Workspace, n: int, seed: int) -> dict[int, str]:
    """``n`` customers ordering over a year at customer-specific rates; a third stop after
    their first few months. Returns the user ids by customer id."""
    rng = np.random.default_rng(seed)
    start = AS_OF - timedelta(days=365)
    users = [f"user{i}" for i in range(n)]
    with runtime.sessions.begin() as s:
        ids = profiles.resolve_customers(
            s, workspace.id, [IdentityRef(user_id=u) for u in users], start
        )
        orders = []
        for i, cid in enumerate(ids):
            gap, scale = 30 / rng.gamma(2, 0.5), rng.gamma(3, 10 / 3)
            stop = rng.uniform(60, 200) if i % 3 == 0 else 400
            day, k = rng.uniform(0, 90), 0
            while day < min(stop, 364):
                orders.append(
                    OrderRecord(
                        external_id=f"o{i}-{k}",
                        customer_id=cid,
                        placed_at=start + timedelta(days=float(day)),
                        total=Decimal(str(round(float(rng.gamma(4, scale)), 2))),
                        currency="JPY",
                        channel="web",
                    )
                )
                day, k = day + rng.exponential(gap), k + 1
        commerce.record_orders(s, workspace.id, orders, AS_OF)
    return dict(zip(ids, users, strict=True))


@pytest.fixture
def bigger_snapshot(runtime: Runtime, workspace: Workspace, settings: Any) -> Iterator[Snapshot]:
    _write_shop(runtime, workspace, 150, seed=5)
    snap = take_snapshot(
        settings.database_url, workspace.id, timezone="Asia/Tokyo", currency="JPY", as_of=AS_OF
    )
    yield snap
    snap.close()


def test_predictions_and_at_risk_list_on_the_store(bigger_snapshot: Snapshot) -> None:
    clv = predict_customers(bigger_snapshot)
    (ordering,) = bigger_snapshot.con.execute(
        "SELECT count(DISTINCT customer_id) FROM orders"
    ).fetchone() or (0,)
    assert clv.n_customers == ordering > 100 and clv.total_clv > 0
    assert clv.spend_model == "gammagamma", clv.notes
    v = clv_validation(bigger_snapshot)
    assert v.n_customers > 0 and v.report.buckets
    churn = churn_model(bigger_snapshot, inactive_days=60)
    assert churn.test.n >= 50 and 0 <= churn.auc <= 1
    rows = at_risk_customers(bigger_snapshot, limit=10, clv=clv, churn=churn)
    assert rows and len(rows) <= 10
    assert all(r.basis == "classifier" and r.orders >= 1 for r in rows)
    assert all(r.last_order_date is not None for r in rows)
