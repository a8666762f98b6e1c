"""KPI builders shared by the metric modules: a mean from (n, sum, sum of squares) with a
t interval and Welch's test, and a share k/n with a Wilson interval and the two-proportion
test, each against the previous period."""

from __future__ import annotations

import math

from kizuna.metrics import intervals
from kizuna.metrics.contracts import Kpi, Unit


def mean_kpi(
    key: str,
    unit: Unit,
    current: tuple[int, float, float],
    previous: tuple[int, float, float],
    note: str | None,
) -> Kpi:
    """A mean from (n, sum, sum of squares) per period: t interval, Welch p vs previous."""
    n, total, sumsq = current
    pn, ptotal, psumsq = previous
    if n <= 0:
        return Kpi(
            key=key,
            value=None,
            unit=unit,
            n=0,
            previous=ptotal / pn if pn else None,
            previous_n=pn,
            note=note or "Nothing to average in the period.",
        )
    mean, sd = total / n, _sd(n, total, sumsq)
    ci = intervals.mean_interval(mean, sd, n)
    pmean = ptotal / pn if pn else None
    p = (
        intervals.welch_p(mean, sd, n, pmean, _sd(pn, ptotal, psumsq), pn)
        if pmean is not None
        else None
    )
    return Kpi(
        key=key,
        value=mean,
        unit=unit,
        n=n,
        previous=pmean,
        previous_n=pn,
        ci_low=ci.low if ci else None,
        ci_high=ci.high if ci else None,
        p_value=p,
        note=note if note else (None if ci else "Fewer than two values: no interval."),
    )


def proportion_kpi(
    key: str,
    current: tuple[int, int],
    previous: tuple[int, int],
    note: str | None,
    *,
    empty_note: str = "No one to count in the period.",
) -> Kpi:
    """A share k/n with a Wilson interval and a two-proportion p vs the previous share
    (``empty_note`` when n is 0 and no ``note`` is given)."""
    k, n = current
    pk, pn = previous
    prev_value = pk / pn if pn else None
    if n <= 0:
        return Kpi(
            key=key,
            value=None,
            unit=Unit.RATIO,
            n=0,
            previous=prev_value,
            previous_n=pn,
            note=note or empty_note,
        )
    ci = intervals.wilson(k, n)
    return Kpi(
        key=key,
        value=k / n,
        unit=Unit.RATIO,
        n=n,
        previous=prev_value,
        previous_n=pn,
        ci_low=ci.low if ci else None,
        ci_high=ci.high if ci else None,
        p_value=intervals.two_proportion_p(k, n, pk, pn) if pn else None,
        note=note,
    )


def _sd(n: int, total: float, sumsq: float) -> float:
    if n < 2:
        return math.nan
    mean = total / n
    return math.sqrt(max(0.0, (sumsq - n * mean * mean) / (n - 1)))
