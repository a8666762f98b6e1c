"""Training on real orders, in both dialects: runs, rows, popularity-only, failures, retrain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from kizuna.recommend import api as recommend
from kizuna.recommend import training
from kizuna.recommend.errors import RecommenderRunNotFound, TrainingInProgress
from kizuna.recommend.tables import (
    CustomerRecommendationRow,
    PopularProductRow,
    ProductAssociationRow,
    RecommenderRunRow,
)
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.integration.recommend.rec_shop import write_rec_shop

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def _count(runtime: Runtime, table: type, **where: object) -> int:
    with runtime.sessions() as s:
        query = select(func.count()).select_from(table)
        for name, value in where.items():
            query = query.where(getattr(table, name) == value)
        return int(s.scalar(query) or 0)


def test_training_writes_a_ready_run_with_lists_pairs_and_evaluation(
    runtime: Runtime, workspace: Workspace
) -> None:
    shop = write_rec_shop(runtime, workspace, now=NOW)
    steps: list[str] = []
    run = recommend.train(runtime.sessions, workspace.id, now=NOW, progress=steps.append)

    assert run.status == "ready", run.error
    assert run.mode == "personal"
    assert run.customers == len(shop.customers)
    assert run.trained_at == NOW
    assert steps and steps[0] == "Loading orders"
    assert {"buy_again", "als", "popularity"} <= set(run.weights)
    assert sum(run.weights.values()) == pytest.approx(1.0)
    methods = {row["method"] for row in run.metrics["rows"]}
    assert {"blend", "popularity"} <= methods
    # every customer with orders has a list of their own, ranks 1..N without gaps
    assert _count(runtime, CustomerRecommendationRow, run_id=run.id) == \
        run.rows_written["customer_recommendations"] > 0
    with runtime.sessions() as s:
        per_customer = dict(s.execute(
            select(CustomerRecommendationRow.customer_id, func.max(CustomerRecommendationRow.rank))
            .where(CustomerRecommendationRow.run_id == run.id)
            .group_by(CustomerRecommendationRow.customer_id)).all())
        scopes = set(s.scalars(select(PopularProductRow.scope).distinct()))
    assert set(per_customer) == set(shop.customers.values())
    assert max(per_customer.values()) <= training.TOP_N
    assert {"all", "trending", "category:Coffee", "category:Books", "locale:ja",
            "locale:en", "repeat"} <= scopes
    # the garden pair is the strongest "bought together" pair
    with runtime.sessions() as s:
        together = recommend.frequently_bought_together(s, workspace.id, "garden-0")
    assert together.items[0].product.external_id == "garden-1"
    assert together.items[0].orders_together >= 2
    assert together.items[0].lift > 1


def test_retraining_replaces_the_run_and_deletes_the_old_rows(
    runtime: Runtime, workspace: Workspace
) -> None:
    write_rec_shop(runtime, workspace, now=NOW)
    first = recommend.train(runtime.sessions, workspace.id, now=NOW)
    first_rows = _count(runtime, CustomerRecommendationRow, run_id=first.id)
    second = recommend.train(runtime.sessions, workspace.id, now=NOW + timedelta(hours=1))

    assert second.status == "ready" and second.id != first.id
    assert _count(runtime, RecommenderRunRow) == 1
    for table in (CustomerRecommendationRow, ProductAssociationRow, PopularProductRow):
        assert _count(runtime, table, run_id=first.id) == 0
    # same data, same seed: the same lists
    assert _count(runtime, CustomerRecommendationRow, run_id=second.id) == first_rows
    with runtime.sessions() as s:
        assert recommend.latest_run(s, workspace.id).id == second.id


def test_too_little_data_stores_popular_lists_only(
    runtime: Runtime, workspace: Workspace
) -> None:
    shop = write_rec_shop(runtime, workspace, now=NOW, customers=12)
    run = recommend.train(runtime.sessions, workspace.id, now=NOW)

    assert run.status == "ready"
    assert run.mode == "popular_only"
    assert "popularity lists only" in run.note
    assert run.metrics == {}
    assert _count(runtime, CustomerRecommendationRow, run_id=run.id) == 0
    assert _count(runtime, PopularProductRow, run_id=run.id, scope="all") > 0
    with runtime.sessions() as s:
        served = recommend.recommendations_for(s, workspace.id, shop.customers["u000"],
                                               limit=3, now=NOW)
    assert served.source == "popular" and len(served.items) == 3


def test_an_empty_workspace_trains_an_empty_run(runtime: Runtime, workspace: Workspace) -> None:
    with runtime.sessions() as s, pytest.raises(RecommenderRunNotFound):
        recommend.latest_run(s, workspace.id)
    run = recommend.train(runtime.sessions, workspace.id, now=NOW)
    assert run.status == "ready" and run.customers == 0 and run.mode == "popular_only"


def test_a_failed_training_keeps_the_previous_run_serving(
    runtime: Runtime, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = write_rec_shop(runtime, workspace, now=NOW)
    good = recommend.train(runtime.sessions, workspace.id, now=NOW)
    customer = shop.customers["u001"]
    with runtime.sessions() as s:
        before = recommend.recommendations_for(s, workspace.id, customer, now=NOW)

    def broken_pairs(*_args: object, **_kwargs: object) -> list[object]:
        raise RuntimeError("disk on fire")

    # fail after the personal lists are written: the partial rows must go away
    monkeypatch.setattr(training, "_write_personal", broken_pairs)
    failed = recommend.train(runtime.sessions, workspace.id, now=NOW + timedelta(hours=2))

    assert failed.status == "failed"
    assert failed.error == "RuntimeError: disk on fire"
    for table in (CustomerRecommendationRow, ProductAssociationRow, PopularProductRow):
        assert _count(runtime, table, run_id=failed.id) == 0
    with runtime.sessions() as s:
        assert recommend.latest_run(s, workspace.id).id == failed.id
        serving = recommend.serving_run(s, workspace.id)
        after = recommend.recommendations_for(s, workspace.id, customer, now=NOW)
    assert serving is not None and serving.id == good.id
    assert after == before and after.source == "personal"


def test_a_second_training_while_one_runs_is_refused(
    runtime: Runtime, workspace: Workspace
) -> None:
    running = training.start_run(runtime.sessions, workspace.id, NOW)
    with pytest.raises(TrainingInProgress):
        recommend.train(runtime.sessions, workspace.id, now=NOW + timedelta(minutes=5))
    # an abandoned run (older than STALE_AFTER) no longer blocks
    later = NOW + training.STALE_AFTER + timedelta(minutes=1)
    run = recommend.train(runtime.sessions, workspace.id, now=later)
    assert run.status == "ready"
    with runtime.sessions() as s:
        assert s.get(RecommenderRunRow, running) is None  # deleted with the other old runs


def test_retrain_if_due(runtime: Runtime, workspace: Workspace) -> None:
    write_rec_shop(runtime, workspace, now=NOW)
    first = recommend.retrain_if_due(runtime.sessions, workspace.id, now=NOW)
    assert first is not None and first.status == "ready"  # no run yet: due
    # younger than retrain_hours: not due, whatever the orders
    assert recommend.retrain_if_due(runtime.sessions, workspace.id,
                                    now=NOW + timedelta(hours=23)) is None
    # old enough, but no order stored since: not due
    assert recommend.retrain_if_due(runtime.sessions, workspace.id,
                                    now=NOW + timedelta(hours=25)) is None
    # new orders (stored after the run) and old enough: due
    write_rec_shop(runtime, workspace, now=NOW + timedelta(hours=26), customers=8, prefix="n")
    with runtime.sessions() as s, s.begin():
        recommend.update_settings(s, workspace.id, now=NOW, retrain_hours=48)
    assert recommend.retrain_if_due(runtime.sessions, workspace.id,
                                    now=NOW + timedelta(hours=30)) is None
    again = recommend.retrain_if_due(runtime.sessions, workspace.id,
                                     now=NOW + timedelta(hours=49))
    assert again is not None and again.id != first.id
