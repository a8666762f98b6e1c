from __future__ import annotations

from kizuna.errors import Conflict, Invalid, NotFound


class JobNotFound(NotFound):
    """This outbox job does not exist in the workspace; check the id on the jobs page."""

    code = "job-not-found"


class JobNotRetryable(Conflict):
    """Only dead or failed jobs can be retried; this job is still queued, running or done."""

    code = "job-not-retryable"


class JobKindInvalid(Invalid):
    """The job kind is empty or too long; use a short dotted name like `message.send`."""

    code = "job-kind-invalid"
