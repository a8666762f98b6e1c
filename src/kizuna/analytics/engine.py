"""An in-process DuckDB with the operational store attached read-only.

DuckDB's ``sqlite`` and ``postgres`` scanners would normally be downloaded on first use; here
they come from the ``duckdb-extension-*-scanner`` wheels (pinned to the same DuckDB release)
and are loaded from the installed files, with auto-install turned off, so nothing is fetched
at run time (see ../shared/STACK-NOTES.md and docs/decisions/0003-analytics-on-duckdb.md).
"""

from __future__ import annotations

import importlib.util
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from sqlalchemy.engine import make_url

from kizuna.analytics.errors import AnalyticsUnavailable

#: Name under which the operational store is attached inside DuckDB.
STORE = "store"

_EXTENSIONS = {
    "sqlite": ("duckdb_extension_sqlite_scanner", "sqlite_scanner"),
    "postgresql": ("duckdb_extension_postgres_scanner", "postgres_scanner"),
}


def connect(
    *, threads: int | None = None, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB that never installs or auto-loads extensions, in UTC."""
    config: dict[str, str | bool | int | float | list[str]] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    }
    if threads:
        config["threads"] = threads
    if memory_limit:
        config["memory_limit"] = memory_limit
    con = duckdb.connect(":memory:", config=config)
    con.execute("SET TimeZone = 'UTC'")
    return con


def extension_file(dialect: str) -> Path:
    """The scanner extension for ``dialect`` shipped in its wheel, for this DuckDB version."""
    if dialect not in _EXTENSIONS:
        raise AnalyticsUnavailable(
            f"The analytics engine cannot read a {dialect!r} store; use SQLite or PostgreSQL.",
            dialect=dialect,
        )
    package, name = _EXTENSIONS[dialect]
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise AnalyticsUnavailable(
            f"The DuckDB {name} extension is not installed: "
            f"`pip install {package.replace('_', '-')}=={duckdb.__version__}`."
        )
    path = (
        Path(spec.origin).parent
        / "extensions"
        / f"v{duckdb.__version__}"
        / f"{name}.duckdb_extension"
    )
    if not path.exists():
        found = sorted(p.name for p in (Path(spec.origin).parent / "extensions").glob("v*"))
        raise AnalyticsUnavailable(
            f"The {name} extension in {package} was built for DuckDB {', '.join(found) or '?'}, "
            f"but DuckDB {duckdb.__version__} is installed; install matching versions.",
            duckdb_version=duckdb.__version__,
        )
    return path


def _libpq_dsn(database_url: str) -> str:
    url = make_url(database_url)
    parts = {
        "host": url.host or "127.0.0.1",
        "port": str(url.port or 5432),
        "dbname": url.database or "",
        "user": url.username or "",
    }
    if url.password:
        parts["password"] = str(url.password)
    for key, value in url.query.items():  # e.g. sslmode
        parts[key] = value if isinstance(value, str) else value[0]
    quoted = (v.replace("\\", "\\\\").replace("'", "\\'") for v in parts.values())
    return " ".join(f"{k}='{v}'" for k, v in zip(parts, quoted, strict=True) if v != "")


def _literal(text: str) -> str:
    """A SQL string literal (ATTACH takes no bound parameters)."""
    return "'" + text.replace("'", "''") + "'"


@contextmanager
def readable_store(database_url: str) -> Iterator[str]:
    """The URL DuckDB may attach: PostgreSQL as is; for a SQLite file, a consistent copy made
    with Python's own SQLite (the backup API), removed on exit.

    DuckDB's scanner links its own copy of SQLite. Two SQLite libraries in one process share
    the process's POSIX locks (https://www.sqlite.org/howtocorrupt.html, 2.2.1): DuckDB
    opening the live file believed it was the only connection and reset the WAL index that
    this process's pooled connections had mapped (SIGBUS at 100 k customers). The copy costs
    a file read (about 0.1 s per 50 MB) and gives every analysis one consistent moment.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        yield database_url
        return
    if not Path(url.database).exists():
        raise AnalyticsUnavailable(
            f"The SQLite store {url.database} does not exist; run `kizuna db upgrade` first.",
            path=url.database,
        )
    with tempfile.TemporaryDirectory(prefix="kizuna-analytics-") as tmp:
        copy = Path(tmp) / "store.db"
        source = sqlite3.connect(f"file:{url.database}?mode=ro", uri=True)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        yield url.set(database=str(copy)).render_as_string(hide_password=False)


def attach_store(con: duckdb.DuckDBPyConnection, database_url: str) -> str:
    """Attach the store at ``database_url`` read-only as ``store``; return its dialect."""
    dialect = make_url(database_url).get_backend_name()
    path = extension_file(dialect)
    try:
        con.execute(f"LOAD '{path}'")
        if dialect == "sqlite":
            database = make_url(database_url).database or ""
            if not database or database == ":memory:":
                raise AnalyticsUnavailable(
                    "An in-memory SQLite store cannot be analysed; use a SQLite file."
                )
            if not Path(database).exists():
                raise AnalyticsUnavailable(
                    f"The SQLite store {database} does not exist; run `kizuna db upgrade` first.",
                    path=database,
                )
            con.execute(f"ATTACH {_literal(database)} AS {STORE} (TYPE sqlite, READ_ONLY)")
        else:
            dsn = _literal(_libpq_dsn(database_url))
            con.execute(f"ATTACH {dsn} AS {STORE} (TYPE postgres, READ_ONLY)")
    except duckdb.Error as exc:
        raise AnalyticsUnavailable(f"The analytics engine cannot attach the store: {exc}") from exc
    return dialect
