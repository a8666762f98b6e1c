"""Delivery throughput: ``message.send`` jobs to a local SMTP sink vs smtplib in a loop.

Run:
    python benchmarks/bench_delivery.py --db postgresql --messages 1000 --runs 3

A campaign of N recipients is enqueued in bulk (``messaging.api.enqueue_messages``, a small
template rendered per customer, transactional so consent does not apply), then drained by
``Worker`` threads (1 and 4) running the real handler: send policy, render, ``begin_send``
commit, one SMTP connection per message, finish + ``record_send``. The reference builds the
same messages with ``SmtpChannel.build`` beforehand and sends them with ``smtplib`` in one loop
(one connection per message, like the handler): the cost of SMTP alone. Sink: aiosmtpd on
loopback in this process. Prints medians of the runs in messages/s.
"""

from __future__ import annotations

import argparse
import smtplib
import socket
import statistics
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from bench_outbox import fresh

from kizuna.clock import FrozenClock
from kizuna.db.engine import make_engine, make_sessionmaker, transaction
from kizuna.db.migrate import upgrade_to_head
from kizuna.jobs.worker import Worker
from kizuna.messaging import api as messaging
from kizuna.messaging.channels.base import OutgoingMessage
from kizuna.messaging.channels.smtp import SmtpChannel, SmtpTarget
from kizuna.messaging.contracts import MessageTemplate, TemplateVariant
from kizuna.messaging.policy import update_policy
from kizuna.messaging.sending import KIND, MessageSender
from kizuna.profiles.store import insert_customers
from kizuna.workspaces import api as workspaces

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # noon in Tokyo: no quiet hours
SENDER = "shop@example.com"
NOTE = MessageTemplate(name="bench", default_locale="en", variants={
    "en": TemplateVariant(subject="Winter sale, {{ customer.first_name }}",
                          text="Hello {{ customer.first_name }}, 20% off this week.",
                          html="<p>Hello {{ customer.first_name }}</p>")})


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


def reference(channel: SmtpChannel, port: int, n: int) -> float:
    raws = [channel.to_bytes(channel.build(OutgoingMessage(
        workspace_id=1, to=f"r{i}@example.com", subject=f"Winter sale, R{i}",
        text=f"Hello R{i}", html=f"<p>Hello R{i}</p>"), idempotency_key=f"ref:{i}"))
        for i in range(n)]
    started = time.perf_counter()
    for i, raw in enumerate(raws):
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail(SENDER, [f"r{i}@example.com"], raw)
    return n / (time.perf_counter() - started)


def handler_run(url: str, port: int, n: int, workers: int, tag: str) -> float:
    engine = make_engine(url)
    try:
        sessions = make_sessionmaker(engine)
        clock = FrozenClock(NOW)
        with transaction(sessions) as s:
            ws = workspaces.ensure_default_workspace(s, clock).id
            update_policy(s, ws, now=NOW, email_per_second=100_000)
            ids = insert_customers(s, [{
                "workspace_id": ws, "external_id": f"{tag}-{i}", "email": f"{tag}{i}@example.com",
                "first_name": f"C{i}", "traits": {}, "first_seen_at": NOW, "last_seen_at": NOW,
                "created_at": NOW, "updated_at": NOW} for i in range(n)])
            messaging.enqueue_messages(s, ws, ids, channel="email", purpose="marketing",
                                       transactional=True, template=NOTE,
                                       send_key=f"campaign:{tag}", now=NOW)
        sender = MessageSender(email=SmtpChannel(SmtpTarget(host="127.0.0.1", port=port),
                                                 sender=SENDER), webhook=None, clock=clock)
        pool = [Worker(sessions, clock=clock, handlers={KIND: sender}, name=f"{tag}-{i}")
                for i in range(workers)]
        threads = [threading.Thread(target=w.run_until_idle) for w in pool]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - started
        assert sum(w.processed for w in pool) == n
        return n / seconds
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sink = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    results: dict[str, list[float]] = {}
    channel = SmtpChannel(SmtpTarget(host="127.0.0.1", port=port), sender=SENDER)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url, drop = fresh(args.db, Path(tmp))
            try:
                upgrade_to_head(make_engine(url))
                for run in range(args.runs):
                    results.setdefault("smtplib loop (reference)", []).append(
                        reference(channel, port, args.messages))
                    for workers in (1, 4):
                        tag = f"r{run}w{workers}{uuid.uuid4().hex[:4]}"
                        results.setdefault(f"message.send, {workers} worker thread(s)",
                                           []).append(handler_run(url, port, args.messages,
                                                                  workers, tag))
            finally:
                drop()
    finally:
        controller.stop()
    print(f"{args.db}, {args.messages} messages, median of {args.runs} runs")
    for name, values in results.items():
        print(f"  {name:42s} {statistics.median(values):10,.0f} messages/s")


if __name__ == "__main__":
    main()
