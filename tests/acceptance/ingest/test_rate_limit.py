"""A source that sends too fast gets 429 + Retry-After, which the SDKs honour."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kizuna.http.app import create_app
from kizuna.runtime import build_runtime
from kizuna.settings import load_settings


def test_ingest_answers_429_with_retry_after_past_the_source_rate(
    database_url: str, write_key: str
) -> None:
    settings = load_settings(database_url=database_url, ingest_events_per_second=10)
    runtime = build_runtime(settings)
    batch = {"batch": [{"type": "track", "event": "Tick", "userId": f"u{i}"} for i in range(25)]}
    with TestClient(create_app(settings, runtime)) as client:
        first = client.post("/v1/batch", json=batch, auth=(write_key, ""))
        second = client.post("/v1/batch", json=batch, auth=(write_key, ""))
        third = client.post("/v1/batch", json=batch, auth=(write_key, ""))
    runtime.close()
    assert first.status_code == 200 and second.status_code == 200  # a 50-event burst
    assert third.status_code == 429
    assert third.headers["retry-after"] == "3"
    assert third.headers["content-type"] == "application/problem+json"
    assert third.json()["type"].endswith("/rate-limited")
