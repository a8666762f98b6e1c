from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from kizuna.auth.contracts import Role
from kizuna.loyalty import api as loyalty
from kizuna.loyalty.contracts import RewardSpec
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.data import create_user

XSS = "<script>alert('pt')</script>"
ESCAPED = "&lt;script&gt;alert(&#39;pt&#39;)&lt;/script&gt;"
MARKETER = "marketer@example.com"
VIEWER = "viewer@example.com"
ADMIN = "admin-l@example.com"


@pytest.fixture
def users(runtime: Runtime, workspace: Workspace) -> dict[str, str]:
    create_user(runtime, workspace, MARKETER, Role.MARKETER)
    create_user(runtime, workspace, VIEWER, Role.VIEWER)
    create_user(runtime, workspace, ADMIN, Role.ADMIN)
    return {"marketer": MARKETER, "viewer": VIEWER, "admin": ADMIN}


@pytest.fixture
def member(runtime: Runtime, workspace: Workspace) -> CustomerId:
    """A member with 500 points, and a rewards catalogue (one reward named with markup)."""
    now = runtime.clock.now()
    with runtime.sessions.begin() as s:
        ws = workspace.id
        [cid] = profiles.resolve_customers(s, ws, [IdentityRef(user_id="u-hana")], now)
        loyalty.configure_programme(s, ws, loyalty.default_programme_config("USD"),
                                    now=now - timedelta(days=1))
        loyalty.enrol(s, ws, cid, channel="api", now=now - timedelta(hours=1))
        loyalty.adjust_points(s, ws, cid, points=500, reason=XSS, idempotency_key="seed",
                              now=now - timedelta(minutes=30))
        loyalty.save_reward(s, ws, RewardSpec(
            key="coffee", name_ja="コーヒー1杯", name_en="A coffee", cost_points=200,
            coupon_prefix="CAFE", description_en=XSS), now=now)
        loyalty.save_reward(s, ws, RewardSpec(
            key="bag", name_ja="トートバッグ", name_en="Tote bag", cost_points=5000,
            coupon_prefix="BAG"), now=now)
    assert Decimal(1) > 0
    return cid
