"""Ranking metrics at a cut-off k, per user, with binary relevance (hand-written, tested on
hand-computed examples): precision@k, recall@k, NDCG@k and catalogue coverage."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatVector = npt.NDArray[np.float64]


def ranking_metrics(
    hits: npt.NDArray[np.bool_], n_relevant: npt.NDArray[np.int64], k: int
) -> tuple[FloatVector, FloatVector, FloatVector]:
    """Per-user precision@k, recall@k and NDCG@k.

    ``hits[u, r]`` says whether the item at rank ``r`` (0-based) of user ``u``'s list is
    relevant (a missing item, when the list is shorter than ``k``, is not). Precision divides
    by ``k`` whatever the list length; recall by the number of relevant items; NDCG uses the
    gain 1 / log2(rank + 2) and the ideal DCG of min(k, |relevant|) hits at the top. Users with
    no relevant item get 0 everywhere (callers leave them out)."""
    hits = np.asarray(hits, dtype=bool)[:, :k]
    n_rel = np.asarray(n_relevant, dtype=np.int64)
    gains = 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))
    found = hits.sum(axis=1).astype(np.float64)
    precision = found / k
    safe = np.maximum(n_rel, 1).astype(np.float64)
    recall = np.where(n_rel > 0, found / safe, 0.0)
    dcg = (hits * gains[: hits.shape[1]]).sum(axis=1)
    ideal_cum = np.concatenate([[0.0], np.cumsum(gains)])
    idcg = ideal_cum[np.minimum(n_rel, k)]
    ndcg = np.where(idcg > 0, dcg / np.where(idcg > 0, idcg, 1.0), 0.0)
    return precision, recall, ndcg


def coverage(recommended: npt.NDArray[np.int64], catalogue_size: int) -> float:
    """Share of the catalogue that appears in at least one list (``-1`` entries ignored)."""
    if catalogue_size <= 0:
        return 0.0
    distinct = np.unique(recommended[recommended >= 0])
    return float(distinct.shape[0] / catalogue_size)
