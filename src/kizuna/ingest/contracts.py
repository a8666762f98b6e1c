from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
