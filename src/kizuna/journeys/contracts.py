"""What crosses the journeys boundary: definitions (triggers, steps), journeys, runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    DRAFT = "draft"
    LIVE = "live"
    PAUSED = "paused"  # no new entries; runs wait where they are
    ARCHIVED = "archived"  # runs end (exited)


class ReEntry(StrEnum):
    ONCE = "once"  # never again
    AFTER_EXIT = "after_exit"  # again once the previous run ended
    ALWAYS = "always"  # one run per trigger


class RunState(StrEnum):
    ACTIVE = "active"
    WAITING = "waiting"
    WAITING_EVENT = "waiting_event"
    COMPLETED = "completed"
    CONVERTED = "converted"
    EXITED = "exited"


OPEN_STATES: tuple[str, ...] = (RunState.ACTIVE, RunState.WAITING, RunState.WAITING_EVENT)
END = "end"  # a step target that ends the run (completed)


# -- triggers ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class EventTrigger:
    """A track event by name whose properties equal ``where`` (segment entry/exit included)."""

    event: str
    where: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class DateTrigger:
    """A date of the customer (``birthday``, ``traits.<name>``, ``last_order``) plus
    ``offset_days``, at local time ``at`` in the customer's zone (else the workspace's)."""

    field: str
    at: str = "09:00"
    offset_days: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleTrigger:
    """Every day or week (``weekday`` 0 = Monday) at ``at`` workspace time: the members of
    ``segment`` enter."""

    every: str
    at: str
    segment: str
    weekday: int | None = None


Trigger = EventTrigger | DateTrigger | ScheduleTrigger


# -- steps ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class SendStep:
    id: str
    channel: str
    purpose: str
    transactional: bool
    template: Mapping[str, Any]
    variants: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # arm → template
    webhook_url: str = ""
    next: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitStep:
    """Wait ``seconds``, or until the next local time of day ``until`` (HH:MM)."""

    id: str
    seconds: int | None = None
    until: str | None = None
    next: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitForEventStep:
    """Wait for ``event`` (with ``where`` properties; ``correlate``: the same value of that
    property as the trigger event) for at most ``timeout_seconds``."""

    id: str
    event: str
    timeout_seconds: int
    where: Mapping[str, Any] = field(default_factory=dict)
    correlate: str | None = None
    on_event: str | None = None
    on_timeout: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BranchStep:
    """Go to ``then`` if the customer matches ``condition`` (segment condition JSON)."""

    id: str
    condition: Mapping[str, Any]
    then: str | None = None
    otherwise: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateTraitStep:
    id: str
    traits: Mapping[str, Any]
    next: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExitStep:
    id: str


Step = SendStep | WaitStep | WaitForEventStep | BranchStep | UpdateTraitStep | ExitStep


@dataclass(frozen=True, slots=True, kw_only=True)
class ArmSpec:
    name: str
    weight: float = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Definition:
    """A journey version's definition; ``steps[0]`` is where runs start."""

    trigger: Trigger
    steps: tuple[Step, ...]
    goal_event: str | None = None
    conversion_window_days: float = 7.0
    re_entry: ReEntry = ReEntry.ONCE
    holdout_pct: float = 10.0
    global_control_pct: float = 0.0
    arms: tuple[ArmSpec, ...] = (ArmSpec(name="main"),)

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class Journey:
    id: int
    workspace_id: int
    key: str
    name: str
    status: Status
    current_version: int
    definition: Mapping[str, Any]  # the current version's JSON
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class JourneyVersion:
    journey_id: int
    version: int
    definition: Mapping[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Run:
    id: int
    journey_id: int
    version: int
    customer_id: int
    arm: str
    trigger_key: str
    state: RunState
    step_id: str | None
    due_at: datetime | None
    entered_at: datetime
    finished_at: datetime | None
    context: Mapping[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class RunCounts:
    """Runs of a journey per state and per arm."""

    by_state: Mapping[str, int]
    by_arm: Mapping[str, int]


@dataclass(frozen=True, slots=True, kw_only=True)
class JourneyTemplate:
    """A ready-made journey: ``name`` (CLI id), titles and descriptions in ja/en."""

    name: str
    title: Mapping[str, str]
    description: Mapping[str, str]
    definition: Mapping[str, Any]
