"""Differences between SQLite and PostgreSQL, kept in one place."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert(session: Session, table: Table) -> Any:
    """A dialect-specific INSERT that supports ``on_conflict_do_*``."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def merge_json(session: Session, current: Any, incoming: Any) -> Any:
    """SQL for "current JSON object updated with the keys of incoming" on either dialect."""
    from sqlalchemy import func

    if is_postgres(session):
        from sqlalchemy import cast, literal

        return func.coalesce(current, cast(literal("{}"), current.type)).op("||")(incoming)
    return func.json_patch(func.coalesce(current, "{}"), incoming)


def in_values(session: Session, column: Any, values: Sequence[Any]) -> Any:
    """``column IN (values)`` that plans well on both dialects.

    PostgreSQL gets ``column = ANY(:array)``: one parameter whatever the count, so the
    statement text stays the same (psycopg caches and prepares it) and PostgreSQL hashes the
    array (see the plan-cache note in ``db/engine.py``).
    """
    if is_postgres(session):
        from sqlalchemy import any_, bindparam
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(list(values))
