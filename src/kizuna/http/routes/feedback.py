"""Admin API of the feedback domain: the inbox, tags, themes, key drivers and the closed loop.

Reads need a read (or admin) key, writes an admin key. Alerts about new follow-up tasks are
sent after the request's transaction commits (``install_alert_delivery``; see
docs/reference/feedback.md).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, FastAPI, Path, Query
from starlette.types import ASGIApp, Receive, Scope, Send

from kizuna.feedback import api as feedback
from kizuna.feedback.contracts import FeedbackFilters
from kizuna.http.deps import AdminKey, ReadKey, RuntimeDep, SessionDep
from kizuna.http.schemas.customers import Problem
from kizuna.http.schemas.feedback import (
    ClosedLoopOut,
    DeliveryOut,
    DriversOut,
    FeedbackListOut,
    TagIn,
    TagOut,
    TaskListOut,
    TaskOut,
    TaskUpdateIn,
    ThemesOut,
    closed_loop_out,
    delivery_out,
    driver_out,
    list_out,
    task_list_out,
    task_out,
    theme_out,
)
from kizuna.runtime import Runtime

_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "Invalid parameters", "content": _PROBLEM},
    401: {"model": Problem, "description": "No or unknown API key", "content": _PROBLEM},
    403: {"model": Problem, "description": "The key's scope does not allow this",
          "content": _PROBLEM},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    **_ERRORS, 404: {"model": Problem, "description": "No such task", "content": _PROBLEM},
}

router = APIRouter(prefix="/v1/feedback", tags=["feedback"], responses=_ERRORS)

TaskPath = Annotated[int, Path(ge=1, description="The follow-up task's id")]
Text200 = Annotated[str | None, Query(max_length=200)]


@router.get("", response_model=FeedbackListOut)
def list_feedback(
    key: ReadKey, session: SessionDep,
    kind: Text200 = None,
    sentiment: Annotated[str | None, Query(description="positive | neutral | negative")] = None,
    theme: Text200 = None,
    tag: Text200 = None,
    score_group: Annotated[str | None, Query(
        description="detractor | passive | promoter | low_csat | hard_ces")] = None,
    has_text: bool | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    product_id: Text200 = None,
    category: Text200 = None,
    q: Annotated[str | None, Query(max_length=200, description="Substring of the text")] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> FeedbackListOut:
    """The voice-of-customer inbox, newest first, with any combination of filters."""
    filters = FeedbackFilters(
        kind=kind, sentiment=sentiment, theme=theme, tag=tag, score_group=score_group,
        has_text=has_text, date_from=date_from, date_to=date_to, product_id=product_id,
        category=category, search=q)
    return list_out(feedback.list_feedback(session, key.workspace_id, filters, page=page,
                                           page_size=page_size))


@router.post("/tags", response_model=TagOut)
def tag_feedback(key: AdminKey, session: SessionDep, body: TagIn) -> TagOut:
    """Add and remove tags on feedback items (tags are normalised: lower case, ≤ 40 chars)."""
    changed = feedback.tag_feedback(session, key.workspace_id, body.item_ids, add=body.add,
                                    remove=body.remove)
    return TagOut(changed=changed)


@router.get("/themes", response_model=ThemesOut)
def list_themes(key: ReadKey, session: SessionDep) -> ThemesOut:
    """Themes of the comments: size, mean sentiment, share of detractors."""
    return ThemesOut(themes=[theme_out(t) for t in
                             feedback.theme_summaries(session, key.workspace_id)])


@router.post("/themes/refresh", response_model=ThemesOut)
def refresh_themes(key: AdminKey, session: SessionDep, runtime: RuntimeDep) -> ThemesOut:
    """Re-cluster the last 20,000 comments into themes (takes seconds on large inboxes)."""
    summaries = feedback.refresh_themes(session, key.workspace_id, at=runtime.clock.now())
    return ThemesOut(themes=[theme_out(t) for t in summaries])


@router.get("/drivers", response_model=DriversOut)
def key_drivers(
    key: ReadKey, session: SessionDep,
    since: Annotated[date | None, Query(description="Only answers received on or after")] = None,
) -> DriversOut:
    """Which themes go with detractors vs promoters and their effect on NPS (n ≥ 5)."""
    drivers = feedback.key_drivers(session, key.workspace_id, since=since)
    return DriversOut(drivers=[driver_out(d) for d in drivers])


@router.get("/tasks", response_model=TaskListOut)
def list_tasks(
    key: ReadKey, session: SessionDep, runtime: RuntimeDep,
    owner: Annotated[str | None, Query(max_length=320, description="Owner email")] = None,
    status: Annotated[str | None, Query(
        description="open | contacted | closed | wont_fix | active (open or contacted)")] = None,
    overdue: bool = False,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> TaskListOut:
    """Follow-up tasks of the closed loop, open and most overdue first."""
    feedback.apply_followup_policy(session, key.workspace_id,
                                   feedback.policy_of(runtime.settings))
    result = feedback.list_tasks(session, key.workspace_id, now=runtime.clock.now(),
                                 owner=owner, status=status, overdue_only=overdue, page=page,
                                 page_size=page_size)
    return task_list_out(result)


@router.get("/tasks/{task_id}", response_model=TaskOut, responses=_NOT_FOUND)
def get_task(key: ReadKey, session: SessionDep, runtime: RuntimeDep, task_id: TaskPath) -> TaskOut:
    """One follow-up task with its history of notes, status changes and assignments."""
    return task_out(feedback.get_task(session, key.workspace_id, task_id,
                                      now=runtime.clock.now()))


@router.post("/tasks/{task_id}", response_model=TaskOut, responses=_NOT_FOUND)
def update_task(
    key: AdminKey, session: SessionDep, runtime: RuntimeDep, task_id: TaskPath,
    body: TaskUpdateIn,
) -> TaskOut:
    """Change a task's status or owner, or append a note (the history keeps each change)."""
    fields = body.model_fields_set
    task = feedback.update_task(
        session, key.workspace_id, task_id, at=runtime.clock.now(),
        author=f"api key {key.prefix}…", status=body.status,
        owner=body.owner if "owner" in fields else feedback.UNCHANGED, note=body.note)
    return task_out(task)


@router.get("/tasks/{task_id}/alerts", response_model=list[DeliveryOut], responses=_NOT_FOUND)
def list_task_alerts(
    key: ReadKey, session: SessionDep, runtime: RuntimeDep, task_id: TaskPath
) -> list[DeliveryOut]:
    """Alert deliveries of a task (channel, status, error, attempts)."""
    feedback.get_task(session, key.workspace_id, task_id, now=runtime.clock.now())
    return [delivery_out(d) for d in
            feedback.list_deliveries(session, key.workspace_id, task_id=task_id)]


@router.get("/closed-loop", response_model=ClosedLoopOut)
def closed_loop(
    key: ReadKey, session: SessionDep, runtime: RuntimeDep,
    since: Annotated[date | None, Query(description="First day (default: 30 days ago)")] = None,
    until: Annotated[date | None, Query(description="Last day, inclusive (default: today)")]
    = None,
    reason: Annotated[str | None, Query(
        description="Only tasks opened for: detractor | low_csat | hard_ces")] = None,
) -> ClosedLoopOut:
    """How well the loop is closed: share of follow-ups contacted (Wilson 95 % interval),
    median and p90 hours to contact, open and overdue tasks."""
    now = runtime.clock.now()
    start, end = feedback.period_bounds(now, since, until)
    feedback.apply_followup_policy(session, key.workspace_id,
                                   feedback.policy_of(runtime.settings))
    return closed_loop_out(feedback.closed_loop_stats(session, key.workspace_id, since=start,
                                                      until=end, now=now, reason=reason))


class AlertDeliveryMiddleware:
    """After a POST that opened a follow-up task has been answered (and its transaction
    committed), send the new alerts in a worker thread."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
        if scope["type"] == "http" and scope.get("method") == "POST" and \
                feedback.take_new_task_hint():
            await anyio.to_thread.run_sync(feedback.deliver_pending_alerts, self.runtime)


def install_alert_delivery(app: FastAPI) -> None:
    """Deliver closed-loop alerts after any request that opened a follow-up task."""
    app.add_middleware(AlertDeliveryMiddleware, runtime=app.state.runtime)
