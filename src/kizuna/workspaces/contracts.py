from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kizuna.types import WorkspaceId


@dataclass(frozen=True, slots=True, kw_only=True)
class Workspace:
    id: WorkspaceId
    slug: str
    name: str
    timezone: str
    currency: str
    created_at: datetime
