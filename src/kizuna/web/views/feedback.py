"""Dashboard pages of the feedback domain: inbox, key drivers, follow-up tasks."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from kizuna.auth.contracts import Role
from kizuna.commerce import api as commerce
from kizuna.errors import Invalid, NotFound
from kizuna.feedback import api as feedback
from kizuna.feedback.contracts import FeedbackFilters
from kizuna.http.deps import RuntimeDep, SessionDep
from kizuna.profiles import api as profiles
from kizuna.web.deps import MarketerUser, ViewerUser, path_for, render
from kizuna.web.security import CSRF_FIELD, check_csrf

router = APIRouter()

PAGE_SIZE = 50
RECENT_ORDERS = 10
FormStr = Annotated[str, Form()]
Q200 = Annotated[str, Query(max_length=200)]


def _date(raw: str, field: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(f"{field} must be a date like 2026-05-01.", field=field) from None


def _filters(params: dict[str, str]) -> FeedbackFilters:
    has_text = {"yes": True, "no": False}.get(params["has_text"])
    return FeedbackFilters(
        kind=params["kind"] or None, sentiment=params["sentiment"] or None,
        theme=params["theme"] or None, tag=params["tag"] or None,
        score_group=params["score_group"] or None, has_text=has_text,
        date_from=_date(params["date_from"], "date_from"),
        date_to=_date(params["date_to"], "date_to"),
        product_id=params["product_id"] or None, category=params["category"] or None,
        search=params["q"] or None,
    )


@router.get("/feedback", name="feedback_inbox")
def inbox(
    request: Request, user: ViewerUser, session: SessionDep, runtime: RuntimeDep,
    kind: Q200 = "", sentiment: Q200 = "", theme: Q200 = "", tag: Q200 = "",
    score_group: Q200 = "", has_text: Q200 = "", date_from: Q200 = "", date_to: Q200 = "",
    product_id: Q200 = "", category: Q200 = "", q: Q200 = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    params = {"kind": kind, "sentiment": sentiment, "theme": theme, "tag": tag,
              "score_group": score_group, "has_text": has_text, "date_from": date_from,
              "date_to": date_to, "product_id": product_id, "category": category,
              "q": q.strip()}
    result = feedback.list_feedback(session, user.workspace_id, _filters(params), page=page,
                                    page_size=PAGE_SIZE)
    now = runtime.clock.now()
    feedback.apply_followup_policy(session, user.workspace_id,
                                   feedback.policy_of(runtime.settings))
    filters = _filters(params)  # the loop figures follow the inbox's date filter
    last = filters.date_to or (max(now.date(), filters.date_from) if filters.date_from else None)
    start, end = feedback.period_bounds(now, filters.date_from, last)
    active = {k: v for k, v in params.items() if v}
    names: dict[int, str] = {}
    for cid in {i.customer_id for i in result.items if i.customer_id and not i.anonymous}:
        try:
            names[cid] = profiles.get_customer(session, user.workspace_id, cid).display_name
        except NotFound:
            continue
    return render(request, "feedback/inbox.html", {
        "params": params, "result": result, "query": urlencode(active), "names": names,
        "loop_days": (start.date(), (end - timedelta(days=1)).date()),
        "themes": feedback.theme_summaries(session, user.workspace_id)[:12],
        "tags": feedback.list_tags(session, user.workspace_id, limit=50),
        "loop": feedback.closed_loop_stats(session, user.workspace_id, since=start, until=end,
                                           now=now),
        "detractors": feedback.closed_loop_stats(session, user.workspace_id, since=start,
                                                 until=end, now=now, reason="detractor"),
        "can_edit": user.has_role(Role.MARKETER),
    })


@router.post("/feedback/tags", name="feedback_tag")
def tag_items(
    request: Request, user: MarketerUser, session: SessionDep,
    item: Annotated[list[int], Form()] = [],  # noqa: B006 - FastAPI copies the default
    add: FormStr = "", remove: FormStr = "", back: FormStr = "",
    csrf: Annotated[str, Form(alias=CSRF_FIELD)] = "",
) -> Response:
    check_csrf(request.session, csrf)
    feedback.tag_feedback(session, user.workspace_id, item,
                          add=[t for t in add.split(",") if t.strip()],
                          remove=[t for t in remove.split(",") if t.strip()])
    query = urlencode(parse_qsl(back)[:20])  # re-encoded: only our own filter parameters
    target = path_for(request, "feedback_inbox") + (f"?{query}" if query else "")
    return RedirectResponse(target, status_code=303)


@router.post("/feedback/themes/refresh", name="feedback_refresh_themes")
def refresh_themes(
    request: Request, user: MarketerUser, session: SessionDep, runtime: RuntimeDep,
    csrf: Annotated[str, Form(alias=CSRF_FIELD)] = "",
) -> Response:
    check_csrf(request.session, csrf)
    feedback.refresh_themes(session, user.workspace_id, at=runtime.clock.now())
    return RedirectResponse(path_for(request, "feedback_inbox"), status_code=303)


@router.get("/feedback/drivers", name="feedback_drivers")
def drivers(request: Request, user: ViewerUser, session: SessionDep) -> Response:
    rows = feedback.key_drivers(session, user.workspace_id)
    return render(request, "feedback/drivers.html", {"drivers": rows})


@router.get("/feedback/tasks", name="feedback_tasks")
def tasks(
    request: Request, user: ViewerUser, session: SessionDep, runtime: RuntimeDep,
    scope: Annotated[str, Query(pattern="^(mine|all)$")] = "all",
    status: Annotated[str, Query(max_length=20)] = "active",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    feedback.apply_followup_policy(session, user.workspace_id,
                                   feedback.policy_of(runtime.settings))
    result = feedback.list_tasks(
        session, user.workspace_id, now=runtime.clock.now(),
        owner=user.email if scope == "mine" else None, status=status or None, page=page,
        page_size=PAGE_SIZE)
    return render(request, "feedback/tasks.html",
                  {"result": result, "scope": scope, "status": status})


@router.get("/feedback/tasks/{task_id}", name="feedback_task")
def task_page(
    request: Request, user: ViewerUser, session: SessionDep, runtime: RuntimeDep, task_id: int
) -> Response:
    feedback.apply_followup_policy(session, user.workspace_id,
                                   feedback.policy_of(runtime.settings))
    task = feedback.get_task(session, user.workspace_id, task_id, now=runtime.clock.now())
    customer: Any = None
    orders: list[Any] = []
    if task.customer_id is not None and not task.item.anonymous:
        try:
            customer = profiles.get_customer(session, user.workspace_id, task.customer_id)
            orders = commerce.list_customer_orders(session, user.workspace_id, customer.id,
                                                   limit=RECENT_ORDERS)
        except NotFound:
            customer = None
    return render(request, "feedback/task.html", {
        "task": task, "customer": customer, "orders": orders,
        "alerts": feedback.list_deliveries(session, user.workspace_id, task_id=task.id),
    })


@router.post("/feedback/tasks/{task_id}", name="feedback_task_update")
def task_update(
    request: Request, user: MarketerUser, session: SessionDep, runtime: RuntimeDep,
    task_id: int, status: FormStr = "", owner: FormStr = "\x00", note: FormStr = "",
    csrf: Annotated[str, Form(alias=CSRF_FIELD)] = "",
) -> Response:
    check_csrf(request.session, csrf)
    feedback.update_task(
        session, user.workspace_id, task_id, at=runtime.clock.now(), author=user.email,
        status=status or None, owner=feedback.UNCHANGED if owner == "\x00" else owner,
        note=note if note.strip() else None)
    return RedirectResponse(path_for(request, "feedback_task", task_id=str(task_id)),
                            status_code=303)
