from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from kizuna.auth.contracts import Role
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.conftest import login
from tests.acceptance.web.data import create_user
from tests.integration.reviews.shop import Shop, build_shop

MARKETER = "marketer@example.com"
VIEWER = "viewer@example.com"


@pytest.fixture
def shop(runtime: Runtime, workspace: Workspace, write_key: str) -> Shop:
    return build_shop(runtime, workspace.id, write_key)


@pytest.fixture
def client_auth(write_key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()}


@pytest.fixture
def marketer_client(client: TestClient, runtime: Runtime, workspace: Workspace) -> TestClient:
    create_user(runtime, workspace, MARKETER, Role.MARKETER)
    assert login(client, MARKETER).status_code == 303  # type: ignore[attr-defined]
    return client
