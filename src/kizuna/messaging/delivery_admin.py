"""Suppression list entries by id, for the admin API (the list itself is ``suppression``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kizuna.errors import NotFound
from kizuna.messaging.contracts import Suppression
from kizuna.messaging.policy_tables import SuppressionRow
from kizuna.types import WorkspaceId


class SuppressionNotFound(NotFound):
    """No suppression entry has this id; list them with GET /v1/suppressions."""

    code = "suppression-not-found"


def get_suppression(session: Session, workspace_id: WorkspaceId,
                    suppression_id: int) -> Suppression:
    row = session.get(SuppressionRow, suppression_id)
    if row is None or row.workspace_id != workspace_id:
        raise SuppressionNotFound(suppression_id=suppression_id)
    return Suppression(id=row.id, channel=row.channel, address=row.address,
                       customer_id=row.customer_id, reason=row.reason,
                       created_at=row.created_at)


def remove_suppression(session: Session, workspace_id: WorkspaceId,
                       suppression_id: int) -> Suppression:
    """Delete one entry (the address or customer may receive on the channel again)."""
    entry = get_suppression(session, workspace_id, suppression_id)
    row = session.get(SuppressionRow, suppression_id)
    session.delete(row)
    session.flush()
    return entry
