"""Admin API of broadcasts: create, schedule, send, cancel, results (API keys; writes need an
admin key)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from kizuna.broadcasts import api as broadcasts
from kizuna.http.deps import AdminKey, ReadKey, RuntimeDep, SessionDep
from kizuna.http.routes.customers import _ERRORS, _PROBLEM
from kizuna.http.schemas.broadcasts import (
    BroadcastIn,
    BroadcastListOut,
    BroadcastOut,
    ResultsOut,
    ScheduleIn,
    broadcast_out,
)
from kizuna.http.schemas.customers import Problem

_MORE: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    404: {"model": Problem, "description": "No such broadcast (or segment)",
          "content": _PROBLEM},
    409: {"model": Problem, "description": "Key taken, or not possible in this status",
          "content": _PROBLEM},
}
router = APIRouter(prefix="/v1/broadcasts", tags=["broadcasts"], responses=_MORE)
KeyPath = Annotated[str, Path(min_length=1, max_length=100, description="The broadcast's key")]


@router.get("", response_model=BroadcastListOut)
def list_broadcasts(key: ReadKey, session: SessionDep,
                    status: Annotated[str | None, Query(max_length=16)] = None,
                    page: Annotated[int, Query(ge=1)] = 1,
                    page_size: Annotated[int, Query(ge=1, le=200)] = 50) -> BroadcastListOut:
    """Broadcasts, newest first (filter by status: draft, scheduled, sending, sent,
    cancelled)."""
    found = broadcasts.list_broadcasts(session, key.workspace_id, status=status, page=page,
                                       page_size=page_size)
    return BroadcastListOut(items=[broadcast_out(b) for b in found.items], total=found.total,
                            page=found.page, page_size=found.page_size)


@router.post("", response_model=BroadcastOut, status_code=201)
def create_broadcast(key: AdminKey, session: SessionDep, runtime: RuntimeDep,
                     body: BroadcastIn) -> BroadcastOut:
    """A draft, or ``scheduled`` when ``scheduled_at`` is given (400 names the wrong field)."""
    return broadcast_out(broadcasts.create_broadcast(
        session, key.workspace_id, body.to_input(), created_by=f"api key {key.name}",
        now=runtime.clock.now()))


@router.get("/{broadcast_key}", response_model=BroadcastOut)
def get_broadcast(key: ReadKey, session: SessionDep, broadcast_key: KeyPath) -> BroadcastOut:
    return broadcast_out(broadcasts.get_broadcast(session, key.workspace_id, broadcast_key))


@router.put("/{broadcast_key}", response_model=BroadcastOut)
def update_broadcast(key: AdminKey, session: SessionDep, runtime: RuntimeDep,
                     broadcast_key: KeyPath, body: BroadcastIn) -> BroadcastOut:
    """Replace a draft or scheduled broadcast (409 once it is sending)."""
    return broadcast_out(broadcasts.update_broadcast(
        session, key.workspace_id, broadcast_key, body.to_input(broadcast_key),
        now=runtime.clock.now()))


@router.post("/{broadcast_key}/schedule", response_model=BroadcastOut)
def schedule_broadcast(key: AdminKey, session: SessionDep, runtime: RuntimeDep,
                       broadcast_key: KeyPath, body: ScheduleIn) -> BroadcastOut:
    """Send at ``scheduled_at`` (with a time zone; stored in UTC)."""
    return broadcast_out(broadcasts.schedule_broadcast(
        session, key.workspace_id, broadcast_key, at=body.scheduled_at,
        now=runtime.clock.now()))


@router.post("/{broadcast_key}/send", response_model=BroadcastOut, status_code=202)
def send_broadcast(key: AdminKey, session: SessionDep, runtime: RuntimeDep,
                   broadcast_key: KeyPath) -> BroadcastOut:
    """Send now: the broadcast is due at once and the dispatcher (in the server and in
    ``kizuna worker``) starts it within seconds; follow ``status`` and ``recipients``."""
    now = runtime.clock.now()
    return broadcast_out(broadcasts.schedule_broadcast(session, key.workspace_id,
                                                       broadcast_key, at=now, now=now))


@router.post("/{broadcast_key}/cancel", response_model=BroadcastOut)
def cancel_broadcast(key: AdminKey, session: SessionDep, runtime: RuntimeDep,
                     broadcast_key: KeyPath) -> BroadcastOut:
    """Cancel a draft, scheduled or sending broadcast (messages already queued still go)."""
    return broadcast_out(broadcasts.cancel_broadcast(session, key.workspace_id, broadcast_key,
                                                     now=runtime.clock.now()))


@router.get("/{broadcast_key}/results", response_model=ResultsOut)
def broadcast_results(key: ReadKey, session: SessionDep, runtime: RuntimeDep,
                      broadcast_key: KeyPath) -> ResultsOut:
    """Arms compared with the holdout (conversion and revenue per recipient, with intervals)
    and the delivery counts."""
    res = broadcasts.results(session, key.workspace_id, broadcast_key, runtime.clock.now())
    return ResultsOut.model_validate(res.as_dict())
