"""Facade of the loyalty domain: the points ledger, tiers, rewards and badges.

The ledger is append-only and idempotent by source (``order:<id>``, ``bonus:review:<id>``,
``redeem:<key>`` …): replaying a source changes nothing. A balance is the sum of a member's
entries and never goes below zero: every debit runs under the member's lock. Points expire
first in, first out (``ledger``). ``run_programme`` turns orders, reviews, survey answers,
referrals, birthdays and shipped ideas into points, tiers and badges; it is idempotent and
runs every minute in the server's housekeeping loop (and with ``kizuna loyalty run``).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from kizuna.clock import as_utc, ensure_aware_utc
from kizuna.ids import hash_secret, new_secret
from kizuna.loyalty import programme as _programme
from kizuna.loyalty import qualifying, store
from kizuna.loyalty.badges import BADGES, BADGES_BY_KEY
from kizuna.loyalty.contracts import (
    BONUS_RULES,
    EntryKind,
    LedgerEntry,
    Member,
    MemberBadge,
    MemberSummary,
    Page,
    Programme,
    ProgrammeConfig,
    Redemption,
    Reward,
    RewardSpec,
    TierChange,
)
from kizuna.loyalty.errors import (
    LoyaltyInvalid,
    LoyaltyNotConfigured,
    NotAMember,
    RewardNotFound,
    RewardUnavailable,
)
from kizuna.loyalty.ledger import replay
from kizuna.loyalty.points import add_months, credit, debit
from kizuna.loyalty.programme import default_programme_config
from kizuna.loyalty.reports import GroupComparison, LoyaltyReport, programme_report
from kizuna.loyalty.run import award_badge, run_programme
from kizuna.loyalty.tables import LoyaltyMemberRow, LoyaltyProgramRow, LoyaltyRewardRow
from kizuna.types import CustomerId, WorkspaceId

__all__ = [
    "BADGES",
    "BONUS_RULES",
    "GroupComparison",
    "LoyaltyReport",
    "adjust_points",
    "award_badge",
    "award_bonus",
    "configure_programme",
    "default_programme_config",
    "enrol",
    "get_programme",
    "issue_member_page_link",
    "leave",
    "list_members",
    "list_rewards",
    "loyalty_for_template",
    "member_for_page_token",
    "member_history",
    "member_summary",
    "programme_report",
    "redeem_reward",
    "run_programme",
    "save_reward",
    "tier_history",
]

MAX_PAGE_SIZE = 200
EXPIRING_WINDOW = timedelta(days=30)
COUPON_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
MAX_ADJUST = 10_000_000


# --- programme ------------------------------------------------------------------------------


def get_programme(session: Session, workspace_id: WorkspaceId) -> Programme | None:
    row = store.program_row(session, workspace_id)
    return _programme.to_programme(row) if row is not None else None


def _require_programme(session: Session, workspace_id: WorkspaceId) -> Programme:
    found = get_programme(session, workspace_id)
    if found is None:
        raise LoyaltyNotConfigured()
    return found


def configure_programme(session: Session, workspace_id: WorkspaceId, config: ProgrammeConfig,
                        *, now: datetime) -> Programme:
    """Create or update the programme; raises ``LoyaltyConfigInvalid`` listing the problems.

    Changes apply from now on: points already in the ledger keep their expiry dates.
    """
    now = ensure_aware_utc(now)
    clean = _programme.validate(config)
    values: dict[str, Any] = {
        "name": clean.name, "active": clean.active, "enrolment": clean.enrolment.value,
        "currency": clean.currency, "points_per_unit": Decimal(clean.points_per_unit),
        "point_value": Decimal(clean.point_value), "expiry_months": clean.expiry_months,
        "bonus_rules": dict(clean.bonus_rules), "tier_basis": clean.tier_basis.value,
        "tier_window_days": clean.tier_window_days,
        "tiers": _programme.tiers_to_json(clean.tiers), "updated_at": now,
    }
    row = session.get(LoyaltyProgramRow, workspace_id, with_for_update=True)
    if row is None:
        row = LoyaltyProgramRow(workspace_id=workspace_id, cursors={}, created_at=now, **values)
        session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
    session.flush()
    return _programme.to_programme(row)


# --- members --------------------------------------------------------------------------------


def enrol(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId, *,
          channel: str, now: datetime) -> Member:
    """Make the customer a member (idempotent: an active member is returned as is; one who
    left joins again from now, with the points they kept)."""
    now = ensure_aware_utc(now)
    programme = _require_programme(session, workspace_id)
    store.lock_member(session, workspace_id, customer_id)
    row = store.member_row(session, workspace_id, customer_id)
    if row is not None and row.status == "active":
        return store.to_member(row)
    entry_tier = programme.config.tiers[0].key if programme.config.tiers else None
    if row is None:
        row = LoyaltyMemberRow(workspace_id=workspace_id, customer_id=customer_id,
                               status="active", joined_at=now, channel=channel[:32],
                               tier=entry_tier, tier_since=now)
        session.add(row)
    else:
        row.status, row.joined_at, row.left_at, row.channel = "active", now, None, channel[:32]
    session.flush()
    return store.to_member(row)


def leave(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId, *,
          now: datetime) -> None:
    """End the membership; the ledger stays (a member who joins again keeps the balance)."""
    store.lock_member(session, workspace_id, customer_id)
    row = store.member_row(session, workspace_id, customer_id)
    if row is None or row.status != "active":
        raise NotAMember()
    row.status, row.left_at, row.page_token_hash = "left", ensure_aware_utc(now), None
    session.flush()


def _summary(session: Session, programme: Programme | None, row: LoyaltyMemberRow,
             now: datetime) -> MemberSummary:
    workspace_id, customer_id = WorkspaceId(row.workspace_id), CustomerId(row.customer_id)
    state = replay(store.movements(session, workspace_id, customer_id))
    expiring, expiring_at = state.expiring(now, now + EXPIRING_WINDOW)
    tiers = programme.config.tiers if programme else ()
    current = next((t for t in tiers if t.key == row.tier), None)
    upcoming = _programme.next_tier(tiers, row.tier)
    figure = (qualifying.figures(session, programme, [customer_id], now).get(customer_id,
                                                                             Decimal(0))
              if programme else Decimal(0))
    totals = store.totals(session, workspace_id, customer_id)
    badges = tuple(MemberBadge(key=k, name_ja=BADGES_BY_KEY[k].name_ja,
                               name_en=BADGES_BY_KEY[k].name_en, awarded_at=at)
                   for k, at in store.badges(session, workspace_id, customer_id).items()
                   if k in BADGES_BY_KEY)
    return MemberSummary(
        customer_id=customer_id, status=row.status, channel=row.channel,
        joined_at=as_utc(row.joined_at), balance=state.available(now), tier=row.tier,
        tier_name_ja=current.name_ja if current else "",
        tier_name_en=current.name_en if current else "",
        tier_since=as_utc(row.tier_since) if row.tier_since else None,
        benefits_ja=current.benefits_ja if current else "",
        benefits_en=current.benefits_en if current else "",
        qualifying=figure, next_tier=upcoming.key if upcoming else None,
        next_tier_name_ja=upcoming.name_ja if upcoming else "",
        next_tier_name_en=upcoming.name_en if upcoming else "",
        missing_for_next=max(Decimal(0), upcoming.threshold - figure) if upcoming else None,
        expiring_points=expiring, expiring_at=expiring_at, badges=badges,
        lifetime_earned=totals.get("earn", 0) + totals.get("bonus", 0),
        lifetime_redeemed=-totals.get("redeem", 0),
    )


def member_summary(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId, *,
                   now: datetime) -> MemberSummary | None:
    """The member's balance, tier, progress, expiring points and badges; None if not a
    member. ``balance`` is what can be spent now (lots past their date count as expired)."""
    row = store.member_row(session, workspace_id, customer_id)
    if row is None or row.status != "active":
        return None
    return _summary(session, get_programme(session, workspace_id), row, ensure_aware_utc(now))


def list_members(session: Session, workspace_id: WorkspaceId, *, page: int = 1,
                 page_size: int = 50, tier: str | None = None,
                 now: datetime | None = None) -> Page[MemberSummary]:
    """Active members, most recently joined first."""
    page, page_size = max(1, page), min(max(1, page_size), MAX_PAGE_SIZE)
    at = ensure_aware_utc(now) if now else datetime.now(UTC)
    found, total = store.list_member_customers(session, workspace_id, page=page,
                                               page_size=page_size, tier=tier)
    programme = get_programme(session, workspace_id)
    rows = [store.member_row(session, workspace_id, CustomerId(c)) for c in found]
    return Page(items=[_summary(session, programme, r, at) for r in rows if r is not None],
                total=total, page=page, page_size=page_size)


def member_history(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId, *,
                   page: int = 1, page_size: int = 50) -> Page[LedgerEntry]:
    """Every ledger entry of the customer, newest first."""
    page, page_size = max(1, page), min(max(1, page_size), MAX_PAGE_SIZE)
    items, total = store.history(session, workspace_id, customer_id, page=page,
                                 page_size=page_size)
    return Page(items=items, total=total, page=page, page_size=page_size)


def tier_history(session: Session, workspace_id: WorkspaceId,
                 customer_id: CustomerId) -> list[TierChange]:
    """The member's upgrades and downgrades, oldest first."""
    return store.tier_changes(session, workspace_id, customer_id)


def _active(session: Session, workspace_id: WorkspaceId,
            customer_id: CustomerId) -> LoyaltyMemberRow:
    row = store.member_row(session, workspace_id, customer_id)
    if row is None or row.status != "active":
        raise NotAMember(customer_id=customer_id)
    return row


# --- ledger ---------------------------------------------------------------------------------


def award_bonus(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId, *,
                rule: str, source_key: str, now: datetime, points: int | None = None,
                reason: str = "") -> LedgerEntry | None:
    """Award a bonus once per ``source_key`` (None: already awarded, or the rule is off).

    ``points`` None takes the rule's points from the programme.
    """
    now = ensure_aware_utc(now)
    if points is None and rule not in BONUS_RULES:
        raise LoyaltyInvalid(f"Unknown bonus rule {rule!r}; use one of "
                             f"{', '.join(BONUS_RULES)}, or give the points.", field="rule")
    programme = _require_programme(session, workspace_id)
    _active(session, workspace_id, customer_id)
    amount = programme.config.bonus_rules.get(rule, 0) if points is None else points
    if amount < 0 or amount > MAX_ADJUST:
        raise LoyaltyInvalid("Bonus points must be 0 or more.", field="points")
    if amount == 0:
        return None
    months = programme.config.expiry_months
    text = (reason or f"Bonus: {rule}")[:200]
    made = credit(session, workspace_id, customer_id, kind=EntryKind.BONUS, points=amount,
                  source_key=source_key[:200], now=now, expiry_months=months, reason=text,
                  details={"rule": rule})
    if made is None:
        return None
    return LedgerEntry(id=made, customer_id=customer_id, kind=EntryKind.BONUS, points=amount,
                       source_key=source_key[:200], reason=text, qualifying_amount=None,
                       details={"rule": rule}, occurred_at=now,
                       expires_at=add_months(now, months) if months else None, created_at=now)


def adjust_points(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId, *,
                  points: int, reason: str, idempotency_key: str,
                  now: datetime) -> LedgerEntry:
    """A staff correction (+ or −); a negative one takes at most the balance (the shortfall
    is in ``details.unrecovered``). Replaying the key returns the first entry."""
    now = ensure_aware_utc(now)
    if not reason.strip():
        raise LoyaltyInvalid("Say why the points are adjusted.", field="reason")
    if points == 0 or abs(points) > MAX_ADJUST:
        raise LoyaltyInvalid(f"Adjust by 1 to {MAX_ADJUST} points, up or down.",
                             field="points")
    if not idempotency_key.strip():
        raise LoyaltyInvalid("Send an idempotency key.", field="idempotency_key")
    key = f"adjust:{idempotency_key}"[:200]
    found = store.entry_by_key(session, workspace_id, key)
    if found is not None:
        return store.to_entry(found)
    programme = _require_programme(session, workspace_id)
    _active(session, workspace_id, customer_id)
    if points > 0:
        made = credit(session, workspace_id, customer_id, kind=EntryKind.ADJUST, points=points,
                      source_key=key, now=now, expiry_months=programme.config.expiry_months,
                      reason=reason.strip())
    else:
        made, _ = debit(session, workspace_id, customer_id, kind=EntryKind.ADJUST,
                        points=-points, source_key=key, now=now, capped=True,
                        reason=reason.strip())
    if made is None:  # a concurrent request with the same key won
        found = store.entry_by_key(session, workspace_id, key)
        assert found is not None
        return store.to_entry(found)
    return store.entry(session, made)


def _coupon(prefix: str) -> str:
    return f"{prefix}-" + "".join(secrets.choice(COUPON_ALPHABET) for _ in range(10))


def _redemption(session: Session, entry_id: int, *, replayed: bool) -> Redemption:
    row = store.redemption_for_entry(session, entry_id)
    assert row is not None
    reward = store.reward_by_id(session, row.reward_id)
    points = -store.entry(session, entry_id).points
    return Redemption(id=row.id, customer_id=CustomerId(row.customer_id), reward_key=reward.key,
                      reward_id=reward.id, entry_id=entry_id, points=points,
                      coupon_code=row.coupon_code, status=row.status,
                      created_at=as_utc(row.created_at), replayed=replayed)


def redeem_reward(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId,
                  reward_key: str, *, idempotency_key: str, now: datetime) -> Redemption:
    """Spend points on a reward and issue its coupon code.

    Raises ``NotAMember``, ``RewardNotFound``, ``RewardUnavailable`` (inactive, out of stock,
    tier too low) or ``InsufficientPoints``. Concurrent redemptions of one balance are
    serialised; a replayed idempotency key returns the first redemption (``replayed``).
    """
    now = ensure_aware_utc(now)
    if not idempotency_key.strip():
        raise LoyaltyInvalid("Send an idempotency key.", field="idempotency_key")
    key = f"redeem:{idempotency_key}"[:200]
    store.lock_member(session, workspace_id, customer_id)
    found = store.entry_by_key(session, workspace_id, key)
    if found is not None:
        if found.customer_id != customer_id:
            raise LoyaltyInvalid("This idempotency key was used for another customer.",
                                 field="idempotency_key")
        return _redemption(session, found.id, replayed=True)
    programme = _require_programme(session, workspace_id)
    member = _active(session, workspace_id, customer_id)
    reward = store.reward_row(session, workspace_id, reward_key)
    if reward is None:
        raise RewardNotFound(reward_key=reward_key)
    _check_available(programme, reward, member)
    with session.begin_nested():  # a refusal leaves nothing behind, even if caught
        entry_id, _ = debit(session, workspace_id, customer_id, kind=EntryKind.REDEEM,
                            points=reward.cost_points, source_key=key, now=now, capped=False,
                            reason=f"Reward: {reward.name_en}"[:200],
                            details={"reward": reward.key}, locked=True)
        assert entry_id is not None  # under the lock, the key was checked above
        if not store.take_stock(session, reward.id):
            raise RewardUnavailable("This reward is out of stock; pick another reward.",
                                    reward_key=reward_key)
        row = store.insert_redemption(session, {
            "workspace_id": workspace_id, "customer_id": customer_id, "reward_id": reward.id,
            "entry_id": entry_id, "coupon_code": _coupon(reward.coupon_prefix),
            "status": "issued", "created_at": now})
    return Redemption(id=row.id, customer_id=customer_id, reward_key=reward.key,
                      reward_id=reward.id, entry_id=entry_id, points=reward.cost_points,
                      coupon_code=row.coupon_code, status=row.status, created_at=now,
                      replayed=False)


def _check_available(programme: Programme, reward: LoyaltyRewardRow,
                     member: LoyaltyMemberRow) -> None:
    if not reward.active or (reward.stock is not None and reward.stock <= 0):
        raise RewardUnavailable("This reward is not available now; pick another reward.",
                                reward_key=reward.key)
    if reward.min_tier:
        keys = [t.key for t in programme.config.tiers]
        need = keys.index(reward.min_tier) if reward.min_tier in keys else len(keys)
        have = keys.index(member.tier) if member.tier in keys else -1
        if have < need:
            raise RewardUnavailable(
                f"This reward is for {reward.min_tier} members and above.",
                reward_key=reward.key, min_tier=reward.min_tier)


# --- rewards --------------------------------------------------------------------------------


def list_rewards(session: Session, workspace_id: WorkspaceId, *,
                 active_only: bool = True) -> list[Reward]:
    return store.list_rewards(session, workspace_id, active_only=active_only)


def save_reward(session: Session, workspace_id: WorkspaceId, reward: RewardSpec, *,
                now: datetime) -> Reward:
    """Create or update a reward by key (raises ``LoyaltyInvalid``)."""
    now = ensure_aware_utc(now)
    if not _programme.KEY.match(reward.key):
        raise LoyaltyInvalid("Reward keys are lowercase letters, digits and _ (≤ 32).",
                             field="key")
    if not 1 <= reward.cost_points <= MAX_ADJUST:
        raise LoyaltyInvalid("A reward costs 1 point or more.", field="cost_points")
    prefix = reward.coupon_prefix.strip().upper()
    if not prefix or len(prefix) > 16 or not prefix.replace("-", "").isalnum():
        raise LoyaltyInvalid("The coupon prefix is 1–16 letters or digits.",
                             field="coupon_prefix")
    if reward.stock is not None and reward.stock < 0:
        raise LoyaltyInvalid("Stock is 0 or more (empty: unlimited).", field="stock")
    if not reward.name_ja.strip() or not reward.name_en.strip():
        raise LoyaltyInvalid("Give the reward a Japanese and an English name.", field="name")
    programme = get_programme(session, workspace_id)
    if reward.min_tier and (programme is None or programme.tier(reward.min_tier) is None):
        raise LoyaltyInvalid(f"Unknown tier {reward.min_tier!r}.", field="min_tier")
    values = {"name_ja": reward.name_ja.strip(), "name_en": reward.name_en.strip(),
              "description_ja": reward.description_ja, "description_en": reward.description_en,
              "cost_points": reward.cost_points, "coupon_prefix": prefix, "stock": reward.stock,
              "min_tier": reward.min_tier or None, "active": reward.active}
    row = store.reward_row(session, workspace_id, reward.key)
    if row is None:
        row = LoyaltyRewardRow(workspace_id=workspace_id, key=reward.key, created_at=now,
                               **values)
        session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    session.flush()
    return store.to_reward(row)


# --- member page links ----------------------------------------------------------------------


def issue_member_page_link(session: Session, workspace_id: WorkspaceId,
                           customer_id: CustomerId, *, now: datetime) -> str:
    """A new token for the member's public page (the previous one stops working); shown
    once, only its hash is stored."""
    row = _active(session, workspace_id, customer_id)
    token = new_secret("lm")
    row.page_token_hash = hash_secret(token)
    session.flush()
    return token


def member_for_page_token(session: Session,
                          token: str) -> tuple[WorkspaceId, CustomerId] | None:
    if not token or len(token) > 200:
        return None
    rows = store.customers_with_page_token(session, hash_secret(token))
    if not rows:
        return None
    ws, cust = rows[0]
    return WorkspaceId(int(ws)), CustomerId(int(cust))


# --- templates ------------------------------------------------------------------------------


def loyalty_for_template(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId,
                         *, now: datetime) -> dict[str, Any] | None:
    """Plain values for message templates (``{{ loyalty.balance }}`` …); None: not a member."""
    summary = member_summary(session, workspace_id, customer_id, now=now)
    if summary is None:
        return None
    return {
        "member": True, "balance": summary.balance, "tier": summary.tier or "",
        "tier_name_ja": summary.tier_name_ja, "tier_name_en": summary.tier_name_en,
        "next_tier": summary.next_tier or "",
        "next_tier_name_ja": summary.next_tier_name_ja,
        "next_tier_name_en": summary.next_tier_name_en,
        "points_to_next_tier": (str(summary.missing_for_next)
                                if summary.missing_for_next is not None else ""),
        "expiring_points": summary.expiring_points,
        "expiring_at": summary.expiring_at.isoformat() if summary.expiring_at else "",
        "badges": [b.name_en for b in summary.badges],
        "badges_ja": [b.name_ja for b in summary.badges],
        "lifetime_earned": summary.lifetime_earned,
    }

