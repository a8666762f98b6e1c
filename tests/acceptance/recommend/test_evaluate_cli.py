"""`kizuna recommend evaluate` through the real Typer app: MovieLens and a shop's orders."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
from typer.testing import CliRunner

from kizuna.cli.main import app
from kizuna.commerce import api as commerce
from kizuna.commerce.contracts import OrderLine, OrderRecord, ProductUpsert
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace

runner = CliRunner()
T0 = datetime(2026, 1, 5, tzinfo=UTC)


def test_movielens_table_shows_every_method_and_the_weights() -> None:
    result = runner.invoke(app, ["recommend", "evaluate", "--dataset", "movielens"])
    assert result.exit_code == 0, result.output
    for label in ("popularity", "trending", "buy again", "ALS", "blend", "NDCG@10",
                  "movielens-100k", "Blend weights"):
        assert label in result.stdout


def _shop(runtime: Runtime, workspace: Workspace) -> None:
    rng = np.random.default_rng(1)
    with runtime.sessions.begin() as s:
        people = profiles.resolve_customers(
            s, workspace.id, [IdentityRef(user_id=f"c{i}") for i in range(60)], T0)
        commerce.upsert_products(s, workspace.id, [
            ProductUpsert(external_id=f"p{i}", category=f"cat{i % 3}") for i in range(30)], T0)
        orders = []
        for n, customer in enumerate(people):
            staples = rng.choice(30, size=3, replace=False)
            for j in range(6):
                items = {int(x) for x in staples if rng.random() < 0.7} | {int(rng.integers(30))}
                orders.append(OrderRecord(
                    external_id=f"o{n}-{j}", customer_id=customer, total=Decimal(10),
                    placed_at=T0 + timedelta(days=int(rng.integers(0, 120))),
                    lines=tuple(OrderLine(product_external_id=f"p{i}", quantity=Decimal(1),
                                          amount=Decimal(10)) for i in sorted(items))))
        commerce.record_orders(s, workspace.id, orders, T0)


def test_demo_evaluates_the_workspace_orders_as_json(
    database_url: str, runtime: Runtime, workspace: Workspace
) -> None:
    _shop(runtime, workspace)
    result = runner.invoke(app, ["--database-url", database_url, "recommend", "evaluate",
                                 "--dataset", "demo", "--k", "5", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["k"] == 5 and out["test_customers"] > 10
    methods = {row["method"]: row for row in out["rows"]}
    assert set(methods) == {"popularity", "trending", "buy_again", "als", "blend"}
    # staples re-bought: the customer's own history beats the shop's bestsellers
    assert methods["buy_again"]["ndcg"] > methods["popularity"]["ndcg"]
    assert sum(out["blend_weights"].values()) == 1.0 or abs(
        sum(out["blend_weights"].values()) - 1.0) < 1e-9


def test_an_empty_shop_prints_an_empty_evaluation(database_url: str) -> None:
    result = runner.invoke(app, ["--database-url", database_url, "recommend", "evaluate",
                                 "--dataset", "demo", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["test_customers"] == 0
