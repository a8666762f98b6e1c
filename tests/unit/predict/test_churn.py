"""The churn classifier on simulated customers with a planted signal (churners stop visiting
a few weeks before their last order, then stop ordering), the time split, the bootstrap, and
the at-risk list."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from kizuna.analytics.snapshot import Snapshot, build_sessions
from kizuna.predict.churn import (
    ChurnReport,
    at_risk_customers,
    bootstrap_auc,
    churn_model,
)
from kizuna.predict.customers import ClvReport, predict_customers
from kizuna.predict.errors import DegenerateData
from tests.analytic_tables import make_snapshot

AS_OF = datetime(2026, 12, 1, tzinfo=UTC)
START = AS_OF - timedelta(days=420)


def _add_orders(snap: Snapshot, orders: list[tuple[int, datetime, float]]) -> None:
    """Bulk-insert completed orders (the columns make_snapshot fills): faster than its
    row-by-row inserts for thousands of orders."""
    snap.con.execute(
        "INSERT INTO orders (order_id, customer_id, placed_at, placed_local, total, channel, "
        "status, counted) SELECT row_number() OVER (), c, t, l, v, 'web', 'completed', TRUE "
        "FROM (SELECT unnest($c) AS c, unnest($t) AS t, unnest($l) AS l, unnest($v) AS v)",
        {
            "c": [o[0] for o in orders],
            "t": [o[1].astimezone(UTC).replace(tzinfo=None) for o in orders],
            "l": [o[1].astimezone(snap.zone).replace(tzinfo=None) for o in orders],
            "v": [o[2] for o in orders],
        },
    )


def _add_events(snap: Snapshot, who: list[int], ts: list[datetime], event: list[str]) -> None:
    """Bulk-insert page and track events (the columns make_snapshot fills), then cut the
    sessions again."""
    naive = [t.astimezone(UTC).replace(tzinfo=None) for t in ts]
    local = [t.astimezone(snap.zone).replace(tzinfo=None) for t in ts]
    snap.con.execute(
        "INSERT INTO events (event_id, customer_id, who, type, event, ts, ts_local) "
        "SELECT 100000 + row_number() OVER (), c, CAST(c AS VARCHAR), "
        "CASE WHEN e = 'page' THEN 'page' ELSE 'track' END, e, t, l "
        "FROM (SELECT unnest($c) AS c, unnest($t) AS t, unnest($l) AS l, unnest($e) AS e)",
        {"c": who, "t": naive, "l": local, "e": event},
    )
    build_sessions(snap.con)


def churn_shop(n: int, seed: int) -> Snapshot:
    """``n`` customers who start within the first 120 days, order every 25 days on average
    (gamma-distributed across customers, spend too) and visit about every 6 days (viewing a
    product on half of the visits) until they quit; a quarter of them never quit, the others
    quit at a uniform time. Visits stop 30 days before they quit ordering."""
    rng = np.random.default_rng(seed)
    orders: list[tuple[int, datetime, float]] = []
    visits: list[tuple[int, datetime, str]] = []
    end_days = 420.0
    for cid in range(1, n + 1):
        start = rng.uniform(0, 120)
        quit_at = end_days + 1000 if rng.random() < 0.25 else rng.uniform(start + 30, end_days)
        gap, scale = 25 / rng.gamma(3, 1 / 3), rng.gamma(4, 10 / 4)
        day = start
        while day < min(quit_at, end_days):
            orders.append((cid, START + timedelta(days=day), round(float(rng.gamma(4, scale)), 2)))
            day += rng.exponential(gap)
        day = start
        while day < min(quit_at - 30, end_days):
            at = START + timedelta(days=day)
            visits.append((cid, at, "page"))
            if rng.random() < 0.5:
                visits.append((cid, at + timedelta(minutes=1), "Product Viewed"))
            day += rng.exponential(6)
    snap = make_snapshot(
        customers=[
            {"customer_id": c, "email": f"c{c}@example.com", "country": "JP"}
            for c in range(1, n + 1)
        ],
        as_of=AS_OF,
    )
    _add_orders(snap, orders)
    _add_events(snap, [v[0] for v in visits], [v[1] for v in visits], [v[2] for v in visits])
    return snap


@pytest.fixture(scope="module")
def shop() -> Iterator[Snapshot]:
    snap = churn_shop(600, seed=11)
    yield snap
    snap.close()


@pytest.fixture(scope="module")
def report(shop: Snapshot) -> ChurnReport:
    return churn_model(shop)


def test_time_split(report: ChurnReport) -> None:
    assert report.test.cutoff == AS_OF - timedelta(days=90) == report.train.label_end
    assert report.train.cutoff == AS_OF - timedelta(days=180)
    assert report.test.label_end == AS_OF
    for split in (report.train, report.test):
        assert split.n >= 50 and 0 < split.n_churned < split.n
        assert split.churn_rate == pytest.approx(split.n_churned / split.n)


def test_planted_signal_is_found(report: ChurnReport) -> None:
    assert report.auc > 0.7
    assert 0.5 < report.auc_ci_low < report.auc < report.auc_ci_high <= 1
    assert report.brier < report.brier_baseline
    assert report.baseline_auc is not None and report.baseline_auc > 0.5
    assert report.auc >= report.baseline_auc - 0.05


def test_calibration_table(report: ChurnReport) -> None:
    assert len(report.calibration) == 10
    assert sum(b.n for b in report.calibration) == report.test.n
    filled = [b for b in report.calibration if b.n >= 20]
    assert filled
    for b in filled:
        assert b.mean_predicted is not None and b.low <= b.mean_predicted <= b.high
        assert b.observed is not None and abs(b.observed - b.mean_predicted) < 0.3


def test_every_current_customer_is_scored(shop: Snapshot, report: ChurnReport) -> None:
    (n,) = shop.con.execute(
        "SELECT count(DISTINCT customer_id) FROM orders WHERE counted"
    ).fetchone() or (0,)
    assert report.n_scored == n == len(report.scores.customer_id)
    p = report.scores.churn_probability
    assert np.all((p >= 0) & (p <= 1))
    assert report.n_scored_at_risk == int(np.sum(p >= 0.5))
    # The same data gives the same figures (fixed seeds).
    again = churn_model(shop)
    assert again.auc == report.auc and again.auc_ci_low == report.auc_ci_low


def test_bootstrap_auc_matches_resampling_by_hand() -> None:
    rng = np.random.default_rng(1)
    y = (rng.random(300) < 0.3).astype(float)
    score = np.round(y * 0.5 + rng.random(300), 1)  # with ties
    low, high = bootstrap_auc(y, score, n_boot=400, seed=3)
    by_hand = []
    r2 = np.random.default_rng(9)
    for _ in range(400):
        i = r2.integers(0, 300, 300)
        by_hand.append(roc_auc_score(y[i], score[i]))
    assert low < roc_auc_score(y, score) < high
    assert low == pytest.approx(np.quantile(by_hand, 0.025), abs=0.03)
    assert high == pytest.approx(np.quantile(by_hand, 0.975), abs=0.03)


def test_too_few_customers_is_degenerate() -> None:
    with churn_shop(30, seed=2) as snap, pytest.raises(DegenerateData, match="at least 50"):
        churn_model(snap)


def test_single_class_is_degenerate() -> None:
    orders = [
        {"customer_id": c, "placed_at": START + timedelta(days=d), "total": 10}
        for c in range(1, 80)
        for d in range(0, 420, 20)
    ]
    with (
        make_snapshot(orders=orders, as_of=AS_OF) as snap,
        pytest.raises(DegenerateData, match="one class"),
    ):
        churn_model(snap)


def test_at_risk_list(shop: Snapshot, report: ChurnReport) -> None:
    clv: ClvReport = predict_customers(shop)
    rows = at_risk_customers(shop, limit=20, clv=clv, churn=report)
    assert 0 < len(rows) <= 20
    assert [r.value_at_risk for r in rows] == sorted((r.value_at_risk for r in rows), reverse=True)
    for r in rows:
        assert r.basis == "classifier" and r.churn_probability >= 0.5
        assert r.external_id == f"c{r.customer_id}" and r.orders >= 1
        assert r.email == f"c{r.customer_id}@example.com" and r.country == "JP"
        assert r.clv is not None and r.value_at_risk == pytest.approx(r.clv * r.churn_probability)
        assert r.last_order_date is not None and r.p_alive is not None


def test_at_risk_falls_back_to_p_alive() -> None:
    """Too few customers for the classifier: P(alive) < 0.5 decides, and it says so."""
    with churn_shop(40, seed=4) as snap:
        rows = at_risk_customers(snap, limit=5)
    assert rows and all(r.basis == "p_alive" for r in rows)
    assert all(r.p_alive is not None and r.p_alive < 0.5 for r in rows)
    assert all(r.churn_probability == pytest.approx(1 - (r.p_alive or 0)) for r in rows)
