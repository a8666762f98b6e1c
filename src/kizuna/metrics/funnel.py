"""The purchase funnel: people who did each step, in order, within the period, each step
following the previous one within a conversion window. A counted order satisfies the step
"Order Completed" (the demo and CSV imports record orders, not such events). Definitions:
docs/reference/metrics/retention-funnel-involvement.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from kizuna.analytics import runner
from kizuna.analytics.snapshot import Snapshot
from kizuna.errors import Invalid
from kizuna.metrics.commerce import load_segments, local_today
from kizuna.metrics.contracts import Kpi, Unit
from kizuna.metrics.kpis import proportion_kpi
from kizuna.metrics.periods import Period

_PKG = "kizuna.metrics"
DEFAULT_STEPS: tuple[str, ...] = (
    "Product Viewed",
    "Product Added",
    "Checkout Started",
    "Order Completed",
)
#: The step a counted order satisfies.
ORDER_STEP = "Order Completed"


@dataclass(frozen=True, slots=True, kw_only=True)
class FunnelStep:
    """Step ``step`` (1-based): ``people`` did steps 1..step in order. ``from_previous`` is
    people / people at the previous step, ``from_start`` people / people at step 1 (Wilson
    intervals; for step 1 both are None-valued)."""

    step: int
    name: str
    people: int
    from_previous: Kpi
    from_start: Kpi


@dataclass(frozen=True, slots=True, kw_only=True)
class Funnel:
    """A funnel over ``period_start..period_end``; ``segment`` is None for everyone, and
    ``segments`` holds one funnel per segment when a segment mapping was given."""

    period_start: date
    period_end: date
    window_days: int
    segment: str | None
    steps: tuple[FunnelStep, ...]
    overall: Kpi  # people at the last step / people at step 1
    segments: tuple[Funnel, ...] = ()
    note: str | None = None


def purchase_funnel(
    snap: Snapshot,
    period: Period,
    *,
    steps: Sequence[str] = DEFAULT_STEPS,
    by: Mapping[int, str] | None = None,
    window_days: int = 7,
) -> Funnel:
    """People who did ``steps`` in order within ``period``, each step at most
    ``window_days`` after the previous one; ``by`` (customer id -> segment) adds one funnel
    per segment (people it does not list, anonymous visitors included, are 'unassigned')."""
    names = [str(s) for s in steps]
    if not names or any(not n.strip() for n in names):
        raise Invalid("A funnel needs at least one named step.", field="steps")
    if len(set(names)) != len(names):
        raise Invalid("Funnel steps must be different events.", field="steps", value=names)
    if window_days < 1:
        raise Invalid("window_days must be at least 1.", field="window_days", value=window_days)
    lo, hi = period.bounds_utc(snap.zone)
    order_step = names.index(ORDER_STEP) + 1 if ORDER_STEP in names else 0
    con = snap.con
    try:
        runner.execute(
            con,
            runner.sql(_PKG, "funnel_events_load"),
            {
                "names": names,
                "numbers": list(range(1, len(names) + 1)),
                "order_step": order_step,
                "lo": lo,
                "hi": hi,
            },
        )
        runner.execute(con, runner.sql(_PKG, "funnel_start"))
        for step in range(2, len(names) + 1):
            runner.execute(
                con,
                runner.sql(_PKG, "funnel_advance"),
                {"step": step, "window_seconds": window_days * 86400},
            )
        total = {int(r["step"]): int(r["people"]) for r in runner.rows(con, _PKG, "funnel_counts")}
        per_segment: dict[str, dict[int, int]] = {}
        if by is not None:
            load_segments(snap, by)
            for r in runner.rows(con, _PKG, "funnel_counts_segment"):
                per_segment.setdefault(str(r["segment"]), {})[int(r["step"])] = int(r["people"])
    finally:
        runner.execute(con, runner.sql(_PKG, "funnel_cleanup"))
    note = None
    if period.start > local_today(snap):
        note = "The period lies after the snapshot's date; no one can have done any step yet."
    elif not total:
        note = f"No one did {names[0]!r} in the period."
    segments = tuple(
        _funnel(period, window_days, names, counts, segment=label, note=None)
        for label, counts in sorted(per_segment.items())
    )
    return _funnel(period, window_days, names, total, segment=None, note=note, segments=segments)


def _funnel(
    period: Period,
    window_days: int,
    names: list[str],
    counts: Mapping[int, int],
    *,
    segment: str | None,
    note: str | None,
    segments: tuple[Funnel, ...] = (),
) -> Funnel:
    people = [counts.get(i, 0) for i in range(1, len(names) + 1)]
    first = people[0]
    none = "No one started the funnel." if first == 0 else None
    out = []
    for i, name in enumerate(names):
        if i == 0:
            step_note = "The first step has no conversion."
            prev = Kpi(key="from_previous", value=None, unit=Unit.RATIO, n=0, note=step_note)
            start = Kpi(key="from_start", value=None, unit=Unit.RATIO, n=0, note=step_note)
        else:
            prev = proportion_kpi("from_previous", (people[i], people[i - 1]), (0, 0), none)
            start = proportion_kpi("from_start", (people[i], first), (0, 0), none)
        out.append(
            FunnelStep(
                step=i + 1, name=name, people=people[i], from_previous=prev, from_start=start
            )
        )
    overall = (
        proportion_kpi("overall_conversion", (people[-1], first), (0, 0), none)
        if len(names) > 1
        else Kpi(
            key="overall_conversion",
            value=None,
            unit=Unit.RATIO,
            n=first,
            note="A one-step funnel has no conversion.",
        )
    )
    return Funnel(
        period_start=period.start,
        period_end=period.end,
        window_days=window_days,
        segment=segment,
        steps=tuple(out),
        overall=overall,
        segments=segments,
        note=note,
    )
