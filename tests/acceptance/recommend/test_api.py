"""The recommendations API over HTTP, in both dialects: auth, problems, cold start, training."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from kizuna.auth.contracts import Scope
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.recommend import training
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.data import create_key
from tests.integration.recommend.rec_shop import RecShop, write_rec_shop

PROBLEM = "application/problem+json"
NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


@pytest.fixture
def keys(runtime: Runtime, workspace: Workspace) -> dict[str, dict[str, str]]:
    return {scope.value: {"Authorization": f"Bearer {create_key(runtime, workspace, scope)}"}
            for scope in (Scope.READ, Scope.WRITE, Scope.ADMIN)}


@pytest.fixture
def shop(runtime: Runtime, workspace: Workspace) -> RecShop:
    return write_rec_shop(runtime, workspace, now=NOW)


def _routes(customer: int) -> list[tuple[str, str]]:
    return [
        ("GET", f"/v1/customers/{customer}/recommendations"),
        ("GET", "/v1/products/garden-0/frequently-bought-together"),
        ("GET", "/v1/recommendations/runs/latest"),
        ("GET", "/v1/recommendations/settings"),
        ("POST", "/v1/recommendations/train"),
        ("PUT", "/v1/recommendations/settings"),
    ]


def test_every_route_needs_a_key_and_changes_need_an_admin_key(
    client: TestClient, shop: RecShop, keys: dict[str, dict[str, str]]
) -> None:
    customer = shop.customers["u001"]
    for method, path in _routes(customer):
        response = client.request(method, path, json={})
        assert response.status_code == 401, path
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.headers["www-authenticate"].lower().startswith("bearer")
        refused = client.request(method, path, json={}, headers=keys["write"])
        assert refused.status_code == 403, path
        assert refused.json()["type"].endswith("/scope-insufficient")
        if method != "GET":
            assert client.request(method, path, json={},
                                  headers=keys["read"]).status_code == 403, path


def test_train_then_serve(
    client: TestClient, shop: RecShop, keys: dict[str, dict[str, str]]
) -> None:
    latest = client.get("/v1/recommendations/runs/latest", headers=keys["read"])
    assert latest.status_code == 200 and latest.json() == {"run": None, "serving": None}
    untrained = client.get(f"/v1/customers/{shop.customers['u001']}/recommendations",
                           headers=keys["read"]).json()
    assert untrained["source"] == "none" and untrained["items"] == []

    run = client.post("/v1/recommendations/train", headers=keys["admin"])
    assert run.status_code == 200, run.text
    body = run.json()
    assert body["status"] == "ready" and body["mode"] == "personal"
    assert body["customers"] == len(shop.customers)
    assert {r["method"] for r in body["metrics"]["rows"]} >= {"blend", "als", "popularity"}

    latest = client.get("/v1/recommendations/runs/latest", headers=keys["read"]).json()
    assert latest["run"]["id"] == latest["serving"]["id"] == body["id"]

    response = client.get(f"/v1/customers/{shop.customers['u001']}/recommendations",
                          params={"limit": 5, "exclude_category": ["Toys", "Garden"]},
                          headers=keys["read"])
    assert response.status_code == 200
    recs = response.json()
    assert recs["source"] == "personal" and recs["run_id"] == body["id"]
    assert len(recs["items"]) == 5
    assert all(i["category"] in ("Books", "Coffee") for i in recs["items"])
    assert {"product_id", "name", "category", "price", "currency", "url", "image_url", "score",
            "reason"} <= set(recs["items"][0])

    together = client.get("/v1/products/garden-0/frequently-bought-together",
                          headers=keys["read"]).json()
    assert together["product"]["product_id"] == "garden-0"
    assert together["items"][0]["product_id"] == "garden-1"
    assert together["items"][0]["lift"] > 1


def test_cold_start_answers_popular(
    client: TestClient, runtime: Runtime, workspace: Workspace, shop: RecShop,
    keys: dict[str, dict[str, str]],
) -> None:
    assert client.post("/v1/recommendations/train", headers=keys["admin"]).status_code == 200
    with runtime.sessions() as s, s.begin():
        newcomer = profiles.upsert_customers(s, workspace.id,
                                             [CustomerUpsert(external_id="fresh")], NOW)[0]
    body = client.get(f"/v1/customers/{newcomer}/recommendations", params={"limit": 3},
                      headers=keys["read"]).json()
    assert body["source"] == "popular" and len(body["items"]) == 3
    assert {i["reason"] for i in body["items"]} == {"popular"}


def test_problems(
    client: TestClient, runtime: Runtime, workspace: Workspace, shop: RecShop,
    keys: dict[str, dict[str, str]],
) -> None:
    missing = client.get("/v1/customers/999999/recommendations", headers=keys["read"])
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith(PROBLEM)
    assert missing.json()["type"].endswith("/customer-not-found")
    product = client.get("/v1/products/no-such/frequently-bought-together",
                         headers=keys["read"])
    assert product.status_code == 404
    assert product.json()["type"].endswith("/recommend-product-not-found")
    bad_limit = client.get(f"/v1/customers/{shop.customers['u001']}/recommendations",
                           params={"limit": 500}, headers=keys["read"])
    assert bad_limit.status_code in (400, 422)
    assert bad_limit.headers["content-type"].startswith(PROBLEM)
    bad = client.put("/v1/recommendations/settings", json={"exclude_purchased": "maybe"},
                     headers=keys["admin"])
    assert bad.status_code == 400
    assert bad.json()["type"].endswith("/recommender-settings-invalid")
    assert bad.json()["field"] == "exclude_purchased"
    # a training already running: 409, and the running one is untouched
    training.start_run(runtime.sessions, workspace.id, runtime.clock.now())
    busy = client.post("/v1/recommendations/train", headers=keys["admin"])
    assert busy.status_code == 409
    assert busy.json()["type"].endswith("/recommender-training-running")


def test_settings_round_trip(client: TestClient, keys: dict[str, dict[str, str]]) -> None:
    assert client.get("/v1/recommendations/settings", headers=keys["read"]).json()[
        "exclude_purchased"] == "auto"
    saved = client.put("/v1/recommendations/settings", headers=keys["admin"], json={
        "exclude_purchased": "always", "excluded_categories": ["Books"], "retrain_hours": 12})
    assert saved.status_code == 200
    body = client.get("/v1/recommendations/settings", headers=keys["read"]).json()
    assert body["exclude_purchased"] == "always"
    assert body["excluded_categories"] == ["Books"] and body["retrain_hours"] == 12
    assert body["repeatable_categories"] == []
