"""RFM: recency, frequency and monetary value of every buyer, rank-based quintile scores
1–5 (5 = best) and the usual named segments of the R × FM grid.

Definitions and the segment grid: docs/reference/metrics/journeys-rfm.md#rfm.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from kizuna.analytics import runner
from kizuna.analytics.snapshot import Snapshot
from kizuna.metrics.errors import NotEnoughData

_PACKAGE = "kizuna.metrics"


class RfmSegment(enum.StrEnum):
    CHAMPIONS = "Champions"
    LOYAL_CUSTOMERS = "Loyal Customers"
    POTENTIAL_LOYALISTS = "Potential Loyalists"
    NEW_CUSTOMERS = "New Customers"
    PROMISING = "Promising"
    NEED_ATTENTION = "Need Attention"
    ABOUT_TO_SLEEP = "About to Sleep"
    AT_RISK = "At Risk"
    CANNOT_LOSE_THEM = "Cannot Lose Them"
    HIBERNATING = "Hibernating"
    LOST = "Lost"


_S = RfmSegment
#: SEGMENT_GRID[r - 1][fm - 1]: the segment of R score r and FM score fm, where
#: fm = round-half-up((F + M) / 2).
SEGMENT_GRID: tuple[tuple[RfmSegment, ...], ...] = (
    # fm = 1            2                   3                     4                  5
    (_S.LOST, _S.LOST, _S.AT_RISK, _S.AT_RISK, _S.CANNOT_LOSE_THEM),  # r = 1
    (_S.HIBERNATING, _S.HIBERNATING, _S.AT_RISK, _S.AT_RISK, _S.CANNOT_LOSE_THEM),  # r = 2
    (
        _S.ABOUT_TO_SLEEP,
        _S.ABOUT_TO_SLEEP,
        _S.NEED_ATTENTION,
        _S.LOYAL_CUSTOMERS,
        _S.LOYAL_CUSTOMERS,
    ),  # r = 3
    (
        _S.PROMISING,
        _S.POTENTIAL_LOYALISTS,
        _S.POTENTIAL_LOYALISTS,
        _S.LOYAL_CUSTOMERS,
        _S.LOYAL_CUSTOMERS,
    ),  # r = 4
    (
        _S.NEW_CUSTOMERS,
        _S.POTENTIAL_LOYALISTS,
        _S.POTENTIAL_LOYALISTS,
        _S.CHAMPIONS,
        _S.CHAMPIONS,
    ),  # r = 5
)
_SEGMENTS: tuple[RfmSegment, ...] = tuple(RfmSegment)


def fm_score(f: int, m: int) -> int:
    """The FM score: the mean of F and M, halves rounded up (1..5)."""
    return (f + m + 1) // 2


def segment_of(r: int, f: int, m: int) -> RfmSegment:
    """The named segment of scores r, f, m (each 1..5)."""
    return SEGMENT_GRID[r - 1][fm_score(f, m) - 1]


class CustomerRfm(NamedTuple):
    """One buyer's scores (1..5 each) and segment; a plain tuple ``(r, f, m, segment)``."""

    r: int
    f: int
    m: int
    segment: RfmSegment


@dataclass(frozen=True, slots=True, kw_only=True)
class SegmentStats:
    """One segment: its customers, share of buyers, revenue and revenue share, and mean
    recency (days), frequency (orders) and monetary value (None when empty)."""

    segment: RfmSegment
    customers: int
    share: float
    revenue: float
    revenue_share: float
    mean_recency: float | None
    mean_frequency: float | None
    mean_monetary: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoreRange:
    """The values that got ``score`` on one dimension: ``low``..``high`` over ``customers``."""

    score: int
    customers: int
    low: float | None
    high: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RfmReport:
    """RFM at ``as_of`` over ``customers`` buyers (≥ 1 counted order).

    ``rf_grid[r - 1][f - 1]`` counts the buyers with R score r and F score f (a heatmap);
    ``ranges`` gives, per dimension ("recency", "frequency", "monetary"), the values behind
    each score; ``customers`` maps customer id → ``CustomerRfm`` (r, f, m, segment).
    """

    as_of: datetime
    n: int
    revenue: float
    segments: tuple[SegmentStats, ...]
    rf_grid: tuple[tuple[int, ...], ...]
    ranges: dict[str, tuple[ScoreRange, ...]]
    customers: dict[int, CustomerRfm] = field(metadata={"per_customer": True})


def rfm(snap: Snapshot) -> RfmReport:
    """Recency, frequency and monetary scores and segments of every buyer at ``snap.as_of``."""
    today = snap.as_of.astimezone(snap.zone).date()
    cur = runner.execute(
        snap.con, runner.sql(_PACKAGE, "rfm_scores"), {"as_of": snap.as_of_naive, "today": today}
    )
    data = cur.fetchnumpy()
    ids = np.asarray(data["customer_id"], dtype=np.int64)
    if ids.size == 0:
        raise NotEnoughData(
            "No customer has a counted (completed) order before the snapshot time; "
            "load orders or pick a later as_of.",
            metric="rfm",
        )
    recency = np.asarray(data["recency"], dtype=np.float64)
    frequency = np.asarray(data["frequency"], dtype=np.float64)
    monetary = np.asarray(data["monetary"], dtype=np.float64)
    r = np.asarray(data["r"], dtype=np.int64)
    f = np.asarray(data["f"], dtype=np.int64)
    m = np.asarray(data["m"], dtype=np.int64)
    lookup = np.array([[_SEGMENTS.index(s) for s in row] for row in SEGMENT_GRID])
    seg = lookup[r - 1, (f + m + 1) // 2 - 1]
    grid = np.zeros((5, 5), dtype=np.int64)
    np.add.at(grid, (r - 1, f - 1), 1)
    # One CustomerRfm per (r, f, m) cell (125 at most), shared by the customers in it:
    # building a million equal NamedTuples one by one took ~1 s at 1 M buyers.
    cells = np.empty(125, dtype=object)
    for ri in range(1, 6):
        for fi in range(1, 6):
            for mi in range(1, 6):
                cells[(ri - 1) * 25 + (fi - 1) * 5 + mi - 1] = CustomerRfm(
                    ri, fi, mi, segment_of(ri, fi, mi)
                )
    scores = dict(
        zip(ids.tolist(), cells[(r - 1) * 25 + (f - 1) * 5 + m - 1].tolist(), strict=True)
    )
    return RfmReport(
        as_of=snap.as_of,
        n=int(ids.size),
        revenue=float(monetary.sum()),
        segments=_segments(seg, recency, frequency, monetary),
        rf_grid=tuple(tuple(int(v) for v in row) for row in grid),
        ranges={
            "recency": _ranges(r, recency),
            "frequency": _ranges(f, frequency),
            "monetary": _ranges(m, monetary),
        },
        customers=scores,
    )


_Ints = npt.NDArray[np.int64]
_Floats = npt.NDArray[np.float64]


def _segments(
    seg: _Ints, recency: _Floats, frequency: _Floats, monetary: _Floats
) -> tuple[SegmentStats, ...]:
    k = len(_SEGMENTS)
    n = np.bincount(seg, minlength=k)
    sums = {
        name: np.bincount(seg, weights=v, minlength=k)
        for name, v in (("r", recency), ("f", frequency), ("m", monetary))
    }
    total, revenue = int(seg.size), float(monetary.sum())

    def mean(name: str, i: int) -> float | None:
        return float(sums[name][i] / n[i]) if n[i] else None

    return tuple(
        SegmentStats(
            segment=s,
            customers=int(n[i]),
            share=float(n[i] / total),
            revenue=float(sums["m"][i]),
            revenue_share=float(sums["m"][i] / revenue) if revenue else 0.0,
            mean_recency=mean("r", i),
            mean_frequency=mean("f", i),
            mean_monetary=mean("m", i),
        )
        for i, s in enumerate(_SEGMENTS)
    )


def _ranges(score: _Ints, values: _Floats) -> tuple[ScoreRange, ...]:
    out: list[ScoreRange] = []
    for s in range(1, 6):
        picked: Any = values[score == s]
        out.append(
            ScoreRange(
                score=s,
                customers=int(picked.size),
                low=float(picked.min()) if picked.size else None,
                high=float(picked.max()) if picked.size else None,
            )
        )
    return tuple(out)
