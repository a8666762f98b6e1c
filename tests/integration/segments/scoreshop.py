"""A shop for metric-score tests: ``tests.shop.write_shop`` (80 customers with orders, page
views, email and NPS answers) plus 150 buyers ordering over a year at customer-specific
rates (a third stop early), so that the CLV models have repeat buyers to fit."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np

from kizuna.commerce import api as commerce
from kizuna.commerce.contracts import OrderRecord
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.shop import write_shop

SHOP_USERS = [f"shop-{i:03d}" for i in range(80)]
BUYERS = [f"buyer{i}" for i in range(150)]


def write_scored_shop(runtime: Runtime, workspace: Workspace, write_key: str,
                      now: datetime) -> dict[str, int]:
    """Write the shop; returns user id → customer id for all 230 customers."""
    write_shop(runtime, workspace, write_key, now=now)
    rng = np.random.default_rng(5)
    start = now - timedelta(days=365)
    with runtime.sessions.begin() as s:
        ids = profiles.resolve_customers(s, workspace.id,
                                         [IdentityRef(user_id=u) for u in BUYERS], start)
        orders = []
        for i, cid in enumerate(ids):
            gap, scale = 30 / rng.gamma(2, 0.5), rng.gamma(3, 10 / 3)
            stop = rng.uniform(60, 200) if i % 3 == 0 else 400
            day, k = rng.uniform(0, 90), 0
            while day < min(stop, 364):
                orders.append(OrderRecord(
                    external_id=f"b{i}-{k}", customer_id=cid,
                    placed_at=start + timedelta(days=float(day)),
                    total=Decimal(str(round(float(rng.gamma(4, scale)), 2))),
                    currency="JPY", channel="web"))
                day, k = day + rng.exponential(gap), k + 1
        commerce.record_orders(s, workspace.id, orders, now)
        out = {u: int(c) for u, c in zip(BUYERS, ids, strict=True)}
        for u in SHOP_USERS:
            cid = profiles.find_customer_id(s, workspace.id, IdentityRef(user_id=u))
            assert cid is not None
            out[u] = int(cid)
    return out
