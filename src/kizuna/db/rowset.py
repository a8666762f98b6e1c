"""Many rows of parameters as a table in ONE statement, cheap to compile on both dialects.

A multi-row ``VALUES`` list costs SQLAlchemy a bind parameter per value to compile (seconds
for tens of thousands), and its text differs for every row count. :func:`rowset` instead
binds one parameter per column on PostgreSQL (``unnest(array, array, …) AS name(cols)``)
and ONE JSON text on SQLite (``json_each``), so the statement text is the same whatever the
number of rows and SQLAlchemy compiles it once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Float, String, bindparam, column, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import FromClause
from sqlalchemy.types import TypeEngine

from kizuna.db.bulk import sqlite_datetime
from kizuna.db.dialect import is_postgres

KINDS: dict[str, TypeEngine[Any]] = {"int": BigInteger(), "float": Float(), "text": String(),
         "time": DateTime(timezone=True)}


def rowset(session: Session, name: str, columns: Sequence[tuple[str, str]],
           rows: Sequence[Sequence[Any]]) -> FromClause:
    """A FROM-able ``name`` with ``columns`` ((name, kind) with kind int, float, text or
    time — aware datetimes) holding ``rows``. Compare its time columns only with UTC
    timestamp columns of the same database (SQLite: kizuna's stored text form)."""
    if is_postgres(session):
        from sqlalchemy.dialects.postgresql import ARRAY

        arrays: list[Any] = [
            bindparam(f"{name}_{col}", [r[i] for r in rows], type_=ARRAY(KINDS[kind]))
            for i, (col, kind) in enumerate(columns)]
        return func.unnest(*arrays).table_valued(
            *[column(col, KINDS[kind]) for col, kind in columns]).render_derived(name=name)
    times = [i for i, (_c, kind) in enumerate(columns) if kind == "time"]
    doc = []
    for row in rows:
        values = list(row)
        for i in times:
            value = values[i]
            values[i] = sqlite_datetime(value) if isinstance(value, datetime) else value
        doc.append(values)
    each = func.json_each(bindparam(f"{name}_doc", json.dumps(doc), type_=String())
                          ).table_valued("value")
    return select(*[func.json_extract(each.c.value, f"$[{i}]").label(col)
                    for i, (col, _kind) in enumerate(columns)]).subquery(name)
