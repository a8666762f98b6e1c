"""Sources and their write keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kizuna.clock import Clock
from kizuna.ids import hash_secret, new_secret
from kizuna.ingest.contracts import IssuedSource, Source
from kizuna.ingest.errors import WriteKeyInvalid
from kizuna.ingest.tables import SourceRow
from kizuna.types import SourceId, WorkspaceId


def _to_source(row: SourceRow) -> Source:
    return Source(
        id=SourceId(row.id),
        workspace_id=WorkspaceId(row.workspace_id),
        name=row.name,
        kind=row.kind,
        write_key_prefix=row.write_key_prefix,
        created_at=row.created_at,
    )


def create_source(
    session: Session,
    *,
    workspace_id: WorkspaceId,
    name: str,
    clock: Clock,
    kind: str = "http",
    write_key: str | None = None,
) -> IssuedSource:
    """Create a source. ``write_key`` may be given (demo, tests); otherwise one is generated."""
    key = write_key or new_secret("wk")
    row = SourceRow(
        workspace_id=workspace_id,
        name=name,
        kind=kind,
        write_key_hash=hash_secret(key),
        write_key_prefix=key[:8],
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    return IssuedSource(source=_to_source(row), write_key=key)


def find_source_by_write_key(session: Session, write_key: str) -> Source | None:
    row = session.scalar(
        select(SourceRow).where(SourceRow.write_key_hash == hash_secret(write_key))
    )
    if row is None or row.disabled_at is not None:
        return None
    return _to_source(row)


def authenticate_write_key(session: Session, write_key: str) -> Source:
    source = find_source_by_write_key(session, write_key)
    if source is None:
        raise WriteKeyInvalid()
    return source


def find_source_by_name(
    session: Session, workspace_id: WorkspaceId, name: str
) -> Source | None:
    row = session.scalar(
        select(SourceRow).where(SourceRow.workspace_id == workspace_id, SourceRow.name == name)
    )
    return _to_source(row) if row else None


def list_sources(session: Session, workspace_id: WorkspaceId) -> list[Source]:
    rows = session.scalars(
        select(SourceRow).where(SourceRow.workspace_id == workspace_id).order_by(SourceRow.id)
    )
    return [_to_source(r) for r in rows]
