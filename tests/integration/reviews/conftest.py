from __future__ import annotations

import pytest

from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.integration.reviews.shop import Shop, build_shop


@pytest.fixture
def shop(runtime: Runtime, workspace: Workspace, write_key: str) -> Shop:
    return build_shop(runtime, workspace.id, write_key)
