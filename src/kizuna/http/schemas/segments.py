"""Pydantic request and response models of the segments API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kizuna.segments.contracts import Segment


class SegmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=100, examples=["vip"])
    name: str = Field(min_length=1, max_length=200, examples=["VIP customers"])
    condition: dict[str, Any] = Field(
        examples=[{"all": [{"trait": "plan", "op": "eq", "value": "pro"},
                           {"orders": {"at_least": 2, "within_days": 365}}]}])


class SegmentUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    condition: dict[str, Any]


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    condition: dict[str, Any]


class PreviewOut(BaseModel):
    size: int
    sample: list[int]


class SegmentOut(BaseModel):
    key: str
    name: str
    condition: dict[str, Any]
    description: str
    description_ja: str
    size: int | None
    computed_at: datetime | None
    recompute_count: int
    created_at: datetime
    updated_at: datetime


class MembersOut(BaseModel):
    key: str
    customer_ids: list[int]
    next_after: int | None


def segment_out(seg: Segment, en: str, ja: str) -> SegmentOut:
    return SegmentOut(key=seg.key, name=seg.name, condition=seg.condition, description=en,
                      description_ja=ja, size=seg.size, computed_at=seg.computed_at,
                      recompute_count=seg.recompute_count, created_at=seg.created_at,
                      updated_at=seg.updated_at)
