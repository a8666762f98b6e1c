"""Each customer's latest NPS answer and its group: promoter (9–10), passive (7–8) or
detractor (0–6), the same cut as the NPS of ``kizuna.metrics.satisfaction``.

Usable answers are those ``feedback_scores`` counts for NPS (``Survey Responded`` with
survey kind ``nps`` and a whole score 0..10); see docs/reference/segments.md#metrics.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from kizuna.analytics import runner
from kizuna.analytics.snapshot import Snapshot
from kizuna.metrics.contracts import ScoreKind

_PACKAGE = "kizuna.metrics"
PROMOTER, PASSIVE, DETRACTOR = "promoter", "passive", "detractor"
NPS_GROUPS: tuple[str, ...] = (PROMOTER, PASSIVE, DETRACTOR)


def nps_group(score: int) -> str:
    """The group of one NPS answer (0..10)."""
    lo, hi = ScoreKind.NPS.scale
    if not lo <= score <= hi:
        raise ValueError(f"an NPS answer is {lo}..{hi}, not {score}")
    return PROMOTER if score >= 9 else PASSIVE if score >= 7 else DETRACTOR


@dataclass(frozen=True, slots=True)
class CustomerNps:
    """A customer's latest usable NPS answer (``answered_at`` aware UTC) and its group."""

    score: int
    group: str
    answered_at: datetime


def customer_nps(snap: Snapshot) -> dict[int, CustomerNps]:
    """Customer id → latest usable NPS answer before ``snap.as_of`` (customers who never
    answered are absent)."""
    lo, hi = ScoreKind.NPS.scale
    data = runner.execute(
        snap.con, runner.sql(_PACKAGE, "customer_nps"),
        {"as_of": snap.as_of_naive, "lo": lo, "hi": hi},
    ).fetchnumpy()
    ids = np.asarray(data["customer_id"], dtype=np.int64).tolist()
    scores = np.asarray(data["score"], dtype=np.int64).tolist()
    times = [datetime.fromisoformat(str(t)).replace(tzinfo=UTC)
             for t in np.asarray(data["answered_at"], dtype="datetime64[us]")]
    return {cid: CustomerNps(score=s, group=nps_group(s), answered_at=at)
            for cid, s, at in zip(ids, scores, times, strict=True)}
