"""Fault test (issue 5): a campaign to a real local SMTP server while workers are SIGKILLed.

``KIZUNA_FAULT_RECIPIENTS`` recipients (default 10,000, the issue's figure: about 100 s on two
cores with batched workers) get one ``message.send`` job each;
``kizuna worker`` processes drain the queue while one of them is SIGKILLed at random moments
(``KIZUNA_FAULT_KILLS``, default 20) and restarted. Afterwards every job is done or terminally
failed (none queued or running) and every Message-ID the server received more than once
belongs to a job flagged ``possible_duplicate`` (the crash window between ``begin_send`` and
the job's finish).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from kizuna.db.engine import transaction
from kizuna.jobs import api as jobs
from kizuna.jobs.contracts import JobStatus
from kizuna.jobs.tables import OutboxJobRow
from kizuna.messaging import api as messaging
from kizuna.messaging.channels.smtp import message_id_for
from kizuna.messaging.contracts import MessageTemplate, TemplateVariant
from kizuna.messaging.policy import update_policy
from kizuna.profiles.store import insert_customers
from kizuna.runtime import Runtime
from kizuna.settings import Settings
from kizuna.workspaces.contracts import Workspace
from tests.conftest import TEST_SECRET, free_port

pytestmark = [pytest.mark.slow]
RECIPIENTS = int(os.environ.get("KIZUNA_FAULT_RECIPIENTS", "10000"))
KILLS = int(os.environ.get("KIZUNA_FAULT_KILLS", "20"))
WORKERS = 2
SENDER = "shop@example.com"
NOTE = MessageTemplate(name="winter", default_locale="en", variants={
    "en": TemplateVariant(subject="Winter sale, {{ customer.first_name }}",
                          text="Hello {{ customer.first_name }}, 20% off this week.")})


class Sink:
    """Counts Message-IDs of accepted mails (one header scan per mail)."""

    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()
        self.recipients: Counter[str] = Counter()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = bytes(envelope.original_content)
        head = raw.split(b"\r\n\r\n", 1)[0]
        for line in head.split(b"\r\n"):
            if line[:11].lower() == b"message-id:":
                self.ids[line[11:].strip().decode()] += 1
        for rcpt in envelope.rcpt_tos:
            self.recipients[rcpt] += 1
        return "250 OK"


@pytest.fixture
def sink() -> Iterator[tuple[int, Sink]]:
    box, port = Sink(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, box
    finally:
        controller.stop()


def _worker(settings: Settings, smtp_port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KIZUNA_DATABASE_URL": settings.database_url,
           "KIZUNA_SECRET_KEY": TEST_SECRET, "KIZUNA_JOB_STALL_SECONDS": "2",
           "KIZUNA_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}", "KIZUNA_EMAIL_FROM": SENDER,
           "KIZUNA_WORKER_IN_SERVER": "false"}
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "kizuna", "worker", "--concurrency", "4", "--batch", "4",
             "--poll", "0.2"], env=env, stdout=out, stderr=subprocess.STDOUT)


def _pending(runtime: Runtime, workspace: Workspace) -> int:
    with transaction(runtime.sessions) as s:
        return sum(c.count for c in jobs.counts(s, workspace.id)
                   if c.status in (JobStatus.QUEUED, JobStatus.RUNNING))


def test_campaign_survives_repeated_sigkill(runtime: Runtime, settings: Settings,
                                            workspace: Workspace, sink: tuple[int, Sink],
                                            tmp_path: Path) -> None:
    if settings.is_sqlite:
        pytest.skip("the fault test runs several worker processes: PostgreSQL only")
    port, box = sink
    now = datetime.now(UTC)
    with transaction(runtime.sessions) as s:
        update_policy(s, workspace.id, now=now, email_per_second=100_000)
        ids = insert_customers(s, [{
            "workspace_id": workspace.id, "external_id": f"c{i}", "email": f"c{i}@example.com",
            "first_name": f"C{i}", "traits": {}, "first_seen_at": now, "last_seen_at": now,
            "created_at": now, "updated_at": now} for i in range(RECIPIENTS)])
        added = messaging.enqueue_messages(
            s, workspace.id, ids, channel="email", purpose="marketing", transactional=True,
            template=NOTE, send_key="campaign:fault", now=now)
    assert added == RECIPIENTS
    rng = random.Random(5)
    started = time.monotonic()
    procs = [_worker(settings, port, tmp_path / f"w{i}.log") for i in range(WORKERS)]
    kills = 0
    try:
        while kills < KILLS and _pending(runtime, workspace):
            time.sleep(rng.uniform(0.2, 0.8))
            victim = rng.randrange(WORKERS)
            procs[victim].send_signal(signal.SIGKILL)
            procs[victim].wait(10)
            kills += 1
            procs[victim] = _worker(settings, port, tmp_path / f"w{victim}.log")
        deadline = time.monotonic() + 600
        while _pending(runtime, workspace) and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        for p in procs:
            p.send_signal(signal.SIGKILL)
            p.wait(10)
    elapsed = time.monotonic() - started
    with transaction(runtime.sessions) as s:
        rows = s.execute(select(OutboxJobRow.idempotency_key, OutboxJobRow.status,
                                OutboxJobRow.possible_duplicate, OutboxJobRow.payload)
                         .where(OutboxJobRow.workspace_id == workspace.id)).all()
    statuses = Counter(r.status for r in rows)
    flagged = {message_id_for(r.idempotency_key, "example.com")
               for r in rows if r.possible_duplicate}
    dupes = {mid for mid, n in box.ids.items() if n > 1}
    print(f"\nfault test: {RECIPIENTS} recipients, {kills} SIGKILLs, {elapsed:.1f} s, "
          f"statuses {dict(statuses)}, {len(flagged)} flagged, {len(dupes)} duplicated ids, "
          f"{sum(box.ids.values())} mails received")
    assert kills >= KILLS, f"the queue drained after {kills} kills; raise the recipients"
    assert len(rows) == RECIPIENTS
    assert set(statuses) <= {"done", "failed", "dead"}, statuses  # none queued / running
    assert dupes <= flagged  # duplicates only inside the flagged crash window
    by_id = {message_id_for(r.idempotency_key, "example.com"): r for r in rows}
    assert set(box.ids) <= set(by_id)
    for mid, row in by_id.items():  # every recipient: a delivery or a terminal failure
        assert box.ids[mid] >= 1 or row.status in ("failed", "dead"), row
        if row.status == "done":
            assert box.ids[mid] >= 1
    assert len(box.recipients) == sum(1 for n in box.ids.values() if n)
