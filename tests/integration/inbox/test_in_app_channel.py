"""In-app messages go through the outbox like the others: enqueue → worker → inbox, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kizuna.clock import FrozenClock
from kizuna.db.engine import transaction
from kizuna.jobs import api as jobs
from kizuna.jobs.contracts import JobStatus
from kizuna.jobs.worker import Worker
from kizuna.messaging import api as messaging
from kizuna.messaging import inbox
from kizuna.messaging.contracts import MessageTemplate, TemplateVariant
from kizuna.messaging.sending import KIND, MessageSender
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
SALE = MessageTemplate(name="sale", default_locale="en", variants={
    "en": TemplateVariant(
        subject="Hi {{ customer.first_name }}, a sale",
        text="20% off for you, {{ customer.first_name }}",
        html='<p onclick="x()">20% off <a href="https://shop.example/sale?a=1&amp;b=2">'
             'shop</a><script>alert(1)</script></p>')})


def _customer(runtime: Runtime, workspace: Workspace, ext: str, consent: bool) -> CustomerId:
    with transaction(runtime.sessions) as s:
        (cid,) = profiles.upsert_customers(s, workspace.id, [CustomerUpsert(
            external_id=ext, first_name="Hana")], NOW)
        if consent:
            profiles.record_consent(s, workspace.id, cid, channel="in_app",
                                    purpose="marketing", status="granted", method="form",
                                    wording=None, at=NOW - timedelta(days=1))
    return cid


def _enqueue(runtime: Runtime, workspace: Workspace, cid: int, key: str = "journey:1:step:2",
             transactional: bool = False) -> jobs.Job:
    with transaction(runtime.sessions) as s:
        return messaging.enqueue_message(
            s, workspace.id, customer_id=cid, channel="in_app", purpose="marketing",
            transactional=transactional, template=SALE, send_key=key, now=NOW).job


def _worker(runtime: Runtime, clock: FrozenClock) -> Worker:
    sender = MessageSender(email=None, webhook=None, clock=clock)
    return Worker(runtime.sessions, clock=clock, handlers={KIND: sender})


def _inbox(runtime: Runtime, workspace: Workspace, cid: int) -> inbox.InboxPage:
    with transaction(runtime.sessions) as s:
        return inbox.list_messages(s, workspace.id, cid, now=NOW)


def test_enqueued_in_app_message_lands_in_the_inbox_once(runtime: Runtime,
                                                         workspace: Workspace) -> None:
    cid = _customer(runtime, workspace, "u1", consent=True)
    job = _enqueue(runtime, workspace, cid)
    assert _enqueue(runtime, workspace, cid).id == job.id  # same send, same job
    clock = FrozenClock(NOW)
    sender = MessageSender(email=None, webhook=None, clock=clock)
    # a first worker claims the job, inserts the message, and dies before finishing the job
    (claimed,) = jobs.claim(runtime.sessions, worker="doomed", now=NOW)
    assert isinstance(sender(runtime.sessions, claimed), jobs.Done)
    page = _inbox(runtime, workspace, cid)
    assert page.unread == 1 and len(page.items) == 1
    (msg,) = page.items
    assert msg.title == "Hi Hana, a sale" and msg.text == "20% off for you, Hana"
    assert msg.link_url == "https://shop.example/sale?a=1&b=2"
    assert "script" not in msg.html and "onclick" not in msg.html and "<p>" in msg.html

    # the stalled job is re-queued and run again: still exactly one message
    clock.at = NOW + timedelta(minutes=10)
    (moved,) = jobs.requeue_stalled(runtime.sessions, now=clock.at, stall_seconds=60)
    assert moved.id == job.id
    worker = Worker(runtime.sessions, clock=clock, handlers={KIND: sender})
    assert worker.drain() == 1
    with transaction(runtime.sessions) as s:
        done = jobs.get_job(s, workspace.id, job.id)
    assert done.status is JobStatus.DONE and done.possible_duplicate
    assert done.result == {"provider_message_id": f"in_app:{msg.id}"}
    assert [m.id for m in _inbox(runtime, workspace, cid).items] == [msg.id]
    assert Worker(runtime.sessions, clock=clock, handlers={KIND: sender}).drain() == 0


def test_marketing_in_app_needs_in_app_consent(runtime: Runtime, workspace: Workspace) -> None:
    cid = _customer(runtime, workspace, "u2", consent=False)
    job = _enqueue(runtime, workspace, cid)
    notice = _enqueue(runtime, workspace, cid, key="receipt:9", transactional=True)
    assert _worker(runtime, FrozenClock(NOW)).drain() == 2
    with transaction(runtime.sessions) as s:
        refused = jobs.get_job(s, workspace.id, job.id)
        sent = jobs.get_job(s, workspace.id, notice.id)
    assert refused.status is JobStatus.FAILED and "no_consent" in (refused.last_error or "")
    assert sent.status is JobStatus.DONE
    assert len(_inbox(runtime, workspace, cid).items) == 1


def test_read_dismiss_expiry_and_order(runtime: Runtime, workspace: Workspace) -> None:
    cid = _customer(runtime, workspace, "u3", consent=True)
    other = _customer(runtime, workspace, "u4", consent=True)
    with transaction(runtime.sessions) as s:
        old, _ = inbox.deliver(s, workspace.id, customer_id=cid, idempotency_key="a",
                               title="old", text="t", now=NOW - timedelta(hours=2))
        new, _ = inbox.deliver(s, workspace.id, customer_id=cid, idempotency_key="b",
                               title="new", text="t", link_url="javascript:alert(1)",
                               now=NOW - timedelta(hours=1))
        inbox.deliver(s, workspace.id, customer_id=cid, idempotency_key="c", title="gone",
                      text="t", now=NOW - timedelta(days=2), expires_at=NOW - timedelta(days=1))
        again, created = inbox.deliver(s, workspace.id, customer_id=cid, idempotency_key="a",
                                       title="dup", text="t", now=NOW)
        assert again.id == old.id and not created and new.link_url == ""
    with transaction(runtime.sessions) as s:
        inbox.mark_read(s, workspace.id, cid, new.id, now=NOW)
        page = inbox.list_messages(s, workspace.id, cid, now=NOW)
        assert [m.title for m in page.items] == ["old", "new"] and page.unread == 1
        try:
            inbox.dismiss(s, workspace.id, other, old.id, now=NOW)
        except inbox.InboxMessageNotFound:
            pass
        else:
            raise AssertionError("another customer dismissed the message")
        inbox.dismiss(s, workspace.id, cid, old.id, now=NOW)
    with transaction(runtime.sessions) as s:
        assert [m.title for m in inbox.list_messages(s, workspace.id, cid, now=NOW).items] \
            == ["new"]
        assert inbox.unread_count(s, workspace.id, cid, now=NOW) == 0
