"""Journey stages: awareness → consideration → purchase → retention → advocacy.

Each person's stage is the highest whose rule has ever held (rules in
``queries/journey_milestones.sql`` and docs/reference/metrics/journeys-rfm.md). From the
first time each rule held (the person's *milestones*) follow the stage funnel, the stage
counts at the end of recent months, a transition matrix between two dates and the journey
map (touchpoints and satisfaction per stage).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np

from kizuna.analytics import runner
from kizuna.analytics.snapshot import Snapshot
from kizuna.errors import Invalid
from kizuna.metrics import intervals, satisfaction
from kizuna.metrics.contracts import Score, ScoreKind

_PACKAGE = "kizuna.metrics"


class JourneyStage(enum.StrEnum):
    """The five stages, in order (``rank`` 1..5)."""

    AWARENESS = "awareness"
    CONSIDERATION = "consideration"
    PURCHASE = "purchase"
    RETENTION = "retention"
    ADVOCACY = "advocacy"

    @property
    def rank(self) -> int:
        return _STAGES.index(self) + 1


_STAGES: tuple[JourneyStage, ...] = tuple(JourneyStage)
#: Key for people who reached no stage yet (in counts and transition matrices).
NO_STAGE = "none"


def stage_of(rank: int) -> JourneyStage | None:
    """The stage of rank 1..5, None for 0 (no stage reached)."""
    return _STAGES[rank - 1] if rank > 0 else None


@dataclass(frozen=True, slots=True, kw_only=True)
class FunnelStep:
    """People who reached ``stage`` or a later one, people whose current stage it is, and the
    conversion from the previous step (for awareness: from every person known), with its
    95 % Wilson interval; ``n`` is the previous step's count."""

    stage: JourneyStage
    reached: int
    current: int
    conversion: float | None
    n: int
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class MonthStages:
    """People per current stage (``none`` included) at the end of local month ``month``
    (``cutoff`` is the instant, aware UTC; the running month ends at ``as_of``)."""

    month: str
    cutoff: datetime
    people: dict[str, int]
    total: int


@dataclass(frozen=True, slots=True, kw_only=True)
class StageTransitions:
    """People by stage at the end of local day ``start`` (rows) and of ``end`` (columns);
    keys are stage names and ``none``. Stages never go down, so only cells with
    to ≥ from can be non-zero."""

    start: date
    end: date
    start_cutoff: datetime
    end_cutoff: datetime
    matrix: dict[str, dict[str, int]]
    n: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Touchpoint:
    """A touchpoint used in a stage: ``uses`` events by ``people`` people; ``share`` is
    ``uses`` over all events in the stage."""

    name: str
    uses: int
    people: int
    share: float


@dataclass(frozen=True, slots=True, kw_only=True)
class StageMap:
    """One stage of the journey map: its touchpoints (most used first) and the satisfaction
    answers given in it (NPS, CSAT; None when there are none, see ``note``)."""

    stage: JourneyStage
    uses: int
    people: int
    touchpoints: tuple[Touchpoint, ...]
    nps: Score | None
    nps_mean: float | None
    csat: Score | None
    csat_mean: float | None
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class JourneyReport:
    """Journey stages at ``as_of``: ``people`` persons known (customers and anonymous
    visitors), the funnel, the monthly stage counts, transitions, the journey map and the
    current stage of every customer (None when they reached none)."""

    as_of: datetime
    people: int
    no_stage: int
    funnel: tuple[FunnelStep, ...]
    months: tuple[MonthStages, ...]
    transitions: StageTransitions
    journey_map: tuple[StageMap, ...]
    stage_of_customer: dict[int, JourneyStage | None] = field(metadata={"per_customer": True})


def journey_stages(
    snap: Snapshot,
    *,
    months: int = 6,
    transition_from: date | None = None,
    transition_to: date | None = None,
    top_touchpoints: int = 10,
) -> JourneyReport:
    """Each person's journey stage at ``snap.as_of`` and what follows from it.

    ``months``: how many local months (the running one included) ``months`` covers.
    The transition matrix compares the end of local day ``transition_from`` (default: 30
    days before today) with the end of ``transition_to`` (default: today, i.e. ``as_of``).
    """
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 120:
        raise Invalid(f"months must be 1..120; got {months!r}.", field="months")
    if not isinstance(top_touchpoints, int) or top_touchpoints < 1:
        raise Invalid("top_touchpoints must be ≥ 1.", field="top_touchpoints")
    as_of = snap.as_of_naive
    today = snap.as_of.astimezone(snap.zone).date()
    t_to = transition_to or today
    t_from = transition_from or (t_to - timedelta(days=30))
    if t_from > t_to:
        raise Invalid(
            f"transition_from ({t_from}) is after transition_to ({t_to}).", field="transition_from"
        )

    runner.execute(snap.con, runner.sql(_PACKAGE, "journey_milestones"), {"as_of": as_of})
    try:
        return _report(snap, months, t_from, t_to, top_touchpoints, today)
    finally:
        snap.con.execute("DROP TABLE IF EXISTS temp.journey_milestones")


def customer_stages(snap: Snapshot) -> dict[int, JourneyStage | None]:
    """The current stage of every customer at ``snap.as_of`` (None when they reached none):
    ``journey_stages(snap).stage_of_customer`` without the funnel, months, transitions and
    map (for per-customer scores)."""
    runner.execute(
        snap.con, runner.sql(_PACKAGE, "journey_milestones"), {"as_of": snap.as_of_naive}
    )
    try:
        return _stage_of_customer(snap)
    finally:
        snap.con.execute("DROP TABLE IF EXISTS temp.journey_milestones")


def _stage_of_customer(snap: Snapshot) -> dict[int, JourneyStage | None]:
    """Customer id → current stage, from the ``journey_milestones`` temporary table."""
    cur = runner.execute(
        snap.con, runner.sql(_PACKAGE, "journey_customers"), {"as_of": snap.as_of_naive}
    )
    data = cur.fetchnumpy()
    names = np.array([None, *_STAGES], dtype=object)
    ranks = np.asarray(data["stage"], dtype=np.int64)
    ids = np.asarray(data["customer_id"], dtype=np.int64).tolist()
    return dict(zip(ids, names[ranks].tolist(), strict=True))


def _report(
    snap: Snapshot, months: int, t_from: date, t_to: date, top: int, today: date
) -> JourneyReport:
    by_stage = {int(r["stage"]): int(r["people"]) for r in _rows(snap, "journey_stages")}
    people = sum(by_stage.values())
    customers = _stage_of_customer(snap)
    return JourneyReport(
        as_of=snap.as_of,
        people=people,
        no_stage=by_stage.get(0, 0),
        funnel=_funnel(by_stage, people),
        months=_months(snap, months, today),
        transitions=_transitions(snap, t_from, t_to),
        journey_map=_journey_map(snap, top),
        stage_of_customer=customers,
    )


def _rows(snap: Snapshot, name: str, **params: Any) -> list[dict[str, Any]]:
    """Run journey query ``name`` (it reads the ``journey_milestones`` temporary table)."""
    return runner.rows(snap.con, _PACKAGE, name, as_of=snap.as_of_naive, **params)


def _funnel(by_stage: dict[int, int], people: int) -> tuple[FunnelStep, ...]:
    steps: list[FunnelStep] = []
    base = people
    for stage in _STAGES:
        reached = sum(v for k, v in by_stage.items() if k >= stage.rank)
        ci = intervals.wilson(reached, base)
        steps.append(
            FunnelStep(
                stage=stage,
                reached=reached,
                current=by_stage.get(stage.rank, 0),
                conversion=reached / base if base else None,
                n=base,
                ci_low=ci.low if ci else None,
                ci_high=ci.high if ci else None,
            )
        )
        base = reached
    return tuple(steps)


def _local_midnight_utc(day: date, snap: Snapshot) -> datetime:
    return datetime.combine(day, time(), snap.zone).astimezone(UTC).replace(tzinfo=None)


def _end_of_day(day: date, snap: Snapshot) -> datetime:
    """The instant local day ``day`` ends (naive UTC), capped at ``as_of``."""
    return min(_local_midnight_utc(day + timedelta(days=1), snap), snap.as_of_naive)


def _aware(naive: datetime) -> datetime:
    return naive.replace(tzinfo=UTC)


def _named(counts: dict[int, int]) -> dict[str, int]:
    out = {NO_STAGE: counts.get(0, 0)}
    out.update({s.value: counts.get(s.rank, 0) for s in _STAGES})
    return out


def _months(snap: Snapshot, months: int, today: date) -> tuple[MonthStages, ...]:
    firsts: list[date] = []
    y, m = today.year, today.month
    for _ in range(months):
        firsts.append(date(y, m, 1))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    firsts.reverse()
    cutoffs: list[datetime] = []
    for first in firsts:
        nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
        cutoffs.append(min(_local_midnight_utc(nxt, snap), snap.as_of_naive))
    counts: dict[datetime, dict[int, int]] = {c: {} for c in cutoffs}
    for r in _rows(snap, "journey_months", cutoffs=cutoffs):
        counts[r["cutoff"]][int(r["stage"])] = int(r["people"])
    return tuple(
        MonthStages(
            month=f"{first:%Y-%m}",
            cutoff=_aware(cut),
            people=_named(counts[cut]),
            total=sum(counts[cut].values()),
        )
        for first, cut in zip(firsts, cutoffs, strict=True)
    )


def _transitions(snap: Snapshot, start: date, end: date) -> StageTransitions:
    lo, hi = _end_of_day(start, snap), _end_of_day(end, snap)
    keys = [NO_STAGE, *(s.value for s in _STAGES)]
    matrix = {a: dict.fromkeys(keys, 0) for a in keys}
    n = 0
    for r in _rows(snap, "journey_transitions", t_from=lo, t_to=hi):
        a, b = int(r["from_stage"]), int(r["to_stage"])
        matrix[keys[a]][keys[b]] = int(r["people"])
        n += int(r["people"])
    return StageTransitions(
        start=start, end=end, start_cutoff=_aware(lo), end_cutoff=_aware(hi), matrix=matrix, n=n
    )


def _journey_map(snap: Snapshot, top: int) -> tuple[StageMap, ...]:
    totals: dict[int, tuple[int, int]] = {}
    points: dict[int, list[dict[str, Any]]] = {}
    for r in _rows(snap, "journey_touchpoints", top=top):
        rank = int(r["stage"])
        if r["touchpoint"] is None:
            totals[rank] = (int(r["uses"]), int(r["people"]))
        else:
            points.setdefault(rank, []).append(r)
    answers: dict[tuple[int, str], dict[int, int]] = {}
    invalid: dict[int, int] = {}
    for r in _rows(snap, "journey_satisfaction"):
        rank = int(r["stage"])
        if r["score"] is None:
            invalid[rank] = invalid.get(rank, 0) + int(r["answers"])
        else:
            answers.setdefault((rank, r["kind"]), {})[int(r["score"])] = int(r["answers"])
    out: list[StageMap] = []
    for stage in _STAGES:
        uses, people = totals.get(stage.rank, (0, 0))
        nps_counts = answers.get((stage.rank, ScoreKind.NPS.value), {})
        csat_counts = answers.get((stage.rank, ScoreKind.CSAT.value), {})
        notes: list[str] = []
        if not nps_counts:
            notes.append("No NPS answers in this stage.")
        if not csat_counts:
            notes.append("No CSAT answers in this stage.")
        if invalid.get(stage.rank):
            notes.append(f"{invalid[stage.rank]} answers off their scale were left out.")
        out.append(
            StageMap(
                stage=stage,
                uses=uses,
                people=people,
                touchpoints=tuple(
                    Touchpoint(
                        name=str(r["touchpoint"]),
                        uses=int(r["uses"]),
                        people=int(r["people"]),
                        share=int(r["uses"]) / uses if uses else 0.0,
                    )
                    for r in points.get(stage.rank, [])
                ),
                nps=satisfaction.nps(nps_counts) if nps_counts else None,
                nps_mean=_mean(nps_counts),
                csat=satisfaction.csat(csat_counts) if csat_counts else None,
                csat_mean=_mean(csat_counts),
                note=" ".join(notes) or None,
            )
        )
    return tuple(out)


def _mean(counts: dict[int, int]) -> float | None:
    n = sum(counts.values())
    return sum(k * v for k, v in counts.items()) / n if n else None
