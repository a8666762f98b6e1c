"""The programme configuration: defaults, validation, and its stored form."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from kizuna.clock import as_utc
from kizuna.loyalty.contracts import (
    BONUS_RULES,
    Enrolment,
    Programme,
    ProgrammeConfig,
    TierBasis,
    TierSpec,
)
from kizuna.loyalty.errors import LoyaltyConfigInvalid
from kizuna.loyalty.tables import LoyaltyProgramRow
from kizuna.types import WorkspaceId

KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_BONUS_POINTS = 1_000_000


def default_programme_config(currency: str) -> ProgrammeConfig:
    """Starbucks-like defaults: 1 point per currency unit, points expire after 12 months
    (first in, first out), bonuses for engagement, three tiers by 12-month spend."""
    yen = currency.upper() == "JPY"
    scale = Decimal(1) if yen else Decimal("0.01")  # thresholds are ~¥50k / ¥150k

    def threshold(amount: int) -> Decimal:
        return (Decimal(amount) * scale).quantize(Decimal("1"))

    return ProgrammeConfig(
        name="Kizuna Rewards",
        currency=currency.upper(),
        points_per_unit=Decimal("1"),
        point_value=Decimal("0.01"),  # 1 % back: 100 points are worth one currency unit
        enrolment=Enrolment.OPT_IN,
        expiry_months=12,
        bonus_rules={
            "first_order": 100,
            "review": 20,
            "survey_response": 10,
            "referral": 200,
            "birthday": 100,
            "idea_shipped": 150,
        },
        tier_basis=TierBasis.SPEND,
        tier_window_days=365,
        tiers=(
            TierSpec(key="member", threshold=Decimal(0), multiplier=Decimal("1.0"),
                     name_ja="メンバー", name_en="Member",
                     benefits_ja="お買い物でポイントがたまります。",
                     benefits_en="Earn points on every purchase."),
            TierSpec(key="silver", threshold=threshold(50_000), multiplier=Decimal("1.25"),
                     name_ja="シルバー", name_en="Silver",
                     benefits_ja="ポイント1.25倍、誕生日ボーナス。",
                     benefits_en="1.25× points and a birthday bonus."),
            TierSpec(key="gold", threshold=threshold(150_000), multiplier=Decimal("1.5"),
                     name_ja="ゴールド", name_en="Gold",
                     benefits_ja="ポイント1.5倍、限定特典、優先サポート。",
                     benefits_en="1.5× points, members-only rewards and priority support."),
        ),
    )


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def validate(config: ProgrammeConfig) -> ProgrammeConfig:
    """The configuration, normalised; raises ``LoyaltyConfigInvalid`` listing every problem."""
    errors: list[dict[str, str]] = []

    def fail(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    if not config.name.strip() or len(config.name) > 200:
        fail("name", "Give the programme a name (1–200 characters).")
    if not CURRENCY.match(config.currency or ""):
        fail("currency", "Use a three-letter ISO 4217 code such as JPY.")
    ppu = _decimal(config.points_per_unit)
    if ppu is None or ppu < 0 or ppu > 10_000:
        fail("points_per_unit", "Points per currency unit must be between 0 and 10000.")
    value = _decimal(config.point_value)
    if value is None or value < 0:
        fail("point_value", "The value of a point must be 0 or more.")
    if config.expiry_months is not None and not 1 <= config.expiry_months <= 120:
        fail("expiry_months", "Points expire after 1 to 120 months, or never (empty).")
    for key, points in config.bonus_rules.items():
        if key not in BONUS_RULES:
            fail("bonus_rules", f"Unknown bonus rule {key!r}; use one of "
                                f"{', '.join(BONUS_RULES)}.")
        elif not isinstance(points, int) or not 0 <= points <= MAX_BONUS_POINTS:
            fail(f"bonus_rules.{key}", f"Bonus points must be a whole number 0–"
                                       f"{MAX_BONUS_POINTS}.")
    if not 1 <= config.tier_window_days <= 3660:
        fail("tier_window_days", "The tier window is 1 to 3660 days.")
    try:
        Enrolment(config.enrolment)
        TierBasis(config.tier_basis)
    except ValueError:
        fail("enrolment", "Enrolment is opt_in or automatic; the tier basis spend or points.")
    _validate_tiers(config.tiers, fail)
    if errors:
        raise LoyaltyConfigInvalid(errors)
    return replace(config, name=config.name.strip(), enrolment=Enrolment(config.enrolment),
                   tier_basis=TierBasis(config.tier_basis), bonus_rules=dict(config.bonus_rules))


def _validate_tiers(tiers: tuple[TierSpec, ...], fail: Any) -> None:
    if not tiers:
        fail("tiers", "Define at least one tier (the entry tier has threshold 0).")
        return
    keys = [t.key for t in tiers]
    if len(set(keys)) != len(keys):
        fail("tiers", "Tier keys must be unique.")
    previous: Decimal | None = None
    for i, tier in enumerate(tiers):
        if not KEY.match(tier.key):
            fail(f"tiers.{i}.key", "Tier keys are lowercase letters, digits and _ (≤ 32).")
        threshold = _decimal(tier.threshold)
        multiplier = _decimal(tier.multiplier)
        if threshold is None or threshold < 0:
            fail(f"tiers.{i}.threshold", "Thresholds are 0 or more.")
        elif i == 0 and threshold != 0:
            fail("tiers.0.threshold", "The first tier must have threshold 0.")
        elif previous is not None and threshold <= previous:
            fail(f"tiers.{i}.threshold", "Tier thresholds must be strictly ascending.")
        if threshold is not None:
            previous = threshold
        if multiplier is None or multiplier < 1 or multiplier > 100:
            fail(f"tiers.{i}.multiplier", "Multipliers are between 1 and 100.")
        if not tier.name_ja.strip() or not tier.name_en.strip():
            fail(f"tiers.{i}.name", "Give every tier a Japanese and an English name.")


def tiers_to_json(tiers: tuple[TierSpec, ...]) -> list[dict[str, Any]]:
    return [{"key": t.key, "threshold": str(t.threshold), "multiplier": str(t.multiplier),
             "name_ja": t.name_ja, "name_en": t.name_en, "benefits_ja": t.benefits_ja,
             "benefits_en": t.benefits_en} for t in tiers]


def tiers_from_json(doc: list[dict[str, Any]]) -> tuple[TierSpec, ...]:
    return tuple(TierSpec(key=str(t["key"]), threshold=Decimal(str(t["threshold"])),
                          multiplier=Decimal(str(t.get("multiplier", "1"))),
                          name_ja=str(t.get("name_ja", "")), name_en=str(t.get("name_en", "")),
                          benefits_ja=str(t.get("benefits_ja", "")),
                          benefits_en=str(t.get("benefits_en", ""))) for t in doc)


def tier_for(tiers: tuple[TierSpec, ...], figure: Decimal) -> TierSpec | None:
    """The highest tier whose threshold ``figure`` reaches."""
    reached = [t for t in tiers if figure >= t.threshold]
    return reached[-1] if reached else None


def next_tier(tiers: tuple[TierSpec, ...], current: str | None) -> TierSpec | None:
    keys = [t.key for t in tiers]
    if current not in keys:
        return tiers[0] if tiers else None
    i = keys.index(current)
    return tiers[i + 1] if i + 1 < len(tiers) else None


def to_programme(row: LoyaltyProgramRow) -> Programme:
    config = ProgrammeConfig(
        name=row.name, currency=row.currency, points_per_unit=row.points_per_unit,
        point_value=row.point_value, enrolment=Enrolment(row.enrolment), active=row.active,
        expiry_months=row.expiry_months,
        bonus_rules={str(k): int(v) for k, v in (row.bonus_rules or {}).items()},
        tier_basis=TierBasis(row.tier_basis), tier_window_days=row.tier_window_days,
        tiers=tiers_from_json(row.tiers or []))
    return Programme(workspace_id=WorkspaceId(row.workspace_id), config=config,
                     created_at=as_utc(row.created_at), updated_at=as_utc(row.updated_at))
