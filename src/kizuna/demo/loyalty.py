"""The demo's loyalty programme: the default programme in USD, members who chose to join,
a rewards catalogue, the programme run over the loaded history, and some redemptions.

Joining is self-selected, as in real programmes: the more orders a customer places, the more
likely they joined, and they join after their first order (so their earlier orders earn
nothing and the report leaves them out). Everything goes through the loyalty facade and is
idempotent: a second load configures nothing new, enrols nobody twice, awards nothing twice
and replays the same redemptions (fixed idempotency keys).
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from kizuna.clock import Clock
from kizuna.db.engine import transaction
from kizuna.demo.generate import DemoData
from kizuna.loyalty import api as loyalty
from kizuna.loyalty.contracts import RewardSpec
from kizuna.loyalty.errors import InsufficientPoints, RewardUnavailable
from kizuna.types import CustomerId, WorkspaceId

REWARDS = (
    RewardSpec(key="free_shipping", name_ja="送料無料クーポン", name_en="Free shipping",
               cost_points=150, coupon_prefix="SHIP",
               description_ja="次回のご注文の送料が無料になります。",
               description_en="Free shipping on your next order."),
    RewardSpec(key="five_off", name_ja="5ドル割引", name_en="$5 off",
               cost_points=250, coupon_prefix="FIVE",
               description_ja="5ドル以上のご注文で使えます。",
               description_en="On any order of $5 or more."),
    RewardSpec(key="ten_off", name_ja="10ドル割引", name_en="$10 off",
               cost_points=450, coupon_prefix="TEN",
               description_ja="10ドル以上のご注文で使えます。",
               description_en="On any order of $10 or more."),
    RewardSpec(key="tote_bag", name_ja="オリジナルトートバッグ", name_en="Kizuna tote bag",
               cost_points=800, coupon_prefix="TOTE", stock=40,
               description_ja="数量限定のオリジナルグッズです。",
               description_en="Limited run of our own tote bag."),
    RewardSpec(key="gold_vinyl", name_ja="限定アナログ盤", name_en="Limited-edition vinyl",
               cost_points=1200, coupon_prefix="VINYL", stock=10, min_tier="silver",
               description_ja="シルバー以上の会員限定。",
               description_en="For Silver members and above."),
)
REDEEMING_SHARE = 0.35  # members with enough points who spent some


@dataclass(frozen=True, slots=True, kw_only=True)
class LoyaltyDemoReport:
    members: int
    orders_earned: int
    points_earned: int
    expired_points: int
    redemptions: int
    seconds: float


def _join_times(data: DemoData, rng: random.Random, now: datetime) -> dict[str, datetime]:
    """Who joined and when: P(join) grows with the number of orders (self-selection); the
    join date falls after the first order and before the second where there is one."""
    placed: dict[str, list[datetime]] = defaultdict(list)
    for order in data.orders:
        if order.record.status != "cancelled":
            placed[order.user_id].append(order.record.placed_at)
    joined: dict[str, datetime] = {}
    for user_id in sorted(placed):
        times = sorted(placed[user_id])
        if rng.random() >= min(0.8, 0.12 + 0.14 * (len(times) - 1)):
            continue
        latest = times[1] if len(times) > 1 else min(now, times[0] + timedelta(days=90))
        span = max(0.0, (latest - times[0]).total_seconds())
        joined[user_id] = times[0] + timedelta(seconds=rng.uniform(0.0, span) * 0.9 + 60)
    return joined


def load_loyalty(
    sessions: sessionmaker[Session],
    *,
    workspace_id: WorkspaceId,
    data: DemoData,
    customer_ids: dict[str, CustomerId],
    clock: Clock,
) -> LoyaltyDemoReport:
    started = time.perf_counter()
    now = clock.now()
    rng = random.Random(data.seed * 7919 + 6)
    with transaction(sessions) as session:
        if loyalty.get_programme(session, workspace_id) is None:
            first = min((o.record.placed_at for o in data.orders), default=now)
            loyalty.configure_programme(session, workspace_id,
                                        loyalty.default_programme_config("USD"),
                                        now=min(now, first))
        for reward in REWARDS:
            loyalty.save_reward(session, workspace_id, reward, now=now)
        joined = _join_times(data, rng, now)
        for user_id, at in joined.items():
            if user_id in customer_ids:
                loyalty.enrol(session, workspace_id, customer_ids[user_id], channel="demo",
                              now=min(at, now))
    earned = points = expired = 0
    for _ in range(20):  # each run takes at most 10,000 orders; stop when nothing is left
        with transaction(sessions) as session:
            run = loyalty.run_programme(session, workspace_id, now=now)
        earned += run.orders_earned
        points += run.points_earned
        expired += run.expired_points
        if run.orders_earned == 0 and run.reversals == 0:
            break
    redemptions = 0
    by_cost = sorted(REWARDS, key=lambda r: r.cost_points, reverse=True)
    with transaction(sessions) as session:
        for user_id in sorted(joined):
            if user_id not in customer_ids or rng.random() >= REDEEMING_SHARE:
                continue
            cid = customer_ids[user_id]
            summary = loyalty.member_summary(session, workspace_id, cid, now=now)
            if summary is None:
                continue
            for reward in by_cost:
                if reward.cost_points > summary.balance:
                    continue
                try:
                    with session.begin_nested():
                        loyalty.redeem_reward(session, workspace_id, cid, reward.key,
                                              idempotency_key=f"demo:{user_id}", now=now)
                    redemptions += 1
                    break
                except (InsufficientPoints, RewardUnavailable):
                    continue
    return LoyaltyDemoReport(members=len(joined), orders_earned=earned, points_earned=points,
                             expired_points=expired, redemptions=redemptions,
                             seconds=time.perf_counter() - started)
