"""What recipients did after they entered an experiment: the observations for :func:`analyse`.

Journeys and broadcasts record, per recipient, the arm and the time they entered
(:class:`Entry`); :func:`observe` turns them into :class:`Observation` rows:

* **converted**: the goal event (a track event of that name) happened in the conversion
  window ``[entered_at, entered_at + window_days)``; with no goal event, an order was placed
  in that window;
* **revenue**: the total of the orders placed in the window (non-cancelled; returns count
  negative), as stored, in the workspace currency (like every other revenue report);
* **pre_spend**: the total of the orders in the ``pre_days`` before entry (CUPED covariate).

Windows are capped at ``now``: an entry whose window has not ended yet counts what happened
so far. :func:`still_open` says how many entries are in that state, so reports can say so.
The work is set-based: one statement per chunk of 5,000 entries (the entries bound as one
array per column on PostgreSQL / one JSON text on SQLite, see ``kizuna.db.rowset``, with
correlated look-ups on the orders' and events' (customer, time) indexes), fine for 100 k.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from kizuna.clock import ensure_aware_utc
from kizuna.commerce import api as commerce
from kizuna.experiments.contracts import Observation
from kizuna.experiments.errors import ExperimentDataInvalid
from kizuna.ingest import api as ingest
from kizuna.types import WorkspaceId


@dataclass(frozen=True, slots=True)
class Entry:
    """One recipient of a journey or broadcast: who, which arm, and when they entered."""

    customer_id: int
    arm: str
    entered_at: datetime


def _check(window_days: float, pre_days: float) -> None:
    if not 0 < window_days <= 3650:
        raise ExperimentDataInvalid(
            f"The conversion window is {window_days} days; use more than 0 and at most 3650.",
            field="window_days")
    if not 0 <= pre_days <= 3650:
        raise ExperimentDataInvalid(
            f"The pre-period is {pre_days} days; use 0 to 3650.", field="pre_days")


def observe(
    session: Session, workspace_id: WorkspaceId, entries: Sequence[Entry], *,
    goal_event: str | None, window_days: float, pre_days: float = 30.0, now: datetime,
) -> list[Observation]:
    """One :class:`Observation` per entry, in the order of ``entries``.

    ``pre_spend`` is ``None`` for every entry when ``pre_days`` is 0 (CUPED is then skipped)."""
    _check(window_days, pre_days)
    now = ensure_aware_utc(now)
    window, pre = timedelta(days=window_days), timedelta(days=pre_days)
    spans: list[tuple[int, int, datetime, datetime, datetime]] = []
    for key, entry in enumerate(entries):
        start = ensure_aware_utc(entry.entered_at)
        end = max(start, min(start + window, now))
        spans.append((key, int(entry.customer_id), start - pre, start, end))
    spend = commerce.spend_in_windows(session, workspace_id, spans)
    goal = (goal_event or "").strip()
    hits: set[int] = set()
    if goal:
        hits = ingest.windows_with_event(session, workspace_id, goal,
                                         [(k, c, s, e) for k, c, _p, s, e in spans])
    nothing = (0, 0, 0)
    out: list[Observation] = []
    for key, entry in enumerate(entries):
        orders, revenue, pre_total = spend.get(key, nothing)
        converted = key in hits if goal else orders > 0
        out.append(Observation(arm=entry.arm, converted=converted, revenue=float(revenue),
                               pre_spend=float(pre_total) if pre_days > 0 else None))
    return out


def still_open(entries: Sequence[Entry], *, window_days: float, now: datetime) -> int:
    """How many entries' conversion windows have not ended at ``now`` (counted so far)."""
    now = ensure_aware_utc(now)
    window = timedelta(days=window_days)
    return sum(1 for e in entries if ensure_aware_utc(e.entered_at) + window > now)
