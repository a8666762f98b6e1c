"""Named SQL: one query per ``.sql`` file, parameters bound by name (``$name``), never
interpolated. The header comment of each file says what it computes and its parameters."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources
from typing import Any

import duckdb

from kizuna.analytics.errors import QueryNotFound


@functools.cache
def sql(package: str, name: str) -> str:
    """The text of ``<package>/queries/<name>.sql``."""
    try:
        return (resources.files(package) / "queries" / f"{name}.sql").read_text("utf-8")
    except FileNotFoundError as exc:
        raise QueryNotFound(f"No query {name!r} in {package}.queries.", name=name) from exc


def _used(text: str, params: Mapping[str, Any]) -> dict[str, Any]:
    # DuckDB refuses named parameters that the statement does not use.
    return {k: v for k, v in params.items() if f"${k}" in text}


def execute(
    con: duckdb.DuckDBPyConnection, text: str, params: Mapping[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    return con.execute(text, _used(text, params or {}))


def rows(
    con: duckdb.DuckDBPyConnection, package: str, name: str, **params: Any
) -> list[dict[str, Any]]:
    """Run a named query and return its rows as dictionaries."""
    cur = execute(con, sql(package, name), params)
    columns = [d[0] for d in cur.description or ()]
    return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]


def one(con: duckdb.DuckDBPyConnection, package: str, name: str, **params: Any) -> dict[str, Any]:
    """Run a named query that returns exactly one row."""
    result = rows(con, package, name, **params)
    if len(result) != 1:
        raise RuntimeError(f"{package}.{name} returned {len(result)} rows, expected 1")
    return result[0]
