"""The ``import_runs`` record of each run."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from kizuna.bulk_import.tables import ImportRunRow
from kizuna.types import WorkspaceId


def create_run(
    session: Session, workspace_id: WorkspaceId, *, kind: str, file_name: str, at: datetime
) -> int:
    row = ImportRunRow(
        workspace_id=workspace_id, kind=kind, file_name=file_name[-1000:], file_sha256="",
        started_at=at,
    )
    session.add(row)
    session.flush()
    return int(row.id)


def finish_run(
    session: Session,
    workspace_id: WorkspaceId,
    run_id: int,
    *,
    file_sha256: str,
    rows_read: int,
    rows_written: int,
    rows_skipped: int,
    rows_rejected: int,
    at: datetime,
) -> None:
    session.execute(
        update(ImportRunRow)
        .where(ImportRunRow.workspace_id == workspace_id, ImportRunRow.id == run_id)
        .values(
            file_sha256=file_sha256, rows_read=rows_read, rows_written=rows_written,
            rows_skipped=rows_skipped, rows_rejected=rows_rejected, finished_at=at,
        )
    )
