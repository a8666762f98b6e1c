"""Alembic environment: the engine comes from kizuna (``config.attributes['engine']``)."""

from __future__ import annotations

from alembic import context

from kizuna.db.metadata import import_all_tables

target_metadata = import_all_tables()
engine = context.config.attributes.get("engine")
if engine is None:  # `alembic` run by hand: build from settings
    from kizuna.db.engine import make_engine
    from kizuna.settings import load_settings

    engine = make_engine(load_settings().database_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
