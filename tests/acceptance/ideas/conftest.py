from __future__ import annotations

import base64

import pytest

from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace

XSS = "<script>alert('idea')</script>"


@pytest.fixture
def client_headers(write_key: str) -> dict[str, str]:
    token = base64.b64encode(f"{write_key}:".encode()).decode()
    return {"Authorization": f"Basic {token}"}


MARKETER = "marketer@example.com"
VIEWER = "viewer@example.com"


@pytest.fixture
def idea_users(runtime: Runtime, workspace: Workspace) -> dict[str, str]:
    from kizuna.auth.contracts import Role
    from tests.acceptance.web.data import create_user

    create_user(runtime, workspace, MARKETER, Role.MARKETER)
    create_user(runtime, workspace, VIEWER, Role.VIEWER)
    return {"marketer": MARKETER, "viewer": VIEWER}
