"""Bulk import throughput: `kizuna import orders` code path vs raw references.

Run: ``python benchmarks/bench_import.py [--rows 200000] [--runs 3] [--no-postgres]
[--write-docs]``. Generates a seeded orders CSV (one to three line items per order), then on
SQLite (file, WAL) and on PostgreSQL, each run on a freshly migrated database:

* **import**: ``bulk_import.api.import_file`` — the same call the CLI makes, with the
  default batch size — rows/s over the whole file;
* **raw insert**: the same rows inserted into the same ``orders`` table with one plain
  DB-API ``executemany`` per batch (no parsing, no customers, no items): the storage limit;
* **csv only**: Python's ``csv`` module reading the file, nothing else.

Prints medians of ``--runs`` runs and the ratio import / raw insert; ``--write-docs`` puts
the table under the "Import" heading of docs/benchmarks.md (other sections are kept).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from kizuna.bulk_import import api as bulk_import
from kizuna.bulk_import.contracts import ImportKind, ImportOptions
from kizuna.clock import SystemClock
from kizuna.db.engine import make_engine, transaction
from kizuna.db.migrate import upgrade_to_head
from kizuna.runtime import build_runtime
from kizuna.settings import load_settings
from kizuna.workspaces import api as workspaces

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get(
    "KIZUNA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["order_id", "customer_id", "date", "product_id", "quantity", "unit_price"])
        written, order = 0, 0
        while written < rows:
            order += 1
            customer = f"c{rng.randrange(rows // 10 or 1):07d}"
            when = (start + timedelta(minutes=rng.randrange(525_600))).strftime("%Y-%m-%d %H:%M")
            for _ in range(min(rng.choice((1, 1, 2, 3)), rows - written)):
                qty = rng.choice((1, 1, 1, 2, 3, -1))
                price = f"{rng.randrange(100, 20_000) / 100:.2f}"
                w.writerow([f"o{order:08d}", customer, when, f"p{rng.randrange(500):04d}", qty,
                            price])
                written += 1


def median_of(runs: int, fn: Callable[[], float]) -> float:
    return statistics.median(fn() for _ in range(runs))


class Database:
    """A freshly migrated database per run: a SQLite file, or a PostgreSQL database."""

    def __init__(self, kind: str, workdir: Path) -> None:
        self.kind, self.workdir = kind, workdir
        self.url = ""
        self._pg_name = ""

    def fresh(self) -> str:
        self.drop()
        if self.kind == "sqlite":
            path = self.workdir / f"bench-{uuid.uuid4().hex[:8]}.db"
            self.url = f"sqlite:///{path}"
        else:
            self._pg_name = f"kz_bench_{uuid.uuid4().hex[:8]}"
            _pg_admin(f'CREATE DATABASE "{self._pg_name}"')
            self.url = sa.engine.make_url(PG_ADMIN).set(database=self._pg_name).render_as_string(
                hide_password=False)
        engine = make_engine(self.url, poolclass=sa.pool.NullPool)
        upgrade_to_head(engine)
        engine.dispose()
        return self.url

    def drop(self) -> None:
        if self._pg_name:
            _pg_admin(f'DROP DATABASE IF EXISTS "{self._pg_name}" WITH (FORCE)')
            self._pg_name = ""


def _pg_admin(sql: str) -> None:
    engine = make_engine(PG_ADMIN, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(sql)
    engine.dispose()


def run_import(db: Database, path: Path, rows: int) -> float:
    settings = load_settings(database_url=db.fresh())
    rt = build_runtime(settings)
    try:
        with transaction(rt.sessions) as s:
            ws = workspaces.ensure_default_workspace(s, rt.clock)
        t0 = time.perf_counter()
        summary = bulk_import.import_file(
            rt.sessions, ws.id, path, ImportOptions(kind=ImportKind.ORDERS), clock=rt.clock,
            batch_size=settings.import_batch_size,
        )
        elapsed = time.perf_counter() - t0
        assert summary.rows_read == rows and summary.rejected == 0, summary.as_dict()
    finally:
        rt.close()
    return rows / elapsed


def run_raw_insert(db: Database, path: Path, rows: int, batch: int) -> float:
    url = db.fresh()
    engine = make_engine(url, poolclass=sa.pool.NullPool)
    now = SystemClock().now()
    with engine.begin() as conn:
        ws = workspaces.ensure_default_workspace(
            sa.orm.Session(bind=conn), SystemClock()).id
    placeholder = "?" if db.kind == "sqlite" else "%s"
    sql = (
        "INSERT INTO orders (workspace_id, external_id, status, placed_at, total, origin, "
        f"created_at) VALUES ({', '.join([placeholder] * 7)})"
    )
    stamp = now.replace(tzinfo=None) if db.kind == "sqlite" else now
    t0 = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            next(reader)
            chunk: list[tuple[object, ...]] = []
            for n, r in enumerate(reader):
                # one orders row per CSV row (unique id per row), as plain tuples
                chunk.append((ws, f"{r[0]}-{n}", "completed", r[2], r[5], "import", stamp))
                if len(chunk) >= batch:
                    if db.kind == "sqlite":
                        cur.execute("BEGIN")  # kizuna's engine turns pysqlite's implicit BEGIN off
                    cur.executemany(sql, chunk)
                    raw.commit()
                    chunk.clear()
            if chunk:
                if db.kind == "sqlite":
                    cur.execute("BEGIN")
                cur.executemany(sql, chunk)
                raw.commit()
    finally:
        raw.close()
        engine.dispose()
    return rows / (time.perf_counter() - t0)


def run_csv_only(path: Path, rows: int) -> float:
    t0 = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as fh:
        n = sum(1 for _ in csv.reader(fh)) - 1
    assert n == rows
    return rows / (time.perf_counter() - t0)


def postgres_available() -> bool:
    try:
        _pg_admin("SELECT 1")
    except Exception:
        return False
    return True


ANALYSIS = """\
The aim of 100,000 rows/s is **not met**: SQLite reaches about 16,000 rows/s and PostgreSQL
about 10,000. What was done, and where the time goes now (cProfile, 200,000 rows):

* The facades write with the driver, not SQLAlchemy's per-value processing:
  `db/bulk.py` converts each column once and uses `executemany` on SQLite and one
  `INSERT … SELECT FROM unnest(column arrays)` per batch on PostgreSQL; products are
  upserted with one `ON CONFLICT DO UPDATE` (COALESCE keeps fields a row leaves empty).
* Two lookups that slowed down as the tables grew were fixed: SQLite did not use the unique
  index for a row-value `IN` list (now `workspace_id = ? AND external_id IN (…)`), and on
  PostgreSQL psycopg's prepared statements got generic plans that filtered a 2,000-id array
  linearly per row (now custom plans, which hash it). At 200,000 rows this took PostgreSQL
  from ~4,000 to ~10,000 rows/s.
* What is left on SQLite is spread out: the importer's own parsing and grouping
  (~20 µs/row), converting values for the driver, and SQLite's inserts into four indexed
  tables with foreign keys (`orders`, `order_items`, `customers`, `customer_identities`).
  On PostgreSQL the server-side inserts (foreign-key checks, indexes) are ~40 % of the time.
* The next steps would be parsing with a columnar reader (e.g. DuckDB/Polars reading the
  CSV) and `COPY` into staging tables on PostgreSQL.
"""


def write_docs(table: str, rows: int, runs: int) -> Path:
    path = ROOT / "docs" / "benchmarks.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    section = (
        "## Import\n\n"
        f"`python benchmarks/bench_import.py --write-docs` on {os.cpu_count()} cores, "
        f"{datetime.now(UTC):%Y-%m-%d}: a seeded orders CSV of {rows:,} rows (1–3 line items "
        "per order, 10 % of rows' customers distinct, 500 products), each run on a freshly "
        f"migrated database, median of {runs} runs. *import* is `bulk_import.api.import_file`, "
        "the code `kizuna import orders` runs (batches of `KIZUNA_IMPORT_BATCH_SIZE` rows per "
        "transaction; customers, products, orders and items); *raw insert* puts the same rows "
        "into the same `orders` table with a plain DB-API `executemany` per batch; *csv only* is "
        "Python's `csv` reader alone.\n\n" + table + "\n\n" + ANALYSIS
    )
    pattern = re.compile(r"^## Import\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(lambda _m: section, text) if pattern.search(text) else (
        text.rstrip("\n") + "\n\n" + section)
    path.write_text(text, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args(argv)
    batch = load_settings().import_batch_size
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        path = workdir / "orders.csv"
        generate(path, args.rows)
        print(f"{args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB, batch {batch}")
        csv_rate = median_of(args.runs, lambda: run_csv_only(path, args.rows))
        lines = [
            "| database | import rows/s | raw insert rows/s | import / raw | csv only rows/s |",
            "|---|---:|---:|---:|---:|",
        ]
        kinds = ["sqlite"] + ([] if args.no_postgres or not postgres_available()
                              else ["postgresql"])
        for kind in kinds:
            db = Database(kind, workdir)
            try:
                imp = median_of(args.runs, lambda db=db: run_import(db, path, args.rows))
                raw = median_of(args.runs,
                                lambda db=db: run_raw_insert(db, path, args.rows, batch))
            finally:
                db.drop()
            line = (f"| {kind} | {imp:,.0f} | {raw:,.0f} | {imp / raw:.2f} | "
                    f"{csv_rate:,.0f} |")
            lines.append(line)
            print(line, flush=True)
        table = "\n".join(lines)
        print(table)
        if args.write_docs:
            print(f"wrote {write_docs(table, args.rows, args.runs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
