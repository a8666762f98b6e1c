"""Throwaway databases for the benchmarks: a new SQLite file or a new PostgreSQL database on
``KIZUNA_TEST_POSTGRES_URL``'s server, dropped afterwards."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import sqlalchemy as sa

from kizuna.db.engine import make_engine

PG_URL = os.environ.get(
    "KIZUNA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def fresh_database(kind: str, workdir: Path) -> tuple[str, str | None]:
    """(URL, PostgreSQL database name or None for SQLite) of an empty database."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}", None
    name = f"kz_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return sa.engine.make_url(PG_URL).set(database=name).render_as_string(False), name


def drop_database(name: str | None) -> None:
    if name is None:
        return
    admin = make_engine(PG_URL, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()
