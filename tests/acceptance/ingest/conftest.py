"""Fixtures for the ingest acceptance tests: a source with a known write key."""

from __future__ import annotations

import pytest

from kizuna.ingest import api as ingest
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace

WRITE_KEY = "wk_acceptance_test_key"


@pytest.fixture
def write_key(runtime: Runtime, workspace: Workspace) -> str:
    with runtime.sessions() as s, s.begin():
        ingest.create_source(
            s, workspace_id=workspace.id, name="web", clock=runtime.clock, write_key=WRITE_KEY
        )
    return WRITE_KEY
