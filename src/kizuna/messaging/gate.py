"""The send gate for a batch of messages, with cap and rate slots reserved atomically.

:meth:`SendGate.check_many` gives the same decisions as checking the requests one after
another with :func:`messaging.policy.check_send` (rules in that module), in a handful of
queries per batch instead of several per message: suppressions, consents, the customers'
locks, earlier reservations, cap counts and the channel's send rate are each read once.

With a ``reserve_key`` an allowed message *reserves* its slot: its send record
(``message_sends``, unique per workspace + key) is written in the caller's transaction while
the customer's lock is held (PostgreSQL ``pg_advisory_xact_lock``, taken for the whole batch in
one statement in a fixed order; SQLite serialises writers itself). A concurrent worker
checking the same customer waits for that transaction and then counts the reservation, so
caps can no longer be exceeded by racing workers. Call :func:`release_send` when the message
is not handed to the channel after all. A key that already holds a slot (an attempt cut short
after reserving) is allowed without counting it twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, delete, func, or_, select, text
from sqlalchemy.orm import Session

from kizuna.clock import as_utc
from kizuna.db.dialect import insert, is_postgres
from kizuna.messaging.contracts import SendDecision
from kizuna.messaging.policy import (
    _out_of_quiet,
    _rate_defer,
    _zone,
    customer_zone,
    day_bounds,
    get_policy,
    quiet_until,
    rate_for,
    week_bounds,
)
from kizuna.messaging.policy_tables import MessageSendRow, SuppressionRow
from kizuna.messaging.suppression import normalise_address
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import Customer
from kizuna.types import WorkspaceId

_SENDS: Table = MessageSendRow.__table__  # type: ignore[assignment]
S = MessageSendRow
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class SendRequest:
    """One message to check: who, on which channel, for what, and its reservation key."""

    customer: Customer
    channel: str
    purpose: str
    transactional: bool
    reserve_key: str | None = None


class SendGate:
    """Checks for one workspace at one instant inside one transaction (policy read once)."""

    def __init__(self, session: Session, workspace_id: WorkspaceId, now: datetime) -> None:
        self.session = session
        self.workspace_id = workspace_id
        self.now = as_utc(now)
        self.policy = get_policy(session, workspace_id)
        self._workspace_zone: ZoneInfo | None = None

    def zone(self, timezone: str | None) -> ZoneInfo:
        """The customer's zone, else the workspace's, else Asia/Tokyo."""
        zone = _zone(timezone)
        if zone is not None:
            return zone
        if self._workspace_zone is None:
            self._workspace_zone = customer_zone(self.session, self.workspace_id, None)
        return self._workspace_zone

    def check(self, customer: Customer, *, channel: str, purpose: str, transactional: bool,
              reserve_key: str | None = None) -> SendDecision:
        """One request (see the module docstring)."""
        return self.check_many([SendRequest(customer=customer, channel=channel,
                                            purpose=purpose, transactional=transactional,
                                            reserve_key=reserve_key)])[0]

    def check_many(self, requests: Sequence[SendRequest]) -> list[SendDecision]:
        """Decisions in order, as if checked one after another (earlier reservations count)."""
        out: list[SendDecision | None] = [None] * len(requests)
        suppressed = self._suppressed(requests)
        marketing: list[int] = []
        for i, r in enumerate(requests):
            if suppressed.get(i):
                out[i] = SendDecision(allowed=False, reason="suppressed")
            elif not r.transactional:
                marketing.append(i)
        consents = self._consents([requests[i] for i in marketing])
        locked: list[int] = []
        for i in marketing:
            r = requests[i]
            status = consents.get((r.customer.id, r.channel, r.purpose))
            if status is None:
                out[i] = SendDecision(allowed=False, reason="no_consent")
            elif status != "granted":
                out[i] = SendDecision(allowed=False, reason="withdrawn")
            else:
                locked.append(i)
        self._lock(sorted({requests[i].customer.id for i in locked}))
        held = self._held([r.reserve_key for r in requests if r.reserve_key is not None])
        for i in locked:
            r = requests[i]
            quiet_end = quiet_until(self.now, self.zone(r.customer.timezone), self.policy)
            if quiet_end is not None:
                out[i] = SendDecision(allowed=False, reason="quiet_hours", defer_until=quiet_end)
        capped = [i for i in locked if out[i] is None and requests[i].reserve_key not in held]
        self._caps(requests, capped, out)
        self._rate(requests, out, held)
        return [d if d is not None else SendDecision(allowed=True) for d in out]

    # -- steps ------------------------------------------------------------------------------
    def _suppressed(self, requests: Sequence[SendRequest]) -> dict[int, bool]:
        channels = sorted({r.channel for r in requests})
        addresses = {normalise_address(r.channel, r.customer.email) for r in requests
                     if r.channel == "email" and r.customer.email}
        ids = {r.customer.id for r in requests}
        where: list[Any] = [SuppressionRow.customer_id.in_(sorted(ids))]
        if addresses:
            where.append(SuppressionRow.address.in_(sorted(addresses)))
        entries = self.session.execute(select(
            SuppressionRow.channel, SuppressionRow.address, SuppressionRow.customer_id,
            SuppressionRow.reason).where(
            SuppressionRow.workspace_id == self.workspace_id,
            SuppressionRow.channel.in_(channels), or_(*where))).all()
        if not entries:
            return {}
        result: dict[int, bool] = {}
        for i, r in enumerate(requests):
            address = (normalise_address(r.channel, r.customer.email)
                       if r.channel == "email" else "")
            reasons = [e.reason for e in entries if e.channel == r.channel and (
                e.customer_id == r.customer.id or (address and e.address == address))]
            result[i] = any(not r.transactional or reason != "unsubscribed"
                            for reason in reasons)
        return result

    def _consents(self, requests: Sequence[SendRequest]) -> dict[tuple[int, str, str], str]:
        found: dict[tuple[int, str, str], str] = {}
        for channel, purpose in sorted({(r.channel, r.purpose) for r in requests}):
            ids = [r.customer.id for r in requests if (r.channel, r.purpose) == (channel,
                                                                                 purpose)]
            for cid, status in profiles.consent_statuses(
                    self.session, self.workspace_id, ids, channel=channel,
                    purpose=purpose).items():
                found[(cid, channel, purpose)] = status
        return found

    def _lock(self, customer_ids: list[int]) -> None:
        """The customers' send locks until the transaction ends, taken in one fixed order."""
        if not customer_ids or not is_postgres(self.session):
            return
        keys = [f"message_sends:{self.workspace_id}:{cid}" for cid in customer_ids]
        self.session.execute(text(
            "SELECT count(pg_advisory_xact_lock(h)) FROM (SELECT DISTINCT "
            "hashtextextended(k, 0) AS h FROM unnest(CAST(:keys AS text[])) AS k "
            "ORDER BY h) AS ordered"), {"keys": keys})

    def _held(self, keys: list[str]) -> set[str]:
        if not keys:
            return set()
        return set(self.session.scalars(select(S.idempotency_key).where(
            S.workspace_id == self.workspace_id, S.idempotency_key.in_(keys))))

    def _counts(self, customer_ids: Sequence[int],
                bounds: tuple[datetime, datetime]) -> Counter[int]:
        rows = self.session.execute(
            select(S.customer_id, func.count()).where(
                S.customer_id.in_(list(customer_ids)), S.transactional.is_(False),
                S.sent_at >= bounds[0], S.sent_at < bounds[1]).group_by(S.customer_id))
        return Counter({int(cid): int(n) for cid, n in rows})

    def _caps(self, requests: Sequence[SendRequest], indexes: list[int],
              out: list[SendDecision | None]) -> None:
        policy = self.policy
        if not indexes or not (policy.daily_cap or policy.weekly_cap):
            return
        by_zone: dict[str, list[int]] = {}
        for i in indexes:
            by_zone.setdefault(self.zone(requests[i].customer.timezone).key, []).append(i)
        for key, members in by_zone.items():
            zone = ZoneInfo(key)
            ids = sorted({requests[i].customer.id for i in members})
            week, day = week_bounds(self.now, zone), day_bounds(self.now, zone)
            weekly = self._counts(ids, week) if policy.weekly_cap else Counter[int]()
            daily = self._counts(ids, day) if policy.daily_cap else Counter[int]()
            for i in members:
                cid = requests[i].customer.id
                defer: datetime | None = None
                if policy.weekly_cap and weekly[cid] >= policy.weekly_cap:
                    defer = week[1]
                elif policy.daily_cap and daily[cid] >= policy.daily_cap:
                    defer = day[1]
                if defer is not None:
                    out[i] = SendDecision(allowed=False, reason="frequency_cap",
                                          defer_until=_out_of_quiet(defer, zone, policy))
                elif requests[i].reserve_key is not None:
                    weekly[cid] += 1  # this message's reservation counts for the next ones
                    daily[cid] += 1

    def _rate(self, requests: Sequence[SendRequest], out: list[SendDecision | None],
              held: set[str]) -> None:
        """Send rate per channel; writes the reservations of the allowed requests."""
        pending = [i for i, d in enumerate(out) if d is None
                   and requests[i].reserve_key not in held]
        for channel in sorted({requests[i].channel for i in pending}):
            members = [i for i in pending if requests[i].channel == channel]
            rate = rate_for(self.policy, channel)
            window = int(self.session.scalar(select(func.count()).select_from(S).where(
                S.workspace_id == self.workspace_id, S.channel == channel,
                S.sent_at > self.now - _SECOND, S.sent_at <= self.now)) or 0)
            room = max(0, rate - window)
            allowed = members[:room]
            self._reserve([requests[i] for i in allowed])
            if len(members) > room:
                defer = _rate_defer(self.session, self.workspace_id, channel, self.now, rate)
                for i in members[room:]:
                    out[i] = SendDecision(allowed=False, reason="rate_limited",
                                          defer_until=defer or self.now + _SECOND)

    def _reserve(self, requests: Sequence[SendRequest]) -> None:
        rows = [{"workspace_id": self.workspace_id, "customer_id": r.customer.id,
                 "channel": r.channel, "purpose": r.purpose,
                 "transactional": r.transactional, "idempotency_key": r.reserve_key,
                 "sent_at": self.now} for r in requests if r.reserve_key is not None]
        if rows:
            self.session.execute(insert(self.session, _SENDS).values(rows).on_conflict_do_nothing(
                index_elements=["workspace_id", "idempotency_key"]))


def release_send(session: Session, workspace_id: WorkspaceId, idempotency_key: str) -> bool:
    """Give back a slot reserved by :meth:`SendGate.check` (the message was not handed to the
    channel); False if there was none."""
    result = session.execute(delete(S).where(S.workspace_id == workspace_id,
                                             S.idempotency_key == idempotency_key))
    return bool(getattr(result, "rowcount", 0))
