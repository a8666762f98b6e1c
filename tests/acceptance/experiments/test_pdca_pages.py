"""Dashboard: PDCA records — list, create / edit with CSRF and roles, the result snapshot."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from kizuna.auth.contracts import Role
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.conftest import csrf_of, login
from tests.acceptance.web.data import create_user

MARKETER = "marketer@example.com"
VIEWER = "viewer@example.com"


@pytest.fixture
def marketer_client(client: TestClient, runtime: Runtime, workspace: Workspace) -> TestClient:
    create_user(runtime, workspace, MARKETER, Role.MARKETER)
    assert login(client, MARKETER).status_code == 303  # type: ignore[attr-defined]
    return client


def _csv(n: int, seed: int = 3) -> str:
    rng = np.random.default_rng(seed)
    lines = ["arm,converted,revenue,pre_spend"]
    for arm, rate in (("holdout", 0.08), ("coupon", 0.14)):
        for _ in range(n):
            pre, conv = rng.gamma(2, 20), rng.random() < rate
            lines.append(f"{arm},{int(conv)},{(pre if conv else 0):.2f},{pre:.2f}")
    return "\n".join(lines)


def _form(**extra: str) -> dict[str, str]:
    return {"title": "Win-back coupon", "hypothesis": "A 10% coupon brings lapsed fans back",
            "action_kind": "broadcast", "action_ref": "winback-2026-05",
            "experiment_key": "winback", "status": "measured", "result_summary": "",
            "next_step": "Roll out to all lapsed fans", "control": "holdout", **extra}


def test_marketer_creates_and_edits_a_record_with_a_result(marketer_client: TestClient) -> None:
    c = marketer_client
    empty = c.get("/app/pdca")
    assert empty.status_code == 200 and 'id="pdca-empty"' in empty.text
    assert 'href="/app/pdca"' in empty.text  # nav entry
    form = c.get("/app/pdca/new")
    forged = c.post("/app/pdca", data={**_form(), "csrf_token": "nope"}, follow_redirects=False)
    assert forged.status_code in (400, 403)
    bad = c.post("/app/pdca", data={**_form(title=" "), "csrf_token": csrf_of(form.text)})
    assert bad.status_code == 400 and 'id="pdca-error"' in bad.text
    created = c.post("/app/pdca", data={**_form(result_csv=_csv(1500)),
                                        "csrf_token": csrf_of(form.text)},
                     follow_redirects=False)
    assert created.status_code == 303
    detail = c.get(created.headers["location"])
    assert detail.status_code == 200
    assert 'id="pdca-uplift"' in detail.text and "1,500" in detail.text
    assert 'id="not-enough-data"' not in detail.text
    record_url = created.headers["location"].split("?")[0]
    edit = c.get(record_url + "/edit")
    saved = c.post(record_url, data={**_form(status="closed", result_summary="+6 points"),
                                     "csrf_token": csrf_of(edit.text)}, follow_redirects=False)
    assert saved.status_code == 303
    page = c.get(record_url)
    assert "+6 points" in page.text and 'id="pdca-uplift"' in page.text  # result kept
    listing = c.get("/app/pdca?status=closed")
    assert "Win-back coupon" in listing.text


def test_small_result_says_not_enough_data(marketer_client: TestClient) -> None:
    form = marketer_client.get("/app/pdca/new")
    created = marketer_client.post("/app/pdca", data={**_form(result_csv=_csv(30)),
                                                      "csrf_token": csrf_of(form.text)},
                                   follow_redirects=False)
    page = marketer_client.get(created.headers["location"])
    assert 'id="not-enough-data"' in page.text and "n</th>" in page.text
    bad_csv = marketer_client.post("/app/pdca", data={
        **_form(result_csv="arm,converted\nholdout,maybe\n"), "csrf_token": csrf_of(form.text)})
    assert bad_csv.status_code == 400 and "maybe" in bad_csv.text


def test_viewer_reads_but_cannot_write(client: TestClient, runtime: Runtime,
                                       workspace: Workspace) -> None:
    create_user(runtime, workspace, VIEWER, Role.VIEWER)
    assert login(client, VIEWER).status_code == 303  # type: ignore[attr-defined]
    page = client.get("/app/pdca")
    assert page.status_code == 200 and 'id="pdca-new"' not in page.text
    assert client.get("/app/pdca/new").status_code == 403
    refused = client.post("/app/pdca", data={**_form(), "csrf_token": csrf_of(page.text)},
                          follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/app/pdca/999999").status_code == 404


def test_degenerate_result_renders_and_japanese_page(marketer_client: TestClient) -> None:
    c = marketer_client
    form = c.get("/app/pdca/new")
    created = c.post("/app/pdca", data={
        **_form(result_csv="arm,converted,revenue\nholdout,1,5\ncoupon,0,0\n"),
        "csrf_token": csrf_of(form.text)}, follow_redirects=False)
    assert created.status_code == 303
    page = c.get(created.headers["location"])
    assert page.status_code == 200 and 'id="not-enough-data"' in page.text
    switched = c.post("/app/locale", data={"locale": "ja", "next": "/app/pdca",
                                           "csrf_token": csrf_of(page.text)},
                      follow_redirects=False)
    assert switched.status_code == 303
    ja = c.get(created.headers["location"].split("?")[0])
    assert "データ不足" in ja.text and "計測結果" in ja.text
    assert "PDCA 記録" in c.get("/app/pdca").text
