"""The jobs page: counts, dead letters with reasons, the admin-only retry button (ja / en)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kizuna.auth.contracts import Role
from kizuna.clock import FrozenClock
from kizuna.db.engine import transaction
from kizuna.jobs import api as jobs
from kizuna.jobs.contracts import Job, JobOutcome, JobStatus
from kizuna.jobs.worker import Worker
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.conftest import csrf_of, login
from tests.acceptance.web.data import create_user
from tests.integration.jobs.test_outbox import T0


def _dead_job(runtime: Runtime, workspace: Workspace) -> int:
    with transaction(runtime.sessions) as s:
        jobs.enqueue(s, workspace_id=workspace.id, kind="message.send",
                     idempotency_key="campaign:3:customer:1", payload={}, now=T0,
                     max_attempts=1)
        jobs.enqueue(s, workspace_id=workspace.id, kind="message.send",
                     idempotency_key="campaign:3:customer:2", payload={}, now=T0)

    def bounce(_s: sessionmaker[Session], job: Job) -> JobOutcome:
        if job.idempotency_key.endswith(":1"):
            raise ConnectionError("SMTP 451 try later")
        return jobs.Done()

    Worker(runtime.sessions, clock=FrozenClock(T0), handlers={"message.send": bounce}
           ).run_until_idle()
    with transaction(runtime.sessions) as s:
        (dead,) = jobs.list_jobs(s, workspace.id, [JobStatus.DEAD])
    return dead.id


@pytest.mark.parametrize(("lang", "heading", "retry"), [("en", "Dead letters", "Retry"),
                                                         ("ja", "配信不能", "再試行")])
def test_jobs_page_shows_dead_letters_and_retry_requeues(
        client: TestClient, runtime: Runtime, workspace: Workspace,
        lang: str, heading: str, retry: str) -> None:
    job_id = _dead_job(runtime, workspace)
    create_user(runtime, workspace, "admin@example.com", Role.ADMIN)
    create_user(runtime, workspace, "viewer@example.com", Role.VIEWER)
    client.headers["Accept-Language"] = lang
    assert login(client, "viewer@example.com").status_code == 303  # type: ignore[attr-defined]
    assert client.get("/app/jobs").status_code == 403
    client.post("/app/logout", data={"csrf_token": csrf_of(client.get("/app/overview").text)})
    client.cookies.clear()
    assert login(client, "admin@example.com").status_code == 303  # type: ignore[attr-defined]
    page = client.get("/app/jobs")
    assert page.status_code == 200
    assert heading in page.text and retry in page.text
    assert "SMTP 451 try later" in page.text and f'id="job-{job_id}"' in page.text
    assert 'id="count-message.send-done">1<' in page.text
    assert 'id="count-message.send-dead">1<' in page.text
    assert 'href="/app/jobs"' in page.text  # the nav entry for admins

    refused = client.post(f"/app/jobs/{job_id}/retry", data={"csrf_token": "wrong"},
                          follow_redirects=False)
    assert refused.status_code in (400, 403)
    done = client.post(f"/app/jobs/{job_id}/retry", data={"csrf_token": csrf_of(page.text)},
                       follow_redirects=False)
    assert done.status_code == 303
    after = client.get(done.headers["location"])
    assert 'id="done"' in after.text and f'id="job-{job_id}"' not in after.text
    with transaction(runtime.sessions) as s:
        job = jobs.get_job(s, workspace.id, job_id)
    assert job.status is JobStatus.QUEUED and job.attempts == 0
