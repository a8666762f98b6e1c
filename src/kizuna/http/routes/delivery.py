"""Delivery admin API: the outbox's jobs, the send policy, the suppression list, e-mail events
(asynchronous bounces / complaints) and template test sends.

``Authorization: Bearer <api key>``: a **read** key lists and reads; an **admin** key retries
jobs, changes the policy and the suppression list, reports e-mail events and test-sends.
See docs/reference/admin-api.md.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from kizuna.errors import Invalid
from kizuna.http.deps import AdminKey, ReadKey, RuntimeDep, SessionDep
from kizuna.http.schemas.customers import Problem
from kizuna.http.schemas.delivery import (
    EmailEventIn,
    EmailEventOut,
    JobCountOut,
    JobCountsOut,
    JobDetailOut,
    JobListOut,
    SendPolicyOut,
    SendPolicyPatch,
    SuppressionIn,
    SuppressionListOut,
    SuppressionOut,
    TestSendIn,
    TestSendOut,
    attempt_out,
    job_out,
    policy_out,
    suppression_out,
)
from kizuna.jobs import api as jobs
from kizuna.jobs.contracts import JobStatus
from kizuna.jobs.errors import JobNotRetryable
from kizuna.messaging import api as messaging
from kizuna.types import WorkspaceId

_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": _PROBLEM}


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _problem("Invalid input; `errors` / `field` name the field"),
    401: _problem("No or unknown key"),
    403: _problem("The key's scope does not allow this"),
}
_ONE = {**_ERRORS, 404: _problem("No such job or entry in this workspace")}

jobs_router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
policy_router = APIRouter(prefix="/v1/send-policy", tags=["send-policy"])
suppressions_router = APIRouter(prefix="/v1/suppressions", tags=["suppressions"])
events_router = APIRouter(tags=["email-events"])
templates_router = APIRouter(prefix="/v1/templates", tags=["templates"])
routers = (jobs_router, policy_router, suppressions_router, events_router, templates_router)

JobId = Annotated[int, Path(ge=1, le=2**62, description="The job id")]
_STATUSES = ", ".join(s.value for s in JobStatus)


def _statuses(value: str) -> list[JobStatus]:
    try:
        return [JobStatus(v.strip()) for v in value.split(",") if v.strip()]
    except ValueError:
        raise Invalid(f"status must be a comma-separated list of {_STATUSES}.",
                      field="status") from None


# ---------------------------------------------------------------- jobs

@jobs_router.get("", response_model=JobListOut, responses=_ERRORS)
def list_jobs(key: ReadKey, session: SessionDep,
              status: Annotated[str, Query(max_length=100,
                                           description=f"Comma-separated: {_STATUSES}")
                                ] = "dead,failed",
              limit: Annotated[int, Query(ge=1, le=500)] = 100) -> JobListOut:
    """Jobs with these statuses, newest first (by default the dead letters and failures)."""
    items = jobs.list_jobs(session, key.workspace_id, _statuses(status), limit)
    return JobListOut(items=[job_out(j) for j in items], limit=limit)


@jobs_router.get("/counts", response_model=JobCountsOut, responses=_ERRORS)
def job_counts(key: ReadKey, session: SessionDep) -> JobCountsOut:
    """How many jobs there are per kind and status."""
    counts = jobs.counts(session, key.workspace_id)
    total: dict[str, int] = {s.value: 0 for s in JobStatus}
    for c in counts:
        total[c.status.value] += c.count
    return JobCountsOut(items=[JobCountOut(kind=c.kind, status=c.status.value, count=c.count)
                               for c in counts], total=total)


@jobs_router.get("/{job_id}", response_model=JobDetailOut, responses=_ONE)
def get_job(key: ReadKey, session: SessionDep, job_id: JobId) -> JobDetailOut:
    """One job with its attempt log."""
    job = jobs.get_job(session, key.workspace_id, job_id)
    return JobDetailOut(**job_out(job).model_dump(),
                        attempt_log=[attempt_out(a) for a in jobs.job_attempts(session, job.id)])


@jobs_router.post("/{job_id}/retry", response_model=JobDetailOut,
                  responses={**_ONE, 409: _problem("Only dead or failed jobs can be retried")})
def retry_job(key: AdminKey, session: SessionDep, runtime: RuntimeDep,
              job_id: JobId) -> JobDetailOut:
    """Queue a dead or failed job again with a fresh attempt budget."""
    current = jobs.get_job(session, key.workspace_id, job_id)
    if current.status not in (JobStatus.DEAD, JobStatus.FAILED):
        # (checked here: jobs.retry_job's own error passes a `status` field that clashes
        # with the problem document's `status`)
        raise JobNotRetryable(job_id=job_id, job_status=current.status.value)
    job = jobs.retry_job(session, key.workspace_id, job_id, runtime.clock.now())
    return JobDetailOut(**job_out(job).model_dump(),
                        attempt_log=[attempt_out(a) for a in jobs.job_attempts(session, job.id)])


# ---------------------------------------------------------------- send policy

@policy_router.get("", response_model=SendPolicyOut, responses=_ERRORS)
def get_send_policy(key: ReadKey, session: SessionDep) -> SendPolicyOut:
    """Frequency caps, quiet hours (minutes after local midnight) and send rates."""
    return policy_out(messaging.get_policy(session, key.workspace_id))


@policy_router.patch("", response_model=SendPolicyOut, responses=_ERRORS)
def patch_send_policy(key: AdminKey, session: SessionDep, runtime: RuntimeDep,
                      body: SendPolicyPatch) -> SendPolicyOut:
    """Change some fields; a wrong value is a 400 problem naming the field."""
    changes = body.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None:
            raise Invalid(f"{name} cannot be null; leave it out to keep the current value.",
                          field=name)
    return policy_out(messaging.update_policy(session, key.workspace_id,
                                              now=runtime.clock.now(), **changes))


# ---------------------------------------------------------------- suppressions

@suppressions_router.get("", response_model=SuppressionListOut, responses=_ERRORS)
def list_suppressions(key: ReadKey, session: SessionDep,
                      channel: Annotated[str | None, Query(max_length=32)] = None,
                      after_id: Annotated[int, Query(ge=0)] = 0,
                      limit: Annotated[int, Query(ge=1, le=500)] = 50) -> SuppressionListOut:
    """Entries oldest first; page with `after_id`."""
    items = messaging.list_suppressions(session, key.workspace_id, channel=channel,
                                        limit=limit, after_id=after_id)
    return SuppressionListOut(items=[suppression_out(s) for s in items],
                              next_after_id=items[-1].id if len(items) == limit else None)


@suppressions_router.post("", response_model=SuppressionOut, status_code=201,
                          responses=_ERRORS)
def add_suppression(key: AdminKey, session: SessionDep, runtime: RuntimeDep,
                    body: SuppressionIn) -> SuppressionOut:
    """Stop sending to an address (or a customer) on a channel; adding twice keeps one."""
    if body.customer_id is not None:  # must be a customer of this workspace
        from kizuna.profiles import api as profiles

        profiles.get_customer(session, key.workspace_id, body.customer_id)
    return suppression_out(messaging.suppress(
        session, key.workspace_id, channel=body.channel, address=body.address,
        reason=body.reason, now=runtime.clock.now(), customer_id=body.customer_id))


@suppressions_router.delete("/{suppression_id}", status_code=204, responses=_ONE)
def delete_suppression(key: AdminKey, session: SessionDep,
                       suppression_id: Annotated[int, Path(ge=1, le=2**62)]) -> Response:
    """Remove an entry: the address or customer may receive on the channel again."""
    messaging.remove_suppression(session, key.workspace_id, suppression_id)
    return Response(status_code=204)


# ---------------------------------------------------------------- e-mail events

@events_router.post("/v1/email-events", response_model=EmailEventOut, status_code=201,
                    responses=_ERRORS)
def email_event(key: AdminKey, session: SessionDep, runtime: RuntimeDep,
                body: EmailEventIn) -> EmailEventOut:
    """A bounce or complaint reported by a provider or a DSN processor.

    `bounce` suppresses the address with reason `hard_bounce` (stops transactional mail too),
    `complaint` with reason `complaint`.
    """
    result = messaging.record_email_event(session, WorkspaceId(key.workspace_id),
                                          type=body.type, email=body.email,
                                          at=body.at or runtime.clock.now())
    return EmailEventOut(type=result.type, suppression=suppression_out(result.suppression))


# ---------------------------------------------------------------- template test send

@templates_router.post("/test-send", response_model=TestSendOut, responses=_ERRORS)
def test_send(key: AdminKey, session: SessionDep, runtime: RuntimeDep, request: Request,
              body: TestSendIn) -> TestSendOut:
    """Render the template for a real customer and e-mail it to `to` now (never to the
    customer). The subject starts with `[TEST]` / `[テスト]`; caps do not count it."""
    template = messaging.template_from_document(body.template)
    channel = messaging.email_channel(request.app.state.settings)
    try:
        result = messaging.test_send(session, key.workspace_id, template, body.customer_id,
                                     to=body.to, channel=channel, now=runtime.clock.now(),
                                     locale=body.locale, event=body.event)
    finally:
        if channel is not None:
            channel.close()
    outcome = result.outcome
    detail = getattr(outcome, "provider_message_id", "") or getattr(outcome, "reason", "")
    return TestSendOut(to=result.to, customer_id=result.customer_id, locale=result.locale,
                       subject=result.subject, outcome=outcome.kind, detail=str(detail))


test_send.__test__ = False  # type: ignore[attr-defined]
