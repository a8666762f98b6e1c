"""What crosses the experiments domain's boundary: frozen dataclasses and vocabularies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from kizuna.experiments.stats import MetricComparison
from kizuna.paging import Page as Page  # re-exported: the domain's list_* pages
from kizuna.types import WorkspaceId

HOLDOUT = "holdout"  # the per-experiment control arm
GLOBAL_CONTROL = "global_control"  # the workspace-wide control group (never messaged)
RESERVED_ARMS = frozenset({HOLDOUT, GLOBAL_CONTROL})


@dataclass(frozen=True, slots=True)
class Arm:
    """A variant and its relative weight (weights need not sum to anything)."""

    name: str
    weight: float = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    """One recipient: the arm, whether they converted, revenue and pre-period spend."""

    arm: str
    converted: bool
    revenue: float = 0.0
    pre_spend: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ArmStats:
    name: str
    n: int
    conversions: int
    conversion_rate: float
    revenue: float
    revenue_per_recipient: float
    enough_data: bool  # n >= MIN_N and conversions >= MIN_CONVERSIONS

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "n": self.n, "conversions": self.conversions,
                "conversion_rate": self.conversion_rate, "revenue": self.revenue,
                "revenue_per_recipient": self.revenue_per_recipient,
                "enough_data": self.enough_data}


@dataclass(frozen=True, slots=True, kw_only=True)
class VariantResult:
    """One variant against the control, for conversion rate and revenue per recipient."""

    arm: str
    enough_data: bool
    conversion: MetricComparison
    revenue: MetricComparison

    def as_dict(self) -> dict[str, Any]:
        return {"arm": self.arm, "enough_data": self.enough_data,
                "conversion": self.conversion.as_dict(), "revenue": self.revenue.as_dict()}


@dataclass(frozen=True, slots=True, kw_only=True)
class ExperimentReport:
    control: str
    alpha: float
    min_n: int
    min_conversions: int
    cuped_theta: float | None  # None: no pre-period spend in the data
    arms: list[ArmStats]
    variants: list[VariantResult]
    notes: list[str] = field(default_factory=list)

    @property
    def enough_data(self) -> bool:
        return bool(self.variants) and all(v.enough_data for v in self.variants)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-safe snapshot (stored as a PDCA record's result)."""
        return {"control": self.control, "alpha": self.alpha, "min_n": self.min_n,
                "min_conversions": self.min_conversions, "cuped_theta": self.cuped_theta,
                "enough_data": self.enough_data, "arms": [a.as_dict() for a in self.arms],
                "variants": [v.as_dict() for v in self.variants], "notes": list(self.notes)}


class PdcaStatus(StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    MEASURED = "measured"
    CLOSED = "closed"


class ActionKind(StrEnum):
    JOURNEY = "journey"
    BROADCAST = "broadcast"
    OTHER = "other"


@dataclass(frozen=True, slots=True, kw_only=True)
class PdcaInput:
    """Plan (hypothesis) → Do (action) → Check (result) → Act (next step)."""

    title: str
    hypothesis: str
    action_kind: ActionKind | str = ActionKind.OTHER
    action_ref: str = ""
    experiment_key: str = ""
    status: PdcaStatus | str = PdcaStatus.PLANNED
    result_summary: str = ""
    result: dict[str, Any] | None = None
    next_step: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PdcaRecord:
    id: int
    workspace_id: WorkspaceId
    title: str
    hypothesis: str
    action_kind: ActionKind
    action_ref: str
    experiment_key: str
    status: PdcaStatus
    result_summary: str
    result: dict[str, Any] | None
    next_step: str
    created_by: str
    created_at: datetime
    updated_at: datetime
