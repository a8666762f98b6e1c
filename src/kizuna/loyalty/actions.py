"""Loyalty actions a journey step can take, ready for the journeys engine to call.

Each action has a ``validate(params) -> params`` (raises ``LoyaltyInvalid``) and an
``apply(session, workspace_id, customer_id, params, *, source_key, now)``; ``source_key``
identifies the journey step run, so applying the same step twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kizuna.loyalty import store
from kizuna.loyalty.api import enrol
from kizuna.loyalty.badges import BADGES_BY_KEY
from kizuna.loyalty.contracts import EntryKind
from kizuna.loyalty.errors import LoyaltyInvalid, LoyaltyNotConfigured, NotAMember
from kizuna.loyalty.points import credit
from kizuna.loyalty.programme import to_programme
from kizuna.loyalty.run import award_badge
from kizuna.types import CustomerId, WorkspaceId

MAX_AWARD = 1_000_000

Params = dict[str, Any]


@dataclass(frozen=True, slots=True)
class JourneyAction:
    key: str
    description: str
    validate: Callable[[Mapping[str, Any]], Params]
    apply: Callable[..., bool]  # (session, ws, customer, params, *, source_key, now) -> did it


def _award_params(params: Mapping[str, Any]) -> Params:
    points = params.get("points")
    if not isinstance(points, int) or isinstance(points, bool) or not 1 <= points <= MAX_AWARD:
        raise LoyaltyInvalid(f"points must be a whole number from 1 to {MAX_AWARD}.",
                             field="points")
    reason = params.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 200:
        raise LoyaltyInvalid("reason is text of up to 200 characters.", field="reason")
    return {"points": points, "reason": reason}


def _member(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId) -> bool:
    row = store.member_row(session, workspace_id, customer_id)
    return row is not None and row.status == "active"


def _award(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId,
           params: Mapping[str, Any], *, source_key: str, now: datetime) -> bool:
    clean = _award_params(params)
    row = store.program_row(session, workspace_id)
    if row is None:
        raise LoyaltyNotConfigured()
    if not _member(session, workspace_id, customer_id):
        return False  # journeys reach non-members too: nothing to award
    made = credit(session, workspace_id, customer_id, kind=EntryKind.BONUS,
                  points=clean["points"], source_key=f"journey:{source_key}"[:200], now=now,
                  expiry_months=to_programme(row).config.expiry_months,
                  reason=clean["reason"] or "Journey award", details={"rule": "journey"})
    return made is not None


def _badge_params(params: Mapping[str, Any]) -> Params:
    badge = params.get("badge")
    if badge not in BADGES_BY_KEY:
        raise LoyaltyInvalid(f"badge must be one of {', '.join(BADGES_BY_KEY)}.", field="badge")
    return {"badge": badge}


def _grant(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId,
           params: Mapping[str, Any], *, source_key: str, now: datetime) -> bool:
    clean = _badge_params(params)
    if not _member(session, workspace_id, customer_id):
        return False
    return award_badge(session, workspace_id, customer_id, clean["badge"],
                       source_key=f"journey:{source_key}", now=now)


def _enrol_params(params: Mapping[str, Any]) -> Params:
    if params:
        raise LoyaltyInvalid("loyalty.enrol takes no parameters.", field="params")
    return {}


def _enrol(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId,
           params: Mapping[str, Any], *, source_key: str, now: datetime) -> bool:
    _enrol_params(params)
    if _member(session, workspace_id, customer_id):
        return False
    try:
        enrol(session, workspace_id, customer_id, channel="journey", now=now)
    except NotAMember:  # pragma: no cover - enrol never raises it
        return False
    return True


JOURNEY_ACTIONS: dict[str, JourneyAction] = {
    "loyalty.award_points": JourneyAction(
        "loyalty.award_points", "Award points to a member ({points, reason}).",
        _award_params, _award),
    "loyalty.grant_badge": JourneyAction(
        "loyalty.grant_badge", "Grant a badge to a member ({badge}).", _badge_params, _grant),
    "loyalty.enrol": JourneyAction(
        "loyalty.enrol", "Enrol the customer in the programme.", _enrol_params, _enrol),
}
