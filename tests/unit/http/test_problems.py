"""Problem documents of kizuna errors: fields never clobber the document's own members."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from kizuna.http import problems
from kizuna.jobs.errors import JobNotRetryable


def test_a_field_named_status_does_not_replace_the_http_status() -> None:
    app = FastAPI()
    problems.install(app)

    @app.get("/boom")
    def boom() -> None:
        raise JobNotRetryable(job_id=7, status="running", title="x")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == 409 and body["type"].endswith("/job-not-retryable")
    assert body["error_status"] == "running" and body["error_title"] == "x"
    assert body["job_id"] == 7 and body["title"].startswith("Only dead or failed jobs")
