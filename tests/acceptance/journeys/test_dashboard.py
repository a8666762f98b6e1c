"""Dashboard pages of journeys: list, create from a template (marketer, CSRF), the JSON
editor with errors naming the path and the steps in words, status changes, runs, results."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from kizuna.auth.contracts import Role
from kizuna.db.engine import transaction
from kizuna.experiments import api as experiments
from kizuna.experiments.contracts import PdcaInput
from kizuna.ingest import api as ingest
from kizuna.journeys import api as journeys
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.conftest import csrf_of, login
from tests.acceptance.web.data import create_user


def test_template_editor_status_runs_results(client: TestClient, runtime: Runtime,
                                             workspace: Workspace) -> None:
    create_user(runtime, workspace, "viewer@example.com", Role.VIEWER)
    create_user(runtime, workspace, "marketer@example.com", Role.MARKETER)
    assert login(client, "viewer@example.com").status_code == 303  # type: ignore[attr-defined]
    page = client.get("/app/journeys")
    assert page.status_code == 200 and 'id="templates"' not in page.text
    assert 'href="/app/journeys"' in page.text  # the nav item
    token = csrf_of(client.get("/app/journeys/new").text)
    assert client.post("/app/journeys/from-template",
                       data={"csrf_token": token, "template": "abandoned_cart"}
                       ).status_code == 403
    client.cookies.clear()

    assert login(client, "marketer@example.com").status_code == 303  # type: ignore[attr-defined]
    page = client.get("/app/journeys")
    assert 'id="template-abandoned_cart"' in page.text and 'id="template-birthday"' in page.text
    token = csrf_of(page.text)
    made = client.post("/app/journeys/from-template",
                       data={"csrf_token": token, "template": "abandoned_cart"},
                       follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].endswith("/journeys/abandoned-cart")
    editor = client.get("/app/journeys/abandoned-cart")
    assert editor.status_code == 200 and 'id="go-live"' in editor.text
    assert "wait up to 1h for Order Completed with the same cart_id" in editor.text
    assert "timed out → reminder" in editor.text

    definition = json.loads(client.get("/app/journeys/abandoned-cart").text.split(
        'name="definition" rows="24" cols="90" spellcheck="false">')[1].split("</textarea>")[0]
        .replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&")
        .replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">"))
    definition["steps"][0]["timeout"] = "<b>soon"
    form = {"csrf_token": token, "key": "abandoned-cart", "name": "Cart",
            "definition": json.dumps(definition)}
    bad = client.post("/app/journeys/save", data=form)
    assert bad.status_code == 400 and 'id="error-path"' in bad.text
    assert "steps[0].timeout" in bad.text and "<b>soon" not in bad.text
    assert client.post("/app/journeys/check", data={**form, "definition": "{"}
                       ).status_code == 400
    definition["steps"][0]["timeout"] = "2h"
    saved = client.post("/app/journeys/save",
                        data={**form, "definition": json.dumps(definition)},
                        follow_redirects=False)
    assert saved.status_code == 303
    page = client.get("/app/journeys/abandoned-cart?saved=1")
    assert 'id="saved"' in page.text and "wait up to 2h" in page.text
    assert client.post("/app/journeys/abandoned-cart/status",
                       data={"csrf_token": token, "status": "live"},
                       follow_redirects=False).status_code == 303
    assert 'id="pause"' in client.get("/app/journeys/abandoned-cart").text

    # one enrolled customer: the runs page lists it, the results page is honest about n
    now = datetime.now(UTC)
    with transaction(runtime.sessions) as s:
        (cid,) = profiles.upsert_customers(s, workspace.id, [CustomerUpsert(
            external_id="c1", email="c1@example.com")], now)
        ingest.record_customer_event(s, workspace.id, customer_id=cid,
                                     event="Checkout Started", properties={"cart_id": "x"},
                                     at=now, message_id="cart-1")
        journeys.apply_events(s, ingest.read_feed(s, after_id=0), now)
        experiments.create_record(s, workspace.id, PdcaInput(
            title="Cart reminder test", hypothesis="Reminders recover carts",
            action_kind="journey", action_ref="abandoned-cart"), created_by="test",
            at=now - timedelta(minutes=1))
    runs = client.get("/app/journeys/abandoned-cart/runs")
    assert runs.status_code == 200 and f"#{cid}" in runs.text
    assert "waiting for an event" in runs.text
    results = client.get("/app/journeys/abandoned-cart/results")
    assert results.status_code == 200
    assert "Converted = Order Completed within 3 days" in results.text
    assert 'id="arm-report"' in results.text or 'id="no-results"' in results.text
    assert "Cart reminder test" in results.text

    client.post("/app/locale", data={"locale": "ja", "csrf_token": token})
    ja = client.get("/app/journeys")
    assert "ジャーニー" in ja.text and "稼働中" in ja.text
