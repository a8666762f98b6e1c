from __future__ import annotations

import base64

import pytest

from kizuna.auth.contracts import Scope
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.data import create_key

XSS = "<script>alert('idea')</script>"


@pytest.fixture
def client_headers(write_key: str) -> dict[str, str]:
    token = base64.b64encode(f"{write_key}:".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def read_headers(runtime: Runtime, workspace: Workspace) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_key(runtime, workspace, Scope.READ)}"}


@pytest.fixture
def admin_headers(runtime: Runtime, workspace: Workspace) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_key(runtime, workspace, Scope.ADMIN)}"}


MARKETER = "marketer@example.com"
VIEWER = "viewer@example.com"


@pytest.fixture
def idea_users(runtime: Runtime, workspace: Workspace) -> dict[str, str]:
    from kizuna.auth.contracts import Role
    from tests.acceptance.web.data import create_user

    create_user(runtime, workspace, MARKETER, Role.MARKETER)
    create_user(runtime, workspace, VIEWER, Role.VIEWER)
    return {"marketer": MARKETER, "viewer": VIEWER}
