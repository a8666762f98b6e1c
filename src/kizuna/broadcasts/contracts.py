"""What crosses the broadcasts domain's boundary: frozen dataclasses and vocabularies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from kizuna.experiments.contracts import ExperimentReport
from kizuna.types import WorkspaceId


class BroadcastStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True, kw_only=True)
class ArmSpec:
    """An A/B/n variant: its weight and, optionally, its own template document."""

    name: str
    weight: float = 1.0
    template: dict[str, Any] | None = None  # None: the broadcast's template

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "weight": self.weight, "template": self.template}


@dataclass(frozen=True, slots=True, kw_only=True)
class BroadcastInput:
    """A broadcast to create or (while a draft or scheduled) replace."""

    key: str
    name: str
    segment_key: str
    template: dict[str, Any]  # messaging template document (ja / en)
    channel: str = "email"
    purpose: str = "marketing"
    transactional: bool = False
    arms: tuple[ArmSpec, ...] = ()  # empty: one arm called "message"
    holdout_pct: float = 10.0
    global_control_pct: float = 0.0
    goal_event: str | None = None  # None: any order
    window_days: float = 7.0
    throttle_per_minute: int | None = None
    webhook_url: str = ""
    scheduled_at: datetime | None = None  # UTC; None: a draft until scheduled or sent


@dataclass(frozen=True, slots=True, kw_only=True)
class Broadcast:
    id: int
    workspace_id: WorkspaceId
    key: str
    name: str
    segment_key: str
    channel: str
    purpose: str
    transactional: bool
    template: dict[str, Any]
    arms: tuple[ArmSpec, ...]
    holdout_pct: float
    global_control_pct: float
    goal_event: str | None
    window_days: float
    throttle_per_minute: int | None
    webhook_url: str
    status: BroadcastStatus
    scheduled_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    cancelled_at: datetime | None
    recipients: int  # segment members handled so far (every arm)
    enqueued: int  # messages queued (non-control recipients)
    created_by: str
    created_at: datetime
    updated_at: datetime

    @property
    def send_key(self) -> str:
        """The outbox send key: one ``message.send`` job per (broadcast, customer)."""
        return f"broadcast:{self.id}"

    def as_dict(self) -> dict[str, Any]:
        def iso(v: datetime | None) -> str | None:
            return v.isoformat() if v else None
        return {
            "key": self.key, "name": self.name, "segment_key": self.segment_key,
            "channel": self.channel, "purpose": self.purpose,
            "transactional": self.transactional, "template": self.template,
            "arms": [a.as_dict() for a in self.arms], "holdout_pct": self.holdout_pct,
            "global_control_pct": self.global_control_pct, "goal_event": self.goal_event,
            "window_days": self.window_days, "throttle_per_minute": self.throttle_per_minute,
            "webhook_url": self.webhook_url, "status": self.status.value,
            "scheduled_at": iso(self.scheduled_at), "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at), "cancelled_at": iso(self.cancelled_at),
            "recipients": self.recipients, "enqueued": self.enqueued,
            "created_by": self.created_by, "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at)}


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryCounts:
    """The broadcast's ``message.send`` jobs by outcome."""

    queued: int = 0  # waiting, deferred or running
    sent: int = 0
    failed: int = 0  # failed or dead (template, address, channel errors)
    refused: int = 0  # not sent by the send policy: consent, suppression, caps

    def as_dict(self) -> dict[str, int]:
        return {"queued": self.queued, "sent": self.sent, "failed": self.failed,
                "refused": self.refused}


@dataclass(frozen=True, slots=True, kw_only=True)
class BroadcastResults:
    broadcast: Broadcast
    arm_sizes: dict[str, int]
    report: ExperimentReport | None  # None: nobody in the control arm yet
    delivery: DeliveryCounts
    still_open: int  # recipients still inside their conversion window
    pdca_record_id: int | None = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"broadcast": self.broadcast.key, "status": self.broadcast.status.value,
                "arm_sizes": dict(self.arm_sizes),
                "report": self.report.as_dict() if self.report else None,
                "delivery": self.delivery.as_dict(), "still_open": self.still_open,
                "pdca_record_id": self.pdca_record_id, "notes": list(self.notes)}
