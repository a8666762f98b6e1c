"""The Segment-compatible HTTP API, through the real app (TestClient over create_app)."""

from __future__ import annotations

import base64
import gzip
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from kizuna.ingest.tables import EventRow
from kizuna.runtime import Runtime


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


def stored(runtime: Runtime) -> list[EventRow]:
    with runtime.sessions() as s:
        return list(s.scalars(sa.select(EventRow).order_by(EventRow.id)))


def post(client: TestClient, path: str, body: Any, headers: dict[str, str], **kw: Any):
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    return client.post(
        path, content=raw, headers={"Content-Type": "application/json", **headers}, **kw
    )


SINGLE = {
    "/v1/track": {"event": "Clicked", "userId": "u1"},
    "/v1/t": {"event": "Clicked", "anonymousId": "a1"},
    "/v1/identify": {"userId": "u1", "traits": {"email": "a@b.c"}},
    "/v1/i": {"userId": "u1"},
    "/v1/page": {"userId": "u1", "name": "Home"},
    "/v1/p": {"anonymousId": "a1", "name": "Home"},
    "/v1/screen": {"userId": "u1", "name": "Main"},
    "/v1/s": {"userId": "u1", "name": "Main"},
    "/v1/group": {"userId": "u1", "groupId": "g1"},
    "/v1/g": {"userId": "u1", "groupId": "g1"},
    "/v1/alias": {"userId": "u1", "previousId": "a1"},
    "/v1/a": {"userId": "u1", "previousId": "a1"},
}


@pytest.mark.parametrize("path", sorted(SINGLE))
def test_every_single_message_path_stores_its_type(
    client: TestClient, runtime: Runtime, write_key: str, path: str
) -> None:
    response = post(client, path, SINGLE[path], basic(write_key))
    assert response.status_code == 200
    assert response.json() == {"success": True}
    (row,) = stored(runtime)
    expected = {
        "t": "track",
        "i": "identify",
        "p": "page",
        "s": "screen",
        "g": "group",
        "a": "alias",
    }
    assert row.type == expected[path.rsplit("/", 1)[1][0]]


@pytest.mark.parametrize("path", ["/v1/batch", "/v1/b"])
def test_batch_paths(client: TestClient, runtime: Runtime, write_key: str, path: str) -> None:
    body = {
        "batch": [
            {"type": "identify", "userId": "u1", "messageId": "1"},
            {"type": "track", "userId": "u1", "event": "E", "messageId": "2"},
            {"type": "page", "userId": "u1", "messageId": "3"},
        ],
        "context": {"library": {"name": "batch-level"}},
        "sentAt": "2024-01-01T00:00:00Z",
    }
    response = post(client, path, body, basic(write_key))
    assert (response.status_code, response.json()) == (200, {"success": True})
    rows = stored(runtime)
    assert [r.type for r in rows] == ["identify", "track", "page"]
    assert rows[0].context == {"library": {"name": "batch-level"}}


def test_gzip_body(client: TestClient, runtime: Runtime, write_key: str) -> None:
    raw = gzip.compress(orjson.dumps({"batch": [{"type": "track", "userId": "u", "event": "Z"}]}))
    response = post(client, "/v1/batch", raw, {**basic(write_key), "Content-Encoding": "gzip"})
    assert response.status_code == 200
    assert [r.event for r in stored(runtime)] == ["Z"]


def test_browser_text_plain_with_write_key_in_body(
    client: TestClient, runtime: Runtime, write_key: str
) -> None:
    body = orjson.dumps({"event": "Viewed", "anonymousId": "b1", "writeKey": write_key})
    response = client.post(
        "/v1/t",
        content=body,
        headers={"Content-Type": "text/plain;charset=UTF-8", "Origin": "https://shop.example"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert [r.event for r in stored(runtime)] == ["Viewed"]


def test_cors_preflight(client: TestClient) -> None:
    response = client.options(
        "/v1/batch",
        headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]


def test_retry_of_the_same_request_is_stored_once(
    client: TestClient, runtime: Runtime, write_key: str
) -> None:
    body = {"batch": [{"type": "track", "userId": "u", "event": "E", "messageId": "same"}]}
    for _ in range(3):
        assert post(client, "/v1/batch", body, basic(write_key)).status_code == 200
    assert len(stored(runtime)) == 1


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].endswith("/" + code)
    assert body["title"] and body["detail"]
    return body


def test_invalid_messages_are_named_by_index_and_field_and_nothing_is_stored(
    client: TestClient, runtime: Runtime, write_key: str
) -> None:
    body = {
        "batch": [
            {"type": "track", "userId": "u", "event": "fine"},
            {"type": "track", "userId": "u"},
            {"type": "identify", "traits": []},
            {"type": "page", "userId": {"id": 1}},
        ]
    }
    problem = assert_problem(
        post(client, "/v1/batch", body, basic(write_key)), 400, "payload-invalid"
    )
    assert [(e["index"], e["field"]) for e in problem["errors"]] == [
        (1, "event"),
        (2, "traits"),
        (2, "userId"),
        (3, "userId"),
    ]
    assert stored(runtime) == []


def test_malformed_json_names_the_position(client: TestClient, write_key: str) -> None:
    problem = assert_problem(
        post(client, "/v1/batch", b'{"batch": [{"type": "track",]}', basic(write_key)),
        400,
        "json-malformed",
    )
    assert problem["line"] == 1 and problem["position"] == 28


def test_batch_must_be_an_array(client: TestClient, write_key: str) -> None:
    problem = assert_problem(
        post(client, "/v1/batch", {"batch": {"type": "track"}}, basic(write_key)),
        400,
        "payload-invalid",
    )
    assert problem["errors"][0]["field"] == "batch"


@pytest.mark.parametrize(
    ("headers", "code"),
    [({}, "write-key-missing"), (basic("wk_unknown"), "write-key-invalid")],
)
def test_unknown_or_missing_write_key(
    client: TestClient, write_key: str, headers: dict[str, str], code: str
) -> None:
    response = post(client, "/v1/track", {"event": "E", "userId": "u"}, headers)
    assert_problem(response, 401, code)
    assert response.headers["www-authenticate"].startswith("Basic")


def test_event_over_32_kb(client: TestClient, runtime: Runtime, write_key: str) -> None:
    big = {"type": "track", "userId": "u", "event": "E", "properties": {"blob": "x" * 33_000}}
    body = {"batch": [{"type": "track", "userId": "u", "event": "small"}, big]}
    problem = assert_problem(
        post(client, "/v1/batch", body, basic(write_key)), 413, "event-too-large"
    )
    assert problem["index"] == 1
    single = post(
        client, "/v1/track", {k: v for k, v in big.items() if k != "type"}, basic(write_key)
    )
    assert_problem(single, 413, "event-too-large")
    assert stored(runtime) == []


def test_batch_over_500_kb_even_when_gzipped(
    client: TestClient, runtime: Runtime, write_key: str
) -> None:
    batch = [
        {"type": "track", "userId": "u", "event": "E", "properties": {"blob": "y" * 20_000}}
        for _ in range(30)
    ]
    raw = orjson.dumps({"batch": batch})
    assert len(raw) > 500 * 1024
    assert_problem(post(client, "/v1/batch", raw, basic(write_key)), 413, "batch-too-large")
    zipped = gzip.compress(raw)
    assert len(zipped) < 500 * 1024
    response = post(client, "/v1/batch", zipped, {**basic(write_key), "Content-Encoding": "gzip"})
    assert_problem(response, 413, "batch-too-large")
    assert stored(runtime) == []


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "application/json; charset=latin-1",
    ],
)
def test_wrong_content_type(client: TestClient, write_key: str, content_type: str) -> None:
    response = client.post(
        "/v1/track",
        content=b'{"event": "E", "userId": "u"}',
        headers={**basic(write_key), "Content-Type": content_type},
    )
    assert_problem(response, 415, "content-type-unsupported")


def test_unknown_content_encoding(client: TestClient, write_key: str) -> None:
    response = post(
        client,
        "/v1/track",
        {"event": "E", "userId": "u"},
        {**basic(write_key), "Content-Encoding": "br"},
    )
    assert_problem(response, 415, "content-encoding-unsupported")


def test_bad_gzip(client: TestClient, write_key: str) -> None:
    response = post(
        client, "/v1/batch", b"not gzip", {**basic(write_key), "Content-Encoding": "gzip"}
    )
    assert_problem(response, 400, "payload-invalid")


def test_ingest_paths_are_in_openapi(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/batch", "/v1/track", "/v1/t", "/v1/b"} <= set(paths)
