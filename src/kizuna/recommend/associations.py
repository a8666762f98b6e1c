""""Frequently bought together": product pairs that share orders, ranked by lift.

For products A and B over N orders (baskets), with n(A) orders containing A and n(A, B)
containing both:

* support    n(A, B)                        — orders that contain both
* confidence n(A, B) / n(A)                 — of A's orders, the share that also has B
* lift       confidence / (n(B) / N)        — how much more often than chance B joins A

Only pairs bought together in at least ``min_orders`` orders are kept (lift of rare pairs is
noise: two products each bought once, together, have the largest possible lift); among those,
a product's partners are ranked by lift, then support. One co-occurrence count is a sparse
matrix product ``B^T B`` of the basket × product incidence matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from kizuna.recommend.contracts import Interactions

MIN_ORDERS = 2
TOP = 10


@dataclass(frozen=True, slots=True)
class Pair:
    product_id: int
    other_product_id: int
    rank: int
    orders_together: int
    confidence: float
    lift: float


def bought_together(
    interactions: Interactions, *, min_orders: int = MIN_ORDERS, top: int = TOP
) -> list[Pair]:
    """Every product's best ``top`` partners (both directions of each pair)."""
    if len(interactions) == 0:
        return []
    baskets, basket_index = np.unique(interactions.baskets, return_inverse=True)
    items, item_index = np.unique(interactions.items, return_inverse=True)
    incidence = sparse.csr_matrix(
        (np.ones(len(interactions), dtype=np.int64), (basket_index, item_index)),
        shape=(len(baskets), len(items)),
    )
    incidence.sum_duplicates()
    incidence.data[:] = 1  # a product twice in one order counts once
    orders_with = np.asarray(incidence.sum(axis=0)).ravel().astype(np.float64)
    together = (incidence.T @ incidence).tocoo()
    keep = (together.row != together.col) & (together.data >= min_orders)
    rows, cols, counts = together.row[keep], together.col[keep], together.data[keep]
    if rows.size == 0:
        return []
    confidence = counts / orders_with[rows]
    lift = confidence * len(baskets) / orders_with[cols]
    order = np.lexsort((-counts, -lift, rows))  # by product, then lift desc, support desc
    pairs: list[Pair] = []
    current, rank = -1, 0
    for i in order:
        if rows[i] != current:
            current, rank = int(rows[i]), 0
        rank += 1
        if rank <= top:
            pairs.append(Pair(
                product_id=int(items[rows[i]]), other_product_id=int(items[cols[i]]), rank=rank,
                orders_together=int(counts[i]), confidence=float(confidence[i]),
                lift=float(lift[i]),
            ))
    return pairs
