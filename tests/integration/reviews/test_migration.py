"""Migration 0004 creates exactly what ``reviews.tables`` describes (the whole-schema check in
tests/migrations also covers it; this one passes while other domains are half-migrated)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from kizuna.db.metadata import import_all_tables
from kizuna.runtime import Runtime

OURS = ("'reviews'", "'review_links'", "reviews_", "review_links_")


def test_reviews_tables_match_the_migration(runtime: Runtime) -> None:
    metadata = import_all_tables()
    with runtime.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    ours = [d for d in diff if any(name in repr(d) for name in OURS)]
    assert ours == []
