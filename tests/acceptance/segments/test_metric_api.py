"""Metric conditions end to end: the HTTP preview and the builder page say when scores were
never computed (problem+json; ja and en on the page), `kizuna segments refresh-scores`
computes them, and then both show the size; the readable form is shown in ja and en."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kizuna.auth.contracts import Role, Scope
from kizuna.cli.main import app
from kizuna.runtime import Runtime
from kizuna.segments import scores
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.conftest import csrf_of, login
from tests.acceptance.web.data import create_key, create_user
from tests.integration.segments.scoreshop import write_scored_shop
from tests.integration.segments.test_metric_scores import NOW

AT_RISK = {"metric": "rfm_segment", "op": "in", "value": ["At Risk", "Cannot Lose Them"]}


@pytest.fixture
def read_headers(runtime: Runtime, workspace: Workspace) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_key(runtime, workspace, Scope.READ)}"}


def test_preview_before_and_after_refresh_scores(
    client: TestClient, runtime: Runtime, workspace: Workspace, write_key: str,
    read_headers: dict[str, str], database_url: str,
) -> None:
    write_scored_shop(runtime, workspace, write_key, NOW)
    r = client.post("/v1/segments/preview", json={"condition": AT_RISK}, headers=read_headers)
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("/metric-scores-not-computed")
    assert "kizuna segments refresh-scores" in r.json()["detail"]
    create_user(runtime, workspace, "viewer@example.com", Role.VIEWER)
    assert login(client, "viewer@example.com").status_code == 303  # type: ignore[attr-defined]
    page = client.get("/app/segments/new")
    token = csrf_of(page.text)
    form = {"csrf_token": token, "key": "risk", "name": "Risk",
            "condition": json.dumps(AT_RISK)}
    before = client.post("/app/segments/preview", data=form)
    assert before.status_code == 409 and 'id="segment-error"' in before.text
    assert "Metric scores are not computed yet" in before.text
    assert "RFM segment is At Risk or Cannot Lose Them" in before.text
    client.post("/app/locale", data={"locale": "ja", "csrf_token": token})
    ja = client.post("/app/segments/preview", data=form)
    assert "指標スコアはまだ計算されていません" in ja.text
    assert "RFMセグメントが 離反懸念顧客 (At Risk) または 失えない顧客" in ja.text

    result = CliRunner().invoke(app, ["--database-url", database_url, "segments",
                                      "refresh-scores"])
    assert result.exit_code == 0, result.output
    assert "computing metric scores" in result.output
    assert "scored 230 customers (230 changed)" in result.output
    with runtime.sessions() as s:
        at_risk = sum(1 for cid in range(1, 400)
                      if (row := scores.customer_scores(s, workspace.id, cid)) is not None
                      and row.rfm_segment in ("At Risk", "Cannot Lose Them"))
    assert at_risk > 0
    r = client.post("/v1/segments/preview", json={"condition": AT_RISK}, headers=read_headers)
    assert r.status_code == 200 and r.json()["size"] == at_risk
    after = client.post("/app/segments/preview", data=form)
    assert after.status_code == 200 and 'id="preview-size"' in after.text
    assert f"現在 {at_risk:,} 人が該当します" in after.text
