"""Storage of the loyalty domain; returns contracts (or plain values), never rows, to ``api``.

Every write that can lower a balance runs under the member's lock (``lock_member``): an
advisory transaction lock on PostgreSQL; SQLite needs nothing, since every write transaction
there is ``BEGIN IMMEDIATE`` (see ``db/engine.py``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select, text, update
from sqlalchemy import insert as sa_insert
from sqlalchemy.orm import Session

from kizuna.clock import as_utc
from kizuna.db.dialect import in_values, insert, is_postgres
from kizuna.loyalty.contracts import (
    EntryKind,
    LedgerEntry,
    Member,
    Reward,
    TierChange,
)
from kizuna.loyalty.ledger import Movement
from kizuna.loyalty.tables import (
    LoyaltyBadgeRow,
    LoyaltyEntryRow,
    LoyaltyMemberRow,
    LoyaltyProgramRow,
    LoyaltyRedemptionRow,
    LoyaltyRewardRow,
    LoyaltyTierChangeRow,
)
from kizuna.types import CustomerId, WorkspaceId

entries_t: Table = LoyaltyEntryRow.__table__  # type: ignore[assignment]
CHUNK = 1000


def lock_member(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId) -> None:
    """Serialise every balance change of one customer until the transaction ends."""
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                        {"k": f"loyalty:{workspace_id}:{customer_id}"})


def program_row(session: Session, workspace_id: WorkspaceId) -> LoyaltyProgramRow | None:
    return session.get(LoyaltyProgramRow, workspace_id)


# --- members --------------------------------------------------------------------------------


def to_member(row: LoyaltyMemberRow) -> Member:
    return Member(workspace_id=WorkspaceId(row.workspace_id),
                  customer_id=CustomerId(row.customer_id), status=row.status,
                  channel=row.channel, joined_at=as_utc(row.joined_at),
                  left_at=as_utc(row.left_at) if row.left_at else None, tier=row.tier,
                  tier_since=as_utc(row.tier_since) if row.tier_since else None)


def member_row(
    session: Session, workspace_id: WorkspaceId, customer_id: CustomerId
) -> LoyaltyMemberRow | None:
    """The customer's membership: the active one joined first (a merge may leave two)."""
    return session.scalar(
        select(LoyaltyMemberRow)
        .where(LoyaltyMemberRow.workspace_id == workspace_id,
               LoyaltyMemberRow.customer_id == customer_id)
        .order_by((LoyaltyMemberRow.status == "active").desc(), LoyaltyMemberRow.joined_at,
                  LoyaltyMemberRow.id)
        .limit(1)
    )


def active_members(
    session: Session, workspace_id: WorkspaceId, customer_ids: Collection[int]
) -> dict[int, LoyaltyMemberRow]:
    """Active memberships of these customers (the earliest joined, if a merge left two)."""
    found: dict[int, LoyaltyMemberRow] = {}
    wanted = sorted(set(customer_ids))
    for start in range(0, len(wanted), CHUNK):
        rows = session.scalars(
            select(LoyaltyMemberRow)
            .where(LoyaltyMemberRow.workspace_id == workspace_id,
                   LoyaltyMemberRow.status == "active",
                   in_values(session, LoyaltyMemberRow.customer_id, wanted[start:start + CHUNK]))
            .order_by(LoyaltyMemberRow.joined_at.desc(), LoyaltyMemberRow.id.desc())
        )
        for row in rows:
            found[row.customer_id] = row  # the earliest wins (rows come latest first)
    return found


def active_member_ids(session: Session, workspace_id: WorkspaceId, *, after: int,
                      limit: int) -> list[tuple[int, int]]:
    """(member row id, customer id) of active members, in id order after ``after``."""
    rows = session.execute(
        select(LoyaltyMemberRow.id, LoyaltyMemberRow.customer_id)
        .where(LoyaltyMemberRow.workspace_id == workspace_id,
               LoyaltyMemberRow.status == "active", LoyaltyMemberRow.id > after)
        .order_by(LoyaltyMemberRow.id).limit(limit))
    return [(int(i), int(c)) for i, c in rows]


def list_member_customers(session: Session, workspace_id: WorkspaceId, *, page: int,
                          page_size: int, tier: str | None) -> tuple[list[int], int]:
    """Customers with an active membership (once each, whatever a merge left), most recently
    joined first."""
    query = (select(LoyaltyMemberRow.customer_id,
                    func.min(LoyaltyMemberRow.joined_at).label("joined"))
             .where(LoyaltyMemberRow.workspace_id == workspace_id,
                    LoyaltyMemberRow.status == "active")
             .group_by(LoyaltyMemberRow.customer_id))
    if tier is not None:
        query = query.where(LoyaltyMemberRow.tier == tier)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    found = session.execute(query.order_by(func.min(LoyaltyMemberRow.joined_at).desc(),
                                           LoyaltyMemberRow.customer_id.desc())
                            .offset((page - 1) * page_size).limit(page_size))
    return [int(c) for c, _ in found], total


# --- entries --------------------------------------------------------------------------------


def to_entry(row: LoyaltyEntryRow) -> LedgerEntry:
    return LedgerEntry(id=row.id, customer_id=CustomerId(row.customer_id),
                       kind=EntryKind(row.kind), points=row.points, source_key=row.source_key,
                       reason=row.reason, qualifying_amount=row.qualifying_amount,
                       details=dict(row.details or {}), occurred_at=as_utc(row.occurred_at),
                       expires_at=as_utc(row.expires_at) if row.expires_at else None,
                       created_at=as_utc(row.created_at))


_INSERTS: dict[str, Any] = {}


def _insert_entry_stmt(session: Session) -> Any:
    """INSERT … ON CONFLICT (workspace, source key) DO NOTHING RETURNING id, built once."""
    dialect = session.get_bind().dialect.name
    if dialect not in _INSERTS:
        _INSERTS[dialect] = (insert(session, entries_t)
                             .on_conflict_do_nothing(index_elements=["workspace_id",
                                                                     "source_key"])
                             .returning(entries_t.c.id))
    return _INSERTS[dialect]


def insert_entry(session: Session, values: dict[str, Any]) -> int | None:
    """Append an entry; None if its ``source_key`` is already in the ledger (a replay)."""
    values.setdefault("reason", "")
    values.setdefault("details", {})
    values.setdefault("qualifying_amount", None)
    values.setdefault("expires_at", None)
    found = session.execute(_insert_entry_stmt(session), values).scalar()
    return int(found) if found is not None else None


def entry_by_key(session: Session, workspace_id: WorkspaceId,
                 source_key: str) -> LoyaltyEntryRow | None:
    return session.scalar(select(LoyaltyEntryRow).where(
        LoyaltyEntryRow.workspace_id == workspace_id, LoyaltyEntryRow.source_key == source_key))


def entry(session: Session, entry_id: int) -> LedgerEntry:
    row = session.get(LoyaltyEntryRow, entry_id)
    assert row is not None
    return to_entry(row)


def existing_keys(session: Session, workspace_id: WorkspaceId,
                  keys: Collection[str]) -> set[str]:
    found: set[str] = set()
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), CHUNK):
        found.update(session.scalars(select(LoyaltyEntryRow.source_key).where(
            LoyaltyEntryRow.workspace_id == workspace_id,
            in_values(session, LoyaltyEntryRow.source_key, wanted[start:start + CHUNK]))))
    return found


def entries_by_key(session: Session, workspace_id: WorkspaceId,
                   keys: Collection[str]) -> dict[str, tuple[int, int]]:
    """source key -> (customer id, points) for the keys present."""
    found: dict[str, tuple[int, int]] = {}
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), CHUNK):
        for key, cust, pts in session.execute(
            select(LoyaltyEntryRow.source_key, LoyaltyEntryRow.customer_id,
                   LoyaltyEntryRow.points).where(
                LoyaltyEntryRow.workspace_id == workspace_id,
                in_values(session, LoyaltyEntryRow.source_key, wanted[start:start + CHUNK]))):
            found[key] = (int(cust), int(pts))
    return found


def movements(session: Session, workspace_id: WorkspaceId,
              customer_id: CustomerId) -> list[Movement]:
    rows = session.execute(
        select(LoyaltyEntryRow.id, LoyaltyEntryRow.points, LoyaltyEntryRow.expires_at,
               LoyaltyEntryRow.kind, LoyaltyEntryRow.details)
        .where(LoyaltyEntryRow.workspace_id == workspace_id,
               LoyaltyEntryRow.customer_id == customer_id)
        .order_by(LoyaltyEntryRow.id))
    return [Movement(int(i), int(p), as_utc(e) if e else None,
                     int(d["lot"]) if k == EntryKind.EXPIRE and d and "lot" in d else None)
            for i, p, e, k, d in rows]


def customers_with_lots_due(session: Session, workspace_id: WorkspaceId, *,
                            since: datetime | None, until: datetime) -> list[int]:
    """Customers with a credit whose expiry date falls in (since, until], or that was written
    after ``since`` already past its date (an old order seen late)."""
    query = (select(LoyaltyEntryRow.customer_id).distinct()
             .where(LoyaltyEntryRow.workspace_id == workspace_id,
                    LoyaltyEntryRow.points > 0,
                    LoyaltyEntryRow.expires_at.is_not(None),
                    LoyaltyEntryRow.expires_at <= until))
    if since is not None:
        query = query.where((LoyaltyEntryRow.expires_at > since)
                            | (LoyaltyEntryRow.created_at > since))
    return sorted(int(c) for c in session.scalars(query))


def has_lapsed_credit(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId,
                      now: datetime) -> bool:
    """Whether any credit of the customer has reached its expiry date (else nothing can be
    due, and the FIFO replay can be skipped)."""
    return session.scalar(
        select(LoyaltyEntryRow.id)
        .where(LoyaltyEntryRow.workspace_id == workspace_id,
               LoyaltyEntryRow.customer_id == customer_id, LoyaltyEntryRow.points > 0,
               LoyaltyEntryRow.expires_at <= now)
        .limit(1)) is not None


def balance(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId) -> int:
    return int(session.scalar(
        select(func.coalesce(func.sum(LoyaltyEntryRow.points), 0))
        .where(LoyaltyEntryRow.workspace_id == workspace_id,
               LoyaltyEntryRow.customer_id == customer_id)) or 0)


def totals(session: Session, workspace_id: WorkspaceId,
           customer_id: CustomerId) -> dict[str, int]:
    """Sum of points per entry kind."""
    rows = session.execute(
        select(LoyaltyEntryRow.kind, func.sum(LoyaltyEntryRow.points))
        .where(LoyaltyEntryRow.workspace_id == workspace_id,
               LoyaltyEntryRow.customer_id == customer_id)
        .group_by(LoyaltyEntryRow.kind))
    return {str(k): int(s or 0) for k, s in rows}


def points_earned_since(session: Session, workspace_id: WorkspaceId,
                        customer_ids: Collection[int], since: datetime) -> dict[int, int]:
    """Points earned (earn + bonus, less reversals) since ``since``, per customer."""
    found: dict[int, int] = {}
    wanted = sorted(set(customer_ids))
    for start in range(0, len(wanted), CHUNK):
        for cust, pts in session.execute(
            select(LoyaltyEntryRow.customer_id, func.sum(LoyaltyEntryRow.points))
            .where(LoyaltyEntryRow.workspace_id == workspace_id,
                   LoyaltyEntryRow.kind.in_(["earn", "bonus", "reverse"]),
                   LoyaltyEntryRow.occurred_at >= since,
                   in_values(session, LoyaltyEntryRow.customer_id, wanted[start:start + CHUNK]))
            .group_by(LoyaltyEntryRow.customer_id)):
            found[int(cust)] = int(pts or 0)
    return found


def count_kind(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId,
               kind: EntryKind) -> int:
    return int(session.scalar(
        select(func.count()).select_from(LoyaltyEntryRow)
        .where(LoyaltyEntryRow.workspace_id == workspace_id,
               LoyaltyEntryRow.customer_id == customer_id, LoyaltyEntryRow.kind == kind.value))
        or 0)


def history(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId, *,
            page: int, page_size: int) -> tuple[list[LedgerEntry], int]:
    where = (LoyaltyEntryRow.workspace_id == workspace_id,
             LoyaltyEntryRow.customer_id == customer_id)
    total = int(session.scalar(select(func.count()).select_from(LoyaltyEntryRow)
                               .where(*where)) or 0)
    rows = session.scalars(select(LoyaltyEntryRow).where(*where)
                           .order_by(LoyaltyEntryRow.id.desc())
                           .offset((page - 1) * page_size).limit(page_size))
    return [to_entry(r) for r in rows], total


# --- badges, tiers --------------------------------------------------------------------------


def badges(session: Session, workspace_id: WorkspaceId,
           customer_id: CustomerId) -> dict[str, datetime]:
    """Badge key -> first award (a merge may have left duplicates; the earliest counts)."""
    found: dict[str, datetime] = {}
    for key, at in session.execute(
        select(LoyaltyBadgeRow.badge, LoyaltyBadgeRow.awarded_at)
        .where(LoyaltyBadgeRow.workspace_id == workspace_id,
               LoyaltyBadgeRow.customer_id == customer_id)
        .order_by(LoyaltyBadgeRow.awarded_at, LoyaltyBadgeRow.id)):
        found.setdefault(str(key), as_utc(at))
    return found


def insert_badge(session: Session, values: dict[str, Any]) -> None:
    session.execute(sa_insert(LoyaltyBadgeRow), [values])


def insert_tier_change(session: Session, values: dict[str, Any]) -> None:
    session.add(LoyaltyTierChangeRow(**values))
    session.flush()


def tier_changes(session: Session, workspace_id: WorkspaceId,
                 customer_id: CustomerId) -> list[TierChange]:
    rows = session.scalars(
        select(LoyaltyTierChangeRow)
        .where(LoyaltyTierChangeRow.workspace_id == workspace_id,
               LoyaltyTierChangeRow.customer_id == customer_id)
        .order_by(LoyaltyTierChangeRow.changed_at, LoyaltyTierChangeRow.id))
    return [TierChange(customer_id=CustomerId(r.customer_id), from_tier=r.from_tier,
                       to_tier=r.to_tier, changed_at=as_utc(r.changed_at),
                       qualifying=r.qualifying, reason=r.reason) for r in rows]


# --- rewards and redemptions ----------------------------------------------------------------


def to_reward(row: LoyaltyRewardRow) -> Reward:
    return Reward(id=row.id, key=row.key, name_ja=row.name_ja, name_en=row.name_en,
                  description_ja=row.description_ja, description_en=row.description_en,
                  cost_points=row.cost_points, coupon_prefix=row.coupon_prefix,
                  stock=row.stock, min_tier=row.min_tier, active=row.active,
                  created_at=as_utc(row.created_at))


def reward_row(session: Session, workspace_id: WorkspaceId, key: str) -> LoyaltyRewardRow | None:
    return session.scalar(select(LoyaltyRewardRow).where(
        LoyaltyRewardRow.workspace_id == workspace_id, LoyaltyRewardRow.key == key))


def list_rewards(session: Session, workspace_id: WorkspaceId, *,
                 active_only: bool) -> list[Reward]:
    query = select(LoyaltyRewardRow).where(LoyaltyRewardRow.workspace_id == workspace_id)
    if active_only:
        query = query.where(LoyaltyRewardRow.active.is_(True))
    return [to_reward(r) for r in session.scalars(
        query.order_by(LoyaltyRewardRow.cost_points, LoyaltyRewardRow.key))]


def take_stock(session: Session, reward_id: int) -> bool:
    """Take one unit of a limited reward; False if none is left (unlimited: always True)."""
    result = session.execute(
        update(LoyaltyRewardRow)
        .where(LoyaltyRewardRow.id == reward_id,
               (LoyaltyRewardRow.stock.is_(None)) | (LoyaltyRewardRow.stock > 0))
        .values(stock=LoyaltyRewardRow.stock - 1))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def insert_redemption(session: Session, values: dict[str, Any]) -> LoyaltyRedemptionRow:
    row = LoyaltyRedemptionRow(**values)
    session.add(row)
    session.flush()
    return row


def redemption_for_entry(session: Session, entry_id: int) -> LoyaltyRedemptionRow | None:
    return session.scalar(select(LoyaltyRedemptionRow)
                          .where(LoyaltyRedemptionRow.entry_id == entry_id))


def reward_by_id(session: Session, reward_id: int) -> LoyaltyRewardRow:
    row = session.get(LoyaltyRewardRow, reward_id)
    assert row is not None
    return row


def customers_with_page_token(session: Session, token_hash: str) -> Sequence[Any]:
    return session.execute(
        select(LoyaltyMemberRow.workspace_id, LoyaltyMemberRow.customer_id)
        .where(LoyaltyMemberRow.page_token_hash == token_hash)).all()
