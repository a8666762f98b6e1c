"""Storage of events: one multi-row ``INSERT … ON CONFLICT (source_id, message_id) DO NOTHING``.

:func:`insert_events` is ingest's hot path and sends dialect-specific SQL straight to the
driver (see its docstring). :func:`events_table` is a lean Core view of the same table whose
JSON columns take documents already encoded with orjson (the mapped ``JsonDoc`` type encodes
with the standard library, several times slower); the benchmark's raw baseline uses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import BigInteger, Column, MetaData, String, Table, Text, cast
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from kizuna.db import dialect
from kizuna.db.metadata import UtcDateTime
from kizuna.ingest.contracts import Message, Source
from kizuna.types import CustomerId

_JSON_FIELDS = ("properties", "traits", "context", "integrations")


def encode_json(value: Any) -> str:
    """JSON text of a document (orjson; falls back to the standard library for odd values)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        import json

        return json.dumps(value, default=str, ensure_ascii=False)


class _JsonText(TypeDecorator[Any]):
    """A JSON column written from pre-encoded text (SQLite: TEXT, the JSON type's storage)."""

    impl = Text
    cache_ok = True


class _JsonbText(TypeDecorator[Any]):
    """Pre-encoded JSON text cast to ``jsonb`` by PostgreSQL."""

    impl = Text
    cache_ok = True

    def bind_expression(self, bindvalue: Any) -> ColumnElement[Any]:
        return cast(bindvalue, JSONB)


def _events_view(json_type: type[TypeDecorator[Any]]) -> Table:
    return Table(
        "events",
        MetaData(),
        Column("id", BigInteger, primary_key=True),
        Column("workspace_id", BigInteger),
        Column("source_id", BigInteger),
        Column("message_id", String),
        Column("type", String),
        Column("event", String),
        Column("name", String),
        Column("category", String),
        Column("user_id", String),
        Column("anonymous_id", String),
        Column("previous_id", String),
        Column("group_id", String),
        Column("customer_id", BigInteger),
        Column("timestamp", UtcDateTime),
        Column("original_timestamp", UtcDateTime),
        Column("sent_at", UtcDateTime),
        Column("received_at", UtcDateTime),
        *(Column(name, json_type) for name in _JSON_FIELDS),
        Column("channel", String),
        Column("version", Text),
    )


_SQLITE_EVENTS = _events_view(_JsonText)
_POSTGRES_EVENTS = _events_view(_JsonbText)


def events_table(session: Session) -> Table:
    """The lean insert view of ``events`` for the session's dialect."""
    return _POSTGRES_EVENTS if dialect.is_postgres(session) else _SQLITE_EVENTS


def event_row(source: Source, message: Message, customer_id: CustomerId | None) -> dict[str, Any]:
    """The ``events`` row of one message (JSON documents encoded)."""
    return {
        "workspace_id": source.workspace_id,
        "source_id": source.id,
        "message_id": message.message_id,
        "type": message.type,
        "event": message.event,
        "name": message.name,
        "category": message.category,
        "user_id": message.user_id,
        "anonymous_id": message.anonymous_id,
        "previous_id": message.previous_id,
        "group_id": message.group_id,
        "customer_id": customer_id,
        "timestamp": message.timestamp,
        "original_timestamp": message.original_timestamp,
        "sent_at": message.sent_at,
        "received_at": message.received_at,
        "properties": None if message.properties is None else encode_json(message.properties),
        "traits": None if message.traits is None else encode_json(message.traits),
        "context": None if message.context is None else encode_json(message.context),
        "integrations": (
            None if message.integrations is None else encode_json(message.integrations)
        ),
        "channel": message.channel,
        "version": message.version,
    }


def insert_events(session: Session, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert rows, skipping any (source, messageId) already stored.

    Returns ``{message_id: event id}`` of the rows actually inserted. This is the hot path of
    ingest, so the SQL is written per dialect and sent straight to the driver: PostgreSQL gets
    one ``INSERT … SELECT FROM unnest(arrays)`` (a short statement psycopg caches, whatever the
    row count); SQLite one multi-row ``VALUES`` (cached per row count) with datetimes in
    SQLAlchemy's storage format. Both end ``ON CONFLICT (source_id, message_id) DO NOTHING
    RETURNING id, message_id``. ``rows`` must not repeat a message_id.
    """
    if not rows:
        return {}
    connection = session.connection()
    if dialect.is_postgres(session):
        columns = [[row[name] for row in rows] for name in _COLUMNS]
        # Binary parameters: psycopg's text format escapes every JSON string with a regex
        # (about 15x slower for 100 events). Same connection, same transaction.
        driver = connection.connection.driver_connection
        assert driver is not None
        dbapi_error = connection.dialect.loaded_dbapi.Error
        try:
            with driver.cursor() as cursor:
                cursor.execute(_POSTGRES_INSERT, columns)
                return {message_id: event_id for event_id, message_id in cursor.fetchall()}
        except dbapi_error as exc:  # as SQLAlchemy would wrap it (for translate_db_errors)
            raise DBAPIError.instance(_POSTGRES_INSERT, None, exc, dbapi_error) from exc
    inserted: dict[str, int] = {}
    for start in range(0, len(rows), _SQLITE_ROWS_PER_STATEMENT):
        chunk = rows[start : start + _SQLITE_ROWS_PER_STATEMENT]
        params = [
            _sqlite_time(row[name]) if name in _TIME_COLUMNS else row[name]
            for row in chunk
            for name in _COLUMNS
        ]
        result = connection.exec_driver_sql(_sqlite_insert(len(chunk)), tuple(params))
        inserted.update({message_id: event_id for event_id, message_id in result})
    return inserted


# The SQL below is built from the constant column names only; values always go as parameters.
_COLUMNS = (
    "workspace_id", "source_id", "message_id", "type", "event", "name", "category", "user_id",
    "anonymous_id", "previous_id", "group_id", "customer_id", "timestamp",
    "original_timestamp", "sent_at", "received_at", "properties", "traits", "context",
    "integrations", "channel", "version",
)  # fmt: skip
_TIME_COLUMNS = frozenset({"timestamp", "original_timestamp", "sent_at", "received_at"})
_PG_TYPES = {
    "workspace_id": "bigint", "source_id": "bigint", "customer_id": "bigint",
    **{name: "timestamptz" for name in _TIME_COLUMNS},
}  # fmt: skip
_CONFLICT = " ON CONFLICT (source_id, message_id) DO NOTHING RETURNING id, message_id"
_QUOTED = ", ".join(f'"{name}"' for name in _COLUMNS)
_POSTGRES_INSERT = (
    f"INSERT INTO events ({_QUOTED}) SELECT "  # noqa: S608
    + ", ".join(f'"{name}"::jsonb' if name in _JSON_FIELDS else f'"{name}"' for name in _COLUMNS)
    + " FROM unnest("
    + ", ".join(f"%b::{_PG_TYPES.get(name, 'text')}[]" for name in _COLUMNS)
    + f") AS t({_QUOTED})"
    + _CONFLICT
)
_SQLITE_ROWS_PER_STATEMENT = 1000  # 22 000 parameters: under SQLite's 32 766 limit
_SQLITE_ROW = "(" + ", ".join("?" for _ in _COLUMNS) + ")"


@lru_cache(maxsize=128)
def _sqlite_insert(n_rows: int) -> str:
    values = ", ".join([_SQLITE_ROW] * n_rows)
    return f"INSERT INTO events ({_QUOTED}) VALUES {values}{_CONFLICT}"  # noqa: S608


def _sqlite_time(value: datetime | None) -> str | None:
    """A datetime as ``UtcDateTime`` stores it on SQLite: naive UTC, microseconds, space."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
