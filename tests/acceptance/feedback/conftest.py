from __future__ import annotations

from dataclasses import dataclass

import pytest

from kizuna.auth.contracts import Role
from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.data import create_user
from tests.integration.feedback.data import XSS, answer, customers

ADMIN = "admin@example.com"
MARKETER = "cx@example.com"
VIEWER = "viewer@example.com"


@dataclass(frozen=True)
class Inbox:
    customer: CustomerId
    detractor: int
    promoter: int
    anonymous: int


@pytest.fixture
def inbox(runtime: Runtime, workspace: Workspace) -> Inbox:
    """Three comments, all with markup in them: a known detractor (gets a task), a promoter,
    an anonymous detractor (no task, no profile link)."""
    ws = workspace.id
    [c] = customers(runtime, ws, 1)
    create_user(runtime, workspace, ADMIN, Role.ADMIN)
    create_user(runtime, workspace, MARKETER, Role.MARKETER)
    create_user(runtime, workspace, VIEWER, Role.VIEWER)
    return Inbox(
        customer=c,
        detractor=answer(runtime, ws, "d", f"Slow delivery {XSS}", score=3, customer=c),
        promoter=answer(runtime, ws, "p", "Great & friendly <b>staff</b>", score=10,
                        customer=c, day=1),
        anonymous=answer(runtime, ws, "a", f"{XSS} awful", score=0, anonymous=True, day=2),
    )
