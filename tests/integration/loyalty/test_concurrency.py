"""32 threads redeem the same balance at once on PostgreSQL: exactly the affordable number
succeed, the balance never goes negative and the stock is never oversold."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from kizuna.db.engine import make_engine
from kizuna.loyalty import api as loyalty
from kizuna.loyalty.errors import InsufficientPoints, RewardUnavailable
from kizuna.runtime import Runtime
from kizuna.settings import Settings
from kizuna.workspaces.contracts import Workspace
from tests.integration.loyalty.shop import T0, customers, programme, reward

THREADS = 32


def _race(settings: Settings, work: object) -> list[str]:
    """Run ``work(session, n)`` in THREADS threads (own connections) released together."""
    engine = make_engine(settings.database_url, pool_size=THREADS, max_overflow=0)
    sessions = sessionmaker(engine, expire_on_commit=False)
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        with sessions() as s:
            s.execute(sa.text("SELECT 1"))  # connect before the start line
            s.commit()
            barrier.wait()
            try:
                with s.begin():
                    work(s, n)  # type: ignore[operator]
                outcome = "ok"
            except InsufficientPoints:
                outcome = "insufficient"
            except RewardUnavailable:
                outcome = "unavailable"
            except Exception as exc:  # pragma: no cover - reported by the assertion below
                outcome = f"error: {exc!r}"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    return outcomes


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_parallel_redemptions_never_overspend(runtime: Runtime, workspace: Workspace,
                                              settings: Settings) -> None:
    ws = workspace.id
    with runtime.sessions() as s, s.begin():
        programme(s, ws)
        (aiko,) = customers(s, ws, "u-aiko")
        loyalty.enrol(s, ws, aiko, channel="api", now=T0)
        loyalty.adjust_points(s, ws, aiko, points=1000, reason="seed", idempotency_key="seed",
                              now=T0)
        reward(s, ws, "coffee", 70)  # 1000 // 70 = 14 affordable

    def redeem(s: sa.orm.Session, n: int) -> None:
        loyalty.redeem_reward(s, ws, aiko, "coffee", idempotency_key=f"k{n}", now=T0)

    outcomes = _race(settings, redeem)
    assert sorted(set(outcomes)) == ["insufficient", "ok"], outcomes
    assert outcomes.count("ok") == 1000 // 70
    with runtime.sessions() as s, s.begin():
        history = loyalty.member_history(s, ws, aiko, page_size=100)
        summary = loyalty.member_summary(s, ws, aiko, now=T0)
    assert summary is not None and summary.balance == 1000 - 14 * 70
    assert sum(e.points for e in history.items) == summary.balance >= 0
    assert summary.lifetime_redeemed == 14 * 70


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_parallel_redemptions_of_a_scarce_reward(runtime: Runtime, workspace: Workspace,
                                                 settings: Settings) -> None:
    """Many members race for 5 units: 5 coupons, 27 refusals, nobody pays for nothing."""
    ws = workspace.id
    with runtime.sessions() as s, s.begin():
        programme(s, ws)
        members = customers(s, ws, *[f"u-{n}" for n in range(THREADS)])
        for n, c in enumerate(members):
            loyalty.enrol(s, ws, c, channel="api", now=T0)
            loyalty.adjust_points(s, ws, c, points=100, reason="seed",
                                  idempotency_key=f"seed{n}", now=T0)
        reward(s, ws, "ticket", 100, stock=5)

    def redeem(s: sa.orm.Session, n: int) -> None:
        loyalty.redeem_reward(s, ws, members[n], "ticket", idempotency_key=f"t{n}", now=T0)

    outcomes = _race(settings, redeem)
    assert outcomes.count("ok") == 5
    assert outcomes.count("unavailable") == THREADS - 5, outcomes
    with runtime.sessions() as s, s.begin():
        balances = [loyalty.member_summary(s, ws, c, now=T0) for c in members]
        rewards = loyalty.list_rewards(s, ws, active_only=False)
    assert sorted(b.balance for b in balances if b) == [0] * 5 + [100] * (THREADS - 5)
    assert rewards[0].stock == 0
