"""Dashboard page of the delivery outbox: counts per kind and status, dead letters, retry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from kizuna import dispatch
from kizuna.http.deps import SessionDep
from kizuna.jobs import api as jobs
from kizuna.jobs.contracts import JobStatus
from kizuna.runtime import Runtime
from kizuna.web.deps import AdminUser, path_for, render
from kizuna.web.security import CSRF_FIELD, check_csrf

router = APIRouter()
CsrfField = Annotated[str, Form(alias=CSRF_FIELD)]
STATUSES = [s.value for s in JobStatus]


@router.get("/jobs", name="jobs_overview")
def jobs_overview(
    request: Request, user: AdminUser, session: SessionDep,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """Jobs per kind and status; the dead letters and failures with their reasons."""
    table: dict[str, dict[str, int]] = {}
    for c in jobs.counts(session, user.workspace_id):
        table.setdefault(c.kind, dict.fromkeys(STATUSES, 0))[c.status.value] = c.count
    totals = {s: sum(row[s] for row in table.values()) for s in STATUSES}
    letters = jobs.list_jobs(session, user.workspace_id, [JobStatus.DEAD, JobStatus.FAILED],
                             limit=100)
    duplicates = [j for j in jobs.list_jobs(session, user.workspace_id, list(JobStatus),
                                            limit=500) if j.possible_duplicate][:50]
    runtime: Runtime = request.app.state.runtime
    feed = dispatch.status(session, runtime.clock.now())
    return render(request, "jobs/overview.html", {
        "table": table, "totals": totals, "statuses": STATUSES, "letters": letters,
        "duplicates": duplicates, "done": done if done == "retried" else "", "feed": feed,
    })


@router.post("/jobs/{job_id}/retry", name="jobs_retry")
def retry(request: Request, user: AdminUser, session: SessionDep, job_id: int,
          csrf: CsrfField = "") -> Response:
    check_csrf(request.session, csrf)
    runtime: Runtime = request.app.state.runtime
    jobs.retry_job(session, user.workspace_id, job_id, runtime.clock.now())
    return RedirectResponse(f"{path_for(request, 'jobs_overview')}?done=retried",
                            status_code=303)
