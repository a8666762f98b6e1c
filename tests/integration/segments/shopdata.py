"""A small generated shop for segment tests, written through the real facades, and a Python
reference evaluator of conditions over the same data."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from kizuna.commerce import api as commerce
from kizuna.commerce.contracts import OrderRecord
from kizuna.ingest import api as ingest
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.segments.contracts import (
    AllOf,
    AnyOf,
    Compare,
    Condition,
    DidEvent,
    HasConsent,
    NoOrderFor,
    NotOf,
    OrdersMatch,
    TraitIs,
)
from kizuna.types import CustomerId, WorkspaceId


@dataclass
class Person:
    id: int
    country: str | None
    traits: dict[str, Any]
    events: list[tuple[str, datetime, dict[str, Any]]] = field(default_factory=list)
    orders: list[tuple[datetime, Decimal]] = field(default_factory=list)
    consent: str | None = None  # latest email/marketing status


def write_people(runtime: Runtime, workspace_id: WorkspaceId, write_key: str, now: datetime,
                 *, count: int = 30, seed: int = 7) -> dict[int, Person]:
    rng = random.Random(seed)
    rows, specs = [], []
    for i in range(count):
        traits: dict[str, Any] = {}
        plan = rng.choice(["free", "pro", 5, None, "premier"])
        if plan is not None:
            traits["plan"] = plan
        if rng.random() < 0.7:
            traits["score"] = rng.choice([rng.randint(0, 100), rng.random() * 100])
        if rng.random() < 0.6:
            traits["vip"] = rng.random() < 0.5
        country = rng.choice(["JP", "US", None])
        rows.append(CustomerUpsert(external_id=f"c{i}", country=country, traits=traits,
                                   seen_at=now - timedelta(days=500)))
        specs.append((country, traits))
    people: dict[int, Person] = {}
    messages: list[dict[str, Any]] = []
    with runtime.sessions.begin() as s:
        ids = profiles.upsert_customers(s, workspace_id, rows, now - timedelta(days=500))
        orders = []
        for i, (cid, (country, traits)) in enumerate(zip(ids, specs, strict=True)):
            p = people[int(cid)] = Person(int(cid), country, traits)
            for _ in range(rng.choice([0, 1, 2, 3, 4])):
                at = now - timedelta(days=rng.uniform(0.5, 100))
                props = {"category": rng.choice(["jazz", "rock"]),
                         "price": rng.choice([5, 20, 50])}
                p.events.append(("Product Viewed", at, props))
                messages.append({"type": "track", "messageId": f"m{len(messages)}",
                                 "userId": f"c{i}", "event": "Product Viewed",
                                 "timestamp": at.isoformat(), "properties": props})
            for _ in range(rng.choice([0, 0, 1, 2, 3])):
                at = now - timedelta(days=rng.uniform(0.5, 400))
                total = Decimal(rng.randrange(1000, 9000)) / 100
                p.orders.append((at, total))
                orders.append(OrderRecord(external_id=f"o{len(orders)}", customer_id=cid,
                                          placed_at=at, total=total, currency="JPY"))
            statuses = rng.choice([[], ["granted"], ["granted", "withdrawn"],
                                   ["withdrawn", "granted"]])
            for k, status in enumerate(statuses):
                profiles.record_consent(s, workspace_id, CustomerId(cid), channel="email",
                                        purpose="marketing", status=status, method="api",
                                        wording=None, at=now - timedelta(days=10 - k))
                p.consent = status
        commerce.record_orders(s, workspace_id, orders, now)
        source = ingest.find_source_by_write_key(s, write_key)
        assert source is not None
        ingest.ingest_messages(s, source=source, messages=messages, received_at=now)
    return people


def _cmp(present: bool, value: Any, test: Compare) -> bool:
    if test.op == "exists":
        return present and value is not None
    if not present or value is None:
        hit = False
    elif test.op in ("eq", "ne"):
        v = test.value
        if isinstance(v, bool) or isinstance(value, bool):
            hit = isinstance(v, bool) and isinstance(value, bool) and v == value
        elif isinstance(v, str) or isinstance(value, str):
            hit = isinstance(v, str) and isinstance(value, str) and v == value
        else:
            hit = value == v
        return hit if test.op == "eq" else not hit
    elif test.op == "in":
        hit = any((isinstance(value, str) == isinstance(x, str)) and not isinstance(value, bool)
                  and value == x for x in test.value)
    elif test.op == "contains":
        hit = isinstance(value, str) and test.value in value
    else:
        num = isinstance(value, int | float) and not isinstance(value, bool)
        hit = num and (value > test.value if test.op == "gt" else value < test.value)
    return hit if test.op != "ne" else not hit


def reference(cond: Condition, p: Person, now: datetime) -> bool:
    if isinstance(cond, AllOf):
        return all(reference(c, p, now) for c in cond.items)
    if isinstance(cond, AnyOf):
        return any(reference(c, p, now) for c in cond.items)
    if isinstance(cond, NotOf):
        return not reference(cond.item, p, now)
    if isinstance(cond, TraitIs):
        if cond.trait == "country":
            return _cmp(True, p.country, cond.test)
        return _cmp(cond.trait in p.traits, p.traits.get(cond.trait), cond.test)
    if isinstance(cond, DidEvent):
        since = now - timedelta(days=cond.within_days or 100_000)
        n = sum(1 for name, at, props in p.events
                if name == cond.event and at >= since
                and all(_cmp(f.property in props, props.get(f.property), f.test)
                        for f in cond.where))
        return n == 0 if cond.did_not else n >= cond.at_least
    if isinstance(cond, OrdersMatch):
        since = now - timedelta(days=cond.within_days or 100_000)
        mine = [t for at, t in p.orders if at >= since]
        return len(mine) >= cond.at_least and (
            cond.total_at_least is None or sum(mine, Decimal(0)) >= cond.total_at_least)
    if isinstance(cond, NoOrderFor):
        since = now - timedelta(days=cond.days)
        return bool(p.orders) and all(at < since for at, _ in p.orders)
    assert isinstance(cond, HasConsent)
    return p.consent == "granted"
