from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kizuna.auth.contracts import Role
from kizuna.runtime import Runtime
from kizuna.settings import Settings
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.data import PASSWORD, Seeded, create_user, seed_customers

ADMIN = "admin@example.com"
VIEWER = "viewer@example.com"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD, next: str = "") -> object:
    page = client.get("/app/login")
    return client.post(
        "/app/login",
        data={"email": email, "password": password, "next": next, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )


@pytest.fixture
def users(runtime: Runtime, workspace: Workspace) -> dict[str, str]:
    create_user(runtime, workspace, ADMIN, Role.ADMIN)
    create_user(runtime, workspace, VIEWER, Role.VIEWER)
    return {"admin": ADMIN, "viewer": VIEWER}


@pytest.fixture
def seeded(runtime: Runtime, workspace: Workspace) -> Seeded:
    return seed_customers(runtime, workspace)


@pytest.fixture
def viewer_client(client: TestClient, users: dict[str, str]) -> TestClient:
    response = login(client, users["viewer"])
    assert response.status_code == 303  # type: ignore[attr-defined]
    return client


@pytest.fixture
def strict_client(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    """An app that allows only 3 failed logins per minute."""
    from kizuna.http.app import create_app

    tight = settings.model_copy(update={"login_rate_limit_per_minute": 3})
    with TestClient(create_app(tight, runtime)) as c:
        yield c
