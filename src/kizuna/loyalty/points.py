"""Ledger operations: credit, expire and debit a member's points (used by ``api`` and ``run``).

Debits take the member's lock, expire what is due, then read the balance; so concurrent
debits of one balance are serialised and none can take it below zero.
"""

from __future__ import annotations

import calendar
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from sqlalchemy.orm import Session

from kizuna.loyalty import store
from kizuna.loyalty.contracts import EntryKind
from kizuna.loyalty.errors import InsufficientPoints
from kizuna.loyalty.ledger import replay
from kizuna.types import CustomerId, WorkspaceId


def add_months(at: datetime, months: int) -> datetime:
    """The same instant ``months`` later (the 31st becomes the month's last day)."""
    index = at.month - 1 + months
    year, month = at.year + index // 12, index % 12 + 1
    day = min(at.day, calendar.monthrange(year, month)[1])
    return at.replace(year=year, month=month, day=day)


def points_for(amount: Decimal, points_per_unit: Decimal, multiplier: Decimal) -> int:
    """floor(amount × points per unit × multiplier); never negative."""
    value = (amount * points_per_unit * multiplier).to_integral_value(rounding=ROUND_FLOOR)
    return max(0, int(value))


def credit(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId, *,
           kind: EntryKind, points: int, source_key: str, now: datetime,
           occurred_at: datetime | None = None, expiry_months: int | None = None,
           reason: str = "", details: dict[str, Any] | None = None,
           qualifying_amount: Decimal | None = None) -> int | None:
    """Append a credit (``points`` ≥ 0); the new entry id, or None for a replayed source."""
    occurred = occurred_at or now
    return store.insert_entry(session, {
        "workspace_id": workspace_id, "customer_id": customer_id, "kind": kind.value,
        "points": points, "source_key": source_key, "reason": reason[:200],
        "details": details or {}, "qualifying_amount": qualifying_amount,
        "occurred_at": occurred, "created_at": now,
        "expires_at": add_months(occurred, expiry_months)
        if expiry_months and points > 0 else None,
    })


def expire_due(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId,
               now: datetime) -> tuple[int, int]:
    """Close every lot past its date (caller holds the lock): (entries, points) expired."""
    if not store.has_lapsed_credit(session, workspace_id, customer_id, now):
        return 0, 0
    state = replay(store.movements(session, workspace_id, customer_id))
    entries = points = 0
    for lot in state.due(now):
        assert lot.expires_at is not None
        made = store.insert_entry(session, {
            "workspace_id": workspace_id, "customer_id": customer_id,
            "kind": EntryKind.EXPIRE.value, "points": -lot.remaining,
            "source_key": f"expire:{lot.entry_id}", "reason": "Points expired",
            "details": {"lot": lot.entry_id}, "occurred_at": lot.expires_at,
            "created_at": now,
        })
        if made is not None:
            entries += 1
            points += lot.remaining
    return entries, points


def debit(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId, *,
          kind: EntryKind, points: int, source_key: str, now: datetime, capped: bool,
          reason: str = "", details: dict[str, Any] | None = None,
          occurred_at: datetime | None = None, locked: bool = False) -> tuple[int | None, int]:
    """Take ``points`` (> 0) under the member's lock: (entry id or None if replayed, taken).

    ``capped`` takes at most the balance (reversals: the shortfall goes to ``details``
    as ``unrecovered``); otherwise a balance that does not cover it raises
    ``InsufficientPoints``. ``locked``: the caller holds the lock and checked the key.
    """
    if not locked:
        store.lock_member(session, workspace_id, customer_id)
        if store.entry_by_key(session, workspace_id, source_key) is not None:
            return None, 0
    expire_due(session, workspace_id, customer_id, now)
    available = store.balance(session, workspace_id, customer_id)
    take = min(points, max(available, 0))
    if take < points and not capped:
        raise InsufficientPoints(
            f"The balance is {available} points; this needs {points}.",
            balance=available, needed=points)
    info = dict(details or {})
    if capped:
        info.update(wanted=points, unrecovered=points - take)
    made = store.insert_entry(session, {
        "workspace_id": workspace_id, "customer_id": customer_id, "kind": kind.value,
        "points": -take, "source_key": source_key, "reason": reason[:200], "details": info,
        "occurred_at": occurred_at or now, "created_at": now,
    })
    return made, take if made is not None else 0
