"""Facade of the ingest domain: sources, and (see ``logic``) Segment-spec messages."""

from __future__ import annotations

from kizuna.ingest.domain_events import record_customer_event
from kizuna.ingest.logic import ingest_messages, store_messages, validate
from kizuna.ingest.sources import (
    authenticate_write_key,
    create_source,
    find_source_by_name,
    find_source_by_write_key,
    list_sources,
)
from kizuna.ingest.timeline import list_timeline

__all__ = [
    "authenticate_write_key",
    "create_source",
    "find_source_by_name",
    "find_source_by_write_key",
    "ingest_messages",
    "list_sources",
    "list_timeline",
    "record_customer_event",
    "store_messages",
    "validate",
]
