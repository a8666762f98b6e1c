"""`kizuna serve` runs an outbox worker thread unless KIZUNA_WORKER_IN_SERVER is false."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from kizuna.db.engine import transaction
from kizuna.http.app import create_app
from kizuna.jobs import api as jobs
from kizuna.jobs.contracts import JobStatus
from kizuna.runtime import Runtime
from kizuna.settings import Settings
from kizuna.workspaces.contracts import Workspace
from tests.integration.jobs.test_outbox import T0


@pytest.mark.parametrize("in_server", [True, False])
def test_server_worker_runs_queued_jobs(settings: Settings, runtime: Runtime,
                                        workspace: Workspace, in_server: bool) -> None:
    with transaction(runtime.sessions) as s:
        job = jobs.enqueue(s, workspace_id=workspace.id, kind="echo", idempotency_key="srv",
                           payload={"hello": "world"}, now=T0).job
    configured = settings.model_copy(update={"housekeeping": False,
                                             "worker_in_server": in_server})

    def status() -> JobStatus:
        with transaction(runtime.sessions) as s:
            return jobs.get_job(s, workspace.id, job.id).status

    with TestClient(create_app(configured, runtime, background=True)):
        deadline = time.monotonic() + (20 if in_server else 2.5)
        while status() is not JobStatus.DONE and time.monotonic() < deadline:
            time.sleep(0.1)
        seen = status()
    assert seen is (JobStatus.DONE if in_server else JobStatus.QUEUED)
