"""Loyalty admin API (API keys: reading needs a read key, every change an admin key).

``GET/PUT /v1/loyalty/programme``; ``GET /v1/loyalty/members?tier=&page=``;
``GET/POST/DELETE /v1/loyalty/members/{customer_id}`` (summary, enrol, leave);
``GET .../entries`` (the ledger), ``POST .../adjustments`` and ``POST .../redemptions`` (both
need an ``Idempotency-Key`` header: a replay returns the first result);
``GET /v1/loyalty/rewards``, ``GET/PUT /v1/loyalty/rewards/{key}``; ``GET /v1/loyalty/report``;
``POST /v1/loyalty/run`` (run the programme now).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response
from sqlalchemy.orm import Session

from kizuna.errors import Invalid
from kizuna.http.deps import AdminKey, ReadKey, RuntimeDep, SessionDep
from kizuna.http.routes.customers import _ERRORS, _PROBLEM
from kizuna.http.schemas.customers import Problem
from kizuna.http.schemas.loyalty import (
    AdjustmentIn,
    EnrolIn,
    EntryListOut,
    EntryOut,
    MemberListOut,
    MemberOut,
    MemberStatusOut,
    ProgrammeIn,
    ProgrammeOut,
    RedemptionIn,
    RedemptionOut,
    ReportOut,
    RewardIn,
    RewardOut,
    RunOut,
    entry_list_out,
    entry_out,
    member_list_out,
    member_out,
    programme_out,
    redemption_out,
    report_out,
    reward_out,
    run_out,
    summary_out,
)
from kizuna.loyalty import api as loyalty
from kizuna.loyalty.errors import RewardNotFound
from kizuna.profiles import api as profiles
from kizuna.types import CustomerId, WorkspaceId
from kizuna.workspaces import api as workspaces


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": _PROBLEM}


_MEMBER: dict[int | str, dict[str, Any]] = {
    **_ERRORS, 404: _problem("No such customer, or not a member, or no programme")}
_CHANGE: dict[int | str, dict[str, Any]] = {
    **_MEMBER, 409: _problem("Not enough points, or the reward is unavailable")}

router = APIRouter(prefix="/v1/loyalty", tags=["loyalty"], responses=_ERRORS)

CustomerPath = Annotated[int, Path(ge=1, description="The customer's kizuna id")]
RewardPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9_-]+$",
                                 description="The reward's key")]
IdempotencyKey = Annotated[str, Header(
    alias="Idempotency-Key", min_length=1, max_length=120,
    description="Any unique string per intended operation; a replay returns the first result")]


def _customer(session: Session, ws: WorkspaceId, customer_id: int) -> CustomerId:
    """The customer (a merged-away id answers for the survivor); 404 if unknown."""
    return profiles.get_customer(session, ws, CustomerId(customer_id)).id


# --- programme ------------------------------------------------------------------------------


@router.get("/programme", response_model=ProgrammeOut)
def get_programme(key: ReadKey, session: SessionDep) -> ProgrammeOut:
    """The workspace's programme: earning, expiry, bonus rules and tiers. Without one,
    ``configured`` is false and the fields are the suggested defaults in the workspace's
    currency (PUT them, changed or not, to start the programme)."""
    programme = loyalty.get_programme(session, key.workspace_id)
    if programme is not None:
        return programme_out(programme)
    currency = workspaces.get_workspace(session, key.workspace_id).currency or "USD"
    return programme_out(None, defaults=loyalty.default_programme_config(currency))


@router.put("/programme", response_model=ProgrammeOut)
def put_programme(
    key: AdminKey, session: SessionDep, runtime: RuntimeDep, body: ProgrammeIn
) -> ProgrammeOut:
    """Create or replace the programme (400 ``loyalty-config-invalid`` names the field)."""
    return programme_out(loyalty.configure_programme(
        session, key.workspace_id, body.to_config(), now=runtime.clock.now()))


# --- members --------------------------------------------------------------------------------


@router.get("/members", response_model=MemberListOut)
def list_members(
    key: ReadKey,
    session: SessionDep,
    tier: Annotated[str | None, Query(max_length=32)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> MemberListOut:
    """Active members with their balance and tier (``tier`` filters)."""
    return member_list_out(loyalty.list_members(session, key.workspace_id, page=page,
                                                page_size=page_size, tier=tier or None))


@router.get("/members/{customer_id}", response_model=MemberStatusOut, responses=_MEMBER)
def get_member(
    key: ReadKey, session: SessionDep, runtime: RuntimeDep, customer_id: CustomerPath
) -> MemberStatusOut:
    """Whether the customer is a member, and if so their balance, tier, progress to the next
    tier, expiring points and badges (404 only for an unknown customer)."""
    cid = _customer(session, key.workspace_id, customer_id)
    summary = loyalty.member_summary(session, key.workspace_id, cid, now=runtime.clock.now())
    return MemberStatusOut(customer_id=cid, member=summary is not None,
                           summary=summary_out(summary) if summary is not None else None)


@router.post("/members/{customer_id}", status_code=201, response_model=MemberOut,
             responses=_MEMBER)
def enrol_member(
    key: AdminKey, session: SessionDep, runtime: RuntimeDep, customer_id: CustomerPath,
    body: EnrolIn | None = None,
) -> MemberOut:
    """Enrol the customer (enrolling a member again changes nothing)."""
    cid = _customer(session, key.workspace_id, customer_id)
    channel = body.channel if body is not None else "api"
    return member_out(loyalty.enrol(session, key.workspace_id, cid, channel=channel,
                                    now=runtime.clock.now()))


@router.delete("/members/{customer_id}", status_code=204, response_class=Response,
               responses=_MEMBER)
def leave_programme(
    key: AdminKey, session: SessionDep, runtime: RuntimeDep, customer_id: CustomerPath
) -> Response:
    """The customer leaves the programme."""
    cid = _customer(session, key.workspace_id, customer_id)
    loyalty.leave(session, key.workspace_id, cid, now=runtime.clock.now())
    return Response(status_code=204)


@router.get("/members/{customer_id}/entries", response_model=EntryListOut, responses=_MEMBER)
def list_entries(
    key: ReadKey,
    session: SessionDep,
    customer_id: CustomerPath,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> EntryListOut:
    """The member's ledger, newest first."""
    cid = _customer(session, key.workspace_id, customer_id)
    return entry_list_out(loyalty.member_history(session, key.workspace_id, cid, page=page,
                                                 page_size=page_size))


@router.post("/members/{customer_id}/adjustments", status_code=201, response_model=EntryOut,
             responses=_CHANGE)
def adjust_points(
    key: AdminKey, session: SessionDep, runtime: RuntimeDep, customer_id: CustomerPath,
    body: AdjustmentIn, idempotency_key: IdempotencyKey,
) -> EntryOut:
    """A staff correction with its reason (never takes the balance below zero)."""
    if body.points == 0:
        raise Invalid("points must not be 0.", field="points")
    cid = _customer(session, key.workspace_id, customer_id)
    return entry_out(loyalty.adjust_points(
        session, key.workspace_id, cid, points=body.points, reason=body.reason,
        idempotency_key=idempotency_key, now=runtime.clock.now()))


@router.post("/members/{customer_id}/redemptions", status_code=201,
             response_model=RedemptionOut, responses=_CHANGE)
def redeem_reward(
    key: AdminKey, session: SessionDep, runtime: RuntimeDep, customer_id: CustomerPath,
    body: RedemptionIn, idempotency_key: IdempotencyKey, response: Response,
) -> RedemptionOut:
    """Spend points on a reward; the answer carries the coupon code. A replayed
    ``Idempotency-Key`` answers 200 with the same redemption (``replayed`` true)."""
    cid = _customer(session, key.workspace_id, customer_id)
    redemption = loyalty.redeem_reward(session, key.workspace_id, cid, body.reward,
                                       idempotency_key=idempotency_key,
                                       now=runtime.clock.now())
    if redemption.replayed:
        response.status_code = 200
    return redemption_out(redemption)


# --- rewards --------------------------------------------------------------------------------


@router.get("/rewards", response_model=list[RewardOut])
def list_rewards(key: ReadKey, session: SessionDep,
                 active_only: bool = False) -> list[RewardOut]:
    """The rewards catalogue (``active_only`` hides withdrawn rewards)."""
    return [reward_out(r) for r in loyalty.list_rewards(session, key.workspace_id,
                                                        active_only=active_only)]


@router.get("/rewards/{reward_key}", response_model=RewardOut,
            responses={404: _problem("No such reward")})
def get_reward(key: ReadKey, session: SessionDep, reward_key: RewardPath) -> RewardOut:
    """One reward of the catalogue."""
    found = next((r for r in loyalty.list_rewards(session, key.workspace_id, active_only=False)
                  if r.key == reward_key), None)
    if found is None:
        raise RewardNotFound(reward=reward_key)
    return reward_out(found)


@router.put("/rewards/{reward_key}", response_model=RewardOut)
def put_reward(
    key: AdminKey, session: SessionDep, runtime: RuntimeDep, reward_key: RewardPath,
    body: RewardIn,
) -> RewardOut:
    """Create or update the reward with this key."""
    return reward_out(loyalty.save_reward(session, key.workspace_id, body.to_spec(reward_key),
                                          now=runtime.clock.now()))


# --- report and run -------------------------------------------------------------------------


@router.get("/report", response_model=ReportOut)
def get_report(
    key: ReadKey, session: SessionDep, runtime: RuntimeDep,
    window_days: Annotated[int, Query(ge=30, le=3650)] = 365,
) -> ReportOut:
    """Members vs non-members (AOV, frequency, retention, CLV, with 95 % intervals and n),
    points liability, redemption rate and members by tier."""
    return report_out(loyalty.programme_report(session, key.workspace_id,
                                               now=runtime.clock.now(),
                                               window_days=window_days))


@router.post("/run", response_model=RunOut)
def run_programme(key: AdminKey, session: SessionDep, runtime: RuntimeDep) -> RunOut:
    """Run the programme now (earning, reversals, bonuses, tiers, badges, expiry);
    idempotent."""
    return run_out(loyalty.run_programme(session, key.workspace_id, now=runtime.clock.now()))
