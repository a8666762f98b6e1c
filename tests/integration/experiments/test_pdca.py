"""PDCA records on SQLite and PostgreSQL: create, update, list with paging, get."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from kizuna.experiments import api as experiments
from kizuna.experiments.contracts import Observation, PdcaInput, PdcaStatus
from kizuna.experiments.errors import PdcaRecordNotFound
from kizuna.workspaces.contracts import Workspace

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def test_create_update_list_get(session: Session, workspace: Workspace) -> None:
    obs = [Observation(arm="holdout" if i % 2 else "a", converted=i % 5 == 0,
                       revenue=float(i % 9), pre_spend=float(i % 11)) for i in range(300)]
    snapshot = experiments.analyse(obs).as_dict()
    ids = []
    for i in range(5):
        rec = experiments.create_record(
            session, workspace.id,
            PdcaInput(title=f"Test {i}", hypothesis="A coupon brings lapsed fans back",
                      action_kind="broadcast", experiment_key=f"exp-{i}"),
            created_by="mika", at=T0 + timedelta(minutes=i))
        ids.append(rec.id)
    updated = experiments.update_record(
        session, workspace.id, ids[0],
        PdcaInput(title="Test 0", hypothesis="h", status=PdcaStatus.MEASURED,
                  result_summary="+2 points", result=snapshot, next_step="roll out"),
        at=T0 + timedelta(hours=1))
    assert updated.status is PdcaStatus.MEASURED and updated.result == snapshot
    kept = experiments.update_record(
        session, workspace.id, ids[0],
        PdcaInput(title="Test 0", hypothesis="h", status="closed"), at=T0 + timedelta(hours=2))
    assert kept.result == snapshot and kept.created_by == "mika"
    page = experiments.list_records(session, workspace.id, page=1, page_size=2)
    assert page.total == 5 and [r.id for r in page.items] == [ids[0], ids[4]]
    assert experiments.list_records(session, workspace.id, page=3, page_size=2).items[0].id \
        == ids[1]
    closed = experiments.list_records(session, workspace.id, status="closed")
    assert [r.id for r in closed.items] == [ids[0]]
    assert experiments.get_record(session, workspace.id, ids[2]).experiment_key == "exp-2"
    with pytest.raises(PdcaRecordNotFound):
        experiments.get_record(session, workspace.id, 999_999)
