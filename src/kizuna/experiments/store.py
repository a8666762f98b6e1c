"""SQL of the experiments domain. Returns contracts, never ORM rows; workspace-scoped."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kizuna.experiments.contracts import ActionKind, PdcaRecord, PdcaStatus
from kizuna.experiments.tables import PdcaRecordRow
from kizuna.types import WorkspaceId


def to_record(row: PdcaRecordRow) -> PdcaRecord:
    return PdcaRecord(
        id=row.id, workspace_id=WorkspaceId(row.workspace_id), title=row.title,
        hypothesis=row.hypothesis, action_kind=ActionKind(row.action_kind),
        action_ref=row.action_ref, experiment_key=row.experiment_key,
        status=PdcaStatus(row.status), result_summary=row.result_summary, result=row.result,
        next_step=row.next_step, created_by=row.created_by, created_at=row.created_at,
        updated_at=row.updated_at)


def find_row(session: Session, workspace_id: WorkspaceId, record_id: int) -> PdcaRecordRow | None:
    return session.scalars(select(PdcaRecordRow).where(
        PdcaRecordRow.workspace_id == workspace_id, PdcaRecordRow.id == record_id)).first()


def list_records(
    session: Session, workspace_id: WorkspaceId, *, status: PdcaStatus | None, page: int,
    page_size: int,
) -> tuple[list[PdcaRecord], int]:
    where = [PdcaRecordRow.workspace_id == workspace_id]
    if status is not None:
        where.append(PdcaRecordRow.status == status.value)
    total = session.scalar(select(func.count()).select_from(PdcaRecordRow).where(*where)) or 0
    rows = session.scalars(
        select(PdcaRecordRow).where(*where)
        .order_by(PdcaRecordRow.updated_at.desc(), PdcaRecordRow.id.desc())
        .offset((page - 1) * page_size).limit(page_size))
    return [to_record(r) for r in rows], int(total)
