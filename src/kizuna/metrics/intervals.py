"""Intervals and tests shared by the KPIs: proportions (Wilson), means (Student t), and the
change between two independent periods (two-proportion z test; Welch's t test)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats


@dataclass(frozen=True, slots=True)
class Interval:
    low: float
    high: float


def _z(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson(successes: int, n: int, confidence: float = 0.95) -> Interval | None:
    """Wilson score interval of a proportion ``successes / n``; None when n == 0."""
    if n <= 0:
        return None
    z = _z(confidence)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # Clamp to the observed share too: rounding can leave the bound a hair inside it
    # (e.g. 5.6e-17 for k = 0), and an interval must contain its estimate.
    return Interval(min(p, max(0.0, centre - half)), max(p, min(1.0, centre + half)))


def mean_interval(mean: float, sd: float, n: int, confidence: float = 0.95) -> Interval | None:
    """Student t interval of a mean from its sample sd; None below two observations."""
    if n < 2 or not math.isfinite(sd):
        return None
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return Interval(mean - half, mean + half)


def ratio_interval(total: float, sumsq: float, n: int, confidence: float = 0.95) -> Interval | None:
    """Interval of a per-unit mean (e.g. pages per session, orders per customer) from the
    sum and sum of squares of the per-unit values."""
    if n < 2:
        return None
    mean = total / n
    var = max(0.0, (sumsq - n * mean * mean) / (n - 1))
    return mean_interval(mean, math.sqrt(var), n, confidence)


def two_proportion_p(k1: int, n1: int, k2: int, n2: int) -> float | None:
    """Two-sided p-value of the pooled z test of p1 == p2."""
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0 if k1 / n1 == k2 / n2 else 0.0
    z = (k1 / n1 - k2 / n2) / se
    return float(2 * stats.norm.sf(abs(z)))


def welch_p(m1: float, sd1: float, n1: int, m2: float, sd2: float, n2: int) -> float | None:
    """Two-sided p-value of Welch's t test of mean1 == mean2."""
    if n1 < 2 or n2 < 2:
        return None
    v1, v2 = sd1 * sd1 / n1, sd2 * sd2 / n2
    if v1 + v2 == 0:
        return 1.0 if m1 == m2 else 0.0
    t = (m1 - m2) / math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1))
    return float(2 * stats.t.sf(abs(t), df))
