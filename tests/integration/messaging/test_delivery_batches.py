"""Delivery throughput without losing exactness: batches, cap reservations under concurrent
workers, SMTP connection reuse and the hand-built wire form, on both dialects."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.clock import FrozenClock
from kizuna.db.engine import transaction
from kizuna.jobs import api as jobs
from kizuna.jobs.contracts import JobStatus
from kizuna.jobs.worker import Worker
from kizuna.messaging import api as messaging
from kizuna.messaging.channels.base import Delivered, OutgoingMessage, Retryable
from kizuna.messaging.channels.smtp import LinkSettings, SmtpChannel, SmtpTarget
from kizuna.messaging.contracts import MessageTemplate, TemplateVariant
from kizuna.messaging.gate import release_send
from kizuna.messaging.sending import KIND, MessageSender, template_document, template_for
from kizuna.messaging.variables import variable_names
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace
from tests.conftest import free_port

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # noon in Tokyo
HELLO = MessageTemplate(name="hello", default_locale="en", variants={
    "en": TemplateVariant(subject="Hi {{ customer.first_name }}",
                          text="Hello {{ customer.first_name }}")})


class Sink:
    """Accepts mail after ``delay`` seconds; counts connections (EHLO/HELO) and mails."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.greetings = 0
        self.mails: list[bytes] = []

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,
                          responses: list[str]) -> list[str]:
        self.greetings += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.mails.append(bytes(envelope.original_content))
        return "250 OK"


@contextmanager
def sink(delay: float = 0.0, port: int | None = None) -> Iterator[tuple[int, Sink]]:
    box, port = Sink(delay), port or free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, box
    finally:
        controller.stop()


def _customers(runtime: Runtime, workspace: Workspace, n: int) -> list[CustomerId]:
    with transaction(runtime.sessions) as s:
        ids = profiles.upsert_customers(s, workspace.id, [CustomerUpsert(
            external_id=f"b{i}", email=f"b{i}@example.com", first_name=f"B{i}",
            timezone="Asia/Tokyo") for i in range(n)], NOW)
        for cid in ids:
            profiles.record_consent(s, workspace.id, cid, channel="email",
                                    purpose="marketing", status="granted", method="form",
                                    wording=None, at=NOW - timedelta(days=1))
    return ids


def _sender(port: int, clock: FrozenClock) -> MessageSender:
    return MessageSender(email=SmtpChannel(SmtpTarget(host="127.0.0.1", port=port, timeout=5),
                                           sender="shop@example.com"),
                         webhook=None, clock=clock)


def _statuses(runtime: Runtime, workspace: Workspace) -> list[jobs.Job]:
    with transaction(runtime.sessions) as s:
        return jobs.list_jobs(s, workspace.id, list(JobStatus), limit=1000)


def test_a_batch_is_sent_over_one_connection_exactly_once(runtime: Runtime,
                                                          workspace: Workspace) -> None:
    ids = _customers(runtime, workspace, 30)
    with transaction(runtime.sessions) as s:
        messaging.update_policy(s, workspace.id, now=NOW, email_per_second=1000)
        assert messaging.enqueue_messages(
            s, workspace.id, list(map(int, ids)), channel="email", purpose="marketing",
            transactional=False, template=HELLO, send_key="campaign:batch", now=NOW) == 30
    clock = FrozenClock(NOW)
    with sink() as (port, box):
        worker = Worker(runtime.sessions, clock=clock, handlers={KIND: _sender(port, clock)},
                        batch=10)
        assert worker.run_until_idle() == 30
    assert box.greetings == 1 and len(box.mails) == 30
    done = _statuses(runtime, workspace)
    assert {(j.status, j.attempts) for j in done} == {(JobStatus.DONE, 1)}
    with transaction(runtime.sessions) as s:
        attempts = [a for j in done for a in jobs.job_attempts(s, j.id)]
    assert len(attempts) == 30 and {a.outcome for a in attempts} == {"done"}
    assert all(a.possibly_delivered for a in attempts)  # each send was marked started
    ids_seen = {message_from_bytes(m)["Message-ID"] for m in box.mails}
    assert len(ids_seen) == 30


def test_concurrent_workers_never_pass_the_daily_cap(runtime: Runtime,
                                                     workspace: Workspace) -> None:
    """Eight sends to one customer with a daily cap of 2, four workers racing: the slow
    SMTP server keeps every send in flight while the others check the cap."""
    (cid,) = _customers(runtime, workspace, 1)
    with transaction(runtime.sessions) as s:
        messaging.update_policy(s, workspace.id, now=NOW, daily_cap=2, weekly_cap=0,
                                quiet_start_minute=0, quiet_end_minute=0)
        for k in range(8):
            messaging.enqueue_message(s, workspace.id, customer_id=cid, channel="email",
                                      purpose="marketing", transactional=False,
                                      template=HELLO, send_key=f"race:{k}", now=NOW)
    clock = FrozenClock(NOW)
    with sink(delay=0.3) as (port, box):
        sender = _sender(port, clock)
        workers = [Worker(runtime.sessions, clock=clock, handlers={KIND: sender},
                          name=f"racer-{i}") for i in range(4)]
        threads = [threading.Thread(target=w.run_until_idle) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert len(box.mails) == 2
    result = _statuses(runtime, workspace)
    assert sorted(j.status.value for j in result) == ["done"] * 2 + ["queued"] * 6
    tomorrow = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # 00:00 on 3 Dec in Tokyo
    for job in result:
        if job.status is JobStatus.QUEUED:
            assert "frequency_cap" in (job.last_error or "") and job.attempts == 0
            assert job.run_after is not None and job.run_after >= tomorrow


def test_a_reservation_counts_once_and_a_released_one_frees_the_slot(
        runtime: Runtime, workspace: Workspace) -> None:
    (cid,) = _customers(runtime, workspace, 1)
    ws = workspace.id

    def check(key: str) -> messaging.SendDecision:
        with transaction(runtime.sessions) as s:
            return messaging.check_send(s, ws, cid, channel="email", purpose="marketing",
                                        transactional=False, now=NOW, reserve_key=key)

    with transaction(runtime.sessions) as s:
        messaging.update_policy(s, ws, now=NOW, daily_cap=1, weekly_cap=0,
                                quiet_start_minute=0, quiet_end_minute=0)
    assert check("k1").allowed
    assert check("k1").allowed  # the same key again (a crashed attempt): its own slot
    refused = check("k2")
    assert not refused.allowed and refused.reason == "frequency_cap"
    with transaction(runtime.sessions) as s:
        assert release_send(s, ws, "k1") and not release_send(s, ws, "k1")
    assert check("k2").allowed


def test_a_connection_closed_by_the_server_is_reopened_and_a_dead_server_is_a_retry() -> None:
    port = free_port()
    channel = SmtpChannel(SmtpTarget(host="127.0.0.1", port=port, timeout=5),
                          sender="shop@example.com")
    mail = OutgoingMessage(workspace_id=1, to="a@example.com", subject="Hi", text="Hello")
    with sink(port=port) as (_, first):
        assert isinstance(channel.send(mail, idempotency_key="c1"), Delivered)
        assert isinstance(channel.send(mail, idempotency_key="c2"), Delivered)
    assert first.greetings == 1 and len(first.mails) == 2
    with sink(port=port) as (_, second):  # the old connection was closed by the server
        assert isinstance(channel.send(mail, idempotency_key="c3"), Delivered)
    assert second.greetings == 1 and len(second.mails) == 1
    assert channel.connections_opened == 2
    gone = channel.send(mail, idempotency_key="c4")
    assert isinstance(gone, Retryable)
    channel.close()


def test_the_template_is_parsed_once_and_extras_are_looked_up_only_when_used() -> None:
    document = template_document(HELLO)
    assert template_for(document) is template_for(dict(reversed(list(document.items()))))
    assert variable_names(HELLO) == {"customer"}
    fancy = MessageTemplate(name="f", default_locale="ja", variants={"ja": TemplateVariant(
        subject="{{ loyalty.balance }}", text="{% for r in recommendations %}{{ r.name }}"
        "{% endfor %}{% set n = 1 %}{{ n }}")})
    assert variable_names(fancy) == {"loyalty", "recommendations"}


def _parse(raw: bytes) -> EmailMessage:
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


_TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=120)
#: header text as rendering lets it through (no control or line-separator characters)
_HEADER = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=120)


@settings(max_examples=60, deadline=None)
@given(subject=_HEADER, name=_HEADER, text=_TEXT, html=_TEXT, locale=st.sampled_from(["ja", "en"]),
       reply=st.booleans())
def test_the_wire_form_reads_like_the_email_package_builds_it(
        subject: str, name: str, text: str, html: str, locale: str, reply: bool) -> None:
    channel = SmtpChannel(SmtpTarget(host="127.0.0.1", port=1), sender="shop@example.com",
                          links=LinkSettings(base_url="https://shop.example",
                                             secret="s" * 32))
    safe_name = "".join(c for c in name if c.isalnum() or c == " ").strip()
    message = OutgoingMessage(
        workspace_id=1, customer_id=7, to="hana@example.com", subject=subject, text=text,
        html=html, locale=locale, from_address=f"{safe_name} <shop@example.com>" if safe_name
        else "", reply_to="help@example.com" if reply else "", track_opens=False,
        track_clicks=False)
    raw, message_id = channel.raw(message, idempotency_key="w-1")
    fast, slow = _parse(raw), _parse(channel.to_bytes(channel.build(message,
                                                                    idempotency_key="w-1")))
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    for header in ("From", "To", "Reply-To", "Subject", "Message-ID", "List-Unsubscribe",
                   "List-Unsubscribe-Post", "Content-Language"):
        assert fast[header] == slow[header], header
    assert fast["Message-ID"] == message_id
    assert fast.get_content_type() == slow.get_content_type()
    for kind in ("plain", "html"):
        a, b = fast.get_body((kind,)), slow.get_body((kind,))
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            assert a.get_content() == b.get_content()
