"""The send gate: consent, suppression, frequency caps, quiet hours and send rates.

:func:`check_send` answers whether one message may go out now; :func:`record_send` logs a
message handed to a channel (idempotent by key) so caps and rates count it. Call both in the
same transaction as the delivery bookkeeping. Rules, in order (see
docs/reference/consent-and-caps.md):

1. suppression (address or customer on the channel) refuses, final. A transactional message
   ignores only ``unsubscribed`` entries; a hard bounce, complaint or manual entry stops it;
2. marketing needs the latest consent for (channel, purpose) to be ``granted`` — absent →
   ``no_consent``, withdrawn → ``withdrawn`` (final);
3. quiet hours in the customer's time zone → defer to the end of the window;
4. daily / weekly caps of marketing sends per customer, counted per local day / week (Monday
   start) in the customer's time zone → defer to the next local day / week;
5. messages per second per workspace+channel (every send, transactional too) → defer.

Only a caller passing ``transactional=True`` skips 2–4; nothing is transactional by default.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kizuna.clock import as_utc
from kizuna.db.dialect import is_postgres
from kizuna.messaging.contracts import SendDecision, SendPolicy
from kizuna.messaging.errors import SendPolicyInvalid
from kizuna.messaging.policy_tables import MessageSendRow, SendPolicyRow
from kizuna.profiles import api as profiles
from kizuna.types import CustomerId, WorkspaceId
from kizuna.workspaces import api as workspaces

FALLBACK_ZONE = "Asia/Tokyo"
_MINUTES_PER_DAY = 24 * 60
_FIELDS = tuple(asdict(SendPolicy()))


# ---------------------------------------------------------------- policy settings

def get_policy(session: Session, workspace_id: WorkspaceId) -> SendPolicy:
    """The workspace's policy; the defaults of :class:`SendPolicy` until one is saved."""
    row = session.get(SendPolicyRow, workspace_id)
    if row is None:
        return SendPolicy()
    return SendPolicy(**{name: getattr(row, name) for name in _FIELDS})


def validate_policy(policy: SendPolicy) -> None:
    for name in ("daily_cap", "weekly_cap"):
        value = getattr(policy, name)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1000:
            raise SendPolicyInvalid(f"{name} must be a whole number from 0 (no cap) to 1000.",
                                    field=name)
    for name in ("quiet_start_minute", "quiet_end_minute"):
        value = getattr(policy, name)
        if not isinstance(value, int) or isinstance(value, bool) \
                or not 0 <= value < _MINUTES_PER_DAY:
            raise SendPolicyInvalid(f"{name} must be minutes after midnight, 0–1439.",
                                    field=name)
    for name in ("email_per_second", "webhook_per_second", "other_per_second"):
        value = getattr(policy, name)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100_000:
            raise SendPolicyInvalid(f"{name} must be a whole number of messages per second, "
                                    "1–100000.", field=name)


def update_policy(
    session: Session, workspace_id: WorkspaceId, *, now: datetime, **changes: Any
) -> SendPolicy:
    """Change some fields of the policy (validated) and return the saved policy."""
    unknown = sorted(set(changes) - set(_FIELDS))
    if unknown:
        raise SendPolicyInvalid(f"Unknown send policy fields {unknown}; known: {list(_FIELDS)}.",
                                field=unknown[0])
    policy = replace(get_policy(session, workspace_id), **changes)
    validate_policy(policy)
    row = session.get(SendPolicyRow, workspace_id)
    if row is None:
        row = SendPolicyRow(workspace_id=workspace_id, updated_at=now)
        session.add(row)
    for name in _FIELDS:
        setattr(row, name, getattr(policy, name))
    row.updated_at = now
    session.flush()
    return policy


def rate_for(policy: SendPolicy, channel: str) -> int:
    if channel == "email":
        return policy.email_per_second
    if channel == "webhook":
        return policy.webhook_per_second
    return policy.other_per_second


# ---------------------------------------------------------------- local time helpers

def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def customer_zone(session: Session, workspace_id: WorkspaceId, timezone: str | None) -> ZoneInfo:
    """The customer's zone, else the workspace's, else Asia/Tokyo."""
    zone = _zone(timezone)
    if zone is None:
        zone = _zone(workspaces.get_workspace(session, workspace_id).timezone)
    return zone or ZoneInfo(FALLBACK_ZONE)


def _local_midnight(day: Any, zone: ZoneInfo) -> datetime:
    return as_utc(datetime.combine(day, time(0), tzinfo=zone))


def day_bounds(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The local calendar day containing ``now``, as a UTC half-open interval."""
    today = as_utc(now).astimezone(zone).date()
    return _local_midnight(today, zone), _local_midnight(today + timedelta(days=1), zone)


def week_bounds(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The local week (Monday 00:00 to the next Monday) containing ``now``, in UTC."""
    today = as_utc(now).astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    return _local_midnight(monday, zone), _local_midnight(monday + timedelta(days=7), zone)


def quiet_until(now: datetime, zone: ZoneInfo, policy: SendPolicy) -> datetime | None:
    """When the quiet window containing ``now`` ends (UTC), or None outside quiet hours."""
    start, end = policy.quiet_start_minute, policy.quiet_end_minute
    if start == end:
        return None
    local = as_utc(now).astimezone(zone)
    minute = local.hour * 60 + local.minute
    inside = start <= minute < end if start < end else (minute >= start or minute < end)
    if not inside:
        return None
    end_day = local.date() if minute < end else local.date() + timedelta(days=1)
    naive_end = datetime.combine(end_day, time(end // 60, end % 60))
    return as_utc(naive_end.replace(tzinfo=zone))


# ---------------------------------------------------------------- the gate

def _count_marketing(session: Session, customer_id: int, start: datetime, end: datetime) -> int:
    return int(session.scalar(select(func.count()).select_from(MessageSendRow).where(
        MessageSendRow.customer_id == customer_id, MessageSendRow.transactional.is_(False),
        MessageSendRow.sent_at >= start, MessageSendRow.sent_at < end)) or 0)


def _rate_defer(
    session: Session, workspace_id: WorkspaceId, channel: str, now: datetime, rate: int
) -> datetime | None:
    """If ``rate`` sends already went out on the channel in the second before ``now``, when
    the window has room again (one indexed look-up: the ``rate``-th latest send)."""
    nth = session.scalar(select(MessageSendRow.sent_at).where(
        MessageSendRow.workspace_id == workspace_id, MessageSendRow.channel == channel,
        MessageSendRow.sent_at > now - timedelta(seconds=1), MessageSendRow.sent_at <= now,
    ).order_by(MessageSendRow.sent_at.desc()).offset(rate - 1).limit(1))
    if nth is None:
        return None
    return as_utc(nth) + timedelta(seconds=1)


def lock_customer_sends(session: Session, workspace_id: WorkspaceId, customer_id: int) -> None:
    """Serialise cap checks of one customer until the transaction ends (PostgreSQL; SQLite
    serialises write transactions itself), so check + record in one transaction never
    over-sends."""
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                        {"k": f"message_sends:{workspace_id}:{customer_id}"})


def _out_of_quiet(at: datetime, zone: ZoneInfo, policy: SendPolicy) -> datetime:
    return quiet_until(at, zone, policy) or at


def check_send(
    session: Session,
    workspace_id: WorkspaceId,
    customer_id: CustomerId | int,
    *,
    channel: str,
    purpose: str,
    transactional: bool,
    now: datetime,
    reserve_key: str | None = None,
) -> SendDecision:
    """May a message on ``channel`` for ``purpose`` go to the customer at ``now``?

    ``transactional=True`` (receipts, password resets …) skips consent, quiet hours and caps,
    never a hard-bounce / complaint / manual suppression nor the send rate. A profile merged
    away resolves to the survivor. ``reserve_key``: see :meth:`messaging.gate.SendGate.check`.
    """
    from kizuna.messaging.gate import SendGate

    customer = profiles.get_customer(session, workspace_id, customer_id)
    return SendGate(session, workspace_id, now).check(
        customer, channel=channel, purpose=purpose, transactional=transactional,
        reserve_key=reserve_key)


def record_send(
    session: Session,
    workspace_id: WorkspaceId,
    customer_id: CustomerId | int,
    *,
    channel: str,
    purpose: str,
    idempotency_key: str,
    now: datetime,
    transactional: bool = False,
) -> bool:
    """Log a message handed to ``channel``; False if ``idempotency_key`` was recorded before.

    Non-transactional sends count towards the customer's caps; every send counts towards the
    channel's rate.
    """
    exists = session.scalar(select(MessageSendRow.id).where(
        MessageSendRow.workspace_id == workspace_id,
        MessageSendRow.idempotency_key == idempotency_key))
    if exists is not None:
        return False
    customer = profiles.get_customer(session, workspace_id, customer_id)
    try:
        with session.begin_nested():
            session.add(MessageSendRow(
                workspace_id=workspace_id, customer_id=customer.id, channel=channel,
                purpose=purpose, transactional=transactional, idempotency_key=idempotency_key,
                sent_at=as_utc(now)))
    except IntegrityError:
        return False  # a concurrent writer recorded the same key
    return True
