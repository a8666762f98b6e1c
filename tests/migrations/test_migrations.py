"""Alembic's head matches the models, on both dialects."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from kizuna.db.metadata import import_all_tables
from kizuna.runtime import Runtime


def test_migrations_match_models(runtime: Runtime) -> None:
    metadata = import_all_tables()
    with runtime.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == []
