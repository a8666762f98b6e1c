from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kizuna.types import UserId, WorkspaceId


class Role(StrEnum):
    """Dashboard roles. admin ⊃ marketer ⊃ viewer."""

    ADMIN = "admin"
    MARKETER = "marketer"
    VIEWER = "viewer"


class Scope(StrEnum):
    """API key scopes. ``write`` may only ingest; ``read`` may read; ``admin`` may do all."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


ROLE_RANK = {Role.VIEWER: 0, Role.MARKETER: 1, Role.ADMIN: 2}


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    id: UserId
    workspace_id: WorkspaceId
    email: str
    role: Role
    locale: str | None
    created_at: datetime

    def has_role(self, needed: Role) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[needed]


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiKey:
    id: int
    workspace_id: WorkspaceId
    name: str
    prefix: str
    scope: Scope
    created_at: datetime

    def allows(self, needed: Scope) -> bool:
        if self.scope is Scope.ADMIN:
            return True
        return self.scope is needed


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedApiKey:
    """An API key as created: ``key`` is shown this once and never stored."""

    api_key: ApiKey
    key: str
