"""Trigger → send latency: events in at a steady rate, a live journey "on event → send email
now", ``kizuna worker`` processes (outbox workers + the event-feed dispatcher) and a local
SMTP sink. Latency = time the sink accepted the mail − the event's ``received_at``.

Run:
    python benchmarks/bench_trigger_latency.py --db postgresql --rate 1000 --seconds 20 --runs 3
    python benchmarks/bench_trigger_latency.py --rate 1000 --trigger-share 0.1  # 100 mails/s

Per run, on a fresh database: ``--customers`` profiles are created through ingest (identify
with an email trait); a live journey (trigger: track ``Bench Ping``, re-entry ``always``,
holdout 0, one transactional email step whose subject carries the event's send time) is
created; ``--workers`` ``kizuna worker`` processes start (``--batch``, poll 0.05 s; on
PostgreSQL one of them runs the dispatcher, the others stand by); then this process ingests
``rate`` track events per second for ``seconds`` seconds (batches of ``rate / 10`` every
100 ms through ``ingest.api.ingest_messages``, the code ``/v1/batch`` runs) and waits until
every mail has arrived. The reference run sends the same mails without the journey: each
100 ms batch is enqueued directly with ``messaging.api.enqueue_messages`` (latency from the
enqueue; ``enqueue_messages`` per batch). Prints p50 / p95 / max per run and the medians
over runs.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench_outbox import fresh
from sqlalchemy import select

from kizuna import dispatch
from kizuna.clock import SystemClock
from kizuna.db.engine import make_engine, make_sessionmaker, transaction
from kizuna.db.migrate import upgrade_to_head
from kizuna.ingest import api as ingest
from kizuna.jobs.tables import OutboxJobRow
from kizuna.journeys import api as journeys
from kizuna.messaging import api as messaging
from kizuna.messaging.policy import update_policy
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.workspaces import api as workspaces

SENDER = "shop@example.com"
EVENT = "Bench Ping"
SUBJECT = "ping {{ event.properties.t }}"
TEMPLATE = {"en": {"subject": SUBJECT, "text": "Hello {{ customer.first_name }}"},
            "default_locale": "en"}


def _sink_main(port: int, path: str, ready: Any) -> None:
    from aiosmtpd.controller import Controller

    out = open(path, "a", buffering=1)  # noqa: SIM115 - lives as long as the process

    class Sink:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            now = time.time()
            raw = bytes(envelope.original_content)
            head = raw.split(b"\r\n\r\n", 1)[0]
            for line in head.split(b"\r\n"):
                if line[:14].lower() == b"subject: ping ":
                    out.write(f"{line[14:].decode()} {now}\n")
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    threading.Event().wait()


class Sink:
    """aiosmtpd in its own process; appends "<sent time> <received time>" per mail."""

    def __init__(self, path: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.path = path
        path.write_text("")
        ctx = multiprocessing.get_context("spawn")
        ready = ctx.Event()
        self._proc = ctx.Process(target=_sink_main, args=(self.port, str(path), ready),
                                 daemon=True)
        self._proc.start()
        ready.wait(30)

    def latencies(self) -> list[float]:
        pairs = [line.split() for line in self.path.read_text().splitlines() if line.strip()]
        return [float(got) - float(sent) for sent, got in pairs]

    def stop(self) -> None:
        self._proc.kill()
        self._proc.join(10)


def _workers(url: str, port: int, n: int, batch: int, log: Path) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "KIZUNA_DATABASE_URL": url, "KIZUNA_SECRET_KEY": "bench-" + "x" * 32,
           "KIZUNA_SMTP_URL": f"smtp://127.0.0.1:{port}", "KIZUNA_EMAIL_FROM": SENDER,
           "KIZUNA_WORKER_IN_SERVER": "false", "KIZUNA_DISPATCH_POLL_SECONDS": "0.05"}
    with open(log, "ab") as out:
        return [subprocess.Popen(
            [sys.executable, "-m", "kizuna", "worker", "--concurrency", "2", "--batch",
             str(batch), "--poll", "0.05"], env=env, stdout=out, stderr=subprocess.STDOUT)
            for _ in range(n)]


def one_run(kind: str, tmp: Path, args: argparse.Namespace, *, journey: bool) -> list[float]:
    url, drop = fresh(kind, tmp)
    sink = Sink(tmp / f"sink-{uuid.uuid4().hex[:6]}.txt")
    procs: list[subprocess.Popen[bytes]] = []
    engine = make_engine(url)
    try:
        upgrade_to_head(engine)
        sessions = make_sessionmaker(engine)
        clock = SystemClock()
        with transaction(sessions) as s:
            ws = workspaces.ensure_default_workspace(s, clock).id
            update_policy(s, ws, now=clock.now(), email_per_second=100_000)
            source = ingest.create_source(s, workspace_id=ws, name="bench", clock=clock).source
            ingest.ingest_messages(s, source=source, received_at=clock.now(), messages=[
                {"type": "identify", "userId": f"u{i}", "messageId": f"id-{i}",
                 "traits": {"email": f"u{i}@example.com", "first_name": f"U{i}"}}
                for i in range(args.customers)])
            if journey:
                journeys.create_journey(s, ws, key="ping", name="Ping", now=clock.now(),
                                        definition={
                    "trigger": {"type": "event", "event": EVENT}, "re_entry": "always",
                    "holdout_pct": 0,
                    "steps": [{"id": "send", "type": "send", "channel": "email",
                               "transactional": True, "template": TEMPLATE}]})
                journeys.set_status(s, ws, "ping", "live", now=clock.now())
        customer_ids: dict[str, int] = {}
        if True:
            with transaction(sessions) as s:
                for i in range(args.customers):
                    found = profiles.find_customer_id(
                        s, ws, IdentityRef(user_id=f"u{i}"))
                    assert found is not None
                    customer_ids[f"u{i}"] = int(found)
        procs = _workers(url, sink.port, args.workers, args.batch, args.log)
        _warm_up(sessions, ws, sink, customer_ids or None, source if journey else None)
        per_tick = max(1, args.rate // 10)
        triggers = max(1, round(per_tick * args.trigger_share))  # the rest is other traffic
        total = triggers * 10 * args.seconds
        started = time.monotonic()
        for tick in range(10 * args.seconds):
            wake = started + tick / 10
            time.sleep(max(0.0, wake - time.monotonic()))
            sent = time.time()
            at = datetime.fromtimestamp(sent, UTC)
            users = [f"u{(tick * per_tick + k) % args.customers}" for k in range(per_tick)]
            with transaction(sessions) as s:
                if journey:
                    ingest.ingest_messages(s, source=source, received_at=at, messages=[
                        {"type": "track", "userId": u,
                         "event": EVENT if k < triggers else "Product Viewed",
                         "messageId": f"e-{tick}-{k}", "properties": {"t": f"{sent:.6f}"}}
                        for k, u in enumerate(users)])
                else:  # the same mails, enqueued directly in bulk (no journey)
                    messaging.enqueue_messages(
                        s, ws, [customer_ids[u] for u in users[:triggers]], channel="email",
                        purpose="receipt", transactional=True,
                        template=messaging.template_from_document(
                            {"en": {"subject": f"ping {sent:.6f}", "text": "Hello"},
                             "default_locale": "en"}), send_key=f"direct:{tick}", now=at)
        lag = time.monotonic() - started - args.seconds
        deadline = time.monotonic() + 120
        while len(sink.latencies()) < total + 1 and time.monotonic() < deadline:
            time.sleep(0.5)
        got = sink.latencies()[1:]  # without the warm-up mail
        split = ""
        if journey:  # where the time went: event → job queued (dispatcher + journey), → sent
            with engine.connect() as c:
                rows = c.execute(select(OutboxJobRow.created_at, OutboxJobRow.finished_at,
                                        OutboxJobRow.payload)).all()
            queued = [r.created_at.timestamp() - float(r.payload["event"]["properties"]["t"])
                      for r in rows if (r.payload.get("event") or {}).get("properties")]
            outbox = [(r.finished_at - r.created_at).total_seconds() for r in rows
                      if r.finished_at is not None]
            split = (f" | event→queued p50 {_pct(queued, 50):.2f} s p95 {_pct(queued, 95):.2f}"
                     f" s; queued→sent p50 {_pct(outbox, 50):.2f} s p95 "
                     f"{_pct(outbox, 95):.2f} s")
        print(f"  {'journey' if journey else 'direct '}: {len(got):,} of {total:,} mails, "
              f"ingest fell behind by {max(0.0, lag):.1f} s, p50 {_pct(got, 50):.3f} s, "
              f"p95 {_pct(got, 95):.3f} s, max {max(got, default=0):.3f} s{split}", flush=True)
        return got
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        sink.stop()
        engine.dispose()
        drop()


def _warm_up(sessions: Any, ws: int, sink: Sink, customer_ids: dict[str, int] | None,
             source: Any) -> None:
    """One mail through the same path, so that the workers (and the dispatcher) are up."""
    deadline = time.monotonic() + 60
    while source is not None:  # a new consumer starts at the end of the feed: wait for it
        with transaction(sessions) as s:
            if any(c.consumer == "journeys" for c in dispatch.status(s, datetime.now(UTC))):
                break
        if time.monotonic() > deadline:
            raise SystemExit("the dispatcher did not start in 60 s; see the worker log")
        time.sleep(0.2)
    at = datetime.now(UTC)
    with transaction(sessions) as s:
        if source is not None:
            ingest.ingest_messages(s, source=source, received_at=at, messages=[
                {"type": "track", "userId": "u0", "event": EVENT, "messageId": "warm-up",
                 "properties": {"t": f"{time.time():.6f}"}}])
        else:
            assert customer_ids is not None
            messaging.enqueue_message(
                s, ws, customer_id=customer_ids["u0"], channel="email", purpose="receipt",
                transactional=True, template=messaging.template_from_document(
                    {"en": {"subject": f"ping {time.time():.6f}", "text": "Hello"},
                     "default_locale": "en"}), send_key="warm-up", now=at)
    deadline = time.monotonic() + 60
    while not sink.latencies():
        if time.monotonic() > deadline:
            raise SystemExit("the warm-up mail did not arrive in 60 s; see the worker log")
        time.sleep(0.1)


def _pct(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--rate", type=int, default=1000, help="events per second")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--trigger-share", type=float, default=1.0,
                        help="share of the events that trigger the journey (the rest are "
                             "'Product Viewed' traffic the dispatcher still reads)")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2, help="kizuna worker processes")
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--log", type=Path, default=Path(tempfile.gettempdir()) /
                        "kizuna-bench-workers.log")
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float, float]]] = {"journey": [], "direct": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.runs):
            for name in ("journey", "direct"):
                got = one_run(args.db, Path(tmp), args, journey=name == "journey")
                results[name].append((_pct(got, 50), _pct(got, 95), max(got, default=0)))
    print(f"{args.db}, {args.rate} events/s ({args.trigger_share:.0%} trigger a send) for "
          f"{args.seconds} s, {args.workers} worker "
          f"processes × 2 threads, batch {args.batch}, medians of {args.runs} runs, "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load {os.getloadavg()[0]:.1f}")
    for name, rows in results.items():
        p50, p95, worst = (statistics.median(r[i] for r in rows) for i in range(3))
        print(f"  {name:8s} p50 {p50:.3f} s   p95 {p95:.3f} s   max {worst:.3f} s")


if __name__ == "__main__":
    main()
