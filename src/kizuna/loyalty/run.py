"""The programme run: turn what happened elsewhere into points, tiers and badges.

Each source is scanned from a cursor kept in ``loyalty_programs.cursors`` in bounded batches;
every entry is keyed by its source, so a re-run (or a cursor that overlaps) awards nothing
twice. Only active members earn, and only for what happened after they joined.

* orders (by order id): earn ``floor(total × points_per_unit × multiplier)``, the
  multiplier of the tier held when the order was placed; the qualifying amount is the order
  total as the shop sent it (tax and shipping included, discounts deducted). An order with a
  negative total is a return: it takes back the same formula's points (at most the balance).
* cancellations (by ``cancelled_at``): take back what the order earned, at most the balance;
  the shortfall is recorded as ``details.unrecovered``.
* approved reviews, completed survey responses, ``Referral Completed`` events, ideas that
  reach ``shipped``, birthdays (in the customer's time zone, else the workspace's): bonuses
  and badges.
* expiry: lots past their date are closed with ``expire`` entries.
* tiers: members touched in this run, plus every member once a day, are moved to the tier
  their rolling figure reaches (upgrade as soon as it is reached; downgrade as soon as it
  falls below the current tier's threshold: no grace period beyond the rolling window).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from kizuna.clock import as_utc, ensure_aware_utc
from kizuna.commerce import api as commerce
from kizuna.commerce.contracts import OrderFact
from kizuna.ideas import api as ideas
from kizuna.ingest import api as ingest
from kizuna.loyalty import programme as _programme
from kizuna.loyalty import qualifying, store
from kizuna.loyalty.contracts import Enrolment, EntryKind, Programme, ProgrammeRun
from kizuna.loyalty.points import credit, debit, expire_due, points_for
from kizuna.loyalty.tables import LoyaltyMemberRow, LoyaltyProgramRow
from kizuna.profiles import api as profiles
from kizuna.reviews import api as reviews
from kizuna.surveys import api as surveys
from kizuna.types import CustomerId, WorkspaceId
from kizuna.workspaces import api as workspaces

BATCH = 500
MAX_BATCHES = 20  # per source and run; the rest waits for the next run
REFERRAL_EVENT = "Referral Completed"
CANCEL_LOOKBACK = timedelta(days=1)
ORDER_OVERLAP = 200  # order ids looked back on every run


class _Run:
    def __init__(self, session: Session, programme: Programme, row: LoyaltyProgramRow,
                 now: datetime) -> None:
        self.session, self.programme, self.row, self.now = session, programme, row, now
        self.ws = programme.workspace_id
        self.config = programme.config
        self.cursors: dict[str, Any] = dict(row.cursors or {})
        self.counts: Counter[str] = Counter()
        self.bonuses: Counter[str] = Counter()
        self.touched: set[int] = set()
        self.held: dict[int, set[str]] = {}  # badges per customer, loaded once per run
        self.earn_counts: dict[int, int] = {}
        self.first_orders: set[int] = set()  # first-order bonus already tried in this run

    # --- helpers ---------------------------------------------------------------------------

    def members(self, customer_ids: Collection[int]) -> dict[int, LoyaltyMemberRow]:
        return store.active_members(self.session, self.ws, customer_ids)

    def bonus(self, customer_id: int, rule: str, source_key: str, at: datetime,
              reason: str) -> None:
        points = self.config.bonus_rules.get(rule, 0)
        if points <= 0:
            return
        made = credit(self.session, self.ws, CustomerId(customer_id), kind=EntryKind.BONUS,
                      points=points, source_key=source_key, now=self.now, occurred_at=at,
                      expiry_months=self.config.expiry_months, reason=reason,
                      details={"rule": rule})
        if made is not None:
            self.bonuses[rule] += 1
            self.touched.add(customer_id)

    def badge(self, customer_id: int, key: str, source_key: str) -> None:
        held = self.held.get(customer_id)
        if held is None:  # the lock, held until commit, keeps this set true for the run
            store.lock_member(self.session, self.ws, CustomerId(customer_id))
            held = self.held[customer_id] = set(store.badges(self.session, self.ws,
                                                             CustomerId(customer_id)))
        if key in held:
            return
        held.add(key)
        store.insert_badge(self.session, {"workspace_id": self.ws, "customer_id": customer_id,
                                          "badge": key, "awarded_at": self.now,
                                          "source_key": source_key[:200]})
        self.counts["badges"] += 1

    def multiplier(self, member: LoyaltyMemberRow, at: datetime) -> Decimal:
        tier = member.tier
        if member.tier_since is not None and as_utc(member.tier_since) > at:
            tier = self.config.tiers[0].key if self.config.tiers else None
            for change in store.tier_changes(self.session, self.ws,
                                             CustomerId(member.customer_id)):
                if change.changed_at <= at:
                    tier = change.to_tier
        spec = self.programme.tier(tier)
        return spec.multiplier if spec else Decimal(1)

    # --- orders ----------------------------------------------------------------------------

    def orders(self) -> None:
        """New orders by id; the first batch looks ``ORDER_OVERLAP`` ids back, for orders
        whose transaction committed after a higher id was already seen (PostgreSQL hands
        out ids at insert, not at commit). Orders already in the ledger are skipped."""
        for n in range(MAX_BATCHES):
            cursor = int(self.cursors.get("orders", 0))
            after = max(0, cursor - ORDER_OVERLAP) if n == 0 else cursor
            batch = commerce.orders_since(self.session, self.ws, after_id=after, limit=BATCH)
            if not batch:
                return
            done = store.existing_keys(self.session, self.ws,
                                       [f"order:{o.external_id}" for o in batch]
                                       + [f"reverse:order:{o.external_id}" for o in batch])
            fresh = [o for o in batch if f"order:{o.external_id}" not in done
                     and f"reverse:order:{o.external_id}" not in done]
            if self.config.enrolment == Enrolment.AUTOMATIC:
                self.enrol_orderers(fresh)
            members = self.members({o.customer_id for o in fresh if o.customer_id})
            for order in fresh:
                member = members.get(order.customer_id or 0)
                if (member is None or order.status == "cancelled"
                        or as_utc(order.placed_at) < as_utc(member.joined_at)):
                    continue
                if order.total < 0 or order.status == "returned":
                    self.take_back(member.customer_id, order.external_id,
                                   points_for(abs(order.total), self.config.points_per_unit,
                                              self.multiplier(member, order.placed_at)),
                                   reason="Return", occurred_at=order.placed_at)
                else:
                    self.earn(member, order)
            self.cursors["orders"] = max(cursor, batch[-1].id)
            if len(batch) < BATCH:
                return

    def enrol_orderers(self, batch: list[OrderFact]) -> None:
        first: dict[int, datetime] = {}
        for order in batch:
            if order.customer_id and order.status != "cancelled":
                at = min(as_utc(order.placed_at), self.now)
                first[order.customer_id] = min(first.get(order.customer_id, at), at)
        if not first:
            return
        entry_tier = self.config.tiers[0].key if self.config.tiers else None
        for customer_id, at in first.items():
            store.lock_member(self.session, self.ws, CustomerId(customer_id))
            if store.member_row(self.session, self.ws, CustomerId(customer_id)) is not None:
                continue  # a member, or one who left: never re-enrolled automatically
            self.session.add(LoyaltyMemberRow(
                workspace_id=self.ws, customer_id=customer_id, status="active", joined_at=at,
                channel="automatic", tier=entry_tier, tier_since=at))
            self.counts["enrolled"] += 1
        self.session.flush()

    def earn(self, member: LoyaltyMemberRow, order: OrderFact) -> None:
        placed = as_utc(order.placed_at)
        multiplier = self.multiplier(member, placed)
        points = points_for(order.total, self.config.points_per_unit, multiplier)
        customer = member.customer_id
        made = credit(self.session, self.ws, CustomerId(customer), kind=EntryKind.EARN,
                      points=points, source_key=f"order:{order.external_id}", now=self.now,
                      occurred_at=placed, expiry_months=self.config.expiry_months,
                      reason=f"Order {order.external_id}"[:200], qualifying_amount=order.total,
                      details={"order": order.external_id, "multiplier": str(multiplier)})
        if made is None:
            return
        self.counts["orders_earned"] += 1
        self.counts["points_earned"] += points
        self.touched.add(customer)
        if customer not in self.first_orders:
            self.first_orders.add(customer)
            self.bonus(customer, "first_order", f"bonus:first_order:{customer}", placed,
                       "First order bonus")
        self.badge(customer, "first_order", f"order:{order.external_id}")
        count = self.earn_counts.get(customer)
        if count is None:
            count = store.count_kind(self.session, self.ws, CustomerId(customer),
                                     EntryKind.EARN)
        else:
            count += 1
        self.earn_counts[customer] = count
        if count >= 5:
            self.badge(customer, "five_orders", f"order:{order.external_id}")

    def take_back(self, customer_id: int, external_id: str, points: int, *, reason: str,
                  occurred_at: datetime | None = None) -> None:
        made, _ = debit(self.session, self.ws, CustomerId(customer_id), kind=EntryKind.REVERSE,
                        points=points, source_key=f"reverse:order:{external_id}", now=self.now,
                        capped=True, reason=f"{reason}: order {external_id}"[:200],
                        details={"order": external_id}, occurred_at=occurred_at)
        if made is not None:
            self.counts["reversals"] += 1
            self.touched.add(customer_id)

    def cancellations(self) -> None:
        """Cancellations after the last mark less a day (late, backdated cancellations),
        and once a day all of them; reversals already made are skipped by source key."""
        today = self.now.date().isoformat()
        mark = self.cursors.get("cancelled")
        after: tuple[datetime, int] | None = None
        if mark and self.cursors.get("cancelled_swept_on") == today:
            after = (datetime.fromisoformat(mark[0]) - CANCEL_LOOKBACK, 0)
        self.cursors["cancelled_swept_on"] = today
        for _ in range(MAX_BATCHES):
            batch = commerce.cancelled_since(self.session, self.ws, after=after, limit=BATCH)
            if not batch:
                return
            keys = [f"order:{o.external_id}" for o in batch]
            earned = store.entries_by_key(self.session, self.ws,
                                          keys + [f"reverse:{k}" for k in keys])
            for order in batch:
                found = earned.get(f"order:{order.external_id}")
                if (found is not None and found[1] > 0
                        and f"reverse:order:{order.external_id}" not in earned):
                    self.take_back(found[0], order.external_id, found[1], reason="Cancelled")
            last = batch[-1]
            assert last.cancelled_at is not None
            after = (as_utc(last.cancelled_at), last.id)
            if not mark or after[0] > datetime.fromisoformat(mark[0]):
                mark = [after[0].isoformat(), last.id]
                self.cursors["cancelled"] = mark
            if len(batch) < BATCH:
                return

    # --- engagement sources ----------------------------------------------------------------

    def engagement(self, name: str, fetch: Any, rule: str, badge: str, key_prefix: str,
                   reason: str) -> None:
        """One paged source: ``fetch(mark, limit)`` gives ([(key id, customer, at)], next
        mark, more)."""
        for _ in range(MAX_BATCHES):
            batch, mark, more = fetch(self.cursors.get(name), BATCH)
            members = self.members({c for _, c, _ in batch if c})
            for key_id, customer_id, at in batch:
                member = members.get(customer_id or 0)
                if member is None or as_utc(at) < as_utc(member.joined_at):
                    continue
                self.bonus(member.customer_id, rule, f"{key_prefix}:{key_id}", as_utc(at),
                           reason)
                self.badge(member.customer_id, badge, f"{key_prefix}:{key_id}")
            if mark is not None:
                self.cursors[name] = mark
            if not more:
                return

    def sources(self) -> None:
        session, ws = self.session, self.ws

        def keyset(mark: Any) -> tuple[datetime, Any] | None:
            return (datetime.fromisoformat(mark[0]), mark[1]) if mark else None

        def paged(rows: list[tuple[Any, Any, datetime]], limit: int,
                  keyed: bool) -> tuple[list[tuple[Any, Any, datetime]], Any, bool]:
            if not rows:
                return [], None, False
            last = rows[-1]
            mark = [as_utc(last[2]).isoformat(), last[0]] if keyed else last[0]
            return rows, mark, len(rows) == limit

        def approved(mark: Any, limit: int) -> tuple[list[Any], Any, bool]:
            rows = reviews.approved_since(session, ws, after=keyset(mark), limit=limit)
            return paged([(r, c, at) for r, c, at in rows], limit, True)

        def answered(mark: Any, limit: int) -> tuple[list[Any], Any, bool]:
            rows = surveys.responses_since(session, ws, after=keyset(mark), limit=limit)
            return paged([(r, c, at) for r, c, at in rows], limit, True)

        def referred(mark: Any, limit: int) -> tuple[list[Any], Any, bool]:
            after = int(mark or 0)
            rows, upto = ingest.events_named_since(session, ws, REFERRAL_EVENT,
                                                   after_id=after, limit=limit)
            return [(m, c, at) for _, m, c, at in rows], upto, upto > after

        def shipped(mark: Any, limit: int) -> tuple[list[Any], Any, bool]:
            rows = ideas.shipped_since(session, ws, after_id=int(mark or 0), limit=limit)
            found, _, more = paged([(i, c, at) for _, i, c, at in rows], limit, False)
            return found, (rows[-1][0] if rows else None), more

        self.engagement("reviews", approved, "review", "first_review", "bonus:review",
                        "Review bonus")
        self.engagement("surveys", answered, "survey_response", "survey_voice",
                        "bonus:survey", "Survey bonus")
        self.engagement("referrals", referred, "referral", "referrer", "bonus:referral",
                        "Referral bonus")
        self.engagement("ideas", shipped, "idea_shipped", "idea_shipped", "bonus:idea",
                        "Idea shipped bonus")

    def birthdays(self) -> None:
        hour = self.now.strftime("%Y-%m-%dT%H")
        if self.cursors.get("birthdays") == hour or self.config.bonus_rules.get(
                "birthday", 0) <= 0:
            return
        self.cursors["birthdays"] = hour
        default_zone = workspaces.get_workspace(self.session, self.ws).timezone
        today = self.now.date()
        days = {today + timedelta(days=d) for d in (-1, 0, 1)}
        wanted = {(d.month, d.day) for d in days}
        if (2, 28) in wanted:
            wanted.add((2, 29))  # celebrated on 28 February in common years
        found = profiles.birthdays_on(self.session, self.ws, sorted(wanted))
        members = self.members({c for c, _, _ in found})
        for customer_id, birthday, zone in found:
            member = members.get(customer_id)
            if member is None:
                continue
            local = self.now.astimezone(_zone(zone, default_zone)).date()
            if _celebrated_on(birthday, local.year) == local:
                self.bonus(customer_id, "birthday",
                           f"bonus:birthday:{customer_id}:{local.year}", self.now,
                           "Birthday bonus")

    # --- expiry and tiers ------------------------------------------------------------------

    def expiry(self) -> None:
        mark = self.cursors.get("expiry")
        since = datetime.fromisoformat(mark) if mark else None
        for customer_id in store.customers_with_lots_due(self.session, self.ws,
                                                         since=since, until=self.now):
            store.lock_member(self.session, self.ws, CustomerId(customer_id))
            entries, points = expire_due(self.session, self.ws, CustomerId(customer_id),
                                         self.now)
            self.counts["expired_entries"] += entries
            self.counts["expired_points"] += points
        self.cursors["expiry"] = self.now.isoformat()

    def tiers(self) -> None:
        if not self.config.tiers:
            return
        self.evaluate(self.touched)
        today = self.now.date().isoformat()
        if self.cursors.get("tiers_swept_on") == today:
            return
        after = 0
        while True:
            ids = store.active_member_ids(self.session, self.ws, after=after, limit=BATCH)
            if not ids:
                break
            self.evaluate({c for _, c in ids})
            after = ids[-1][0]
        self.cursors["tiers_swept_on"] = today

    def evaluate(self, customer_ids: Collection[int]) -> None:
        if not customer_ids:
            return
        members = self.members(customer_ids)
        figures = qualifying.figures(self.session, self.programme,
                                     [CustomerId(c) for c in members], self.now)
        tiers = self.config.tiers
        keys = [t.key for t in tiers]
        for customer_id, member in members.items():
            figure = figures.get(CustomerId(customer_id), Decimal(0))
            target = _programme.tier_for(tiers, figure) or tiers[0]
            if target.key == member.tier:
                continue
            up = member.tier not in keys or keys.index(target.key) > keys.index(member.tier)
            store.insert_tier_change(self.session, {
                "workspace_id": self.ws, "customer_id": customer_id,
                "from_tier": member.tier, "to_tier": target.key, "changed_at": self.now,
                "qualifying": figure, "reason": "upgrade" if up else "downgrade"})
            member.tier, member.tier_since = target.key, self.now
            self.counts["tier_changes"] += 1
            if target.key == keys[-1] and len(keys) > 1:
                self.badge(customer_id, "gold_member", f"tier:{target.key}")
        self.session.flush()


def _zone(name: str | None, default: str) -> ZoneInfo:
    for candidate in (name, default, "Asia/Tokyo"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def _celebrated_on(birthday: date, year: int) -> date:
    if birthday.month == 2 and birthday.day == 29:
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return date(year, birthday.month, birthday.day)


def award_badge(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId,
                badge: str, *, source_key: str, now: datetime) -> bool:
    """Award a badge once per member (under the member's lock); False if they have it."""
    store.lock_member(session, workspace_id, customer_id)
    if badge in store.badges(session, workspace_id, customer_id):
        return False
    store.insert_badge(session, {"workspace_id": workspace_id, "customer_id": customer_id,
                                 "badge": badge, "awarded_at": now,
                                 "source_key": source_key[:200]})
    return True


def run_programme(session: Session, workspace_id: WorkspaceId, *,
                  now: datetime) -> ProgrammeRun:
    """Process everything new since the last run (idempotent; runs are serialised per
    workspace by a lock on the programme row)."""
    now = ensure_aware_utc(now)
    row = session.get(LoyaltyProgramRow, workspace_id, with_for_update=True)
    if row is None or not row.active:
        return ProgrammeRun()
    programme = _programme.to_programme(row)
    run = _Run(session, programme, row, now)
    run.orders()
    run.cancellations()
    run.sources()
    run.birthdays()
    run.expiry()
    run.tiers()
    row.cursors = dict(run.cursors)
    session.flush()
    c = run.counts
    return ProgrammeRun(enrolled=c["enrolled"], orders_earned=c["orders_earned"],
                        points_earned=c["points_earned"], reversals=c["reversals"],
                        bonuses=dict(run.bonuses), tier_changes=c["tier_changes"],
                        badges=c["badges"], expired_entries=c["expired_entries"],
                        expired_points=c["expired_points"])
