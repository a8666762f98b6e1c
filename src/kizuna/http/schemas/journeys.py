"""Pydantic request and response models of the journeys API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kizuna.journeys import api as journeys


class JourneyIn(BaseModel):
    """Either ``definition`` (with ``key`` and ``name``) or a ready-made ``template``."""

    model_config = ConfigDict(extra="forbid")

    key: str | None = Field(default=None, min_length=1, max_length=100,
                            examples=["abandoned-cart"])
    name: str | None = Field(default=None, min_length=1, max_length=200)
    definition: dict[str, Any] | None = None
    template: str | None = Field(default=None, examples=["abandoned_cart"])
    params: dict[str, str] = Field(default_factory=dict,
                                   description="Template parameters (e.g. survey, segment)")
    locale: str = Field(default="en", description="Language of a template's journey name")


class JourneyUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    definition: dict[str, Any] | None = None


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str = Field(examples=["live"], description="draft, live, paused or archived")


class ValidateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    definition: dict[str, Any]


class StepOut(BaseModel):
    id: str
    kind: str
    text: str
    goes_to: list[str]


class JourneyOut(BaseModel):
    key: str
    name: str
    status: str
    current_version: int
    definition: dict[str, Any]
    trigger: str
    steps: list[StepOut]
    created_at: datetime
    updated_at: datetime


class ValidateOut(BaseModel):
    definition: dict[str, Any]
    trigger: str
    steps: list[StepOut]


class VersionOut(BaseModel):
    version: int
    definition: dict[str, Any]
    created_at: datetime


class RunOut(BaseModel):
    id: int
    version: int
    customer_id: int
    arm: str
    trigger_key: str
    state: str
    step_id: str | None
    due_at: datetime | None
    entered_at: datetime
    finished_at: datetime | None


class RunsOut(BaseModel):
    runs: list[RunOut]
    counts_by_state: dict[str, int]
    counts_by_arm: dict[str, int]
    next_before: int | None


class TemplateOut(BaseModel):
    name: str
    title: dict[str, str]
    description: dict[str, str]
    definition: dict[str, Any]


class ResultsOut(BaseModel):
    key: str
    goal_event: str | None
    window_days: float
    entries: int
    still_open: int
    enough_data: bool
    report: dict[str, Any] | None
    problem: str
    pdca_records: list[int]


def steps_out(definition: dict[str, Any], lang: str = "en") -> tuple[str, list[StepOut]]:
    trigger, lines = journeys.describe(definition, lang)
    return trigger, [StepOut(id=line.id, kind=line.kind, text=line.text,
                             goes_to=list(line.goes_to)) for line in lines]


def journey_out(j: journeys.Journey) -> JourneyOut:
    trigger, steps = steps_out(dict(j.definition))
    return JourneyOut(key=j.key, name=j.name, status=j.status.value,
                      current_version=j.current_version, definition=dict(j.definition),
                      trigger=trigger, steps=steps, created_at=j.created_at,
                      updated_at=j.updated_at)


def run_out(r: journeys.Run) -> RunOut:
    return RunOut(id=r.id, version=r.version, customer_id=r.customer_id, arm=r.arm,
                  trigger_key=r.trigger_key, state=r.state.value, step_id=r.step_id,
                  due_at=r.due_at, entered_at=r.entered_at, finished_at=r.finished_at)
