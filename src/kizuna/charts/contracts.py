"""The inputs of the chart functions: frozen dataclasses, one per kind of mark."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Series:
    """One line; ``band_low``/``band_high`` shade an interval around it where both are set."""

    name: str
    values: Sequence[float | None]
    band_low: Sequence[float | None] | None = None
    band_high: Sequence[float | None] | None = None


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None


@dataclass(frozen=True, slots=True)
class FunnelStep:
    """``conversion`` from the previous step; computed from the counts when ``None``."""

    label: str
    count: float
    conversion: float | None = None


@dataclass(frozen=True, slots=True)
class HistBin:
    low: float
    high: float
    count: float
