"""What crosses the boundary of the loyalty domain: frozen dataclasses and enums."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from kizuna.paging import Page as Page  # re-exported: the domain's list_* pages
from kizuna.types import CustomerId, WorkspaceId

BONUS_RULES = ("first_order", "review", "survey_response", "referral", "birthday",
               "idea_shipped")


class EntryKind(StrEnum):
    EARN = "earn"  # a purchase
    BONUS = "bonus"  # a bonus rule, or a journey's award
    REDEEM = "redeem"  # a reward bought with points
    EXPIRE = "expire"  # what was left of a lot on its expiry date
    REVERSE = "reverse"  # a cancelled or returned order takes its points back
    ADJUST = "adjust"  # a staff correction


class Enrolment(StrEnum):
    OPT_IN = "opt_in"  # customers join with ``enrol``
    AUTOMATIC = "automatic"  # every ordering customer joins on the next programme run


class TierBasis(StrEnum):
    SPEND = "spend"  # non-cancelled order totals in the rolling window
    POINTS = "points"  # points earned (earn + bonus) in the rolling window


@dataclass(frozen=True, slots=True, kw_only=True)
class TierSpec:
    """A tier: reached when the qualifying figure is at least ``threshold``."""

    key: str
    threshold: Decimal
    multiplier: Decimal = Decimal("1")
    name_ja: str = ""
    name_en: str = ""
    benefits_ja: str = ""
    benefits_en: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgrammeConfig:
    """How points are earned, expire and qualify for tiers (see ``default_programme_config``).

    ``bonus_rules`` maps a rule key (``BONUS_RULES``) to its points; a rule absent or at 0 is
    off. ``tiers`` are in ascending threshold order and the first has threshold 0.
    """

    name: str
    currency: str
    points_per_unit: Decimal = Decimal("1")
    point_value: Decimal = Decimal("1")
    enrolment: Enrolment = Enrolment.OPT_IN
    active: bool = True
    expiry_months: int | None = 12
    bonus_rules: dict[str, int] = field(default_factory=dict)
    tier_basis: TierBasis = TierBasis.SPEND
    tier_window_days: int = 365
    tiers: tuple[TierSpec, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Programme:
    workspace_id: WorkspaceId
    config: ProgrammeConfig
    created_at: datetime
    updated_at: datetime

    def tier(self, key: str | None) -> TierSpec | None:
        return next((t for t in self.config.tiers if t.key == key), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    workspace_id: WorkspaceId
    customer_id: CustomerId
    status: str  # active | left
    channel: str
    joined_at: datetime
    left_at: datetime | None
    tier: str | None
    tier_since: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerEntry:
    id: int
    customer_id: CustomerId
    kind: EntryKind
    points: int
    source_key: str
    reason: str
    qualifying_amount: Decimal | None
    details: dict[str, Any]
    occurred_at: datetime
    expires_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class BadgeRule:
    key: str
    name_ja: str
    name_en: str
    description_ja: str
    description_en: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberBadge:
    key: str
    name_ja: str
    name_en: str
    awarded_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberSummary:
    customer_id: CustomerId
    status: str
    channel: str
    joined_at: datetime
    balance: int
    tier: str | None
    tier_name_ja: str
    tier_name_en: str
    tier_since: datetime | None
    benefits_ja: str
    benefits_en: str
    qualifying: Decimal  # the figure (spend or points) in the rolling window
    next_tier: str | None
    next_tier_name_ja: str
    next_tier_name_en: str
    missing_for_next: Decimal | None  # what is missing to reach ``next_tier``
    expiring_points: int  # expiring within 30 days
    expiring_at: datetime | None  # the earliest of those expiries
    badges: tuple[MemberBadge, ...]
    lifetime_earned: int
    lifetime_redeemed: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RewardSpec:
    key: str
    name_ja: str
    name_en: str
    cost_points: int
    coupon_prefix: str
    description_ja: str = ""
    description_en: str = ""
    stock: int | None = None  # None: unlimited
    min_tier: str | None = None
    active: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class Reward:
    id: int
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


@dataclass(frozen=True, slots=True, kw_only=True)
class Redemption:
    id: int
    customer_id: CustomerId
    reward_key: str
    reward_id: int
    entry_id: int
    points: int  # spent (positive)
    coupon_code: str
    status: str
    created_at: datetime
    replayed: bool = False  # True: an earlier call with the same idempotency key made it


@dataclass(frozen=True, slots=True, kw_only=True)
class TierChange:
    customer_id: CustomerId
    from_tier: str | None
    to_tier: str | None
    changed_at: datetime
    qualifying: Decimal
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgrammeRun:
    """What one programme run did (every count 0 on an idempotent re-run)."""

    enrolled: int = 0
    orders_earned: int = 0
    points_earned: int = 0
    reversals: int = 0
    bonuses: dict[str, int] = field(default_factory=dict)
    tier_changes: int = 0
    badges: int = 0
    expired_entries: int = 0
    expired_points: int = 0
