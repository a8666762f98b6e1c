from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kizuna.profiles.contracts import TimelineEntry
from kizuna.types import SourceId, WorkspaceId


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    id: SourceId
    workspace_id: WorkspaceId
    name: str
    kind: str
    write_key_prefix: str
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedSource:
    """A source as created: ``write_key`` is shown this once and stored only hashed."""

    source: Source
    write_key: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """One validated Segment-spec message, ready to store.

    ``timestamp`` is corrected for client clock skew; ``original_timestamp`` is the client's
    own time as it was sent; ``received_at`` is stamped by the server.
    """

    type: str  # track | identify | page | screen | group | alias
    message_id: str
    user_id: str | None
    anonymous_id: str | None
    timestamp: datetime
    received_at: datetime
    original_timestamp: datetime | None = None
    sent_at: datetime | None = None
    event: str | None = None
    name: str | None = None
    category: str | None = None
    previous_id: str | None = None
    group_id: str | None = None
    properties: dict[str, Any] | None = None
    traits: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    integrations: dict[str, Any] | None = None
    channel: str | None = None
    version: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldError:
    """One problem with one message: ``index`` in the batch, the JSON ``field``, a message."""

    index: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "message": self.message}


@dataclass(frozen=True, slots=True, kw_only=True)
class IngestOutcome:
    accepted: int  # newly stored events
    duplicates: int  # messages whose (source, messageId) was already stored


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelinePage:
    """A page of a customer's timeline, newest first; pass ``next_cursor`` to continue."""

    entries: list[TimelineEntry]
    next_cursor: str | None
