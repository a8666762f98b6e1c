"""Translate database driver errors into kizuna errors, once, at the storage edge."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy.exc

from kizuna.errors import StorageUnavailable, UniqueViolation

_CONSTRAINT = re.compile(r'constraint "([^"]+)"|UNIQUE constraint failed: ([\w., ]+)')


def _constraint_name(exc: sqlalchemy.exc.IntegrityError) -> str:
    match = _CONSTRAINT.search(str(exc.orig))
    if not match:
        return "unknown"
    return match.group(1) or match.group(2)


@contextmanager
def translate_db_errors() -> Iterator[None]:
    try:
        yield
    except sqlalchemy.exc.IntegrityError as exc:
        if "unique" in str(exc.orig).lower() or "duplicate" in str(exc.orig).lower():
            raise UniqueViolation(constraint=_constraint_name(exc)) from exc
        raise
    except sqlalchemy.exc.OperationalError as exc:
        if "locked" in str(exc.orig).lower():
            raise StorageUnavailable(
                "The SQLite database stayed locked for 30 s; another process holds a long "
                "write. Retry, or move to PostgreSQL for concurrent writers."
            ) from exc
        raise StorageUnavailable(str(exc.orig).strip()) from exc
