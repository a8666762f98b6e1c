"""Driver-level bulk inserts for the hot write paths (imports, ingest).

SQLAlchemy's per-value type processing and multi-row VALUES statements cost more than the
database's own work when tens of thousands of rows are written per second. These helpers
convert each column once per value with a converter chosen from the column's type, and hand
tuples to the driver's ``executemany`` (psycopg 3 pipelines it; sqlite3 loops in C).
Values are stored exactly as SQLAlchemy would store them, so ORM reads see no difference.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, Numeric, Table, select, tuple_
from sqlalchemy.orm import Session

from kizuna.db.dialect import in_values
from kizuna.db.metadata import UtcDateTime

Converter = Callable[[Any], Any]


def sqlite_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("Timezone aware datetime is required")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_number(value: Decimal | float | int | None) -> float | int | None:
    return None if value is None else (value if isinstance(value, int) else float(value))


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sqlite_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _pg_json(value: Any) -> Any:
    from psycopg.types.json import Jsonb

    return None if value is None else Jsonb(value)


def _pg_datetime(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("Timezone aware datetime is required")
    return value


def _converter(column_type: Any, dialect: str) -> Converter | None:
    if dialect == "sqlite":
        if isinstance(column_type, UtcDateTime):
            return sqlite_datetime
        if isinstance(column_type, Numeric):
            return _sqlite_number
        if isinstance(column_type, Date):
            return _sqlite_date
        if isinstance(column_type, JSON):
            return _sqlite_json
        return None
    if isinstance(column_type, UtcDateTime):
        return _pg_datetime
    if isinstance(column_type, JSON):
        return _pg_json
    return None


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _head_and_tail(
    table: Table,
    columns: Sequence[str],
    conflict: Sequence[str] | None,
    returning: Sequence[str] | None,
) -> tuple[str, str]:
    """``INSERT INTO t (cols)`` and the ``ON CONFLICT … RETURNING …`` that follows the rows."""
    for name in (*columns, *(conflict or ()), *(returning or ())):
        table.c[name]  # only real column names reach the SQL text (KeyError otherwise)
    # Table and column names come from the metadata (checked above); values are bound.
    head = f"INSERT INTO {table.name} ({', '.join(columns)})"
    tail = ""
    if conflict:
        tail += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    if returning:
        tail += f" RETURNING {', '.join(returning)}"
    return head, tail


def _convert(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[tuple[Any, ...]]:
    dialect = _dialect(session)
    converters = [_converter(table.c[name].type, dialect) for name in columns]
    if not any(converters):
        return [tuple(r) for r in rows]
    plan = [(i, c) for i, c in enumerate(converters) if c is not None]
    converted = []
    for row in rows:
        values = list(row)
        for i, convert in plan:
            values[i] = convert(values[i])
        converted.append(tuple(values))
    return converted


def _pg_unnest(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    conflict: Sequence[str] | None,
    returning: Sequence[str] | None,
) -> list[tuple[Any, ...]]:
    """PostgreSQL: every row in ONE ``INSERT … SELECT FROM unnest(column arrays)``.

    One short statement whatever the row count (psycopg prepares and caches it), binary
    parameters, one round trip: much faster than a pipelined executemany row by row.
    """
    from sqlalchemy.dialects import postgresql

    head, tail = _head_and_tail(table, columns, conflict, returning)
    pg = postgresql.dialect()  # type: ignore[no-untyped-call]
    arrays = ", ".join(f"%b::{table.c[n].type.compile(dialect=pg)}[]" for n in columns)
    names = ", ".join(columns)
    sql = f"{head} SELECT {names} FROM unnest({arrays}) AS t({names}){tail}"  # noqa: S608
    params = _convert(session, table, columns, rows)
    column_arrays = [[row[i] for row in params] for i in range(len(columns))]
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor:
        cursor.execute(sql, column_arrays)
        return [tuple(r) for r in cursor.fetchall()] if returning else []


def insert_many(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    on_conflict_do_nothing: Sequence[str] | None = None,
) -> None:
    """INSERT ``rows`` (tuples in ``columns`` order): executemany on SQLite, one
    ``unnest`` statement on PostgreSQL."""
    if not rows:
        return
    session.flush()
    dialect = _dialect(session)
    if dialect == "postgresql":
        _pg_unnest(session, table, columns, rows, on_conflict_do_nothing, None)
        return
    head, tail = _head_and_tail(table, columns, on_conflict_do_nothing, None)
    sql = f"{head} VALUES ({', '.join('?' for _ in columns)}){tail}"
    cursor = session.connection().connection.cursor()
    try:
        cursor.executemany(sql, _convert(session, table, columns, rows))
    finally:
        cursor.close()


def insert_many_returning(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: Sequence[str],
    on_conflict_do_nothing: Sequence[str],
) -> list[tuple[Any, ...]]:
    """Insert rows whose ``on_conflict_do_nothing`` key is new; return ``returning`` of those.

    PostgreSQL: one ``unnest`` statement with ``RETURNING``, exact under concurrency.
    SQLite (one writer, ``BEGIN IMMEDIATE``): the keys already stored are looked up first,
    the rest inserted with executemany and read back by key.
    """
    if not rows:
        return []
    session.flush()
    dialect = _dialect(session)
    if dialect == "postgresql":
        return _pg_unnest(session, table, columns, rows, on_conflict_do_nothing, returning)
    key_at = [list(columns).index(c) for c in on_conflict_do_nothing]
    key_cols = [table.c[c] for c in on_conflict_do_nothing]
    seen: set[tuple[Any, ...]] = set()
    fresh: list[Sequence[Any]] = []
    keys = [tuple(r[i] for i in key_at) for r in rows]
    existing = _existing_keys(session, key_cols, keys)
    for row, key in zip(rows, keys, strict=True):
        if key not in existing and key not in seen:
            seen.add(key)
            fresh.append(row)
    insert_many(session, table, columns, fresh)
    wanted = [table.c[c] for c in returning]
    fresh_keys = [tuple(r[i] for i in key_at) for r in fresh]
    return [tuple(r) for r in _select_by_keys(session, wanted, key_cols, fresh_keys)]


def _select_by_keys(
    session: Session, wanted: list[Any], key_cols: list[Any], keys: list[tuple[Any, ...]]
) -> list[Any]:
    """``SELECT wanted WHERE key IN keys``, written so SQLite uses the unique index.

    Key columns that hold one value across ``keys`` (typically ``workspace_id``) become an
    equality; a single varying column a plain ``IN``. SQLite does not use an index for a
    row-value ``IN`` list, which made lookups scan the table.
    """
    if not keys:
        return []
    fixed = [i for i in range(len(key_cols)) if len({k[i] for k in keys}) == 1]
    varying = [i for i in range(len(key_cols)) if i not in fixed]
    where = [key_cols[i] == keys[0][i] for i in fixed]
    rows: list[Any] = []
    unique = sorted(set(keys), key=repr)
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        if not varying:
            condition = where
        elif len(varying) == 1:
            column = key_cols[varying[0]]
            condition = [*where, in_values(session, column, [k[varying[0]] for k in chunk])]
        else:
            condition = [*where, tuple_(*key_cols).in_(chunk)]
        rows.extend(session.execute(select(*wanted).where(*condition)))
    return rows


def _existing_keys(
    session: Session, key_cols: list[Any], keys: list[tuple[Any, ...]]
) -> set[tuple[Any, ...]]:
    return {tuple(r) for r in _select_by_keys(session, key_cols, key_cols, keys)}
