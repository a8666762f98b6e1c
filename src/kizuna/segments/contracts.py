"""A segment condition as frozen dataclasses (parsed from JSON by ``conditions.parse``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

Scalar = str | int | float | bool
OPS = ("eq", "ne", "in", "gt", "lt", "exists", "contains")
PROFILE_FIELDS = ("email", "phone", "first_name", "last_name", "name", "timezone", "locale",
                  "country", "external_id", "birthday")
METRICS = ("rfm_segment", "clv", "p_alive", "expected_purchases", "nps_group", "nps_score",
           "journey_stage", "engagement_score")


@dataclass(frozen=True, slots=True)
class Compare:
    """``op`` applied to a value: ``value`` is a scalar, a tuple for ``in``, None for exists."""

    op: str
    value: Any = None


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class NotOf:
    item: Condition


@dataclass(frozen=True, slots=True)
class TraitIs:
    """A profile field (``email``, ``country``…) or a custom trait compared with a value."""

    trait: str
    test: Compare


@dataclass(frozen=True, slots=True)
class PropertyIs:
    property: str
    test: Compare


@dataclass(frozen=True, slots=True)
class DidEvent:
    """Did (or, with ``did_not``, did not do) ``event`` at least N times in the last D days."""

    event: str
    at_least: int = 1
    within_days: int | None = None
    where: tuple[PropertyIs, ...] = ()
    did_not: bool = False


@dataclass(frozen=True, slots=True)
class OrdersMatch:
    at_least: int = 1
    within_days: int | None = None
    total_at_least: Decimal | None = None


@dataclass(frozen=True, slots=True)
class NoOrderFor:
    """Ordered before, but not in the last ``days`` days."""

    days: int


@dataclass(frozen=True, slots=True)
class HasConsent:
    """The latest consent for channel and purpose is ``granted``."""

    channel: str
    purpose: str


@dataclass(frozen=True, slots=True)
class InSegment:
    key: str


@dataclass(frozen=True, slots=True)
class MetricIs:
    """A per-customer score (``METRICS``, kept in ``customer_scores``) compared with a value."""

    metric: str
    test: Compare


Condition = AllOf | AnyOf | NotOf | TraitIs | DidEvent | OrdersMatch | NoOrderFor | HasConsent \
    | InSegment | MetricIs


@dataclass(frozen=True, slots=True)
class Segment:
    id: int
    key: str
    name: str
    condition: dict[str, Any]
    size: int | None
    computed_at: datetime | None
    recompute_count: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Preview:
    size: int
    sample: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class RecomputeOutcome:
    key: str
    size: int
    entered: int
    exited: int
    run: int
