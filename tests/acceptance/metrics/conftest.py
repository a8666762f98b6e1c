from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kizuna.auth.contracts import Scope
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.data import create_key
from tests.shop import ShopOrder, write_shop


@pytest.fixture
def shop(runtime: Runtime, workspace: Workspace, write_key: str) -> list[ShopOrder]:
    return write_shop(runtime, workspace, write_key, now=datetime.now(UTC))


@pytest.fixture
def read_headers(runtime: Runtime, workspace: Workspace) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_key(runtime, workspace, Scope.READ)}"}
