"""Delivery throughput: ``message.send`` jobs to a local SMTP sink vs smtplib on one connection.

Run:
    python benchmarks/bench_delivery.py --db postgresql --messages 5000 --runs 3
    python benchmarks/bench_delivery.py --db sqlite --messages 5000 --runs 3
    python benchmarks/bench_delivery.py --db postgresql --messages 2000 --profile

A campaign of N recipients (customers with email consent) is enqueued in bulk
(``messaging.api.enqueue_messages``, marketing, a small template rendered per customer), then
drained by the real handler: send policy with cap/rate reservation, render, ``begin_sends``,
SMTP, finish. Configurations: ``Worker`` threads in this process (batch 1 = one job per claim,
the old path; batch N = ``run_batch``), and on PostgreSQL several ``kizuna worker --once``
processes. The reference sends the same rendered messages with ``smtplib`` over one reused
connection (the ceiling: SMTP to this sink alone). The sink is aiosmtpd on loopback in a
separate process (so it does not share this process's GIL). Prints medians in messages/s and
the ratio to the reference. ``--profile`` runs one configuration under cProfile instead.
"""

from __future__ import annotations

import argparse
import cProfile
import multiprocessing
import os
import pstats
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench_outbox import fresh
from sqlalchemy import func, select

from kizuna.clock import SystemClock
from kizuna.db.engine import make_engine, make_sessionmaker, transaction
from kizuna.db.migrate import upgrade_to_head
from kizuna.jobs.tables import OutboxJobRow
from kizuna.jobs.worker import Worker
from kizuna.messaging import api as messaging
from kizuna.messaging.channels.base import OutgoingMessage
from kizuna.messaging.channels.smtp import LinkSettings, SmtpChannel, SmtpTarget
from kizuna.messaging.contracts import MessageTemplate, TemplateVariant
from kizuna.messaging.policy import update_policy
from kizuna.messaging.sending import KIND, MessageSender
from kizuna.profiles import api as profiles
from kizuna.profiles.store import insert_customers
from kizuna.workspaces import api as workspaces

SENDER = "shop@example.com"
LINKS = LinkSettings(base_url="https://shop.example", secret="bench-" + "x" * 32)
NOTE = MessageTemplate(name="bench", default_locale="en", variants={
    "en": TemplateVariant(subject="Winter sale, {{ customer.first_name }}",
                          text="Hello {{ customer.first_name }}, 20% off this week.",
                          html="<p>Hello {{ customer.first_name }}</p>")})


def _sink_main(port: int, ready: Any, count: Any) -> None:
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with count.get_lock():
                count.value += 1
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    threading.Event().wait()


class SinkProcess:
    """aiosmtpd in its own process; ``count`` is the number of mails accepted."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        ctx = multiprocessing.get_context("spawn")
        self._count = ctx.Value("q", 0)
        ready = ctx.Event()
        self._proc = ctx.Process(target=_sink_main, args=(self.port, ready, self._count),
                                 daemon=True)
        self._proc.start()
        ready.wait(30)

    @property
    def count(self) -> int:
        return int(self._count.value)

    def stop(self) -> None:
        self._proc.kill()
        self._proc.join(10)


def reference(channel: SmtpChannel, port: int, n: int) -> float:
    """The same kind of messages, rendered and built beforehand, over one SMTP connection."""
    raws = [channel.to_bytes(channel.build(OutgoingMessage(
        workspace_id=1, to=f"r{i}@example.com", subject=f"Winter sale, R{i}",
        text=f"Hello R{i}, 20% off this week.", html=f"<p>Hello R{i}</p>"),
        idempotency_key=f"ref:{i}")) for i in range(n)]
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        for i, raw in enumerate(raws):
            client.sendmail(SENDER, [f"r{i}@example.com"], raw)
    return n / (time.perf_counter() - started)


def seed(url: str, n: int, tag: str) -> None:
    """N customers with email consent and one queued ``message.send`` job each."""
    engine = make_engine(url)
    try:
        sessions = make_sessionmaker(engine)
        now = SystemClock().now()
        with transaction(sessions) as s:
            ws = workspaces.ensure_default_workspace(s, SystemClock()).id
            update_policy(s, ws, now=now, email_per_second=100_000, daily_cap=0, weekly_cap=0,
                          quiet_start_minute=0, quiet_end_minute=0)
            ids = insert_customers(s, [{
                "workspace_id": ws, "external_id": f"{tag}-{i}",
                "email": f"{tag}{i}@example.com", "first_name": f"C{i}", "traits": {},
                "timezone": "Asia/Tokyo", "first_seen_at": now, "last_seen_at": now,
                "created_at": now, "updated_at": now} for i in range(n)])
            for cid in ids:
                profiles.record_consent(s, ws, cid, channel="email", purpose="marketing",
                                        status="granted", method="form", wording="Offers",
                                        at=now - timedelta(days=1))
            messaging.enqueue_messages(s, ws, ids, channel="email", purpose="marketing",
                                       transactional=False, template=NOTE,
                                       send_key=f"campaign:{tag}", now=now)
    finally:
        engine.dispose()


def _check_all_done(url: str, tag: str, n: int) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            rows = c.execute(select(OutboxJobRow.status, OutboxJobRow.last_error, func.count())
                             .where(OutboxJobRow.idempotency_key.like(f"campaign:{tag}:%"))
                             .group_by(OutboxJobRow.status, OutboxJobRow.last_error)).all()
    finally:
        engine.dispose()
    done = sum(count for status, _, count in rows if status == "done")
    assert done == n, f"{done} of {n} done: {rows}"


def threads_run(url: str, port: int, n: int, threads: int, batch: int,
                profile: cProfile.Profile | None = None) -> float:
    tag = uuid.uuid4().hex[:8]
    seed(url, n, tag)
    engine = make_engine(url, pool_size=max(5, threads + 2))
    try:
        sessions = make_sessionmaker(engine)
        channel = SmtpChannel(SmtpTarget(host="127.0.0.1", port=port), sender=SENDER,
                              links=LINKS)  # unsubscribe headers and tracking, as deployed
        sender = MessageSender(email=channel, webhook=None)
        worker = Worker(sessions, handlers={KIND: sender}, concurrency=threads, batch=batch,
                        name=f"bench-{tag}")
        started = time.perf_counter()
        if profile is not None:  # in this thread, so that cProfile sees the work
            profile.enable()
            worker.run_until_idle()
            profile.disable()
        else:
            worker.drain()
        seconds = time.perf_counter() - started
        channel.close()
        _check_all_done(url, tag, n)
        return n / seconds
    finally:
        engine.dispose()


def processes_run(url: str, port: int, n: int, processes: int, threads: int,
                  batch: int, sink: SinkProcess) -> float:
    """Timed from the first mail the sink accepts to the last (process start-up excluded)."""
    tag = uuid.uuid4().hex[:8]
    seed(url, n, tag)
    base = sink.count
    env = {**os.environ, "KIZUNA_DATABASE_URL": url, "KIZUNA_SECRET_KEY": "bench-" + "x" * 32,
           "KIZUNA_SMTP_URL": f"smtp://127.0.0.1:{port}", "KIZUNA_EMAIL_FROM": SENDER,
           "KIZUNA_WORKER_IN_SERVER": "false"}
    procs = [subprocess.Popen(
        [sys.executable, "-m", "kizuna", "worker", "--once", "--no-dispatch", "--concurrency",
         str(threads), "--batch", str(batch)], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL) for _ in range(processes)]
    first: float | None = None
    while any(p.poll() is None for p in procs):
        if first is None and sink.count > base:
            first = time.perf_counter()
        time.sleep(0.005)
    seconds = time.perf_counter() - (first or time.perf_counter())
    _check_all_done(url, tag, n)
    return (n - 1) / max(seconds, 1e-6)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--baseline-messages", type=int, default=500,
                        help="messages for the slow one-job-per-claim configuration")
    args = parser.parse_args()
    sink = SinkProcess()
    channel = SmtpChannel(SmtpTarget(host="127.0.0.1", port=sink.port), sender=SENDER)
    n, b = args.messages, args.batch
    small = min(n, args.baseline_messages)
    configs: dict[str, Any] = {
        f"1 thread, batch 1 ({small:,} messages)": (
            lambda url: threads_run(url, sink.port, small, 1, 1)),
        f"1 thread, batch {b}": lambda url: threads_run(url, sink.port, n, 1, b),
    }
    if args.db == "postgresql":
        configs[f"4 threads, batch {b}"] = lambda url: threads_run(url, sink.port, n, 4, b)
        configs[f"2 processes × 2 threads, batch {b}"] = (
            lambda url: processes_run(url, sink.port, n, 2, 2, b, sink))
        configs[f"4 processes × 1 thread, batch {b}"] = (
            lambda url: processes_run(url, sink.port, n, 4, 1, b, sink))
    results: dict[str, list[float]] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url, drop = fresh(args.db, Path(tmp))
            try:
                upgrade_to_head(make_engine(url))
                if args.profile:
                    profile = cProfile.Profile()
                    rate = threads_run(url, sink.port, n, 1, b, profile)
                    print(f"profiled: 1 thread, batch {b}: {rate:,.0f} messages/s")
                    pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
                    return
                for _ in range(args.runs):
                    results.setdefault("smtplib, one connection (reference)", []).append(
                        reference(channel, sink.port, n))
                    for name, run in configs.items():
                        results.setdefault(f"message.send, {name}", []).append(run(url))
            finally:
                drop()
    finally:
        sink.stop()
    ceiling = statistics.median(results["smtplib, one connection (reference)"])
    print(f"{args.db}, {n:,} messages, median of {args.runs} runs, "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load {os.getloadavg()[0]:.1f}")
    for name, values in results.items():
        rate = statistics.median(values)
        print(f"  {name:50s} {rate:10,.0f} messages/s   × {rate / ceiling:.2f}")


if __name__ == "__main__":
    main()
