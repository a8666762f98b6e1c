"""Every admin route refuses anonymous callers; a write key cannot read."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.acceptance.web.data import Seeded

PROBLEM = "application/problem+json"


#: Tags of routes that are not the admin API: ingest and the client API (write-key auth).
NOT_ADMIN_TAGS = {"ingest", "client"}
_PARAM = re.compile(r"\{[a-z_]+\}")


def _admin_paths(
    client: TestClient, customer_id: int, *, existing_only: bool = False
) -> list[str]:
    """Every GET operation of the admin API: anything in the OpenAPI under /v1 but ingest and
    the client API. Path parameters other than a customer and a metrics section get a sample
    id (``1``): authentication is checked before the resource is looked up. With
    ``existing_only`` those paths are left out (the resource does not exist in the seed)."""
    spec = client.get("/openapi.json").json()
    paths = []
    for path, operations in spec["paths"].items():
        if not path.startswith("/v1/") or "get" not in operations:
            continue
        if NOT_ADMIN_TAGS & set(operations["get"].get("tags", [])):
            continue
        sample = path.replace("{customer_id}", str(customer_id)).replace("{section}", "rfm")
        if _PARAM.search(sample):
            if existing_only:
                continue
            sample = _PARAM.sub("1", sample)
        paths.append(sample)
    assert {"/v1/customers", f"/v1/customers/{customer_id}"} <= set(paths), paths
    return paths


def test_no_key_is_401_problem_on_every_admin_route(client: TestClient, seeded: Seeded) -> None:
    for path in _admin_paths(client, seeded.hanako):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.headers["www-authenticate"].lower().startswith("bearer")
        body = response.json()
        assert body["status"] == 401
        assert body["type"].endswith("/unauthorized")
        assert body["instance"] == path.split("?")[0]


@pytest.mark.parametrize(
    "header",
    ["Bearer kz_not-a-real-key", "Basic Zm9vOmJhcg==", "Bearer ", "kz_raw-token-without-scheme"],
)
def test_bad_credentials_are_401(client: TestClient, seeded: Seeded, header: str) -> None:
    response = client.get("/v1/customers", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)


def test_write_key_is_403_on_every_admin_route(
    client: TestClient, seeded: Seeded, write_headers: dict[str, str]
) -> None:
    for path in _admin_paths(client, seeded.hanako):
        response = client.get(path, headers=write_headers)
        assert response.status_code == 403, path
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["type"].endswith("/scope-insufficient")


def test_read_and_admin_keys_may_read(
    client: TestClient,
    seeded: Seeded,
    read_headers: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    for headers in (read_headers, admin_headers):
        for path in _admin_paths(client, seeded.hanako, existing_only=True):
            assert client.get(path, headers=headers).status_code == 200, path


def test_openapi_lists_admin_routes_with_response_schemas(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    expected = {
        "/v1/customers": "CustomerListOut",
        "/v1/customers/{customer_id}": "CustomerProfileOut",
        "/v1/customers/{customer_id}/events": "TimelineOut",
    }
    for path, schema in expected.items():
        operation = spec["paths"][path]["get"]
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok == {"$ref": f"#/components/schemas/{schema}"}
        assert "401" in operation["responses"] and "403" in operation["responses"]
        assert operation["operationId"].startswith("customers-")
    assert "Problem" in spec["components"]["schemas"]
    assert not any(p.startswith("/app") for p in spec["paths"])  # the dashboard is not API
