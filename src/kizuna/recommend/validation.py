"""Time-based splits and the validation grid search behind the blend's weights.

Two time-based splits (``Split``): ``global`` cuts the whole timeline at one moment (what a
shop sees in production: train on the past, predict the future); ``per_user`` holds out each
customer's own last interactions (every active customer gets a test set; the usual protocol
for MovieLens, e.g. RecBole's temporal ordering with a per-user ratio split).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from kizuna.recommend.components import COMPONENTS, TAIL, Components
from kizuna.recommend.contracts import Interactions
from kizuna.recommend.metrics import FloatVector, ranking_metrics
from kizuna.recommend.models import FloatArray, IntArray, Prepared, owned_mask, subset, top_n

COARSE_STEPS = 5  # the coarse grid: weights in fifths, every corner included
FINE_STEPS = 10  # hill climbing: weights in tenths
VALIDATION_BATCH = 500
Weights = tuple[float, ...]
Point = tuple[Weights, bool]  # (weights in COMPONENTS order, keep owned items)
Split = Literal["global", "per_user"]
SPLITS: tuple[Split, ...] = ("global", "per_user")


def time_split(interactions: Interactions,
               fraction: float) -> tuple[Interactions, Interactions, int]:
    """(before, from, split time): the last ``fraction`` of the interactions by time; ties at
    the split time go to the later part."""
    times = interactions.times
    if times.size == 0:
        return interactions, interactions, 0
    cut = int(np.quantile(times, 1.0 - fraction, method="higher"))
    if cut <= int(times.min()):
        cut = int(times.min()) + 1
    before = times < cut
    return subset(interactions, before), subset(interactions, ~before), cut


def per_user_split(interactions: Interactions,
                   fraction: float) -> tuple[Interactions, Interactions, int]:
    """(before, held out, first held-out time): each customer's last ``floor(fraction * n)``
    of their ``n`` interactions by time (ties keep the data's order); customers with fewer
    than ``1 / fraction`` interactions are all training."""
    n = len(interactions)
    if n == 0:
        return interactions, interactions, 0
    order = np.lexsort((np.arange(n), interactions.times, interactions.users))
    users = interactions.users[order]
    starts = np.r_[0, np.flatnonzero(np.diff(users)) + 1]
    counts = np.diff(np.r_[starts, n])
    position = np.arange(n) - np.repeat(starts, counts)
    n_test = np.floor(counts * fraction + 1e-9).astype(np.int64)
    later = np.zeros(n, dtype=bool)
    later[order[position >= np.repeat(counts - n_test, counts)]] = True
    first = int(interactions.times[later].min()) if later.any() else 0
    return subset(interactions, ~later), subset(interactions, later), first


def split_by(interactions: Interactions, fraction: float,
             split: Split = "global") -> tuple[Interactions, Interactions, int]:
    """``time_split`` or ``per_user_split``: (train, test, split time or first test time)."""
    if split == "per_user":
        return per_user_split(interactions, fraction)
    if split == "global":
        return time_split(interactions, fraction)
    raise ValueError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")


def held_out(train: Prepared, test: Interactions, *, limit: int | None = None,
             seed: int = 7) -> tuple[IntArray, list[set[int]]]:
    """Rows of users with history in ``train`` and >= 1 ``test`` interaction, with their
    test item-id sets (items they already had count too); at most ``limit`` users, sampled."""
    rows = train.user_rows(test.users)
    keep = rows >= 0
    relevant: dict[int, set[int]] = {}
    for r, item in zip(rows[keep].tolist(), test.items[keep].tolist(), strict=True):
        relevant.setdefault(r, set()).add(item)
    users = np.array(sorted(relevant), dtype=np.int64)
    if limit is not None and users.shape[0] > limit:
        users = np.sort(np.random.default_rng(seed).choice(users, limit, replace=False))
    return users, [relevant[int(r)] for r in users]


def hits_of(data: Prepared, cols: IntArray,
            relevant: Sequence[set[int]]) -> npt.NDArray[np.bool_]:
    """Whether each recommended column (-1: none) is in the user's relevant item ids."""
    hits = np.zeros(cols.shape, dtype=bool)
    items = np.where(cols >= 0, data.item_ids[np.maximum(cols, 0)], -1)
    for u, wanted in enumerate(relevant):
        hits[u] = [int(i) in wanted for i in items[u]]
    return hits


def _simplex(n: int, total: int) -> list[tuple[int, ...]]:
    if n == 1:
        return [(total,)]
    return [(a, *rest) for a in range(total + 1) for rest in _simplex(n - 1, total - a)]


def grid(steps: int = COARSE_STEPS) -> list[Point]:
    """Every weight vector in 1/``steps``, with owned items kept; and, with owned items
    dropped, every vector without buy-again (it only scores owned items)."""
    points: list[Point] = [(tuple(w / steps for w in ws), True)
                           for ws in _simplex(len(COMPONENTS), steps)]
    points += [((0.0, *(w / steps for w in ws)), False)
               for ws in _simplex(len(COMPONENTS) - 1, steps)]
    return points


def corner(name: str) -> Weights:
    return tuple(1.0 if c == name else 0.0 for c in COMPONENTS)


def _neighbours(point: Point) -> list[Point]:
    """Points one FINE_STEP of weight away (moved from one component to another)."""
    weights, keep = point
    units = [round(w * FINE_STEPS) for w in weights]
    out: list[Point] = []
    for i, j in itertools.permutations(range(len(units)), 2):
        if units[i] == 0 or (not keep and j == 0):
            continue
        moved = list(units)
        moved[i] -= 1
        moved[j] += 1
        out.append((tuple(u / FINE_STEPS for u in moved), keep))
    return out


class ValidationPools:
    """Candidate pools of the validation users, built once, to score many weight points.

    Each user's pool is their top 3k+20 items by every component, with and without the items
    they own, so every single-method corner ranks exactly as that method does."""

    def __init__(self, comp: Components, rows: IntArray, relevant: list[set[int]],
                 k: int) -> None:
        self.k = k
        self.n_users = int(rows.shape[0])
        self.batches: list[tuple[list[FloatArray], npt.NDArray[np.bool_],
                                 npt.NDArray[np.bool_], npt.NDArray[np.bool_], IntArray]] = []
        depth = 3 * k + 20
        for start in range(0, rows.shape[0], VALIDATION_BATCH):
            brows = rows[start:start + VALIDATION_BATCH]
            brel = relevant[start:start + VALIDATION_BATCH]
            ba, als = comp.normalised(brows)
            owned = owned_mask(comp.data, brows)
            shape = ba.shape
            dense = [ba, als, np.broadcast_to(comp.pop_norm, shape),
                     np.broadcast_to(comp.trend_norm, shape)]
            pools = [top_n(ba, depth)]
            for m in dense[1:]:
                pools.append(top_n(np.ascontiguousarray(m), depth))
                pools.append(top_n(np.where(owned, -np.inf, m).astype(np.float32), depth))
            cand = np.sort(np.hstack(pools), axis=1)
            invalid = cand < 0
            invalid[:, 1:] |= cand[:, 1:] == cand[:, :-1]
            safe = np.maximum(cand, 0)
            parts = [np.take_along_axis(np.broadcast_to(m, shape), safe, axis=1)
                     for m in dense]
            owned_c = np.take_along_axis(owned, safe, axis=1)
            hits_c = hits_of(comp.data, cand, brel)
            n_rel = np.array([len(x) for x in brel], dtype=np.int64)
            self.batches.append((parts, invalid, owned_c, hits_c, n_rel))

    def per_user(self, points: Sequence[Point]) -> dict[Point, FloatVector]:
        """NDCG@k of every validation user (in ``rows`` order) at each point."""
        parts_by_point: dict[Point, list[FloatVector]] = {p: [] for p in points}
        for parts, invalid, owned_c, hits_c, n_rel in self.batches:
            tail = TAIL * parts[2]
            for point, out in parts_by_point.items():
                weights, keep = point
                s = tail.copy()
                for w, part in zip(weights, parts, strict=True):
                    if w:
                        s += w * part
                s[invalid] = -np.inf
                if not keep:
                    s[owned_c] = -np.inf
                best = top_n(s.astype(np.float32), self.k)
                hits = np.take_along_axis(hits_c, np.maximum(best, 0), axis=1) & (best >= 0)
                out.append(ranking_metrics(hits, n_rel, self.k)[2])
        return {p: np.concatenate(v) if v else np.zeros(0) for p, v in parts_by_point.items()}

    def ndcg(self, points: Sequence[Point]) -> dict[Point, float]:
        """Mean NDCG@k over the validation users of each point."""
        return {p: _mean(v) for p, v in self.per_user(points).items()}


class Validation:
    """Several validation folds scored together: a point's per-user NDCG@k is the
    concatenation over the folds (a customer active in two folds counts twice)."""

    def __init__(self, folds: Sequence[ValidationPools]) -> None:
        self.folds = list(folds)
        self.n_users = sum(f.n_users for f in self.folds)
        self.per_point: dict[Point, FloatVector] = {}

    def per_user(self, points: Sequence[Point]) -> dict[Point, FloatVector]:
        fresh = [p for p in dict.fromkeys(points) if p not in self.per_point]
        if fresh:
            scored = [f.per_user(fresh) for f in self.folds]
            for p in fresh:
                self.per_point[p] = np.concatenate([s[p] for s in scored])
        return {p: self.per_point[p] for p in points}

    def ndcg(self, points: Sequence[Point]) -> dict[Point, float]:
        return {p: _mean(v) for p, v in self.per_user(points).items()}

    def search(self, max_rounds: int = 6) -> dict[Point, float]:
        """The coarse grid (steps of 1/COARSE_STEPS, every corner included), then hill
        climbing in steps of 1/FINE_STEPS from its best point. Returns every point scored."""
        scores = self.ndcg(grid())
        for _ in range(max_rounds):
            here = choose(scores)
            fresh = [p for p in _neighbours(here) if p not in scores]
            if not fresh:
                break
            scores.update(self.ndcg(fresh))
            if choose(scores) == here:
                break
        return scores

    def paired_se(self, a: Point, b: Point) -> float:
        """Standard error of the mean per-user NDCG difference between two points."""
        diff = self.per_point[a] - self.per_point[b]
        return float(diff.std(ddof=1) / np.sqrt(diff.size)) if diff.size > 1 else 0.0

    def select(self, scores: dict[Point, float]) -> Point:
        """The blend's point: the best by mean NDCG@k (``choose``), unless it beats the best
        single method by no more than one paired standard error, then that single method
        (a mix must earn its extra components beyond noise). Either way the result is never
        worse than the best single method on validation."""
        best = choose(scores)
        single = choose({p: v for p, v in scores.items() if sum(w > 0 for w in p[0]) == 1})
        if best == single:
            return best
        gain = scores[best] - scores[single]
        return best if gain > self.paired_se(best, single) else single


def _mean(values: FloatVector) -> float:
    return float(values.mean()) if values.size else 0.0


def choose(scores: dict[Point, float]) -> Point:
    """The best point; a tie (to 1e-12) goes to fewer components, then to keeping owned."""
    def key(p: Point) -> tuple[float, int, int]:
        weights, keep = p
        return round(scores[p], 12), -sum(1 for w in weights if w > 0), int(keep)
    return max(scores, key=key)
