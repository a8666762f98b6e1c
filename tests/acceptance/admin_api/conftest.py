from __future__ import annotations

import pytest

from kizuna.auth.contracts import Scope
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.data import Seeded, create_key, seed_customers


@pytest.fixture
def seeded(runtime: Runtime, workspace: Workspace) -> Seeded:
    return seed_customers(runtime, workspace)


@pytest.fixture
def read_headers(runtime: Runtime, workspace: Workspace) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_key(runtime, workspace, Scope.READ)}"}


@pytest.fixture
def write_headers(runtime: Runtime, workspace: Workspace) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_key(runtime, workspace, Scope.WRITE)}"}


@pytest.fixture
def admin_headers(runtime: Runtime, workspace: Workspace) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_key(runtime, workspace, Scope.ADMIN)}"}
