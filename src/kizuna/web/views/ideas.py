"""Dashboard pages of the idea board: the list with counts per status, and an idea's page with
votes, history, comments and the forms to change its status, merge it and answer officially.
Viewers read; marketers (and admins) act."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from kizuna.auth.contracts import Role, User
from kizuna.http.deps import SessionDep
from kizuna.ideas import api as ideas
from kizuna.ideas.contracts import IdeaSort, IdeaStatus
from kizuna.profiles import api as profiles
from kizuna.profiles.errors import CustomerNotFound
from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from kizuna.web.deps import MarketerUser, ViewerUser, path_for, render
from kizuna.web.security import CSRF_FIELD, check_csrf

router = APIRouter()

PAGE_SIZE = 50
STATUS_FILTER = "^(|new|under_review|planned|shipped|declined)$"
CsrfField = Annotated[str, Form(alias=CSRF_FIELD)]
FormStr = Annotated[str, Form(max_length=20_000)]


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _now(request: Request) -> datetime:
    return _runtime(request).clock.now()


def _names(session: Session, user: User, customer_ids: set[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    for cid in customer_ids:
        try:
            customer = profiles.get_customer(session, user.workspace_id, CustomerId(cid))
            names[cid] = customer.display_name
        except CustomerNotFound:
            names[cid] = f"#{cid}"
    return names


def _list_page(request: Request, user: User, session: Session, *, status: str = "",
               sort: IdeaSort = IdeaSort.TOP, q: str = "", page: int = 1,
               issued_link: str = "", issued_for: str = "") -> Response:
    result = ideas.list_ideas(session, user.workspace_id,
                              status=IdeaStatus(status) if status else None, sort=sort,
                              page=page, page_size=PAGE_SIZE, query=q.strip() or None)
    counts = ideas.count_by_status(session, user.workspace_id)
    return render(request, "ideas/list.html", {
        "result": result, "counts": counts, "statuses": [s.value for s in IdeaStatus],
        "status": status, "sort": sort.value, "q": q.strip(),
        "can_act": user.has_role(Role.MARKETER), "issued_link": issued_link,
        "issued_for": issued_for,
    })


@router.get("/ideas", name="ideas_admin")
def ideas_list(
    request: Request,
    user: ViewerUser,
    session: SessionDep,
    status: Annotated[str, Query(pattern=STATUS_FILTER)] = "",
    sort: IdeaSort = IdeaSort.TOP,
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    return _list_page(request, user, session, status=status, sort=sort, q=q, page=page)


@router.post("/ideas/member-link", name="idea_admin_member_link")
def member_link(
    request: Request,
    user: MarketerUser,
    session: SessionDep,
    csrf: CsrfField = "",
    customer_id: Annotated[int, Form(ge=1)] = 0,
) -> Response:
    """A public-board link for one customer, shown once on the list page."""
    check_csrf(request.session, csrf)
    customer = profiles.get_customer(session, user.workspace_id, CustomerId(customer_id))
    link = ideas.issue_member_link(session, user.workspace_id, customer.id, _now(request))
    site = str(request.base_url).rstrip("/").removesuffix(request.scope.get("root_path", ""))
    url = f"{site}/p/ideas?m={link.token}"
    return _list_page(request, user, session, issued_link=url,
                      issued_for=customer.display_name)


@router.get("/ideas/{idea_id}", name="idea_admin_detail")
def idea_detail(
    request: Request,
    user: ViewerUser,
    session: SessionDep,
    idea_id: int,
    done: Annotated[str, Query(pattern="^(|status|merge|comment)$")] = "",
) -> Response:
    ws = user.workspace_id
    idea = ideas.get_idea(session, ws, idea_id)
    votes = ideas.list_votes(session, ws, idea_id)
    comments = ideas.list_comments(session, ws, idea_id)
    people: set[int] = {v.customer_id for v in votes} | {c.customer_id for c in comments
                                               if c.customer_id is not None}
    if idea.author_customer_id is not None:
        people.add(idea.author_customer_id)
    target = (ideas.get_idea(session, ws, idea.merged_into_id)
              if idea.merged_into_id is not None else None)
    return render(request, "ideas/detail.html", {
        "idea": idea, "votes": votes, "comments": comments, "target": target,
        "history": ideas.list_history(session, ws, idea_id),
        "notifications": ideas.list_notifications(session, ws, idea_id=idea_id),
        "names": _names(session, user, people),
        "next_statuses": ideas.next_statuses(idea.status),
        "can_act": user.has_role(Role.MARKETER) and idea.merged_into_id is None,
        "done": done,
    })


def _back(request: Request, idea_id: int, done: str) -> RedirectResponse:
    url = path_for(request, "idea_admin_detail", idea_id=str(idea_id)) + f"?done={done}"
    return RedirectResponse(url, status_code=303)


@router.post("/ideas/{idea_id}/status", name="idea_admin_status")
def idea_status(
    request: Request,
    user: MarketerUser,
    session: SessionDep,
    idea_id: int,
    csrf: CsrfField = "",
    status: FormStr = "",
    note: FormStr = "",
) -> Response:
    check_csrf(request.session, csrf)
    ideas.change_status(session, user.workspace_id, idea_id, status, changed_by=user.email,
                        at=_now(request), note=note or None)
    return _back(request, idea_id, "status")


@router.post("/ideas/{idea_id}/merge", name="idea_admin_merge")
def idea_merge(
    request: Request,
    user: MarketerUser,
    session: SessionDep,
    idea_id: int,
    csrf: CsrfField = "",
    into: Annotated[int, Form(ge=1)] = 0,
    note: FormStr = "",
) -> Response:
    check_csrf(request.session, csrf)
    target = ideas.merge_ideas(
        session, user.workspace_id, idea_id, into, changed_by=user.email, at=_now(request),
        note=note or None, threshold=_runtime(request).settings.idea_review_threshold)
    return _back(request, target.id, "merge")


@router.post("/ideas/{idea_id}/comments", name="idea_admin_comment")
def idea_comment(
    request: Request,
    user: MarketerUser,
    session: SessionDep,
    idea_id: int,
    csrf: CsrfField = "",
    body: FormStr = "",
) -> Response:
    check_csrf(request.session, csrf)
    comment = ideas.add_comment(session, user.workspace_id, idea_id, body, _now(request),
                                staff_name=user.email)
    return _back(request, comment.idea_id, "comment")
