"""Values that cross the boundary of the metrics domain."""

from __future__ import annotations

import enum
from dataclasses import dataclass

#: Below this many answers a score is still computed but flagged ``small_sample``.
MIN_RELIABLE_N = 30


class ScoreKind(enum.StrEnum):
    """The three satisfaction scores and their answer scales."""

    NPS = "nps"
    CSAT = "csat"
    CES = "ces"

    @property
    def scale(self) -> tuple[int, int]:
        """Lowest and highest allowed answer (inclusive)."""
        return _SCALES[self]

    @property
    def unit(self) -> str:
        """How ``Score.value`` is expressed."""
        return _UNITS[self]


_SCALES = {ScoreKind.NPS: (0, 10), ScoreKind.CSAT: (1, 5), ScoreKind.CES: (1, 7)}
_UNITS = {ScoreKind.NPS: "points", ScoreKind.CSAT: "percent", ScoreKind.CES: "mean"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Score:
    """One satisfaction score with its n and a confidence interval.

    ``value`` is the NPS on −100..100, the CSAT in percent (0..100) or the CES mean (1..7).
    ``counts`` holds the number of answers per scale value (every value present, zeros
    included); ``breakdown`` the named groups (promoters/passives/detractors for NPS,
    satisfied/other for CSAT, agree/neutral/disagree for CES). ``std_error`` is the standard
    error the interval was built from (on the same scale as ``value``).
    """

    kind: ScoreKind
    value: float
    n: int
    ci_low: float
    ci_high: float
    confidence: float
    method: str
    std_error: float
    small_sample: bool
    breakdown: dict[str, int]
    counts: dict[int, int]


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """The change of a score between two periods: ``after − before`` with its interval and
    a two-sided p-value; ``significant`` is ``p_value < 1 − confidence``."""

    kind: ScoreKind
    before: Score
    after: Score
    difference: float
    ci_low: float
    ci_high: float
    confidence: float
    p_value: float
    significant: bool
    method: str
    small_sample: bool


class Unit(enum.StrEnum):
    """How a KPI's value is expressed (the adapters format by it)."""

    CURRENCY = "currency"  # in the workspace's currency
    COUNT = "count"
    RATIO = "ratio"  # 0..1, shown as a percentage
    DAYS = "days"
    MEAN = "mean"  # a mean count per unit (pages per session, orders per customer)
    SCORE = "score"  # 0..100


@dataclass(frozen=True, slots=True, kw_only=True)
class Kpi:
    """One figure for a period, compared with the previous period of the same length.

    ``value`` is None when the figure is undefined (e.g. AOV without orders); ``note`` then
    says why. ``n`` is the size the figure rests on (orders for AOV, customers for the
    repeat-purchase rate, sessions for pages per session). ``ci_low``/``ci_high`` is the 95 %
    interval where the figure is an estimate (rates, means); totals such as revenue are
    counts of what happened and have none. ``p_value`` tests "no change" against the
    previous period where a test applies.
    """

    key: str
    value: float | None
    unit: Unit
    n: int
    previous: float | None = None
    previous_n: int = 0
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    note: str | None = None

    @property
    def change(self) -> float | None:
        """``value − previous`` (None unless both exist)."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def change_ratio(self) -> float | None:
        """Relative change (``value / previous − 1``); None when previous is 0 or missing."""
        if self.value is None or not self.previous:
            return None
        return self.value / self.previous - 1
