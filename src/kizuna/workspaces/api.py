"""Workspaces (tenants). A fresh install has one, ``default``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kizuna.clock import Clock
from kizuna.types import WorkspaceId
from kizuna.workspaces.contracts import Workspace
from kizuna.workspaces.tables import WorkspaceRow

DEFAULT_SLUG = "default"


def _to_workspace(row: WorkspaceRow) -> Workspace:
    return Workspace(
        id=WorkspaceId(row.id),
        slug=row.slug,
        name=row.name,
        timezone=row.timezone,
        currency=row.currency,
        created_at=row.created_at,
    )


def ensure_default_workspace(
    session: Session, clock: Clock, *, name: str = "My business", timezone: str = "Asia/Tokyo"
) -> Workspace:
    """Return the default workspace, creating it on first use."""
    row = session.scalar(select(WorkspaceRow).where(WorkspaceRow.slug == DEFAULT_SLUG))
    if row is None:
        row = WorkspaceRow(
            slug=DEFAULT_SLUG,
            name=name,
            timezone=timezone,
            currency="JPY",
            created_at=clock.now(),
        )
        session.add(row)
        session.flush()
    return _to_workspace(row)


def get_workspace(session: Session, workspace_id: WorkspaceId) -> Workspace:
    row = session.get(WorkspaceRow, workspace_id)
    if row is None:
        from kizuna.errors import NotFound

        raise NotFound(f"Workspace {workspace_id} does not exist.", workspace_id=workspace_id)
    return _to_workspace(row)


def list_workspaces(session: Session) -> list[Workspace]:
    """Every workspace, oldest first (background loops visit each one)."""
    return [_to_workspace(row) for row in session.scalars(
        select(WorkspaceRow).order_by(WorkspaceRow.id))]
