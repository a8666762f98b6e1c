"""Bounces → suppression: a permanent SMTP refusal of the recipient (real SMTP server on
loopback) suppresses the address; 4xx is retried; sender / auth / policy refusals are not
the address's fault."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kizuna.clock import FrozenClock
from kizuna.db.engine import transaction
from kizuna.jobs import api as jobs
from kizuna.jobs.contracts import JobStatus
from kizuna.jobs.worker import Worker
from kizuna.messaging import api as messaging
from kizuna.messaging.bounces import is_hard_bounce
from kizuna.messaging.channels.smtp import SmtpChannel, SmtpTarget
from kizuna.messaging.contracts import MessageTemplate, TemplateVariant
from kizuna.messaging.sending import KIND, MessageSender
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.integration.messaging.channel_servers import smtp_server

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
HELLO = MessageTemplate(name="hello", default_locale="en", variants={
    "en": TemplateVariant(subject="Hi", text="Hello")})


def _run(runtime: Runtime, workspace: Workspace, *, rcpt: str | None = None,
         data: str = "250 OK", mail: str = "Hana@Example.com",
         key: str = "c:1") -> tuple[jobs.Job, bool]:
    with transaction(runtime.sessions) as s:
        (cid,) = profiles.upsert_customers(s, workspace.id, [CustomerUpsert(
            external_id=mail, email=mail)], NOW)
        job = messaging.enqueue_message(s, workspace.id, customer_id=cid, channel="email",
                                        purpose="receipt", transactional=True,
                                        template=HELLO, send_key=key, now=NOW).job
    clock = FrozenClock(NOW)
    with smtp_server() as (port, box):
        box.rcpt_reply, box.data_reply = rcpt, data
        channel = SmtpChannel(SmtpTarget(host="127.0.0.1", port=port, timeout=5),
                              sender="shop@example.com")
        Worker(runtime.sessions, clock=clock, handlers={
            KIND: MessageSender(email=channel, webhook=None, clock=clock)}).run_until_idle()
        channel.close()
    with transaction(runtime.sessions) as s:
        done = jobs.get_job(s, workspace.id, job.id)
        suppressed = [e for e in messaging.list_suppressions(s, workspace.id, channel="email")
                      if e.address == mail.lower()]
    return done, bool(suppressed) and suppressed[0].reason == "hard_bounce"


def test_rcpt_5xx_suppresses_the_address(runtime: Runtime, workspace: Workspace) -> None:
    job, suppressed = _run(runtime, workspace, rcpt="550 5.1.1 <hana@example.com>: no such user")
    assert job.status is JobStatus.FAILED and "550" in (job.last_error or "")
    assert suppressed
    # the next message to the address, even a transactional one, is refused before sending
    job2, _ = _run(runtime, workspace, key="c:2")
    assert job2.status is JobStatus.FAILED and "suppressed" in (job2.last_error or "")


def test_data_5xx_for_the_recipient_suppresses(runtime: Runtime, workspace: Workspace) -> None:
    job, suppressed = _run(runtime, workspace, data="552 5.2.2 mailbox full")
    assert job.status is JobStatus.FAILED and suppressed


@pytest.mark.parametrize("reply", ["451 4.2.0 try later", "554 5.7.1 message refused as spam",
                                   "553 5.1.8 sender address domain does not exist"])
def test_soft_policy_and_sender_refusals_do_not_suppress(runtime: Runtime,
                                                         workspace: Workspace,
                                                         reply: str) -> None:
    job, suppressed = _run(runtime, workspace, rcpt=reply)
    assert not suppressed
    assert job.status is (JobStatus.QUEUED if reply.startswith("4") else JobStatus.FAILED)
    if reply.startswith("4"):
        assert job.run_after > NOW + timedelta(seconds=1)


@pytest.mark.parametrize(("reason", "hard"), [
    ("SMTP 550 5.1.1 user unknown", True), ("SMTP 550 mailbox unavailable", True),
    ("SMTP 551 user not local", True), ("SMTP 552 5.2.2 over quota", True),
    ("SMTP 550 5.1.7 bad sender", False), ("SMTP 535 5.7.8 bad credentials", False),
    ("SMTP 554 5.7.1 rejected", False), ("SMTP 552 message too big", False),
    ("SMTP refused a@b.jp", True), ("HTTP 410", False),
    ("SMTP mail.example:25: SMTPNotSupportedError", False)])
def test_hard_bounce_classification(reason: str, hard: bool) -> None:
    assert is_hard_bounce(reason) is hard


@given(code=st.integers(400, 499), text=st.text(max_size=80))
def test_a_4xx_reply_is_never_a_hard_bounce(code: int, text: str) -> None:
    assert not is_hard_bounce(f"SMTP {code} {text}")
