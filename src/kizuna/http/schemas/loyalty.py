"""Pydantic request and response models of the loyalty API, and their contract converters."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from kizuna.loyalty.api import GroupComparison, LoyaltyReport
from kizuna.loyalty.contracts import (
    Enrolment,
    LedgerEntry,
    Member,
    MemberSummary,
    Page,
    Programme,
    ProgrammeConfig,
    ProgrammeRun,
    Redemption,
    Reward,
    RewardSpec,
    TierBasis,
    TierSpec,
)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class TierIn(_In):
    key: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_-]+$")
    threshold: Decimal = Field(description="Qualifying spend (or points) to reach the tier")
    multiplier: Decimal = Field(Decimal("1"), description="Points multiplier (>= 1)")
    name_ja: str = Field("", max_length=100)
    name_en: str = Field("", max_length=100)
    benefits_ja: str = Field("", max_length=2000)
    benefits_en: str = Field("", max_length=2000)


class ProgrammeIn(_In):
    """The whole programme; ``PUT`` replaces it (the domain validates the rules)."""

    name: str = Field(min_length=1, max_length=200)
    currency: str = Field(min_length=3, max_length=3)
    points_per_unit: Decimal = Field(Decimal("1"), description="Points per 1 currency unit")
    point_value: Decimal = Field(Decimal("0.01"),
                                 description="What one point is worth, in the currency")
    enrolment: Enrolment = Enrolment.OPT_IN
    active: bool = True
    expiry_months: int | None = Field(12, description="None: points never expire")
    bonus_rules: dict[str, int] = Field(default_factory=dict,
                                        description="Rule key → points (0: off)")
    tier_basis: TierBasis = TierBasis.SPEND
    tier_window_days: int = 365
    tiers: list[TierIn] = Field(default_factory=list, max_length=20)

    def to_config(self) -> ProgrammeConfig:
        return ProgrammeConfig(
            name=self.name, currency=self.currency.upper(),
            points_per_unit=self.points_per_unit, point_value=self.point_value,
            enrolment=self.enrolment, active=self.active, expiry_months=self.expiry_months,
            bonus_rules=dict(self.bonus_rules), tier_basis=self.tier_basis,
            tier_window_days=self.tier_window_days,
            tiers=tuple(TierSpec(**t.model_dump()) for t in self.tiers),
        )


class TierOut(_Out):
    key: str
    threshold: Decimal
    multiplier: Decimal
    name_ja: str
    name_en: str
    benefits_ja: str
    benefits_en: str


class ProgrammeOut(_Out):
    configured: bool = Field(description="false: no programme yet; the fields are the "
                             "suggested defaults (PUT them to start)")
    name: str
    currency: str
    points_per_unit: Decimal
    point_value: Decimal
    enrolment: str
    active: bool
    expiry_months: int | None
    bonus_rules: dict[str, int]
    tier_basis: str
    tier_window_days: int
    tiers: list[TierOut]
    created_at: datetime | None
    updated_at: datetime | None


def programme_out(p: Programme | None, *, defaults: ProgrammeConfig | None = None
                  ) -> ProgrammeOut:
    c = p.config if p is not None else defaults
    assert c is not None
    return ProgrammeOut(
        configured=p is not None, name=c.name, currency=c.currency,
        points_per_unit=c.points_per_unit,
        point_value=c.point_value, enrolment=str(c.enrolment), active=c.active,
        expiry_months=c.expiry_months, bonus_rules=dict(c.bonus_rules),
        tier_basis=str(c.tier_basis), tier_window_days=c.tier_window_days,
        tiers=[TierOut(key=t.key, threshold=t.threshold, multiplier=t.multiplier,
                       name_ja=t.name_ja, name_en=t.name_en, benefits_ja=t.benefits_ja,
                       benefits_en=t.benefits_en) for t in c.tiers],
        created_at=p.created_at if p else None, updated_at=p.updated_at if p else None,
    )


class EnrolIn(_In):
    channel: str = Field("api", min_length=1, max_length=32)


class MemberOut(_Out):
    customer_id: int
    status: str
    channel: str
    joined_at: datetime
    left_at: datetime | None
    tier: str | None
    tier_since: datetime | None


def member_out(m: Member) -> MemberOut:
    return MemberOut(customer_id=m.customer_id, status=m.status, channel=m.channel,
                     joined_at=m.joined_at, left_at=m.left_at, tier=m.tier,
                     tier_since=m.tier_since)


class BadgeOut(_Out):
    key: str
    name_ja: str
    name_en: str
    awarded_at: datetime


class MemberSummaryOut(_Out):
    customer_id: int
    status: str
    channel: str
    joined_at: datetime
    balance: int
    tier: str | None
    tier_name_ja: str
    tier_name_en: str
    tier_since: datetime | None
    qualifying: Decimal
    next_tier: str | None
    next_tier_name_ja: str
    next_tier_name_en: str
    missing_for_next: Decimal | None
    expiring_points: int
    expiring_at: datetime | None
    badges: list[BadgeOut]
    lifetime_earned: int
    lifetime_redeemed: int


def summary_out(m: MemberSummary) -> MemberSummaryOut:
    return MemberSummaryOut(
        customer_id=m.customer_id, status=m.status, channel=m.channel, joined_at=m.joined_at,
        balance=m.balance, tier=m.tier, tier_name_ja=m.tier_name_ja,
        tier_name_en=m.tier_name_en, tier_since=m.tier_since, qualifying=m.qualifying,
        next_tier=m.next_tier, next_tier_name_ja=m.next_tier_name_ja,
        next_tier_name_en=m.next_tier_name_en, missing_for_next=m.missing_for_next,
        expiring_points=m.expiring_points, expiring_at=m.expiring_at,
        badges=[BadgeOut(key=b.key, name_ja=b.name_ja, name_en=b.name_en,
                         awarded_at=b.awarded_at) for b in m.badges],
        lifetime_earned=m.lifetime_earned, lifetime_redeemed=m.lifetime_redeemed,
    )


class MemberStatusOut(_Out):
    customer_id: int
    member: bool = Field(description="false: not a member (or left); `summary` is null")
    summary: MemberSummaryOut | None


class MemberListOut(_Out):
    items: list[MemberSummaryOut]
    total: int
    page: int
    page_size: int


def member_list_out(page: Page[MemberSummary]) -> MemberListOut:
    return MemberListOut(items=[summary_out(m) for m in page.items], total=page.total,
                         page=page.page, page_size=page.page_size)


class EntryOut(_Out):
    id: int
    kind: str
    points: int
    source_key: str
    reason: str
    qualifying_amount: Decimal | None
    occurred_at: datetime
    expires_at: datetime | None


class EntryListOut(_Out):
    items: list[EntryOut]
    total: int
    page: int
    page_size: int


def entry_out(e: LedgerEntry) -> EntryOut:
    return EntryOut(id=e.id, kind=str(e.kind), points=e.points, source_key=e.source_key,
                    reason=e.reason, qualifying_amount=e.qualifying_amount,
                    occurred_at=e.occurred_at, expires_at=e.expires_at)


def entry_list_out(page: Page[LedgerEntry]) -> EntryListOut:
    return EntryListOut(items=[entry_out(e) for e in page.items], total=page.total,
                        page=page.page, page_size=page.page_size)


class AdjustmentIn(_In):
    points: int = Field(description="Points to add (> 0) or take away (< 0)",
                        ge=-10_000_000, le=10_000_000)
    reason: str = Field(min_length=1, max_length=200)


class RedemptionIn(_In):
    reward: str = Field(min_length=1, max_length=64, description="The reward's key")


class RedemptionOut(_Out):
    id: int
    customer_id: int
    reward_key: str
    points: int
    coupon_code: str
    status: str
    created_at: datetime
    replayed: bool


def redemption_out(r: Redemption) -> RedemptionOut:
    return RedemptionOut(id=r.id, customer_id=r.customer_id, reward_key=r.reward_key,
                         points=r.points, coupon_code=r.coupon_code, status=r.status,
                         created_at=r.created_at, replayed=r.replayed)


class RewardIn(_In):
    name_ja: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    cost_points: int = Field(ge=1, le=100_000_000)
    coupon_prefix: str = Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9-]+$")
    description_ja: str = Field("", max_length=2000)
    description_en: str = Field("", max_length=2000)
    stock: int | None = Field(None, ge=0)
    min_tier: str | None = Field(None, max_length=32)
    active: bool = True

    def to_spec(self, key: str) -> RewardSpec:
        return RewardSpec(key=key, **self.model_dump())


class RewardOut(_Out):
    key: str
    name_ja: str
    name_en: str
    description_ja: str
    description_en: str
    cost_points: int
    coupon_prefix: str
    stock: int | None
    min_tier: str | None
    active: bool
    created_at: datetime


def reward_out(r: Reward) -> RewardOut:
    return RewardOut(key=r.key, name_ja=r.name_ja, name_en=r.name_en,
                     description_ja=r.description_ja, description_en=r.description_en,
                     cost_points=r.cost_points, coupon_prefix=r.coupon_prefix, stock=r.stock,
                     min_tier=r.min_tier, active=r.active, created_at=r.created_at)


class ComparisonOut(_Out):
    metric: str = Field(description="aov, frequency, retention, clv or predicted_clv (absent "
                        "when the CLV models cannot be fitted)")
    members: float | None
    non_members: float | None
    n_members: int
    n_non_members: int
    relative: float | None = Field(description="members / non-members - 1 (null: not enough "
                                   "data, fewer than 30 customers on a side)")
    low: float | None = Field(description="95 % interval of `relative` (bootstrap)")
    high: float | None
    enough: bool


class TierCountOut(_Out):
    tier: str | None
    members: int


class ReportOut(_Out):
    window_start: datetime
    window_end: datetime
    window_days: int
    currency: str | None
    comparisons: list[ComparisonOut]
    member_customers: int
    non_member_customers: int
    former_member_customers: int
    member_orders: int
    non_member_orders: int
    member_orders_before_joining: int
    active_members: int
    members_by_tier: list[TierCountOut]
    outstanding_points: int
    point_value: Decimal | None
    liability: Decimal | None
    points_earned: int
    points_redeemed: int
    redemption_rate: float | None
    expiring_points: int
    method: str


def _comparison_out(c: GroupComparison) -> ComparisonOut:
    return ComparisonOut(metric=c.metric, members=c.members, non_members=c.non_members,
                         n_members=c.n_members, n_non_members=c.n_non_members,
                         relative=c.relative, low=c.low, high=c.high, enough=c.enough)


def report_out(r: LoyaltyReport) -> ReportOut:
    return ReportOut(
        window_start=r.window_start, window_end=r.window_end, window_days=r.window_days,
        currency=r.currency, comparisons=[_comparison_out(c) for c in r.comparisons],
        member_customers=r.member_customers, non_member_customers=r.non_member_customers,
        former_member_customers=r.former_member_customers, member_orders=r.member_orders,
        non_member_orders=r.non_member_orders,
        member_orders_before_joining=r.member_orders_before_joining,
        active_members=r.active_members,
        members_by_tier=[TierCountOut(tier=t, members=n) for t, n in r.members_by_tier],
        outstanding_points=r.outstanding_points, point_value=r.point_value,
        liability=r.liability, points_earned=r.points_earned,
        points_redeemed=r.points_redeemed, redemption_rate=r.redemption_rate,
        expiring_points=r.expiring_points, method=r.method,
    )


class RunOut(_Out):
    enrolled: int
    orders_earned: int
    points_earned: int
    reversals: int
    bonuses: dict[str, int]
    tier_changes: int
    badges: int
    expired_entries: int
    expired_points: int


def run_out(r: ProgrammeRun) -> RunOut:
    return RunOut(enrolled=r.enrolled, orders_earned=r.orders_earned,
                  points_earned=r.points_earned, reversals=r.reversals,
                  bonuses=dict(r.bonuses), tier_changes=r.tier_changes, badges=r.badges,
                  expired_entries=r.expired_entries, expired_points=r.expired_points)
