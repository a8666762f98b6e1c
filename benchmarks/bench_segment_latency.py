"""Event → ``Segment Entered`` latency with incremental membership (the dispatcher in-process).

Run:
    python benchmarks/bench_segment_latency.py --db postgresql --rate 1000 --seconds 20

On a fresh database: ``--customers`` profiles (identify, plan ``free``), five segments on
traits, events and orders (recomputed once, empty or nearly), then a dispatcher thread with
the ``segments`` consumer (poll 0.05 s) while this process ingests ``rate`` events per second
for ``seconds`` seconds (batches of ``rate / 20`` every 50 ms through
``ingest.api.ingest_messages``, the code ``/v1/batch`` runs): identifies switching ``plan``
and ``vip``, ``Product Viewed`` and ``Order Completed`` tracks, each for a random customer.
A watcher polls the events table every 10 ms and notes when each ``Segment Entered`` became
visible. Latency = that time − ``received_at`` of the customer's latest event stored before
it (the cause). Reference: the same events ingested with no dispatcher as fast as possible
(the raw ingest rate); printed with the rate achieved while the dispatcher ran.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from scratch_databases import drop_database, fresh_database

from kizuna.clock import SystemClock
from kizuna.db.engine import make_engine, make_sessionmaker, transaction
from kizuna.db.migrate import upgrade_to_head
from kizuna.dispatch import Consumer, Dispatcher
from kizuna.ingest import api as ingest
from kizuna.ingest.tables import EventRow
from kizuna.runtime import Runtime
from kizuna.segments import api as segments
from kizuna.settings import load_settings
from kizuna.workspaces import api as workspaces

SEGMENTS: dict[str, Any] = {
    "pro": {"trait": "plan", "op": "eq", "value": "pro"},
    "vip": {"trait": "vip", "op": "eq", "value": True},
    "viewers": {"event": "Product Viewed", "at_least": 2, "within_days": 30},
    "buyers": {"orders": {"at_least": 1}},
    "pro-buyers": {"all": [{"segment": "pro"}, {"segment": "buyers"}]},
}


def messages(rng: random.Random, n: int, customers: int, tag: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(n):
        user, kind, mid = f"u{rng.randrange(customers)}", rng.random(), f"{tag}-{i}"
        if kind < 0.25:
            out.append({"type": "identify", "userId": user, "messageId": mid,
                        "traits": {"plan": rng.choice(["pro", "free"])}})
        elif kind < 0.4:
            out.append({"type": "identify", "userId": user, "messageId": mid,
                        "traits": {"vip": rng.random() < 0.5}})
        elif kind < 0.85:
            out.append({"type": "track", "userId": user, "messageId": mid,
                        "event": "Product Viewed", "properties": {"sku": "A"}})
        else:
            out.append({"type": "track", "userId": user, "messageId": mid,
                        "event": "Order Completed",
                        "properties": {"order_id": mid, "total": 10, "currency": "JPY"}})
    return out


def setup(url: str, customers: int) -> tuple[Runtime, Any]:
    settings = load_settings(database_url=url, secret_key="x" * 40)
    engine = make_engine(url)
    upgrade_to_head(engine)
    rt = Runtime(settings=settings, engine=engine, sessions=make_sessionmaker(engine))
    clock = SystemClock()
    with transaction(rt.sessions) as s:
        ws = workspaces.ensure_default_workspace(s, clock).id
        source = ingest.create_source(s, workspace_id=ws, name="bench", clock=clock).source
        ingest.ingest_messages(s, source=source, received_at=clock.now(), messages=[
            {"type": "identify", "userId": f"u{i}", "messageId": f"id-{i}",
             "traits": {"plan": "free"}} for i in range(customers)])
        for key, cond in SEGMENTS.items():
            segments.create_segment(s, ws, key=key, name=key, condition=cond, now=clock.now())
        segments.recompute_all(s, ws, clock.now())
    return rt, source


def send(rt: Runtime, source: Any, batches: list[list[dict[str, Any]]], every: float) -> float:
    """Ingest one batch every ``every`` seconds (0: as fast as possible); events per second."""
    started = time.perf_counter()
    sent = 0
    for k, batch in enumerate(batches):
        if every:
            wait = started + k * every - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
        with transaction(rt.sessions) as s:
            ingest.ingest_messages(s, source=source, messages=batch,
                                   received_at=datetime.now(UTC))
        sent += len(batch)
    return sent / (time.perf_counter() - started)


def watch(rt: Runtime, stop: threading.Event, seen: dict[int, float]) -> None:
    events = sa.table("events", sa.column("id"), sa.column("event"))
    last = 0
    with rt.engine.connect() as conn:
        last = int(conn.execute(sa.select(sa.func.max(events.c.id))).scalar() or 0)
        conn.commit()
        while not stop.is_set():
            rows = conn.execute(sa.select(events.c.id).where(
                events.c.id > last, events.c.event == segments.ENTERED)).all()
            conn.commit()
            t = time.time()
            for (i,) in rows:
                seen.setdefault(int(i), t)
            if rows:
                last = max(last, max(int(i) for (i,) in rows))
            stop.wait(0.01)


def latencies(rt: Runtime, seen: dict[int, float], since_id: int) -> list[float]:
    e = EventRow
    with rt.sessions() as s:
        rows = s.execute(sa.select(e.id, e.customer_id, e.event, e.received_at)
                         .where(e.id > since_id).order_by(e.id)).all()
    latest: dict[int, datetime] = {}
    out: list[float] = []
    for i, cid, name, received in rows:
        if name in (segments.ENTERED, segments.EXITED):
            if name == segments.ENTERED and int(i) in seen and cid in latest:
                out.append(seen[int(i)] - latest[cid].timestamp())
        elif cid is not None:
            latest[cid] = received
    return out


def run(kind: str, tmp: Path, args: argparse.Namespace) -> None:
    rng = random.Random(5)
    per = max(1, args.rate // 20)
    batches = [messages(rng, per, args.customers, f"b{k}")
               for k in range(args.seconds * 20)]
    # the reference: the same events, no dispatcher, as fast as possible
    url, drop = fresh_database(kind, tmp)
    rt, source = setup(url, args.customers)
    raw = send(rt, source, batches, 0.0)
    rt.close()
    drop_database(drop)
    url, drop = fresh_database(kind, tmp)
    rt, source = setup(url, args.customers)
    try:
        with rt.sessions() as s:
            start_id = ingest.latest_event_id(s)
        d = Dispatcher(rt, [Consumer("segments", segments.apply_events)], poll_seconds=0.05)
        d.run_once()
        seen: dict[int, float] = {}
        stop = threading.Event()
        watcher = threading.Thread(target=watch, args=(rt, stop, seen), daemon=True)
        watcher.start()
        d.start()
        achieved = send(rt, source, batches, 0.05)
        with rt.sessions() as s:
            end_id = ingest.latest_event_id(s)
        deadline = time.monotonic() + 120
        while d.consumer_positions()["segments"] < end_id and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        d.stop()
        stop.set()
        watcher.join()
        lat = sorted(latencies(rt, seen, start_id))
    finally:
        rt.close()
        drop_database(drop)
    if not lat:
        print(f"{kind}: no Segment Entered events")
        return
    p = statistics.quantiles(lat, n=100)
    print(f"{kind}: {len(lat)} Segment Entered from {sum(map(len, batches))} events; "
          f"target {args.rate}/s, achieved {achieved:,.0f}/s with the dispatcher, raw ingest "
          f"{raw:,.0f}/s without (ratio {achieved / raw:.2f}); latency p50 {p[49] * 1000:.0f} "
          f"ms, p95 {p[94] * 1000:.0f} ms, max {lat[-1] * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--customers", type=int, default=5000)
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            run(kind, Path(tmp), args)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
