"""A deterministic shop with taste: customers keep to a home category, coffee drinkers re-buy
their coffee, readers never buy a book twice, and two garden products go together.

Written through the real facades (profiles, commerce), dated relative to ``now``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from kizuna.commerce import api as commerce
from kizuna.commerce.contracts import OrderLine, OrderRecord, ProductUpsert
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace

PRODUCTS: dict[str, list[str]] = {
    "Coffee": [f"coffee-{i}" for i in range(6)],
    "Books": [f"book-{i}" for i in range(12)],
    "Garden": [f"garden-{i}" for i in range(8)],
    "Toys": [f"toy-{i}" for i in range(8)],
}
HOMES = tuple(PRODUCTS)


@dataclass(frozen=True, slots=True)
class RecShop:
    customers: dict[str, CustomerId]  # user id -> customer id
    home: dict[str, str]  # user id -> home category
    bought: dict[str, set[str]]  # user id -> product external ids
    orders: int


def write_rec_shop(
    runtime: Runtime, workspace: Workspace, *, now: datetime, customers: int = 120,
    seed: int = 5, prefix: str = "u",
) -> RecShop:
    rng = random.Random(seed)
    users = [f"{prefix}{i:03d}" for i in range(customers)]
    home = {u: HOMES[i % len(HOMES)] for i, u in enumerate(users)}
    bought: dict[str, set[str]] = {u: set() for u in users}
    records: list[tuple[str, datetime, list[str]]] = []
    for i, user in enumerate(users):
        category = home[user]
        favourite = PRODUCTS["Coffee"][i % 6]
        for n in range(rng.choice((2, 3, 4, 5))):
            at = now - timedelta(days=rng.uniform(1, 300), minutes=n)
            lines: list[str] = []
            if category == "Coffee":
                lines.append(favourite)
                if rng.random() < 0.3:
                    lines.append(rng.choice(PRODUCTS["Coffee"]))
            elif category == "Garden" and rng.random() < 0.6:
                lines += ["garden-0", "garden-1"]
            else:
                fresh = [p for p in PRODUCTS[category] if p not in bought[user]]
                lines.append(rng.choice(fresh or PRODUCTS[category]))
            if rng.random() < 0.15:
                lines.append(rng.choice(PRODUCTS[rng.choice(HOMES)]))
            lines = list(dict.fromkeys(lines))
            bought[user].update(lines)
            records.append((user, at, lines))
    with runtime.sessions() as s, s.begin():
        ids = profiles.upsert_customers(s, workspace.id, [
            CustomerUpsert(external_id=u, email=f"{u}@example.com",
                           locale="ja-JP" if i % 2 else "en-US")
            for i, u in enumerate(users)], now - timedelta(days=400))
        commerce.upsert_products(s, workspace.id, [
            ProductUpsert(external_id=p, name=p.replace("-", " ").title(), category=c,
                          price=Decimal("1200"), currency="JPY",
                          url=f"https://shop.example/p/{p}",
                          image_url=f"https://shop.example/i/{p}.jpg")
            for c, products in PRODUCTS.items() for p in products], now - timedelta(days=400))
        by_user = dict(zip(users, ids, strict=True))
        commerce.record_orders(s, workspace.id, [
            OrderRecord(external_id=f"{prefix}o{n}", customer_id=by_user[user], placed_at=at,
                        total=Decimal(1200 * len(lines)), currency="JPY", origin="import",
                        lines=tuple(OrderLine(product_external_id=p, quantity=Decimal(1),
                                              unit_price=Decimal(1200), amount=Decimal(1200))
                                    for p in lines))
            for n, (user, at, lines) in enumerate(records)], now - timedelta(days=1))
    return RecShop(customers=by_user, home=home, bought=bought, orders=len(records))


def set_attributes(runtime: Runtime, workspace: Workspace, product: str,
                   attributes: dict[str, object], now: datetime) -> None:
    with runtime.sessions() as s, s.begin():
        commerce.upsert_products(s, workspace.id, [
            ProductUpsert(external_id=product, attributes=dict(attributes))], now)
