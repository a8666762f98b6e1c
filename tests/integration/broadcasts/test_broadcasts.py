"""Broadcasts end to end on SQLite and PostgreSQL: a real SMTP sink, the real outbox worker.

A 200-member segment: the non-holdout members get exactly one email each, even when the send
is interrupted after a chunk and the ticker runs twice; throttling spreads ``run_after``;
a scheduled broadcast waits; a cancelled one never sends; the results compare the arms."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from kizuna.broadcasts import api as broadcasts
from kizuna.broadcasts.api import ArmSpec, BroadcastInput, BroadcastStatus
from kizuna.clock import FrozenClock
from kizuna.commerce import api as commerce
from kizuna.commerce.contracts import OrderRecord
from kizuna.db.engine import transaction
from kizuna.errors import KizunaError
from kizuna.experiments import api as experiments
from kizuna.experiments.contracts import PdcaInput
from kizuna.jobs import api as jobs
from kizuna.jobs.contracts import JobStatus
from kizuna.jobs.worker import Worker
from kizuna.messaging.channels.smtp import SmtpChannel, SmtpTarget
from kizuna.messaging.sending import KIND, MessageSender
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.segments import api as segments
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace
from tests.integration.messaging.channel_servers import smtp_server

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
TEMPLATE = {"name": "sale", "default_locale": "en",
            "en": {"subject": "Sale for {{ customer.first_name }}", "text": "Hello"},
            "ja": {"subject": "セール", "text": "こんにちは"}}


class Crash(Exception):
    pass


def _fans(runtime: Runtime, workspace: Workspace, n: int = 200) -> list[CustomerId]:
    with transaction(runtime.sessions) as s:
        ids = profiles.upsert_customers(s, workspace.id, [
            CustomerUpsert(external_id=f"c{i}", email=f"c{i}@example.com", first_name=f"N{i}",
                           traits={"plan": "fan" if i < n else "other"})
            for i in range(n + 20)], NOW - timedelta(days=60))
        for cid in ids:
            profiles.record_consent(s, workspace.id, cid, channel="email",
                                    purpose="marketing", status="granted", method="form",
                                    wording=None, at=NOW - timedelta(days=30))
        segments.create_segment(s, workspace.id, key="fans", name="Fans",
                                condition={"trait": "plan", "op": "eq", "value": "fan"},
                                now=NOW - timedelta(days=1))
    return ids[:n]


def _create(runtime: Runtime, workspace: Workspace, key: str = "sale", **kw: Any
            ) -> broadcasts.Broadcast:
    item = BroadcastInput(**{"key": key, "name": "Winter sale", "segment_key": "fans",
                             "template": TEMPLATE, **kw})
    with transaction(runtime.sessions) as s:
        return broadcasts.create_broadcast(s, workspace.id, item, created_by="mika", now=NOW)


def _jobs(runtime: Runtime, workspace: Workspace) -> list[jobs.Job]:
    with transaction(runtime.sessions) as s:
        return jobs.list_jobs(s, workspace.id, list(JobStatus), limit=10_000)


def _worker(runtime: Runtime, port: int, clock: FrozenClock) -> Worker:
    sender = MessageSender(email=SmtpChannel(SmtpTarget(host="127.0.0.1", port=port, timeout=5),
                                             sender="shop@example.com"),
                           webhook=None, clock=clock)
    return Worker(runtime.sessions, clock=clock, handlers={KIND: sender}, concurrency=2)


def _deliver(runtime: Runtime, workspace: Workspace, port: int, clock: FrozenClock,
             seconds: int = 10) -> None:
    """Drain the outbox second by second (the workspace's email rate is 50 per second)."""
    for _ in range(seconds):
        _worker(runtime, port, clock).drain()
        clock.advance(timedelta(seconds=1))


def test_interrupted_send_resumes_and_each_member_gets_one_email(
        runtime: Runtime, workspace: Workspace) -> None:
    fans = _fans(runtime, workspace)
    created = _create(runtime, workspace)
    assert created.status is BroadcastStatus.DRAFT

    def crash(n: int) -> None:
        raise Crash(n)

    with pytest.raises(Crash):
        broadcasts.send_broadcast(runtime.sessions, workspace.id, "sale", now=NOW,
                                  on_chunk=crash, chunk=50)
    with transaction(runtime.sessions) as s:
        half = broadcasts.get_broadcast(s, workspace.id, "sale")
    assert half.status is BroadcastStatus.SENDING and half.recipients == 50
    assert len(_jobs(runtime, workspace)) == half.enqueued
    first = broadcasts.send_due(runtime.sessions, NOW + timedelta(seconds=5))
    assert broadcasts.send_due(runtime.sessions, NOW + timedelta(seconds=10)) == 0
    with transaction(runtime.sessions) as s:
        done = broadcasts.get_broadcast(s, workspace.id, "sale")
    again = broadcasts.send_due(runtime.sessions, NOW + timedelta(minutes=1))
    assert again == 0 and done.status is BroadcastStatus.SENT and done.recipients == 200
    all_jobs = _jobs(runtime, workspace)
    assert len(all_jobs) == done.enqueued == half.enqueued + first
    salt = experiments.workspace_salt(workspace.id)
    arm = {c: experiments.assign("broadcast:sale", str(c), [experiments.Arm("message")],
                                 holdout_pct=10, salt=salt) for c in fans}
    treated = {c for c, a in arm.items() if a == "message"}
    assert 150 <= len(treated) <= 198  # ~90 %
    assert {int(j.payload["customer_id"]) for j in all_jobs} == treated
    assert {j.idempotency_key for j in all_jobs} == {f"broadcast:{done.id}:{c}" for c in treated}
    with pytest.raises(broadcasts.BroadcastStateConflict):
        broadcasts.send_broadcast(runtime.sessions, workspace.id, "sale", now=NOW)
    clock = FrozenClock(NOW + timedelta(minutes=2))
    with smtp_server() as (port, box):
        _deliver(runtime, workspace, port, clock)
    got = sorted(r for _f, rcpts, _raw in box.received for r in rcpts)
    assert got == sorted(f"c{fans.index(c)}@example.com" for c in treated)
    subjects = {email.message_from_bytes(raw)["Subject"] for *_x, raw in box.received}
    assert all(s.startswith("Sale for N") for s in subjects)

    # results: the treated bought more (planted), the report shows both arms
    orders = [OrderRecord(external_id=f"o{c}", customer_id=c, placed_at=NOW + timedelta(days=1),
                          total=Decimal("50"), currency="JPY")
              for i, c in enumerate(fans) if (c in treated and i % 2 == 0) or i % 7 == 0]
    with transaction(runtime.sessions) as s:
        commerce.record_orders(s, workspace.id, orders, NOW + timedelta(days=2))
        experiments.create_record(s, workspace.id, PdcaInput(
            title="Winter sale", hypothesis="A sale mail brings fans back",
            action_kind="broadcast", action_ref="sale"), created_by="mika", at=NOW)
    with transaction(runtime.sessions) as s:
        res = broadcasts.results(s, workspace.id, "sale", NOW + timedelta(days=3))
    assert res.arm_sizes == {"holdout": 200 - len(treated), "message": len(treated)}
    assert res.delivery.as_dict() == {"queued": 0, "sent": len(treated), "failed": 0,
                                      "refused": 0}
    assert res.still_open == 200 and res.pdca_record_id is not None
    assert res.report is not None and [a.name for a in res.report.arms] == ["holdout", "message"]
    by_arm = {a.name: a for a in res.report.arms}
    assert by_arm["message"].conversions == sum(1 for o in orders if o.customer_id in treated)
    assert by_arm["holdout"].revenue == 50.0 * sum(1 for o in orders
                                                   if o.customer_id not in treated)
    with transaction(runtime.sessions) as s:
        later = broadcasts.results(s, workspace.id, "sale", NOW + timedelta(days=8))
    assert later.still_open == 0


def test_throttle_spreads_run_after_and_arms_get_their_template(
        runtime: Runtime, workspace: Workspace) -> None:
    _fans(runtime, workspace, 120)
    b_doc = {**TEMPLATE, "en": {"subject": "B for {{ customer.first_name }}", "text": "B"}}
    _create(runtime, workspace, throttle_per_minute=60, holdout_pct=20,
            arms=(ArmSpec(name="a"), ArmSpec(name="b", weight=1, template=b_doc)))
    sent = broadcasts.send_broadcast(runtime.sessions, workspace.id, "sale", now=NOW, chunk=40)
    assert sent.status is BroadcastStatus.SENT and sent.started_at == NOW
    times = sorted(j.run_after for j in _jobs(runtime, workspace))
    assert len(times) == sent.enqueued
    assert times == [NOW + timedelta(seconds=k) for k in range(len(times))]
    clock = FrozenClock(NOW + timedelta(seconds=30))
    with smtp_server() as (port, box):
        _worker(runtime, port, clock).drain()
        assert len(box.received) == 31  # due by then: k = 0..30
        clock.at = NOW + timedelta(minutes=5)
        _deliver(runtime, workspace, port, clock)
    subjects = [email.message_from_bytes(raw)["Subject"] for *_x, raw in box.received]
    assert len(subjects) == sent.enqueued
    with transaction(runtime.sessions) as s:
        sizes = broadcasts.results(s, workspace.id, "sale", NOW).arm_sizes
    assert sum(1 for x in subjects if x.startswith("B for")) == sizes["b"]
    assert sum(1 for x in subjects if x.startswith("Sale for")) == sizes["a"]


def test_scheduled_waits_and_cancelled_never_sends(runtime: Runtime,
                                                   workspace: Workspace) -> None:
    _fans(runtime, workspace, 30)
    later = _create(runtime, workspace, "later", scheduled_at=NOW + timedelta(hours=1))
    _create(runtime, workspace, "never", scheduled_at=NOW + timedelta(minutes=5))
    assert later.status is BroadcastStatus.SCHEDULED
    with transaction(runtime.sessions) as s:
        broadcasts.cancel_broadcast(s, workspace.id, "never", now=NOW)
    assert broadcasts.send_due(runtime.sessions, NOW + timedelta(minutes=59)) == 0
    assert _jobs(runtime, workspace) == []
    queued = broadcasts.send_due(runtime.sessions, NOW + timedelta(hours=1))
    assert queued == len(_jobs(runtime, workspace)) > 20
    assert broadcasts.send_due(runtime.sessions, NOW + timedelta(hours=2)) == 0
    with transaction(runtime.sessions) as s:
        never = broadcasts.get_broadcast(s, workspace.id, "never")
        page = broadcasts.list_broadcasts(s, workspace.id, status="sent")
        assert never.status is BroadcastStatus.CANCELLED and never.recipients == 0
        assert [b.key for b in page.items] == ["later"]
        with pytest.raises(broadcasts.BroadcastStateConflict):
            broadcasts.cancel_broadcast(s, workspace.id, "later", now=NOW)
    with pytest.raises(broadcasts.BroadcastStateConflict):
        broadcasts.send_broadcast(runtime.sessions, workspace.id, "never", now=NOW)


@pytest.mark.parametrize(("change", "field"), [
    ({"channel": "fax"}, "channel"),
    ({"segment_key": "nope"}, None),
    ({"holdout_pct": 60, "global_control_pct": 40}, "holdout_pct"),
    ({"template": {"en": {"subject": "{{ broken"}}}, "template"),
    ({"channel": "webhook"}, "webhook_url"),
    ({"window_days": 0}, "window_days"),
    ({"arms": (ArmSpec(name="holdout"),)}, "arms"),
])
def test_invalid_broadcasts_are_refused(runtime: Runtime, workspace: Workspace,
                                        change: dict[str, Any], field: str | None) -> None:
    _fans(runtime, workspace, 3)
    with pytest.raises(KizunaError) as caught:
        _create(runtime, workspace, **change)
    if field is not None:
        assert caught.value.fields.get("field") == field
    _create(runtime, workspace)
    with pytest.raises(broadcasts.BroadcastExists):
        _create(runtime, workspace)


def test_in_app_and_webhook_broadcasts_queue_on_their_channel(
        runtime: Runtime, workspace: Workspace) -> None:
    _fans(runtime, workspace, 20)
    _create(runtime, workspace, "inbox", channel="in_app", holdout_pct=0)
    _create(runtime, workspace, "hook", channel="webhook", holdout_pct=0,
            webhook_url="https://hooks.example.com/kizuna")
    for key in ("inbox", "hook"):
        sent = broadcasts.send_broadcast(runtime.sessions, workspace.id, key, now=NOW)
        assert sent.enqueued == 20
        with transaction(runtime.sessions) as s:
            res = broadcasts.results(s, workspace.id, key, NOW)
        assert res.report is None and res.notes and res.delivery.queued == 20
    by_channel: dict[str, int] = {}
    for job in _jobs(runtime, workspace):
        by_channel[job.payload["channel"]] = by_channel.get(job.payload["channel"], 0) + 1
        if job.payload["channel"] == "webhook":
            assert job.payload["url"] == "https://hooks.example.com/kizuna"
    assert by_channel == {"in_app": 20, "webhook": 20}
