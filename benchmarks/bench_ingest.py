"""Ingest throughput through real HTTP ``/v1/batch``, against the raw bulk-insert limit.

    python benchmarks/bench_ingest.py --db sqlite --events 50000 --clients 4
    python benchmarks/bench_ingest.py --db postgresql --events 50000 --clients 4

Each run: a fresh database (SQLite file, or a new PostgreSQL database on
``KIZUNA_TEST_POSTGRES_URL``), migrated; kizuna served by uvicorn in a subprocess on loopback;
``C`` client threads post pre-encoded 100-event batches (keep-alive ``http.client``, so the
client costs little CPU on the same machine). Then, in the same database, the same rows go
into the same ``events`` table with SQLAlchemy Core ``executemany`` (100 rows per
transaction, like the HTTP batches; and all rows in one transaction): the limit. Prints the
median of ``--runs`` runs of each and the ratio.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import os
import random
import shutil
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

import orjson
import sqlalchemy as sa
from scratch_databases import drop_database, fresh_database

from kizuna.clock import SystemClock
from kizuna.db.engine import make_engine
from kizuna.db.migrate import upgrade_to_head
from kizuna.ingest import api as ingest
from kizuna.ingest import store
from kizuna.ingest.contracts import Message, Source
from kizuna.workspaces import api as workspaces

WRITE_KEY = "wk_benchmark_key_0000"
BATCH = 100
EVENTS = ["Product Viewed", "Page Scrolled", "Product Added", "Checkout Started", "Link Clicked"]


def make_batches(n_events: int, seed: int) -> list[list[dict[str, Any]]]:
    """Realistic SDK-shaped messages: a pool of visitors, some identified."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    visitors = [
        (f"anon-{seed}-{i}", f"user-{seed}-{i}" if i % 3 == 0 else None) for i in range(2000)
    ]
    messages = []
    for i in range(n_events):
        anon, user = visitors[rng.randrange(len(visitors))]
        kind = "track" if i % 4 else "page"
        msg: dict[str, Any] = {
            "type": kind,
            "messageId": str(uuid.UUID(int=rng.getrandbits(128))),
            "anonymousId": anon,
            "userId": user,
            "timestamp": (now - timedelta(seconds=rng.randrange(3600))).isoformat(),
            "context": {
                "library": {"name": "analytics-python", "version": "2.3.4"},
                "ip": f"10.0.{rng.randrange(255)}.{rng.randrange(255)}",
                "locale": "ja-JP",
            },
            "integrations": {},
            "properties": {
                "path": f"/products/{rng.randrange(500)}",
                "price": rng.randrange(100, 10000),
                "currency": "JPY",
                "category": rng.choice(["tea", "ceramics", "books"]),
            },
        }
        if kind == "track":
            msg["event"] = EVENTS[i % len(EVENTS)]
        else:
            msg["name"] = "Product"
        messages.append(msg)
    return [messages[i : i + BATCH] for i in range(0, len(messages), BATCH)]


def prepare(url: str) -> tuple[Source, Source]:
    engine = make_engine(url, poolclass=sa.pool.NullPool)
    upgrade_to_head(engine)
    clock = SystemClock()
    with engine.connect() as conn, sa.orm.Session(conn) as s:
        ws = workspaces.ensure_default_workspace(s, clock)
        http_src = ingest.create_source(
            s, workspace_id=ws.id, name="http", clock=clock, write_key=WRITE_KEY
        ).source
        raw_src = ingest.create_source(s, workspace_id=ws.id, name="raw", clock=clock).source
        s.commit()
    engine.dispose()
    return http_src, raw_src


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KIZUNA_DATABASE_URL": url, "KIZUNA_SECRET_KEY": "bench-secret"}
    cmd = [sys.executable, "-m", "uvicorn", "kizuna.http.asgi:app", "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning", "--no-access-log",
           "--workers", str(workers)]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("kizuna did not start")


def post_all(port: int, bodies: list[bytes], clients: int) -> float:
    headers = {
        "Content-Type": "application/json",
        "Authorization": "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode(),
    }
    queue = list(reversed(bodies))
    lock = threading.Lock()
    failures: list[str] = []

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                body = queue.pop()
            conn.request("POST", "/v1/batch", body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            if response.status != 200:
                failures.append(f"{response.status} {data[:300]!r}")
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, first: {failures[0]}")
    return elapsed


def raw_rows(source: Source, batches: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The same rows the HTTP path stores, built up front (not timed)."""
    received = datetime.now(UTC)
    parsed: list[Message] = []
    for batch in batches:
        parsed.extend(ingest.validate(batch, received_at=received))
    return [store.event_row(source, m, None) for m in parsed]


def raw_insert(url: str, rows: list[dict[str, Any]], chunk: int) -> float:
    engine = make_engine(url)
    with engine.connect() as conn, sa.orm.Session(conn) as s:
        table = store.events_table(s)
    stmt = table.insert()
    started = time.perf_counter()
    with engine.connect() as conn:
        for i in range(0, len(rows), chunk):
            with conn.begin():
                conn.execute(stmt, rows[i : i + chunk])
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def count_events(url: str, source: Source) -> int:
    engine = make_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        n = conn.execute(
            sa.text("SELECT count(*) FROM events WHERE source_id = :s"), {"s": source.id}
        ).scalar_one()
    engine.dispose()
    return int(n)


def one_run(args: argparse.Namespace, run: int, workdir: Path) -> dict[str, float]:
    batches = make_batches(args.events, seed=run)
    bodies = [orjson.dumps({"batch": b, "sentAt": datetime.now(UTC).isoformat()}) for b in batches]
    url, pg_name = fresh_database(args.db, workdir)
    try:
        http_src, raw_src = prepare(url)
        port = free_port()
        server = start_server(url, port, args.workers)
        try:
            post_all(port, bodies[:1], 1)  # warm up (source cache, connections)
            elapsed = post_all(port, bodies[1:], args.clients)
        finally:
            server.terminate()
            server.wait(timeout=30)
        sent = sum(len(b) for b in batches[1:])
        stored = count_events(url, http_src)
        assert stored == args.events, f"stored {stored} of {args.events} events"
        rows = raw_rows(raw_src, batches[1:])
        raw_100 = raw_insert(url, rows, BATCH)
        rows_again = raw_rows(raw_src, batches[1:])
        for r in rows_again:
            r["message_id"] = "x" + r["message_id"]
        raw_all = raw_insert(url, rows_again, len(rows_again))
    finally:
        drop_database(pg_name)
    result = {
        "http": sent / elapsed,
        "raw_100": len(rows) / raw_100,
        "raw_all": len(rows_again) / raw_all,
    }
    print(
        f"  run {run + 1}: HTTP {result['http']:,.0f} ev/s | raw executemany "
        f"{result['raw_100']:,.0f} rows/s (100/txn), {result['raw_all']:,.0f} rows/s (1 txn)",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(
        f"ingest benchmark: db={args.db} events={args.events} clients={args.clients} "
        f"workers={args.workers} batch={BATCH} cores={os.cpu_count()}"
    )
    workdir = Path(tempfile.mkdtemp(prefix="kizuna-bench-"))
    try:
        results = [one_run(args, run, workdir) for run in range(args.runs)]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    http_m = statistics.median(r["http"] for r in results)
    raw_m = statistics.median(r["raw_100"] for r in results)
    all_m = statistics.median(r["raw_all"] for r in results)
    print(
        f"median of {args.runs}: HTTP /v1/batch {http_m:,.0f} events/s; raw Core executemany "
        f"{raw_m:,.0f} rows/s (100 rows/txn) -> ratio {http_m / raw_m:.2f}; "
        f"{all_m:,.0f} rows/s (one txn) -> ratio {http_m / all_m:.2f}"
    )


if __name__ == "__main__":
    main()
