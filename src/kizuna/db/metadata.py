"""The declarative base every domain's ``tables.py`` maps onto, with stable constraint names."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from kizuna.clock import as_utc

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT primary keys on PostgreSQL, INTEGER (rowid alias, auto-increment) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")
JsonDoc = JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out, on every dialect."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Timezone aware datetime is required")
        return as_utc(value) if dialect.name != "sqlite" else as_utc(value).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def import_all_tables() -> MetaData:
    """Import every domain's tables so ``Base.metadata`` is complete (Alembic, tests)."""
    from kizuna.auth import tables as _auth  # noqa: F401
    from kizuna.broadcasts import tables as _broadcasts  # noqa: F401
    from kizuna.bulk_import import tables as _bulk_import  # noqa: F401
    from kizuna.commerce import tables as _commerce  # noqa: F401
    from kizuna.experiments import tables as _experiments  # noqa: F401
    from kizuna.feedback import tables as _feedback  # noqa: F401
    from kizuna.ideas import tables as _ideas  # noqa: F401
    from kizuna.ingest import feed_tables as _ingest_feed  # noqa: F401
    from kizuna.ingest import tables as _ingest  # noqa: F401
    from kizuna.jobs import tables as _jobs  # noqa: F401
    from kizuna.journeys import tables as _journeys  # noqa: F401
    from kizuna.loyalty import tables as _loyalty  # noqa: F401
    from kizuna.messaging import inbox_tables as _messaging_inbox  # noqa: F401
    from kizuna.messaging import policy_tables as _messaging_policy  # noqa: F401
    from kizuna.profiles import tables as _profiles  # noqa: F401
    from kizuna.recommend import tables as _recommend  # noqa: F401
    from kizuna.reviews import tables as _reviews  # noqa: F401
    from kizuna.segments import live_tables as _segments_live  # noqa: F401
    from kizuna.segments import score_tables as _segment_scores  # noqa: F401
    from kizuna.segments import tables as _segments  # noqa: F401
    from kizuna.surveys import tables as _surveys  # noqa: F401
    from kizuna.workspaces import tables as _workspaces  # noqa: F401

    return Base.metadata
