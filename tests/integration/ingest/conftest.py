"""Fixtures for the ingest integration tests: the source behind the shared write key."""

from __future__ import annotations

import pytest

from kizuna.ingest import api as ingest
from kizuna.ingest.contracts import Source
from kizuna.runtime import Runtime


@pytest.fixture
def source(runtime: Runtime, write_key: str) -> Source:
    with runtime.sessions() as s:
        found = ingest.find_source_by_write_key(s, write_key)
    assert found is not None
    return found
