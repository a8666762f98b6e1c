"""Loyalty dashboard pages in en and ja: render, roles, CSRF, validation, member link."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.loyalty.conftest import ESCAPED, XSS
from tests.acceptance.web.conftest import csrf_of, login


def _lang(client: TestClient, locale: str) -> None:
    page = client.get("/app/loyalty")
    client.post("/app/locale", data={"locale": locale, "csrf_token": csrf_of(page.text),
                                     "next": "/app/loyalty"})


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_every_page_renders_escaped_in_both_languages(
    client: TestClient, users: dict[str, str], member: CustomerId, locale: str
) -> None:
    assert login(client, users["admin"]).status_code == 303  # type: ignore[attr-defined]
    _lang(client, locale)
    words = {"en": "Members vs non-members", "ja": "会員と非会員の比較"}[locale]
    overview = client.get("/app/loyalty")
    assert overview.status_code == 200 and words in overview.text
    assert 'id="cmp-aov"' in overview.text and 'id="liability"' in overview.text
    for path in ("/app/loyalty/settings", "/app/loyalty/rewards", "/app/loyalty/members",
                 f"/app/loyalty/members/{member}", f"/app/customers/{member}",
                 "/app/loyalty/rewards?edit=coffee"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert XSS not in page.text, path
        assert "loyalty." not in re.sub(r'(href|action|id|name|for)="[^"]*"', "", page.text), path
    assert ESCAPED in client.get(f"/app/loyalty/members/{member}").text  # the reason
    assert 'id="loyalty"' in client.get(f"/app/customers/{member}").text


def test_viewer_reads_but_cannot_act_and_forms_need_csrf(
    client: TestClient, users: dict[str, str], member: CustomerId
) -> None:
    assert login(client, users["viewer"]).status_code == 303  # type: ignore[attr-defined]
    page = client.get(f"/app/loyalty/members/{member}")
    assert page.status_code == 200 and 'id="adjust-form"' not in page.text
    csrf = csrf_of(page.text)
    assert client.post(f"/app/loyalty/members/{member}/adjust",
                       data={"csrf_token": csrf, "points": "5", "reason": "x"}).status_code == 403
    assert client.get("/app/loyalty/settings").status_code == 403  # admins only
    client.cookies.clear()
    assert login(client, users["marketer"]).status_code == 303  # type: ignore[attr-defined]
    forged = client.post(f"/app/loyalty/members/{member}/adjust",
                         data={"points": "5", "reason": "x"})
    assert forged.status_code == 403


def test_marketer_adjusts_issues_a_link_and_saves_a_reward(
    client: TestClient, users: dict[str, str], member: CustomerId
) -> None:
    assert login(client, users["marketer"]).status_code == 303  # type: ignore[attr-defined]
    page = client.get(f"/app/loyalty/members/{member}")
    csrf = csrf_of(page.text)
    done = client.post(f"/app/loyalty/members/{member}/adjust", follow_redirects=False,
                       data={"csrf_token": csrf, "points": "-100", "reason": "Damaged cup",
                             "idempotency_key": "k-1"})
    assert done.status_code == 303
    after = client.get(f"/app/loyalty/members/{member}")
    assert 'id="balance">400<' in after.text
    zero = client.post(f"/app/loyalty/members/{member}/adjust",
                       data={"csrf_token": csrf, "points": "0", "reason": "x"})
    assert zero.status_code == 400 and 'id="errors"' in zero.text
    link = client.post(f"/app/loyalty/members/{member}/link", data={"csrf_token": csrf})
    assert link.status_code == 200
    assert re.search(r"/p/loyalty\?m=[A-Za-z0-9_\-]+", link.text)
    assert "/p/loyalty?m=" not in client.get(f"/app/loyalty/members/{member}").text  # once

    rewards = client.get("/app/loyalty/rewards")
    saved = client.post("/app/loyalty/rewards", follow_redirects=False, data={
        "csrf_token": csrf_of(rewards.text), "key": "mug", "name_ja": "マグ", "name_en": "Mug",
        "cost_points": "300", "coupon_prefix": "mug", "active": "1"})
    assert saved.status_code == 303
    assert 'id="reward-mug"' in client.get("/app/loyalty/rewards").text
    bad = client.post("/app/loyalty/rewards", data={
        "csrf_token": csrf_of(rewards.text), "key": "mug", "name_ja": "マグ", "name_en": "Mug",
        "cost_points": "lots", "coupon_prefix": "MUG"})
    assert bad.status_code == 400 and 'id="errors"' in bad.text


def test_admin_saves_settings_and_sees_errors_in_japanese(
    client: TestClient, runtime: Runtime, workspace: Workspace, users: dict[str, str]
) -> None:
    assert login(client, users["admin"]).status_code == 303  # type: ignore[attr-defined]
    _lang(client, "ja")
    form = client.get("/app/loyalty/settings")
    assert form.status_code == 200 and 'id="defaults-note"' in form.text
    data = {"csrf_token": csrf_of(form.text), "name": "Club", "currency": "USD",
            "points_per_unit": "1", "point_value": "0.01", "expiry_months": "12",
            "enrolment": "opt_in", "active": "1", "tier_basis": "spend",
            "tier_window_days": "365", "bonus_first_order": "100",
            "tier_key": ["member", "gold", ""], "tier_threshold": ["0", "500", ""],
            "tier_multiplier": ["1", "1.5", "1"], "tier_name_ja": ["メンバー", "ゴールド", ""],
            "tier_name_en": ["Member", "Gold", ""], "tier_benefits_ja": ["", "", ""],
            "tier_benefits_en": ["", "", ""]}
    assert client.post("/app/loyalty/settings", data=data,
                       follow_redirects=False).status_code == 303
    overview = client.get("/app/loyalty")
    assert "ゴールド" in overview.text and 'id="settings-summary"' in overview.text
    wrong = client.post("/app/loyalty/settings", data={**data, "points_per_unit": "-3"})
    assert wrong.status_code == 400
    assert "保存されていません" in wrong.text and "通貨1単位あたりのポイント" in wrong.text
    assert client.post("/app/loyalty/settings", data={**data, "csrf_token": "x"}).status_code == 403
