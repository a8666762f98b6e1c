"""Dashboard: the recommendations page (run, evaluation, settings, retrain) and the profile
panel, in English and Japanese, with CSRF and roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from kizuna.auth.contracts import Role
from kizuna.commerce import api as commerce
from kizuna.commerce.contracts import ProductUpsert
from kizuna.recommend import api as recommend
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.conftest import csrf_of, login
from tests.acceptance.web.data import create_user
from tests.integration.recommend.rec_shop import RecShop, write_rec_shop

MARKETER = "marketer@example.com"
VIEWER = "viewer@example.com"


@pytest.fixture
def shop(runtime: Runtime, workspace: Workspace) -> RecShop:
    now = datetime.now(UTC) - timedelta(minutes=5)
    return write_rec_shop(runtime, workspace, now=now)


@pytest.fixture
def marketer_client(client: TestClient, runtime: Runtime, workspace: Workspace) -> TestClient:
    create_user(runtime, workspace, MARKETER, Role.MARKETER)
    assert login(client, MARKETER).status_code == 303  # type: ignore[attr-defined]
    return client


@pytest.fixture
def viewer_client(client: TestClient, runtime: Runtime, workspace: Workspace) -> TestClient:
    create_user(runtime, workspace, VIEWER, Role.VIEWER)
    assert login(client, VIEWER).status_code == 303  # type: ignore[attr-defined]
    return client


def _to_japanese(client: TestClient) -> None:
    page = client.get("/app/recommendations")
    response = client.post("/app/locale", data={
        "locale": "ja", "next": "/app/recommendations", "csrf_token": csrf_of(page.text)},
        follow_redirects=False)
    assert response.status_code == 303


def test_viewer_sees_the_page_read_only_and_cannot_retrain(
    viewer_client: TestClient, shop: RecShop
) -> None:
    page = viewer_client.get("/app/recommendations")
    assert page.status_code == 200
    assert 'id="never-trained"' in page.text
    assert 'id="retrain"' not in page.text and 'id="settings-form"' not in page.text
    assert 'href="/app/recommendations"' in page.text  # nav entry
    refused = viewer_client.post("/app/recommendations/train",
                                 data={"csrf_token": csrf_of(page.text)},
                                 follow_redirects=False)
    assert refused.status_code == 403


def test_retrain_button_needs_csrf_then_shows_the_run_and_evaluation(
    marketer_client: TestClient, shop: RecShop
) -> None:
    page = marketer_client.get("/app/recommendations")
    assert 'id="retrain"' in page.text
    forged = marketer_client.post("/app/recommendations/train", data={"csrf_token": "nope"},
                                  follow_redirects=False)
    assert forged.status_code in (400, 403)
    response = marketer_client.post("/app/recommendations/train",
                                    data={"csrf_token": csrf_of(page.text)},
                                    follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/app/recommendations?done=trained"
    html = marketer_client.get(response.headers["location"]).text
    assert 'id="notice"' in html and "Training finished." in html
    assert f"{len(shop.customers)} customers" in html
    assert '<span class="badge status-ready" id="run-status">Ready</span>' in html
    assert 'id="eval-blend"' in html and 'id="eval-popularity"' in html
    assert "Blend weights" in html and "JST" in html  # dates in the user's zone


def test_settings_form_validates_and_saves(
    marketer_client: TestClient, runtime: Runtime, workspace: Workspace
) -> None:
    page = marketer_client.get("/app/recommendations")
    token = csrf_of(page.text)
    bad = marketer_client.post("/app/recommendations/settings", data={
        "csrf_token": token, "exclude_purchased": "always", "retrain_hours": "0"})
    assert bad.status_code == 400
    assert 'id="settings-error"' in bad.text and "1 to 720" in bad.text
    no_csrf = marketer_client.post("/app/recommendations/settings", data={
        "exclude_purchased": "never", "retrain_hours": "6"}, follow_redirects=False)
    assert no_csrf.status_code in (400, 403)
    saved = marketer_client.post("/app/recommendations/settings", data={
        "csrf_token": token, "exclude_purchased": "never",
        "excluded_categories": "Books\nToys, Garden", "repeatable_categories": "",
        "retrain_hours": "6"}, follow_redirects=False)
    assert saved.status_code == 303
    with runtime.sessions() as s:
        value = recommend.get_settings(s, workspace.id)
    assert value.exclude_purchased == "never"
    assert value.excluded_categories == ("Books", "Toys", "Garden")
    assert value.retrain_hours == 6
    html = marketer_client.get(saved.headers["location"]).text
    assert 'id="mode-never" value="never" checked' in html


def test_profile_panel_lists_recommendations_escaped(
    viewer_client: TestClient, runtime: Runtime, workspace: Workspace, shop: RecShop
) -> None:
    customer = shop.customers["u001"]
    before = viewer_client.get(f"/app/customers/{customer}").text
    assert 'id="recommendations"' not in before  # not trained: no panel
    recommend.train(runtime.sessions, workspace.id, now=datetime.now(UTC))
    with runtime.sessions() as s:
        first = recommend.recommendations_for(s, workspace.id, customer,
                                              now=datetime.now(UTC)).items[0].product
    with runtime.sessions() as s, s.begin():
        commerce.upsert_products(s, workspace.id, [ProductUpsert(
            external_id=first.external_id, name="<script>alert(1)</script>",
            url="javascript:alert(1)", price=Decimal("1980"))], datetime.now(UTC))
    html = viewer_client.get(f"/app/customers/{customer}").text
    panel = html.split('<section class="card" id="recommendations">', 1)[1].split("</section>")[0]
    assert "Recommended products" in panel and "Personal recommendations" in panel
    assert panel.count("<li ") == 8
    assert "<script>alert(1)</script>" not in panel
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in panel
    assert "javascript:" not in panel
    assert "1,980 JPY" in panel
    assert 'href="https://shop.example/p/' in panel
    assert "Similar customers" in panel or "Buy again" in panel
    link = f'/app/recommendations/products/{first.external_id}'
    assert link in panel
    assert viewer_client.get(link).status_code == 200


def test_pages_render_in_japanese(
    marketer_client: TestClient, runtime: Runtime, workspace: Workspace, shop: RecShop
) -> None:
    recommend.train(runtime.sessions, workspace.id, now=datetime.now(UTC))
    _to_japanese(marketer_client)
    page = marketer_client.get("/app/recommendations").text
    assert '<html lang="ja">' in page
    assert "最新の学習" in page and "検証データでの評価" in page and "今すぐ再学習" in page
    assert "利用中" in page and "組み合わせの重み" in page
    panel = marketer_client.get(f"/app/customers/{shop.customers['u002']}").text
    assert "おすすめ商品" in panel and "この顧客向けのおすすめ" in panel
    together = marketer_client.get("/app/recommendations/products/garden-0").text
    assert "よく一緒に購入される商品" in together and "Garden 1" in together
    missing = marketer_client.get("/app/recommendations/products/nope")
    assert missing.status_code == 404
