"""Programme configuration: defaults validate, mistakes are all reported."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kizuna.loyalty.errors import LoyaltyConfigInvalid
from kizuna.loyalty.points import add_months, points_for
from kizuna.loyalty.programme import default_programme_config, next_tier, tier_for, validate


@pytest.mark.parametrize("currency", ["JPY", "USD", "eur"])
def test_defaults_are_valid(currency: str) -> None:
    config = validate(default_programme_config(currency))
    assert config.currency == currency.upper()
    assert [t.key for t in config.tiers] == ["member", "silver", "gold"]
    assert config.expiry_months == 12 and config.points_per_unit == 1


def test_every_problem_is_listed() -> None:
    base = default_programme_config("JPY")
    bad = replace(base, name=" ", expiry_months=121,
                  tiers=(replace(base.tiers[0], threshold=Decimal(5), multiplier=Decimal("0.5")),),
                  bonus_rules={"review": -1})
    with pytest.raises(LoyaltyConfigInvalid) as caught:
        validate(bad)
    fields = [e["field"] for e in caught.value.errors]
    assert fields == ["name", "expiry_months", "bonus_rules.review", "tiers.0.threshold",
                      "tiers.0.multiplier"]


def test_tiers_must_ascend() -> None:
    base = default_programme_config("JPY")
    swapped = (base.tiers[0], base.tiers[2], base.tiers[1])
    with pytest.raises(LoyaltyConfigInvalid):
        validate(replace(base, tiers=swapped))


def test_tier_for_and_next() -> None:
    tiers = default_programme_config("JPY").tiers
    assert tier_for(tiers, Decimal(0)) == tiers[0]
    assert tier_for(tiers, Decimal(50_000)) == tiers[1]
    assert tier_for(tiers, Decimal(10**9)) == tiers[2]
    assert next_tier(tiers, "member") == tiers[1]
    assert next_tier(tiers, "gold") is None


@given(st.decimals(min_value=0, max_value=10**7, places=2),
       st.decimals(min_value=0, max_value=100, places=4),
       st.sampled_from([Decimal(1), Decimal("1.25"), Decimal("1.5")]))
def test_points_are_floored_and_monotone(amount: Decimal, ppu: Decimal, mult: Decimal) -> None:
    points = points_for(amount, ppu, mult)
    assert points <= amount * ppu * mult < points + 1
    assert points_for(amount + 1, ppu, mult) >= points


def test_add_months_clamps_to_month_end() -> None:
    at = datetime(2026, 1, 31, 12, tzinfo=UTC)
    assert add_months(at, 1) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert add_months(at, 12) == datetime(2027, 1, 31, 12, tzinfo=UTC)
    assert add_months(datetime(2024, 2, 29, tzinfo=UTC), 12) == datetime(2025, 2, 28,
                                                                         tzinfo=UTC)
