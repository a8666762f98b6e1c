"""Facade of the experiments domain: assignment, uplift statistics and PDCA records.

Journeys and broadcasts call :func:`assign` for every recipient (holdout on by default) and
:func:`analyse` on what the recipients did; the team records what it tried and learnt as
PDCA records (Plan: hypothesis → Do: action → Check: measured result → Act: next step).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from kizuna.clock import ensure_aware_utc
from kizuna.experiments import logic, stats, store
from kizuna.experiments.assignment import DEFAULT_HOLDOUT_PCT, check_arms
from kizuna.experiments.assignment import assign as _assign
from kizuna.experiments.contracts import (
    GLOBAL_CONTROL,
    HOLDOUT,
    ActionKind,
    Arm,
    ExperimentReport,
    Observation,
    Page,
    PdcaInput,
    PdcaRecord,
    PdcaStatus,
)
from kizuna.experiments.csvdata import parse_csv
from kizuna.experiments.errors import PdcaRecordInvalid, PdcaRecordNotFound
from kizuna.experiments.outcomes import Entry, observe, still_open
from kizuna.experiments.tables import PdcaRecordRow
from kizuna.types import WorkspaceId

__all__ = [
    "DEFAULT_HOLDOUT_PCT",
    "GLOBAL_CONTROL",
    "HOLDOUT",
    "Arm",
    "Entry",
    "ExperimentReport",
    "Observation",
    "analyse",
    "assign",
    "check_arms",
    "create_record",
    "get_record",
    "list_records",
    "observe",
    "parse_csv",
    "still_open",
    "update_record",
    "workspace_salt",
]

MIN_N = stats.MIN_N
MIN_CONVERSIONS = stats.MIN_CONVERSIONS


def workspace_salt(workspace_id: WorkspaceId) -> str:
    """The salt journeys and broadcasts pass to :func:`assign`: one per workspace, so the
    global control group is the same set of customers in every experiment of the workspace."""
    return f"kizuna-experiments:{int(workspace_id)}"


def assign(
    experiment_key: str, customer_key: str, arms: Sequence[Arm], *,
    holdout_pct: float = DEFAULT_HOLDOUT_PCT, global_control_pct: float = 0.0, salt: str,
) -> str:
    """The arm for this customer (stable by hash); see :mod:`kizuna.experiments.assignment`."""
    return _assign(experiment_key, customer_key, arms, holdout_pct=holdout_pct,
                   global_control_pct=global_control_pct, salt=salt)


def analyse(
    observations: Iterable[Observation], *, control: str = HOLDOUT, alpha: float = stats.ALPHA,
    min_n: int = MIN_N, min_conversions: int = MIN_CONVERSIONS,
) -> ExperimentReport:
    """Conversion rate and revenue per recipient per arm; uplift of every arm over
    ``control`` with fixed-horizon, CUPED and always-valid intervals and p-values."""
    return logic.analyse(observations, control=control, alpha=alpha, min_n=min_n,
                         min_conversions=min_conversions)


def create_record(
    session: Session, workspace_id: WorkspaceId, item: PdcaInput, *, created_by: str,
    at: datetime,
) -> PdcaRecord:
    """Store a new PDCA record; raises :class:`PdcaRecordInvalid` naming the bad field."""
    at = ensure_aware_utc(at)
    clean = logic.clean_record(item)
    row = PdcaRecordRow(
        workspace_id=workspace_id, title=clean.title, hypothesis=clean.hypothesis,
        action_kind=ActionKind(clean.action_kind).value, action_ref=clean.action_ref,
        experiment_key=clean.experiment_key, status=PdcaStatus(clean.status).value,
        result_summary=clean.result_summary, result=clean.result, next_step=clean.next_step,
        created_by=(created_by or "unknown")[:200], created_at=at, updated_at=at)
    session.add(row)
    session.flush()
    return store.to_record(row)


def update_record(
    session: Session, workspace_id: WorkspaceId, record_id: int, item: PdcaInput, *,
    at: datetime, keep_result: bool = True,
) -> PdcaRecord:
    """Replace the record's fields. With ``keep_result`` a ``None`` result keeps the stored
    snapshot (forms that do not carry it)."""
    at = ensure_aware_utc(at)
    clean = logic.clean_record(item)
    row = store.find_row(session, workspace_id, record_id)
    if row is None:
        raise PdcaRecordNotFound(f"PDCA record {record_id} does not exist.",
                                 record_id=record_id)
    row.title, row.hypothesis = clean.title, clean.hypothesis
    row.action_kind = ActionKind(clean.action_kind).value
    row.action_ref, row.experiment_key = clean.action_ref, clean.experiment_key
    row.status = PdcaStatus(clean.status).value
    row.result_summary, row.next_step = clean.result_summary, clean.next_step
    if clean.result is not None or not keep_result:
        row.result = clean.result
    row.updated_at = at
    session.flush()
    return store.to_record(row)


def get_record(session: Session, workspace_id: WorkspaceId, record_id: int) -> PdcaRecord:
    row = store.find_row(session, workspace_id, record_id)
    if row is None:
        raise PdcaRecordNotFound(f"PDCA record {record_id} does not exist.",
                                 record_id=record_id)
    return store.to_record(row)


def list_records(
    session: Session, workspace_id: WorkspaceId, *, status: PdcaStatus | str | None = None,
    page: int = 1, page_size: int = 50,
) -> Page[PdcaRecord]:
    """A page of PDCA records, most recently updated first."""
    page, page_size = max(1, page), min(max(1, page_size), 200)
    wanted: PdcaStatus | None = None
    if status:
        try:
            wanted = PdcaStatus(status)
        except ValueError:
            raise PdcaRecordInvalid(f"{status!r} is not a status.", field="status") from None
    items, total = store.list_records(session, workspace_id, status=wanted, page=page,
                                      page_size=page_size)
    return Page(items=items, total=total, page=page, page_size=page_size)
