"""The ``message.send`` outbox handler against real SMTP / HTTP servers on both dialects."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta

from kizuna.clock import FrozenClock
from kizuna.db.engine import transaction
from kizuna.jobs import api as jobs
from kizuna.jobs.contracts import JobStatus
from kizuna.jobs.worker import Worker
from kizuna.messaging import api as messaging
from kizuna.messaging.channels.smtp import SmtpChannel, SmtpTarget, message_id_for
from kizuna.messaging.channels.webhook import WebhookChannel
from kizuna.messaging.contracts import MessageTemplate, TemplateVariant
from kizuna.messaging.sending import KIND, MessageSender
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace
from tests.integration.messaging.channel_servers import http_server, smtp_server

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
HELLO = MessageTemplate(name="hello", default_locale="en", variants={
    "en": TemplateVariant(subject="Hi {{ customer.first_name }}",
                          text="Hello {{ customer.first_name }}")})
BROKEN = MessageTemplate(name="broken", default_locale="en", variants={
    "en": TemplateVariant(subject="Hi", text="{{ customer.first_name | nosuchfilter }}")})


def _customer(runtime: Runtime, workspace: Workspace, ext: str = "u1",
              mail: str | None = "hana@example.com", consent: bool = True) -> CustomerId:
    with transaction(runtime.sessions) as s:
        (cid,) = profiles.upsert_customers(s, workspace.id, [CustomerUpsert(
            external_id=ext, email=mail, first_name="Hana")], NOW)
        if consent:
            for channel in ("email", "webhook"):
                profiles.record_consent(s, workspace.id, cid, channel=channel,
                                        purpose="marketing", status="granted", method="form",
                                        wording=None, at=NOW - timedelta(days=1))
    return cid


def _smtp(port: int) -> SmtpChannel:
    return SmtpChannel(SmtpTarget(host="127.0.0.1", port=port, timeout=5),
                       sender="shop@example.com")


def _webhook() -> WebhookChannel:
    return WebhookChannel(secret="whsec-test", allowed=frozenset({"127.0.0.1"}))


def _worker(runtime: Runtime, sender: MessageSender, clock: FrozenClock) -> Worker:
    return Worker(runtime.sessions, clock=clock, handlers={KIND: sender})


def _enqueue(runtime: Runtime, workspace: Workspace, cid: int, **kw: object) -> jobs.Job:
    args: dict[str, object] = {"channel": "email", "purpose": "marketing",
                               "transactional": False, "template": HELLO,
                               "send_key": "campaign:42", "now": NOW, **kw}
    with transaction(runtime.sessions) as s:
        return messaging.enqueue_message(s, workspace.id, customer_id=cid,
                                         **args).job  # type: ignore[arg-type]


def _job(runtime: Runtime, workspace: Workspace, job_id: int) -> jobs.Job:
    with transaction(runtime.sessions) as s:
        return jobs.get_job(s, workspace.id, job_id)


def test_enqueue_is_idempotent_per_send_and_customer(runtime: Runtime,
                                                    workspace: Workspace) -> None:
    a, b = _customer(runtime, workspace, "a"), _customer(runtime, workspace, "b", "b@example.com")
    first = _enqueue(runtime, workspace, a)
    again = _enqueue(runtime, workspace, a)
    other = _enqueue(runtime, workspace, b)
    step = _enqueue(runtime, workspace, a, send_key="journey:7:step:3")
    assert first.id == again.id and first.idempotency_key == f"campaign:42:{a}"
    assert len({first.id, other.id, step.id}) == 3


def test_email_is_sent_once_with_message_id_from_the_key(runtime: Runtime,
                                                         workspace: Workspace) -> None:
    cid = _customer(runtime, workspace)
    job = _enqueue(runtime, workspace, cid)
    clock = FrozenClock(NOW)
    with smtp_server() as (port, box):
        assert _worker(runtime, MessageSender(email=_smtp(port), webhook=None, clock=clock),
                       clock).run_until_idle() == 1
    done = _job(runtime, workspace, job.id)
    assert done.status is JobStatus.DONE and done.send_started_at is not None
    assert not done.possible_duplicate
    ((_from, rcpts, raw),) = box.received
    parsed = email.message_from_bytes(raw)
    assert rcpts == ["hana@example.com"] and parsed["Subject"] == "Hi Hana"
    assert parsed["Message-ID"] == message_id_for(job.idempotency_key, "example.com")
    assert done.result == {"provider_message_id": parsed["Message-ID"]}


def test_smtp_4xx_is_retried_later_then_delivered(runtime: Runtime,
                                                  workspace: Workspace) -> None:
    cid = _customer(runtime, workspace)
    job = _enqueue(runtime, workspace, cid)
    clock = FrozenClock(NOW)
    with smtp_server() as (port, box):
        worker = _worker(runtime, MessageSender(email=_smtp(port), webhook=None, clock=clock),
                         clock)
        box.data_reply = "451 4.3.0 try again later"
        assert worker.run_until_idle() == 1
        retry = _job(runtime, workspace, job.id)
        assert retry.status is JobStatus.QUEUED and retry.run_after > NOW
        assert "451" in (retry.last_error or "")
        assert worker.run_until_idle() == 0  # not due yet
        box.data_reply = "250 OK"
        clock.at = retry.run_after
        assert worker.run_until_idle() == 1
    assert _job(runtime, workspace, job.id).status is JobStatus.DONE
    assert len(box.received) == 1


def test_template_error_and_missing_address_are_terminal(runtime: Runtime,
                                                         workspace: Workspace) -> None:
    cid = _customer(runtime, workspace)
    nomail = _customer(runtime, workspace, "u2", None)
    broken = _enqueue(runtime, workspace, cid, template=BROKEN)
    unaddressed = _enqueue(runtime, workspace, nomail)
    unknown = _enqueue(runtime, workspace, 987654)
    clock = FrozenClock(NOW)
    with smtp_server() as (port, box):
        assert _worker(runtime, MessageSender(email=_smtp(port), webhook=None, clock=clock),
                       clock).run_until_idle() == 3
    assert box.received == []
    for job_id, words in ((broken.id, "template"), (unaddressed.id, "no email"),
                          (unknown.id, "987654")):
        job = _job(runtime, workspace, job_id)
        assert job.status is JobStatus.FAILED and words in (job.last_error or "")
        assert job.send_started_at is None and job.attempts == 1


def test_webhook_retry_carries_the_same_webhook_id(runtime: Runtime,
                                                   workspace: Workspace) -> None:
    cid = _customer(runtime, workspace)
    clock = FrozenClock(NOW)
    with http_server((503, {}), (200, {})) as endpoint:
        job = _enqueue(runtime, workspace, cid, channel="webhook",
                       webhook_url=f"http://127.0.0.1:{endpoint.port}/hook",
                       template=messaging.Content(subject="Order shipped", text="soon"))
        worker = _worker(runtime, MessageSender(email=None, webhook=_webhook(), clock=clock),
                         clock)
        assert worker.run_until_idle() == 1
        queued = _job(runtime, workspace, job.id)
        assert queued.status is JobStatus.QUEUED
        clock.at = queued.run_after + timedelta(seconds=1)
        assert worker.run_until_idle() == 1
    assert _job(runtime, workspace, job.id).status is JobStatus.DONE
    ids = [headers["webhook-id"] for _path, headers, _body in endpoint.requests]
    assert ids == [job.idempotency_key, job.idempotency_key]
    assert b'"subject":"Order shipped"' in endpoint.requests[0][2]


def test_no_consent_is_terminal_and_transactional_goes_out(runtime: Runtime,
                                                           workspace: Workspace) -> None:
    cid = _customer(runtime, workspace, consent=False)
    refused = _enqueue(runtime, workspace, cid)
    receipt = _enqueue(runtime, workspace, cid, send_key="order:9:receipt", transactional=True)
    clock = FrozenClock(NOW)
    with smtp_server() as (port, box):
        assert _worker(runtime, MessageSender(email=_smtp(port), webhook=None, clock=clock),
                       clock).run_until_idle() == 2
    job = _job(runtime, workspace, refused.id)
    assert job.status is JobStatus.FAILED and "no_consent" in (job.last_error or "")
    assert job.send_started_at is None
    assert _job(runtime, workspace, receipt.id).status is JobStatus.DONE
    assert len(box.received) == 1


def test_quiet_hours_defer_without_using_an_attempt(runtime: Runtime,
                                                    workspace: Workspace) -> None:
    cid = _customer(runtime, workspace)
    late = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo: quiet hours
    job = _enqueue(runtime, workspace, cid, now=late, max_attempts=1)
    clock = FrozenClock(late)
    with smtp_server() as (port, box):
        worker = _worker(runtime, MessageSender(email=_smtp(port), webhook=None, clock=clock),
                         clock)
        assert worker.run_until_idle() == 1  # deferred: budget of one attempt kept
        clock.at = datetime(2026, 12, 2, 22, 59, tzinfo=UTC)
        assert worker.run_until_idle() == 0
        deferred = _job(runtime, workspace, job.id)
        assert deferred.status is JobStatus.QUEUED and deferred.attempts == 0
        assert deferred.run_after == datetime(2026, 12, 2, 23, 0, tzinfo=UTC)  # 08:00 JST
        assert "quiet_hours" in (deferred.last_error or "") and box.received == []
        clock.at = deferred.run_after
        assert worker.run_until_idle() == 1
    done = _job(runtime, workspace, job.id)
    assert done.status is JobStatus.DONE and done.attempts == 1 and len(box.received) == 1


def test_bulk_enqueue_makes_one_job_per_customer(runtime: Runtime, workspace: Workspace) -> None:
    ids = [_customer(runtime, workspace, f"b{i}", f"b{i}@example.com") for i in range(5)]
    one = _enqueue(runtime, workspace, ids[0])
    with transaction(runtime.sessions) as s:
        added = messaging.enqueue_messages(
            s, workspace.id, ids + ids[:2], channel="email", purpose="marketing",
            transactional=False, template=HELLO, send_key="campaign:42", now=NOW)
        again = messaging.enqueue_messages(
            s, workspace.id, ids, channel="email", purpose="marketing",
            transactional=False, template=HELLO, send_key="campaign:42", now=NOW)
        queued = jobs.list_jobs(s, workspace.id, [JobStatus.QUEUED])
    assert (added, again) == (4, 0)
    assert sorted(j.idempotency_key for j in queued) == sorted(
        messaging.message_key("campaign:42", c) for c in ids)
    assert one.id in {j.id for j in queued}
