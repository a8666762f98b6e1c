"""Predicted CLV on snapshots: the SQL summary agrees with summary_from_transactions, the
fitters recover simulated BG/NBD and Gamma-Gamma parameters, and degenerate data fails clearly.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from kizuna.analytics import runner
from kizuna.analytics.snapshot import Snapshot
from kizuna.predict import api
from kizuna.predict.bgnbd import simulate
from kizuna.predict.contracts import ModelName
from kizuna.predict.customers import (
    ClvReport,
    clv_validation,
    predict_customers,
    summary_from_snapshot,
)
from kizuna.predict.errors import DegenerateData, SummaryInvalid
from tests.analytic_tables import make_snapshot

AS_OF = datetime(2026, 12, 1, tzinfo=UTC)  # 09:00 in Tokyo
TRUTH = {"r": 0.5, "alpha": 6.0, "a": 0.6, "b": 2.5}
SPEND = {"p": 6.0, "q": 4.0, "gamma": 15.0}  # mean spend p * gamma / (q - 1) = 30


def simulated_orders(
    n: int, seed: int, *, as_of: datetime = AS_OF, weeks: tuple[int, int] = (40, 78)
) -> tuple[list[dict[str, Any]], Any]:
    """Orders of ``n`` customers drawn from BG/NBD (purchase times) and Gamma-Gamma (amounts):
    each customer's first order is T whole days before the as-of date (at noon in Tokyo), the
    last one t_x later and the others uniform in between (a Poisson process given its count
    and last event). Returns the orders and the simulated (x, t_x, T)."""
    rng = np.random.default_rng(seed)
    t_days = rng.integers(weeks[0] * 7, weeks[1] * 7, size=n)
    x, t_x, t = simulate(n, TRUTH, t_days / 7.0, seed)
    nu = rng.gamma(SPEND["q"], 1.0 / SPEND["gamma"], size=n)
    noon = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo, the day before as_of
    orders: list[dict[str, Any]] = []
    for i in range(n):
        start = noon - timedelta(days=int(t_days[i]))
        times = [0.0]
        if x[i] > 0:
            times += [*rng.uniform(0, t_x[i], size=int(x[i]) - 1), t_x[i]]
        for w in times:
            orders.append(
                {
                    "customer_id": i + 1,
                    "placed_at": start + timedelta(weeks=float(w)),
                    "total": round(float(rng.gamma(SPEND["p"], 1.0 / nu[i])), 2),
                }
            )
    return orders, (x, t_x, t)


@pytest.fixture(scope="module")
def sim_snapshot() -> Iterator[Snapshot]:
    orders, _ = simulated_orders(4000, seed=7)
    snap = make_snapshot(orders=orders, as_of=AS_OF)
    yield snap
    snap.close()


@pytest.fixture(scope="module")
def report(sim_snapshot: Snapshot) -> ClvReport:
    return predict_customers(sim_snapshot)


def test_sql_summary_matches_summary_from_transactions() -> None:
    """Same-day orders count once (in local time: 20:00 UTC is the next day in Tokyo),
    uncounted orders and orders after the calibration end are left out."""
    orders = [
        {"customer_id": 1, "placed_at": datetime(2026, 1, 5, 1, tzinfo=UTC), "total": 10},
        {"customer_id": 1, "placed_at": datetime(2026, 1, 5, 8, tzinfo=UTC), "total": 5},
        {"customer_id": 1, "placed_at": datetime(2026, 1, 5, 20, tzinfo=UTC), "total": 7},
        {"customer_id": 1, "placed_at": datetime(2026, 3, 1, 2, tzinfo=UTC), "total": 30},
        {"customer_id": 2, "placed_at": datetime(2026, 2, 1, 2, tzinfo=UTC), "total": 12},
        {
            "customer_id": 2,
            "placed_at": datetime(2026, 2, 2, 2, tzinfo=UTC),
            "total": 9,
            "status": "cancelled",
        },
        {"customer_id": 10, "placed_at": datetime(2026, 2, 3, 2, tzinfo=UTC), "total": 4},
        {"customer_id": 10, "placed_at": datetime(2026, 5, 3, 2, tzinfo=UTC), "total": 8},
        {"customer_id": 10, "placed_at": datetime(2026, 8, 3, 2, tzinfo=UTC), "total": 99},
        {"customer_id": 3, "placed_at": datetime(2026, 7, 1, 2, tzinfo=UTC), "total": 50},
    ]
    end = date(2026, 6, 30)
    with make_snapshot(orders=orders, as_of=AS_OF) as snap:
        got = summary_from_snapshot(snap, calibration_end=end)
        rows = [
            (str(o["customer_id"]), o["placed_at"].astimezone(snap.zone).date(), float(o["total"]))
            for o in orders
            if o.get("status", "completed") == "completed"
        ]
    want = api.summary_from_transactions(rows, end)
    assert got.customer_id.tolist() == [1, 2, 10]
    order = [want.customer_ids.index(c) for c in got.summary.customer_ids]
    for name in ("frequency", "recency", "T", "monetary_value"):
        np.testing.assert_allclose(
            getattr(got.summary, name), getattr(want, name)[order], err_msg=name
        )
    assert got.summary.frequency.tolist() == [2, 0, 1]  # Jan 5 (x2 in Tokyo), Jan 6, Mar 1
    assert got.summary.monetary_value[0] == pytest.approx((7 + 30) / 2)
    assert got.orders.tolist() == [4, 1, 2] and got.spend.tolist() == [52, 12, 12]


def test_queries_are_found() -> None:
    for name in (
        "clv_summary",
        "clv_holdout",
        "clv_repeat_days",
        "clv_order_span",
        "churn_features",
        "at_risk_customers",
    ):
        assert "Parameters:" in runner.sql("kizuna.predict", name)


def test_fit_recovers_simulated_parameters(report: ClvReport) -> None:
    assert report.n_customers == 4000
    for name, value in TRUTH.items():
        assert report.params[name] == pytest.approx(value, rel=0.25), name
    assert report.spend_model == "gammagamma" and report.spend_params is not None
    mean_spend = (
        report.spend_params["p"] * report.spend_params["gamma"] / (report.spend_params["q"] - 1)
    )
    assert mean_spend == pytest.approx(30, rel=0.1)
    assert report.notes == ()


def test_predictions_are_sensible(report: ClvReport) -> None:
    c = report.customers
    assert np.all((c.p_alive > 0) & (c.p_alive <= 1))
    assert np.all(c.clv >= 0) and np.all(c.expected_purchases >= 0)
    # One-time buyers are alive for BG/NBD; among repeat buyers, long silence lowers P(alive).
    assert np.all(c.p_alive[c.frequency == 0] == 1)
    repeat = c.frequency >= 2
    silent = repeat & (c.T - c.recency > 26)
    recent = repeat & (c.T - c.recency < 2)
    assert c.p_alive[silent].mean() < 0.5 < c.p_alive[recent].mean()
    # Frequent, recent buyers are worth more.
    assert c.clv[recent & (c.frequency >= 5)].mean() > 3 * c.clv[c.frequency == 0].mean()
    assert report.total_clv == pytest.approx(c.clv.sum())
    assert report.mean_clv_ci_low is not None and report.mean_clv_ci_high is not None
    assert report.mean_clv_ci_low < report.mean_clv < report.mean_clv_ci_high
    assert sum(b.n for b in report.clv_histogram) == report.n_customers
    assert report.clv_quantiles["p50"] <= report.clv_quantiles["p90"] <= report.clv_quantiles["max"]
    assert 0 < report.share_p_alive_below_half < 1
    top = report.top(5)
    assert [t.clv for t in top] == sorted((t.clv for t in top), reverse=True)
    assert top[0].clv == pytest.approx(c.clv.max())


def test_expected_purchases_track_the_model(report: ClvReport) -> None:
    """The base's expected purchases in the horizon are the sum of the per-customer ones,
    and a 12-month CLV without discounting is about purchases in 52 weeks × spend."""
    c = report.customers
    assert report.expected_purchases == pytest.approx(c.expected_purchases.sum())
    approx = (c.expected_purchases * c.expected_spend).sum()
    assert report.total_clv == pytest.approx(approx, rel=0.1)


def test_pareto_nbd_gives_similar_values(sim_snapshot: Snapshot, report: ClvReport) -> None:
    pareto = predict_customers(sim_snapshot, model="paretonbd")
    assert pareto.model is ModelName.PARETONBD
    assert pareto.total_clv == pytest.approx(report.total_clv, rel=0.2)


def test_validation_on_simulated_data(sim_snapshot: Snapshot) -> None:
    v = clv_validation(sim_snapshot)
    assert v.holdout_weeks == pytest.approx(v.calibration_weeks / 2, abs=1)
    assert v.report.errors.mae_ratio < 1  # the model beats the naive baseline
    assert [b.frequency for b in v.report.buckets][:3] == ["0", "1", "2"]
    assert v.report.errors.predicted_total == pytest.approx(v.report.errors.actual_total, rel=0.2)
    last = v.report.tracking[-1]
    assert last.end == v.observation_end and last.predicted == pytest.approx(last.actual, rel=0.2)
    weekly = clv_validation(sim_snapshot, calibration_weeks=52, holdout_weeks=20)
    assert weekly.holdout_weeks == 20 and weekly.split.startswith("calibration: the first 52")


def test_no_orders_and_no_repeat_buyers_are_degenerate() -> None:
    with make_snapshot(as_of=AS_OF) as snap, pytest.raises(DegenerateData, match="No customer"):
        predict_customers(snap)
    once = [
        {"customer_id": i, "placed_at": datetime(2026, 5, i, 3, tzinfo=UTC), "total": 10}
        for i in range(1, 31)
    ]
    with (
        make_snapshot(orders=once, as_of=AS_OF) as snap,
        pytest.raises(DegenerateData, match="repeat purchase"),
    ):
        predict_customers(snap)


def test_too_few_customers_is_degenerate() -> None:
    orders, _ = simulated_orders(12, seed=2)
    with (
        make_snapshot(orders=orders, as_of=AS_OF) as snap,
        pytest.raises(DegenerateData, match="at least 20"),
    ):
        predict_customers(snap)


def test_zero_spend_is_degenerate() -> None:
    orders, _ = simulated_orders(200, seed=3)
    for o in orders:
        o["total"] = 0
    with (
        make_snapshot(orders=orders, as_of=AS_OF) as snap,
        pytest.raises(DegenerateData, match="zero total"),
    ):
        predict_customers(snap)


def test_single_spend_falls_back_to_historical_mean() -> None:
    orders, _ = simulated_orders(400, seed=5)
    for o in orders:
        o["total"] = 25
    with make_snapshot(orders=orders, as_of=AS_OF) as snap:
        rep = predict_customers(snap)
    assert rep.spend_model == "historical-mean" and rep.spend_params is None
    assert "historical mean" in rep.notes[-1]
    c = rep.customers  # the mean per purchase day (same-day orders are summed)
    np.testing.assert_allclose(c.expected_spend, c.spend / (c.frequency + 1))
    assert np.median(c.expected_spend) == 25


def test_bad_arguments() -> None:
    orders, _ = simulated_orders(50, seed=1)
    with make_snapshot(orders=orders, as_of=AS_OF) as snap:
        with pytest.raises(SummaryInvalid, match="horizon"):
            predict_customers(snap, horizon_weeks=0)
        with pytest.raises(ValueError):
            predict_customers(snap, model="cdnow")  # type: ignore[arg-type]
        with pytest.raises(SummaryInvalid, match="after the as-of"):
            clv_validation(snap, calibration_weeks=60, holdout_weeks=60)
