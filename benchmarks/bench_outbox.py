"""Outbox throughput: enqueue, then claim + run + finish, with 1 and 4 workers.

Run:
    python benchmarks/bench_outbox.py --db postgresql --jobs 2000 --runs 3
    python benchmarks/bench_outbox.py --db sqlite --jobs 2000 --runs 3

Each enqueue is its own transaction (as an API call or a journey step would be). Processing
uses ``Worker.run_until_idle`` in N threads with the built-in ``noop`` handler: per job one
claim transaction (``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT 1)``) and
one finish transaction (status UPDATE + attempt row). The reference does the minimum by hand
on the same table: one raw INSERT per job, then per job one raw ``UPDATE … SET status='done'``
of a row picked by id (no claim protocol, no attempt row). Prints medians of the runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from kizuna.clock import FrozenClock
from kizuna.db.engine import make_engine, make_sessionmaker, transaction
from kizuna.db.migrate import upgrade_to_head
from kizuna.jobs import api as jobs
from kizuna.jobs.tables import OutboxJobRow
from kizuna.jobs.worker import Worker
from kizuna.workspaces import api as workspaces

PG_URL = os.environ.get(
    "KIZUNA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
table: sa.Table = OutboxJobRow.__table__  # type: ignore[assignment]


def fresh(kind: str, workdir: Path) -> tuple[str, Callable[[], None]]:
    if kind == "sqlite":
        return f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}", lambda: None
    name = f"kz_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return PG_URL.rsplit("/", 1)[0] + f"/{name}", drop


def in_threads(n: int, target: Callable[[int], None]) -> float:
    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def facade(sessions: sessionmaker[Session], ws: int, n: int, workers: int,
           tag: str, batch: int = 1) -> tuple[float, float]:
    started = time.perf_counter()
    for i in range(n):
        with transaction(sessions) as s:
            jobs.enqueue(s, workspace_id=ws, kind="noop", idempotency_key=f"{tag}:{i}",
                         payload={"i": i}, now=NOW)
    enqueue = n / (time.perf_counter() - started)
    pool = [Worker(sessions, clock=FrozenClock(NOW), name=f"{tag}-{i}", batch=batch)
            for i in range(workers)]
    def drain(i: int) -> None:
        pool[i].run_until_idle()

    seconds = in_threads(workers, drain)
    assert sum(w.processed for w in pool) == n
    return enqueue, n / seconds


def raw(engine: sa.Engine, ws: int, n: int, workers: int, tag: str) -> tuple[float, float]:
    ins = table.insert()
    started = time.perf_counter()
    ids = []
    for i in range(n):
        with engine.begin() as c:
            ids.append(c.execute(ins.values(
                workspace_id=ws, kind="noop", idempotency_key=f"{tag}:{i}", payload={"i": i},
                status="queued", attempts=0, max_attempts=5, run_after=NOW,
                possible_duplicate=False, created_at=NOW).returning(table.c.id)).scalar_one())
    enqueue = n / (time.perf_counter() - started)
    upd = table.update().where(table.c.id == sa.bindparam("job")).values(
        status="done", finished_at=NOW)

    def run(k: int) -> None:
        for job_id in ids[k::workers]:
            with engine.begin() as c:
                c.execute(upd, {"job": job_id})

    return enqueue, n / in_threads(workers, run)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = fresh(args.db, Path(tmp))
        engine = make_engine(url)
        try:
            upgrade_to_head(engine)
            sessions = make_sessionmaker(engine)
            with transaction(sessions) as s:
                ws = workspaces.ensure_default_workspace(s, FrozenClock(NOW)).id
            for run in range(args.runs):
                for workers in (1, 4):
                    tag = f"r{run}w{workers}"
                    e, p = facade(sessions, ws, args.jobs, workers, "f" + tag)
                    results.setdefault("facade enqueue", []).append(e)
                    results.setdefault(f"facade process, {workers} worker(s)", []).append(p)
                    _, p = facade(sessions, ws, args.jobs, workers, "b" + tag, batch=10)
                    results.setdefault(f"facade process, {workers} worker(s), batch 10",
                                       []).append(p)
                    e, p = raw(engine, ws, args.jobs, workers, "r" + tag)
                    results.setdefault("raw insert", []).append(e)
                    results.setdefault(f"raw update, {workers} thread(s)", []).append(p)
        finally:
            engine.dispose()
            drop()
    print(f"{args.db}, {args.jobs} jobs, median of {args.runs} runs")
    for name, values in results.items():
        print(f"  {name:42s} {statistics.median(values):10,.0f} jobs/s")


if __name__ == "__main__":
    main()
