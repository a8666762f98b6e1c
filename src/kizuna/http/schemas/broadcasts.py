"""Pydantic request and response models of the broadcasts API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kizuna.broadcasts.contracts import ArmSpec, Broadcast, BroadcastInput

TEMPLATE_EXAMPLE = {"default_locale": "ja",
                    "ja": {"subject": "{{ customer.first_name }} さんへ冬のセール",
                           "text": "こんにちは"},
                    "en": {"subject": "Winter sale for {{ customer.first_name }}",
                           "text": "Hello"}}


class ArmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    weight: float = Field(default=1.0, gt=0)
    template: dict[str, Any] | None = None


class BroadcastIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=100, examples=["winter-sale"])
    name: str = Field(min_length=1, max_length=200, examples=["Winter sale"])
    segment_key: str = Field(min_length=1, max_length=100, examples=["fans"])
    template: dict[str, Any] = Field(examples=[TEMPLATE_EXAMPLE])
    channel: str = Field(default="email", examples=["email", "webhook", "in_app"])
    purpose: str = "marketing"
    transactional: bool = False
    arms: list[ArmIn] = Field(default_factory=list, max_length=10)
    holdout_pct: float = Field(default=10.0, ge=0, lt=100)
    global_control_pct: float = Field(default=0.0, ge=0, lt=100)
    goal_event: str | None = Field(default=None, max_length=200)
    window_days: float = Field(default=7.0, gt=0, le=365)
    throttle_per_minute: int | None = Field(default=None, ge=1)
    webhook_url: str = ""
    scheduled_at: AwareDatetime | None = None

    def to_input(self, key: str | None = None) -> BroadcastInput:
        data = self.model_dump(exclude={"arms"})
        if key is not None:
            data["key"] = key
        return BroadcastInput(**data, arms=tuple(
            ArmSpec(name=a.name, weight=a.weight, template=a.template) for a in self.arms))


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scheduled_at: AwareDatetime


class ArmOut(BaseModel):
    name: str
    weight: float
    template: dict[str, Any] | None


class BroadcastOut(BaseModel):
    key: str
    name: str
    segment_key: str
    channel: str
    purpose: str
    transactional: bool
    template: dict[str, Any]
    arms: list[ArmOut]
    holdout_pct: float
    global_control_pct: float
    goal_event: str | None
    window_days: float
    throttle_per_minute: int | None
    webhook_url: str
    status: str
    scheduled_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    cancelled_at: datetime | None
    recipients: int
    enqueued: int
    created_by: str
    created_at: datetime
    updated_at: datetime


class BroadcastListOut(BaseModel):
    items: list[BroadcastOut]
    total: int
    page: int
    page_size: int


class DeliveryOut(BaseModel):
    queued: int
    sent: int
    failed: int
    refused: int


class ResultsOut(BaseModel):
    broadcast: str
    status: str
    arm_sizes: dict[str, int]
    report: dict[str, Any] | None
    delivery: DeliveryOut
    still_open: int
    pdca_record_id: int | None
    notes: list[str]


def broadcast_out(b: Broadcast) -> BroadcastOut:
    return BroadcastOut.model_validate(b.as_dict())
