"""Purchase history as recommender input: one interaction per order line."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from sqlalchemy.orm import Session

from kizuna.clock import as_utc
from kizuna.commerce import api as commerce
from kizuna.recommend.contracts import Interactions
from kizuna.types import WorkspaceId


def load_purchase_interactions(
    session: Session, workspace_id: WorkspaceId, *, until: datetime | None = None
) -> Interactions:
    """Every line of the workspace's non-cancelled orders that has a customer and a product
    (returns skipped), placed before ``until``; weight = quantity, basket = order."""
    lines = commerce.purchase_lines(session, workspace_id, until)
    n = len(lines)
    users = np.empty(n, dtype=np.int64)
    items = np.empty(n, dtype=np.int64)
    times = np.empty(n, dtype=np.int64)
    weights = np.empty(n, dtype=np.float32)
    baskets = np.empty(n, dtype=np.int64)
    categories: dict[int, str] = {}
    for i, (customer, product, placed_at, quantity, order, category) in enumerate(lines):
        users[i] = customer
        items[i] = product
        times[i] = int(as_utc(placed_at).timestamp())
        weights[i] = quantity
        baskets[i] = order
        if category:
            categories[product] = category
    return Interactions(users=users, items=items, times=times, weights=weights,
                        baskets=baskets, item_categories=categories, name="purchases")
