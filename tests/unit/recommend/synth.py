"""Generated interaction data for the recommender tests (no download, deterministic)."""

from __future__ import annotations

import numpy as np

from kizuna.recommend.contracts import Interactions

DAY = 86_400
T0 = 1_750_000_000


def repeat_purchases(customers: int = 400, products: int = 300, *, seed: int = 3,
                     days: int = 360) -> Interactions:
    """A grocery-like shop: every customer has 3-6 staples (drawn by popularity) that they
    re-buy in most orders, plus one or two products picked by popularity per order."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, products + 1) ** 0.8
    popularity /= popularity.sum()
    users, items, times, baskets = [], [], [], []
    basket = 0
    for customer in range(customers):
        staples = rng.choice(products, size=rng.integers(3, 7), replace=False, p=popularity)
        orders = max(2, rng.poisson(10))
        for t in np.sort(rng.integers(0, days * DAY, size=orders)):
            basket += 1
            chosen = [s for s in staples if rng.random() < 0.6]
            chosen += list(rng.choice(products, size=rng.integers(1, 3), p=popularity))
            for item in set(int(i) for i in chosen):
                users.append(customer + 1)
                items.append(item + 1000)
                times.append(T0 + int(t))
                baskets.append(basket)
    order = np.argsort(np.array(times), kind="stable")
    n = len(users)
    return Interactions(
        users=np.array(users, dtype=np.int64)[order], items=np.array(items, dtype=np.int64)[order],
        times=np.array(times, dtype=np.int64)[order], weights=np.ones(n, dtype=np.float32),
        baskets=np.array(baskets, dtype=np.int64)[order],
        item_categories={i + 1000: f"cat{i % 5}" for i in range(products)}, name="repeat")


def taste_clusters(customers: int = 500, products: int = 400, *, seed: int = 5,
                   days: int = 360) -> Interactions:
    """A catalogue shop: customers belong to one of 8 taste groups and buy each product at
    most once, mostly from their group's range (collaborative filtering's home ground)."""
    rng = np.random.default_rng(seed)
    groups = 8
    per_group = products // groups
    users, items, times = [], [], []
    for customer in range(customers):
        g = customer % groups
        own = np.arange(g * per_group, (g + 1) * per_group)
        n = rng.integers(6, 16)
        picks = np.where(rng.random(n) < 0.85, rng.choice(own, n), rng.integers(0, products, n))
        for item in set(int(i) for i in picks):
            users.append(customer + 1)
            items.append(item + 1)
            times.append(T0 + int(rng.integers(0, days * DAY)))
    order = np.argsort(np.array(times), kind="stable")
    m = len(users)
    return Interactions(
        users=np.array(users, dtype=np.int64)[order], items=np.array(items, dtype=np.int64)[order],
        times=np.array(times, dtype=np.int64)[order], weights=np.ones(m, dtype=np.float32),
        baskets=np.arange(m, dtype=np.int64), name="clusters")
