"""``experiments.observe`` on SQLite and PostgreSQL: exact windows, and a planted effect that
the reported 95 % interval covers at about the nominal rate (orders in the real database)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kizuna.commerce import api as commerce
from kizuna.commerce.contracts import OrderRecord
from kizuna.experiments import api as experiments
from kizuna.experiments.api import Entry
from kizuna.experiments.errors import ExperimentDataInvalid
from kizuna.ingest import api as ingest
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _customers(runtime: Runtime, workspace: Workspace, n: int) -> list[CustomerId]:
    with runtime.sessions.begin() as s:
        return profiles.resolve_customers(
            s, workspace.id, [IdentityRef(user_id=f"u{i}") for i in range(n)], T0 - 400 * DAY)


def _order(ext: str, cid: int, at: datetime, total: str, status: str = "completed"
           ) -> OrderRecord:
    return OrderRecord(external_id=ext, customer_id=CustomerId(cid), placed_at=at,
                       total=Decimal(total), status=status, currency="JPY")


def test_exact_windows(runtime: Runtime, workspace: Workspace, write_key: str) -> None:
    a, b, c, d, e = _customers(runtime, workspace, 5)
    now = T0 + 10 * DAY
    with runtime.sessions.begin() as s:
        commerce.record_orders(s, workspace.id, [
            _order("a-in", a, T0, "100"),                       # at entry: inside
            _order("a-in2", a, T0 + 3 * DAY, "-20"),            # a return: counts negative
            _order("a-edge", a, T0 + 7 * DAY, "999"),           # window end: outside
            _order("a-pre", a, T0 - 5 * DAY, "40"),             # pre-period
            _order("a-old", a, T0 - 31 * DAY, "1000"),          # before the pre-period
            _order("b-cancel", b, T0 + DAY, "500", "cancelled"),  # cancelled: ignored
            _order("c-in", c, T0 + 9 * DAY + 1 * timedelta(hours=1), "70"),  # entered later
            _order("d-future", d, now + timedelta(hours=1), "30"),  # after now: not yet
        ], now)
        source = ingest.find_source_by_write_key(s, write_key)
        assert source is not None
        ingest.ingest_messages(s, source=source, received_at=now, messages=[
            {"type": "track", "messageId": f"g{i}", "userId": f"u{u}", "event": ev,
             "timestamp": at.isoformat()}
            for i, (u, ev, at) in enumerate([
                (1, "Signed Up", T0 + 2 * DAY),   # b: goal inside
                (0, "Signed Up", T0 - DAY),       # a: before entry
                (2, "Other", T0 + 9.5 * DAY),     # c: another event
                (4, "Signed Up", T0 + 8 * DAY),   # e: after its window
            ])])
    entries = [Entry(a, "a", T0), Entry(b, "holdout", T0), Entry(c, "a", T0 + 9 * DAY),
               Entry(d, "holdout", T0 + 9 * DAY), Entry(e, "a", T0)]
    with runtime.sessions() as s:
        obs = experiments.observe(s, workspace.id, entries, goal_event=None, window_days=7,
                                  now=now)
        goal = experiments.observe(s, workspace.id, entries, goal_event="Signed Up",
                                   window_days=7, pre_days=0, now=now)
        with pytest.raises(ExperimentDataInvalid):
            experiments.observe(s, workspace.id, entries, goal_event=None, window_days=0,
                                now=now)
        assert experiments.observe(s, workspace.id, [], goal_event=None, window_days=7,
                                   now=now) == []
    assert [(o.arm, o.converted, o.revenue, o.pre_spend) for o in obs] == [
        ("a", True, 80.0, 40.0), ("holdout", False, 0.0, 0.0), ("a", True, 70.0, 0.0),
        ("holdout", False, 0.0, 0.0), ("a", False, 0.0, 0.0)]
    assert [(o.converted, o.revenue, o.pre_spend) for o in goal] == [
        (False, 80.0, None), (True, 0.0, None), (False, 70.0, None), (False, 0.0, None),
        (False, 0.0, None)]
    assert experiments.still_open(entries, window_days=7, now=now) == 2


def test_planted_effect_is_covered(runtime: Runtime, workspace: Workspace) -> None:
    """30 simulated campaigns, 400 recipients each, true uplift +8 points in conversion and
    +6.4 in revenue per recipient: the 95 % intervals cover the truth in ≥ 25 of 30 runs
    (P(fewer) < 0.5 % at the nominal 95 %), and CUPED narrows the revenue interval."""
    rng = random.Random(7)
    people = _customers(runtime, workspace, 400)
    runs, p0, p1, price = 30, 0.20, 0.28, 80
    propensity = {c: rng.uniform(0.2, 3.0) for c in people}
    orders: list[OrderRecord] = []
    all_entries: list[list[Entry]] = []
    truths: list[list[tuple[bool, float]]] = []
    for run in range(runs):
        start = T0 + run * 60 * DAY
        entries, truth = [], []
        for c in people:
            arm = "a" if rng.random() < 0.5 else "holdout"
            entries.append(Entry(c, arm, start + timedelta(minutes=rng.randrange(600))))
            for k in range(rng.randrange(3)):  # pre-period spend ~ propensity
                orders.append(_order(f"p{run}-{c}-{k}", c, start - rng.uniform(1, 25) * DAY,
                                     f"{price * propensity[c]:.2f}"))
            converted = rng.random() < (p1 if arm == "a" else p0)
            revenue = 0.0
            if converted:
                revenue = round(price * propensity[c], 2)
                orders.append(_order(f"w{run}-{c}", c, entries[-1].entered_at
                                     + rng.uniform(0.01, 6.9) * DAY, f"{revenue:.2f}"))
            truth.append((converted, revenue))
        all_entries.append(entries)
        truths.append(truth)
    end = T0 + runs * 60 * DAY
    with runtime.sessions.begin() as s:
        commerce.record_orders(s, workspace.id, orders, end)
    covered_rate = covered_rev = narrower = 0
    true_rev = (p1 - p0) * price * float(np.mean(list(propensity.values())))
    with runtime.sessions() as s:
        for entries, truth in zip(all_entries, truths, strict=True):
            obs = experiments.observe(s, workspace.id, entries, goal_event=None, window_days=7,
                                      pre_days=30, now=end)
            assert [(o.converted, round(o.revenue, 2)) for o in obs] == truth
            report = experiments.analyse(obs)
            (variant,) = report.variants
            fixed = variant.conversion.fixed
            covered_rate += fixed.low <= p1 - p0 <= fixed.high
            rev = variant.revenue
            covered_rev += rev.fixed.low <= true_rev <= rev.fixed.high
            assert rev.cuped is not None
            narrower += (rev.cuped.high - rev.cuped.low) < (rev.fixed.high - rev.fixed.low)
    assert covered_rate >= 25, covered_rate
    assert covered_rev >= 25, covered_rev
    assert narrower >= runs * 0.8, narrower


# per database (one per test run): the customers and every order stored so far
_state: dict[str, tuple[list[CustomerId], list[tuple[int, datetime, Decimal, bool]]]] = {}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(orders=st.lists(st.tuples(st.integers(0, 4), st.integers(-60 * 24 * 40, 60 * 24 * 20),
                                 st.integers(-5000, 20000), st.booleans()), max_size=15),
       entries=st.lists(st.tuples(st.integers(0, 4), st.integers(-60 * 24 * 10, 60 * 24 * 10),
                                  st.sampled_from(["a", "holdout"])), min_size=1, max_size=8),
       window_days=st.sampled_from([0.5, 3, 7]), pre_days=st.sampled_from([0, 10, 30]),
       now_minutes=st.integers(0, 60 * 24 * 15))
def test_observe_matches_a_reference(
        runtime: Runtime, workspace: Workspace, orders: list[tuple[int, int, int, bool]],
        entries: list[tuple[int, int, str]], window_days: float, pre_days: float,
        now_minutes: int) -> None:
    """Random orders and entries (orders accumulate over the examples): every observation
    equals a direct Python computation over all stored orders."""
    url = str(runtime.settings.database_url)
    if url not in _state:
        _state[url] = (_customers(runtime, workspace, 5), [])
    ids, stored = _state[url]
    records = []
    for c, minutes, cents, cancelled in orders:
        at, total = T0 + timedelta(minutes=minutes), Decimal(cents) / 100
        records.append(_order(f"h{len(stored)}", ids[c], at, str(total),
                              "cancelled" if cancelled else "completed"))
        stored.append((ids[c], at, total, cancelled))
    now = T0 + timedelta(minutes=now_minutes)
    with runtime.sessions.begin() as s:
        commerce.record_orders(s, workspace.id, records, now)
    todo = [Entry(ids[c], arm, T0 + timedelta(minutes=m)) for c, m, arm in entries]
    with runtime.sessions() as s:
        got = experiments.observe(s, workspace.id, todo, goal_event=None,
                                  window_days=window_days, pre_days=pre_days, now=now)
    for entry, ob in zip(todo, got, strict=True):
        start = entry.entered_at
        end = max(start, min(start + timedelta(days=window_days), now))
        mine = [(at, total) for cid, at, total, cancelled in stored
                if cid == entry.customer_id and not cancelled]
        inside = [total for at, total in mine if start <= at < end]
        pre = sum((total for at, total in mine
                   if start - timedelta(days=pre_days) <= at < start), Decimal(0))
        assert ob.arm == entry.arm and ob.converted == bool(inside)
        assert ob.revenue == pytest.approx(float(sum(inside, Decimal(0))), abs=1e-6)
        assert ob.pre_spend == (pytest.approx(float(pre), abs=1e-6) if pre_days else None)
