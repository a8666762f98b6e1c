"""DuckDB never opens the live SQLite file: it reads a backup copy made by Python's SQLite."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kizuna.analytics.engine import readable_store
from kizuna.analytics.errors import AnalyticsUnavailable


def test_sqlite_is_copied_consistently_and_the_copy_removed(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    con = sqlite3.connect(live)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE t (x INTEGER)")
    con.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(1000)])
    con.commit()
    con.execute("BEGIN")
    con.execute("INSERT INTO t VALUES (-1)")  # uncommitted: not in the copy
    with readable_store(f"sqlite:///{live}") as url:
        path = Path(url.removeprefix("sqlite:///"))
        assert path != live and path.exists()
        copy = sqlite3.connect(path)
        assert copy.execute("SELECT count(*), min(x) FROM t").fetchone() == (1000, 0)
        copy.close()
    assert not path.exists()
    con.rollback()
    con.close()


def test_postgres_urls_pass_through_and_missing_files_say_what_to_do(tmp_path: Path) -> None:
    url = "postgresql+psycopg://u@127.0.0.1:5432/db"
    with readable_store(url) as same:
        assert same == url
    with pytest.raises(AnalyticsUnavailable, match="kizuna db upgrade"), \
            readable_store(f"sqlite:///{tmp_path / 'missing.db'}"):
        pass
