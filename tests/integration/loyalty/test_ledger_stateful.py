"""A Hypothesis state machine drives the real ledger (orders + programme runs, redemptions,
adjustments, cancellations, time passing, replays) and compares it with a tiny FIFO model.

Invariants after every step: the balance is the sum of the entries, never negative, equal to
what the model says; replaying any earlier source changes nothing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import update

from kizuna.commerce import api as commerce
from kizuna.loyalty import api as loyalty
from kizuna.loyalty.contracts import TierSpec
from kizuna.loyalty.errors import InsufficientPoints
from kizuna.loyalty.points import add_months
from kizuna.loyalty.tables import LoyaltyProgramRow
from kizuna.runtime import Runtime
from tests.integration.loyalty.shop import (
    T0,
    customers,
    new_workspace,
    order,
    programme,
    reward,
)

_names = itertools.count()


@dataclass
class Lot:
    points: int
    expires_at: datetime


class Model:
    """FIFO lots, written independently of ``loyalty.ledger``."""

    def __init__(self) -> None:
        self.lots: list[Lot] = []

    def expire(self, now: datetime) -> None:
        self.lots = [lot for lot in self.lots if lot.expires_at > now]

    def balance(self) -> int:
        return sum(lot.points for lot in self.lots)

    def take(self, points: int) -> int:
        taken = 0
        for lot in self.lots:
            part = min(lot.points, points - taken)
            lot.points -= part
            taken += part
        self.lots = [lot for lot in self.lots if lot.points > 0]
        return taken


class LedgerMachine(RuleBasedStateMachine):
    runtime: Runtime  # set by the test

    def __init__(self) -> None:
        super().__init__()
        runtime = self.runtime
        with runtime.sessions() as s, s.begin():  # every example is a new shop
            self.ws = ws = new_workspace(s, f"shop-{next(_names)}")
            programme(s, ws, bonus_rules={}, tiers=(TierSpec(
                key="member", threshold=Decimal(0), name_ja="会員", name_en="Member"),))
            (self.customer,) = customers(s, ws, "u-aiko")
            loyalty.enrol(s, ws, self.customer, channel="test", now=T0)
        self.now = T0
        self.model = Model()
        self.orders: dict[str, int] = {}  # external id -> points it earned
        self.cancelled: set[str] = set()
        self.keys: list[tuple[str, str]] = []  # (kind, key) of earlier requests
        self.seq = 0

    def _next(self, prefix: str) -> str:
        self.seq += 1
        return f"{prefix}-{self.customer}-{self.seq}"

    def _run(self) -> None:
        with self.runtime.sessions() as s, s.begin():
            loyalty.run_programme(s, self.ws, now=self.now)

    @rule(amount=st.integers(1, 5000))
    def earn(self, amount: int) -> None:
        ext = self._next("o")
        with self.runtime.sessions() as s, s.begin():
            order(s, self.ws, self.customer, ext, amount, self.now)
        self._run()
        self.model.expire(self.now)
        self.model.lots.append(Lot(amount, add_months(self.now, 12)))
        self.orders[ext] = amount

    @rule(cost=st.integers(1, 8000))
    def redeem(self, cost: int) -> None:
        key = self._next("r")
        with self.runtime.sessions() as s, s.begin():
            reward(s, self.ws, f"r{cost}", cost)
        self.model.expire(self.now)
        affordable = self.model.balance() >= cost
        try:
            with self.runtime.sessions() as s, s.begin():
                loyalty.redeem_reward(s, self.ws, self.customer, f"r{cost}",
                                      idempotency_key=key, now=self.now)
        except InsufficientPoints:
            assert not affordable
            return
        assert affordable
        assert self.model.take(cost) == cost
        self.keys.append(("redeem", key))

    @rule(points=st.integers(-3000, 3000).filter(bool))
    def adjust(self, points: int) -> None:
        key = self._next("a")
        with self.runtime.sessions() as s, s.begin():
            loyalty.adjust_points(s, self.ws, self.customer, points=points, reason="test",
                                  idempotency_key=key, now=self.now)
        self.model.expire(self.now)
        if points > 0:
            self.model.lots.append(Lot(points, add_months(self.now, 12)))
        else:
            self.model.take(-points)
        self.keys.append(("adjust", key))

    @rule(days=st.integers(1, 200))
    def advance(self, days: int) -> None:
        self.now += timedelta(days=days)
        self._run()
        self.model.expire(self.now)

    @precondition(lambda self: set(self.orders) - self.cancelled)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        ext = data.draw(st.sampled_from(sorted(set(self.orders) - self.cancelled)))
        self.now += timedelta(minutes=1)
        with self.runtime.sessions() as s, s.begin():
            assert commerce.cancel_order(s, self.ws, ext, self.now)
        self._run()
        self.model.expire(self.now)
        self.model.take(min(self.orders[ext], self.model.balance()))
        self.cancelled.add(ext)

    @precondition(lambda self: self.keys or self.orders)
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        before = self._ledger()
        choice = data.draw(st.sampled_from(["cursor", *[k for _, k in self.keys]]))
        with self.runtime.sessions() as s, s.begin():
            if choice == "cursor":  # forget every cursor: the whole history is scanned again
                s.execute(update(LoyaltyProgramRow)
                          .where(LoyaltyProgramRow.workspace_id == self.ws)
                          .values(cursors={}))
            elif choice.startswith("r-"):
                again = loyalty.redeem_reward(s, self.ws, self.customer, "any",
                                              idempotency_key=choice, now=self.now)
                assert again.replayed
            else:
                loyalty.adjust_points(s, self.ws, self.customer, points=1, reason="replay",
                                      idempotency_key=choice, now=self.now)
        self._run()
        assert self._ledger() == before

    def _ledger(self) -> list[tuple[int, int]]:
        with self.runtime.sessions() as s, s.begin():
            entries = loyalty.member_history(s, self.ws, self.customer, page_size=200)
            assert entries.total <= 200
            return sorted((e.id, e.points) for e in entries.items)

    @invariant()
    def balance_matches(self) -> None:
        with self.runtime.sessions() as s, s.begin():
            summary = loyalty.member_summary(s, self.ws, self.customer, now=self.now)
            history = loyalty.member_history(s, self.ws, self.customer, page_size=200)
        assert summary is not None
        total = sum(e.points for e in history.items)
        assert total >= 0
        assert summary.balance >= 0
        assert summary.balance == self.model.balance()  # the model is expired up to now
        assert summary.balance <= total


@pytest.mark.parametrize("examples", [25])
def test_ledger_state_machine(runtime: Runtime, examples: int) -> None:
    LedgerMachine.runtime = runtime
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(max_examples=examples, stateful_step_count=20, deadline=None,
                          suppress_health_check=list(HealthCheck)))
