"""The loyalty ledger through the facade, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kizuna.loyalty import api as loyalty
from kizuna.loyalty.contracts import EntryKind
from kizuna.loyalty.errors import (
    InsufficientPoints,
    LoyaltyConfigInvalid,
    NotAMember,
    RewardUnavailable,
)
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.integration.loyalty.shop import T0, customers, programme, reward


def test_bonus_adjust_redeem_and_replays(runtime: Runtime, workspace: Workspace) -> None:
    ws = workspace.id
    with runtime.sessions() as s, s.begin():
        programme(s, ws)
        (aiko,) = customers(s, ws, "u-aiko")
        with pytest.raises(NotAMember):
            loyalty.award_bonus(s, ws, aiko, rule="review", source_key="x", now=T0)
    with runtime.sessions() as s, s.begin():
        member = loyalty.enrol(s, ws, aiko, channel="api", now=T0)
        assert loyalty.enrol(s, ws, aiko, channel="api", now=T0 + timedelta(days=1)) == member
        assert member.tier == "member"
        first = loyalty.award_bonus(s, ws, aiko, rule="referral", source_key="bonus:t:1",
                                    now=T0)
        assert first is not None and first.points == 200 and first.kind == EntryKind.BONUS
        assert loyalty.award_bonus(s, ws, aiko, rule="referral", source_key="bonus:t:1",
                                   now=T0) is None
        adj = loyalty.adjust_points(s, ws, aiko, points=50, reason="goodwill",
                                    idempotency_key="a1", now=T0)
        assert loyalty.adjust_points(s, ws, aiko, points=50, reason="goodwill",
                                     idempotency_key="a1", now=T0).id == adj.id
        reward(s, ws, "coffee", 150, stock=1)
        reward(s, ws, "mug", 1000)
    with runtime.sessions() as s, s.begin():
        r = loyalty.redeem_reward(s, ws, aiko, "coffee", idempotency_key="r1", now=T0)
        assert r.points == 150 and r.coupon_code.startswith("KZ-") and not r.replayed
        again = loyalty.redeem_reward(s, ws, aiko, "coffee", idempotency_key="r1", now=T0)
        assert again.replayed and again.coupon_code == r.coupon_code
    with runtime.sessions() as s, s.begin(), pytest.raises(RewardUnavailable):
        loyalty.redeem_reward(s, ws, aiko, "coffee", idempotency_key="r2", now=T0)
    with runtime.sessions() as s, s.begin(), pytest.raises(InsufficientPoints):
        loyalty.redeem_reward(s, ws, aiko, "mug", idempotency_key="r3", now=T0)
    with runtime.sessions() as s, s.begin():
        cut = loyalty.adjust_points(s, ws, aiko, points=-500, reason="fraud",
                                    idempotency_key="a2", now=T0)
        assert cut.points == -100 and cut.details["unrecovered"] == 400
        summary = loyalty.member_summary(s, ws, aiko, now=T0)
        assert summary is not None and summary.balance == 0
        assert summary.lifetime_earned == 200 and summary.lifetime_redeemed == 150
        history = loyalty.member_history(s, ws, aiko)
        assert history.total == 4 and sum(e.points for e in history.items) == 0
        assert loyalty.loyalty_for_template(s, ws, aiko, now=T0)["balance"] == 0  # type: ignore[index]


def test_config_validation_lists_problems(runtime: Runtime, workspace: Workspace) -> None:
    from dataclasses import replace
    from decimal import Decimal

    base = loyalty.default_programme_config("JPY")
    tiers = (base.tiers[0], replace(base.tiers[1], threshold=Decimal(0)))
    bad = replace(base, points_per_unit=Decimal(-1), expiry_months=0, tiers=tiers,
                  bonus_rules={"nope": 1})
    with runtime.sessions() as s, s.begin(), pytest.raises(LoyaltyConfigInvalid) as caught:
        loyalty.configure_programme(s, workspace.id, bad, now=T0)
    fields = {e["field"] for e in caught.value.errors}
    assert {"points_per_unit", "expiry_months", "bonus_rules", "tiers.1.threshold"} <= fields


def test_member_page_token(runtime: Runtime, workspace: Workspace) -> None:
    ws = workspace.id
    with runtime.sessions() as s, s.begin():
        programme(s, ws)
        (aiko,) = customers(s, ws, "u-aiko")
        loyalty.enrol(s, ws, aiko, channel="api", now=T0)
        token = loyalty.issue_member_page_link(s, ws, aiko, now=T0)
        assert loyalty.member_for_page_token(s, token) == (ws, aiko)
        assert loyalty.member_for_page_token(s, token + "x") is None
        loyalty.leave(s, ws, aiko, now=T0)
        assert loyalty.member_for_page_token(s, token) is None
        assert loyalty.member_summary(s, ws, aiko, now=T0) is None
