"""Fixtures shared by the acceptance tests: API keys for the admin API."""

from __future__ import annotations

import pytest

from kizuna.auth.contracts import Scope
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.data import create_key


@pytest.fixture
def read_headers(runtime: Runtime, workspace: Workspace) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_key(runtime, workspace, Scope.READ)}"}


@pytest.fixture
def admin_headers(runtime: Runtime, workspace: Workspace) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_key(runtime, workspace, Scope.ADMIN)}"}
