from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def make_customers(runtime: Runtime, workspace: Workspace, n: int) -> list[CustomerId]:
    with runtime.sessions.begin() as s:
        refs = [IdentityRef(user_id=f"fan-{i:03d}") for i in range(n)]
        return profiles.resolve_customers(s, workspace.id, refs, T0)


@pytest.fixture
def fans(runtime: Runtime, workspace: Workspace) -> list[CustomerId]:
    return make_customers(runtime, workspace, 12)
