"""Loyalty ledger operations per second: through the facade vs raw INSERTs of the same rows.

Run:
    python benchmarks/bench_loyalty.py --db sqlite --ops 1000 --runs 3
    python benchmarks/bench_loyalty.py --db postgresql --ops 1000 --runs 3

Each operation is its own transaction, as an API call would be:

* earn: ``award_bonus`` (idempotent insert keyed by source) vs a raw INSERT of the same entry;
* redeem: ``redeem_reward`` (member lock, FIFO expiry check, balance, stock, entry, coupon)
  vs raw INSERTs of the same entry and redemption rows;
* programme run: ``run_programme`` turning N new orders into earn entries (one transaction)
  vs a raw multi-row INSERT of the same N entries.

200 members share the operations; each member starts with 100,000 points. Prints the median
of the runs and the facade / raw ratio.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from scratch_databases import drop_database, fresh_database
from sqlalchemy.orm import Session, sessionmaker

from kizuna.clock import FrozenClock
from kizuna.commerce import api as commerce
from kizuna.commerce.contracts import OrderRecord
from kizuna.db.engine import make_engine
from kizuna.db.migrate import upgrade_to_head
from kizuna.loyalty import api as loyalty
from kizuna.loyalty.contracts import RewardSpec
from kizuna.loyalty.tables import LoyaltyEntryRow, LoyaltyRedemptionRow
from kizuna.profiles import api as profiles
from kizuna.types import CustomerId, WorkspaceId
from kizuna.workspaces import api as workspaces

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
MEMBERS = 200
entries_t: sa.Table = LoyaltyEntryRow.__table__  # type: ignore[assignment]
redemptions_t: sa.Table = LoyaltyRedemptionRow.__table__  # type: ignore[assignment]


def setup(sessions: sessionmaker[Session]) -> tuple[WorkspaceId, list[CustomerId]]:
    with sessions.begin() as s:
        ws = workspaces.ensure_default_workspace(s, FrozenClock(NOW)).id
        loyalty.configure_programme(s, ws, loyalty.default_programme_config("JPY"), now=NOW)
        found = profiles.ensure_customers_by_external_id(
            s, ws, [f"u-{n}" for n in range(MEMBERS)], NOW)
        members = [found[f"u-{n}"] for n in range(MEMBERS)]
        for n, c in enumerate(members):
            loyalty.enrol(s, ws, c, channel="bench", now=NOW)
            loyalty.adjust_points(s, ws, c, points=100_000, reason="seed",
                                  idempotency_key=f"seed-{n}", now=NOW)
        loyalty.save_reward(s, ws, RewardSpec(key="coffee", name_ja="コーヒー",
                                              name_en="Coffee", cost_points=10,
                                              coupon_prefix="CF"), now=NOW)
    return ws, members


def timed(ops: int, step: Callable[[int], None]) -> float:
    start = time.perf_counter()
    for i in range(ops):
        step(i)
    return ops / (time.perf_counter() - start)


def entry_row(ws: int, customer: int, kind: str, points: int, key: str) -> dict[str, Any]:
    return {"workspace_id": ws, "customer_id": customer, "kind": kind, "points": points,
            "source_key": key, "reason": "bench", "details": {}, "qualifying_amount": None,
            "occurred_at": NOW, "expires_at": NOW + timedelta(days=365), "created_at": NOW}


def one_run(kind: str, ops: int, run: int, workdir: Path) -> dict[str, float]:
    url, name = fresh_database(kind, workdir)
    engine = make_engine(url)
    try:
        upgrade_to_head(engine)
        sessions = sessionmaker(engine, expire_on_commit=False)
        ws, members = setup(sessions)

        def earn(i: int) -> None:
            with sessions.begin() as s:
                loyalty.award_bonus(s, ws, members[i % MEMBERS], rule="review",
                                    source_key=f"bench:{run}:{i}", points=5, now=NOW)

        def earn_raw(i: int) -> None:
            with sessions.begin() as s:
                s.execute(sa.insert(entries_t), [entry_row(ws, members[i % MEMBERS], "bonus",
                                                           5, f"raw:{run}:{i}")])

        def redeem(i: int) -> None:
            with sessions.begin() as s:
                loyalty.redeem_reward(s, ws, members[i % MEMBERS], "coffee",
                                      idempotency_key=f"r:{run}:{i}", now=NOW)

        with sessions.begin() as s:
            reward_id = loyalty.list_rewards(s, ws)[0].id

        def redeem_raw(i: int) -> None:
            with sessions.begin() as s:
                customer = members[i % MEMBERS]
                entry_id = s.execute(sa.insert(entries_t).returning(entries_t.c.id),
                                     [entry_row(ws, customer, "redeem", -10,
                                                f"rr:{run}:{i}")]).scalar_one()
                s.execute(sa.insert(redemptions_t), [{
                    "workspace_id": ws, "customer_id": customer, "reward_id": reward_id,
                    "entry_id": entry_id, "coupon_code": f"RAW-{run}-{i}",
                    "status": "issued", "created_at": NOW}])

        result = {"earn": timed(ops, earn), "earn_raw": timed(ops, earn_raw),
                  "redeem": timed(ops, redeem), "redeem_raw": timed(ops, redeem_raw)}
        with sessions.begin() as s:
            commerce.record_orders(s, ws, [OrderRecord(
                external_id=f"o-{i}", customer_id=members[i % MEMBERS], placed_at=NOW,
                total=Decimal(1000 + i), currency="JPY") for i in range(ops)], NOW)
        start = time.perf_counter()
        with sessions.begin() as s:
            outcome = loyalty.run_programme(s, ws, now=NOW + timedelta(minutes=1))
        result["run"] = ops / (time.perf_counter() - start)
        assert outcome.orders_earned == ops, outcome
        start = time.perf_counter()
        with sessions.begin() as s:
            s.execute(sa.insert(entries_t), [entry_row(ws, members[i % MEMBERS], "earn", 1000,
                                                       f"ro:{run}:{i}") for i in range(ops)])
        result["run_raw"] = ops / (time.perf_counter() - start)
        return result
    finally:
        engine.dispose()
        drop_database(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = [one_run(args.db, args.ops, r, Path(tmp)) for r in range(args.runs)]
    median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(f"{args.db}, {args.ops} operations, median of {args.runs} runs")
    print(f"{'operation':<14}{'facade ops/s':>14}{'raw ops/s':>12}{'facade/raw':>12}")
    for op in ("earn", "redeem", "run"):
        ratio = median[op] / median[f"{op}_raw"]
        print(f"{op:<14}{median[op]:>14,.0f}{median[op + '_raw']:>12,.0f}{ratio:>12.2f}")


if __name__ == "__main__":
    main()
