"""The suppression list: addresses (or customers) a channel must never send to.

An entry names a channel and either a normalised address (e-mail lower-cased and trimmed) or
a customer (``address`` empty). Hard bounces and complaints come from the channels, ``manual``
from staff, ``unsubscribed`` from unsubscribe links. Suppressing twice keeps one entry.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from kizuna.messaging.contracts import Suppression
from kizuna.messaging.errors import SendPolicyInvalid
from kizuna.messaging.policy_tables import SuppressionRow
from kizuna.types import CustomerId, WorkspaceId

REASONS = ("hard_bounce", "complaint", "manual", "unsubscribed")


def normalise_address(channel: str, address: str | None) -> str:
    """E-mail addresses compare case-insensitively; other addresses are trimmed."""
    value = (address or "").strip()
    return value.lower() if channel == "email" else value


def _to_suppression(row: SuppressionRow) -> Suppression:
    return Suppression(id=row.id, channel=row.channel, address=row.address,
                       customer_id=row.customer_id, reason=row.reason,
                       created_at=row.created_at)


def suppress(
    session: Session,
    workspace_id: WorkspaceId,
    *,
    channel: str,
    address: str | None,
    reason: str,
    now: datetime,
    customer_id: CustomerId | int | None = None,
) -> Suppression:
    """Add an entry (or return the existing one for the same channel, address, customer)."""
    if reason not in REASONS:
        raise SendPolicyInvalid(f"Suppression reason must be one of {', '.join(REASONS)}, "
                                f"not {reason!r}.", field="reason")
    normalised = normalise_address(channel, address)
    if not normalised and customer_id is None:
        raise SendPolicyInvalid("Give an address or a customer to suppress.", field="address")
    existing = session.scalars(select(SuppressionRow).where(
        SuppressionRow.workspace_id == workspace_id, SuppressionRow.channel == channel,
        SuppressionRow.address == normalised,
        SuppressionRow.customer_id.is_(None) if customer_id is None
        else SuppressionRow.customer_id == customer_id,
    ).order_by(SuppressionRow.id).limit(1)).first()
    if existing is not None:
        if reason == "hard_bounce" and existing.reason != "hard_bounce":
            existing.reason = reason  # a hard bounce also stops transactional mail
            session.flush()
        return _to_suppression(existing)
    row = SuppressionRow(workspace_id=workspace_id, channel=channel, address=normalised,
                         customer_id=customer_id, reason=reason, created_at=now)
    session.add(row)
    session.flush()
    return _to_suppression(row)


def unsuppress(
    session: Session,
    workspace_id: WorkspaceId,
    *,
    channel: str,
    address: str | None = None,
    customer_id: CustomerId | int | None = None,
) -> int:
    """Remove the entries for this address and/or customer on ``channel``; how many went."""
    normalised = normalise_address(channel, address)
    conditions = []
    if normalised:
        conditions.append(SuppressionRow.address == normalised)
    if customer_id is not None:
        conditions.append(SuppressionRow.customer_id == customer_id)
    if not conditions:
        return 0
    result = session.execute(delete(SuppressionRow).where(
        SuppressionRow.workspace_id == workspace_id, SuppressionRow.channel == channel,
        or_(*conditions)))
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def matching(
    session: Session,
    workspace_id: WorkspaceId,
    *,
    channel: str,
    address: str | None = None,
    customer_id: CustomerId | int | None = None,
) -> list[Suppression]:
    """Entries that stop a send to this address or customer on ``channel``."""
    normalised = normalise_address(channel, address)
    conditions = []
    if normalised:
        conditions.append(SuppressionRow.address == normalised)
    if customer_id is not None:
        conditions.append(SuppressionRow.customer_id == customer_id)
    if not conditions:
        return []
    rows = session.scalars(select(SuppressionRow).where(
        SuppressionRow.workspace_id == workspace_id, SuppressionRow.channel == channel,
        or_(*conditions)).order_by(SuppressionRow.id))
    return [_to_suppression(r) for r in rows]


def is_suppressed(
    session: Session,
    workspace_id: WorkspaceId,
    *,
    channel: str,
    address: str | None = None,
    customer_id: CustomerId | int | None = None,
) -> bool:
    return bool(matching(session, workspace_id, channel=channel, address=address,
                         customer_id=customer_id))


def list_suppressions(
    session: Session,
    workspace_id: WorkspaceId,
    *,
    channel: str | None = None,
    limit: int = 50,
    after_id: int = 0,
) -> list[Suppression]:
    """A page of entries, oldest first; pass the last ``id`` as ``after_id`` for the next."""
    query = select(SuppressionRow).where(SuppressionRow.workspace_id == workspace_id,
                                         SuppressionRow.id > after_id)
    if channel is not None:
        query = query.where(SuppressionRow.channel == channel)
    rows = session.scalars(query.order_by(SuppressionRow.id).limit(max(1, min(limit, 500))))
    return [_to_suppression(r) for r in rows]
