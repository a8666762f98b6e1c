"""The public idea board under ``/p/ideas``: list, idea pages, submit, vote and comment forms.

Who is the customer? A member link ``/p/ideas?m=<token>`` (issued with
``POST /v1/ideas/member-links``) puts the customer in the public session cookie (key
``idea_member``) and redirects to the board without the token. Without it the board is
read-only. Every form carries the CSRF field and the honeypot, and each POST spends one token
of the visitor's rate limit. No JavaScript.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from kizuna.db.translate import translate_db_errors
from kizuna.errors import PayloadTooLarge
from kizuna.ideas import api as ideas
from kizuna.ideas.contracts import IdeaInput, IdeaSort, IdeaStatus, Member
from kizuna.ideas.errors import IdeaInvalid
from kizuna.runtime import Runtime
from kizuna.types import CustomerId, WorkspaceId
from kizuna.web.public import (
    HONEYPOT_FIELD,
    check_form,
    choose_public_locale,
    is_bot,
    limit,
    public_path,
    render_public,
)
from kizuna.web.security import CSRF_FIELD

router = APIRouter()

MEMBER_KEY = "idea_member"
WORKSPACE_KEY = "idea_workspace"
PAGE_SIZE = 30
MAX_FORM_BYTES = 64 * 1024
STATUS_FILTER = "^(|new|under_review|planned|shipped|declined)$"
CsrfField = Annotated[str, Form(alias=CSRF_FIELD)]
Honeypot = Annotated[str, Form(alias=HONEYPOT_FIELD)]
FormStr = Annotated[str, Form(max_length=20_000)]


def _form_size(request: Request) -> None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise PayloadTooLarge(f"The form is larger than {MAX_FORM_BYTES // 1024} KB.")


FormSize = Depends(_form_size)


@contextmanager
def _tx(request: Request) -> Iterator[tuple[Session, WorkspaceId, Runtime]]:
    runtime: Runtime = request.app.state.runtime
    with translate_db_errors(), runtime.sessions() as session, session.begin():
        yield session, _workspace(request, session, runtime), runtime


def _workspace(request: Request, session: Session, runtime: Runtime) -> WorkspaceId:
    raw = request.session.get(WORKSPACE_KEY)
    if isinstance(raw, int):
        return WorkspaceId(raw)
    from kizuna.workspaces import api as workspaces

    return workspaces.ensure_default_workspace(session, runtime.clock).id


def _member(request: Request) -> CustomerId | None:
    raw = request.session.get(MEMBER_KEY)
    return CustomerId(raw) if isinstance(raw, int) else None


def _idea_url(request: Request, idea_id: int) -> str:
    return public_path(request, "public_idea", idea_id=str(idea_id))


def _board(request: Request, session: Session, ws: WorkspaceId, *, status: str, sort: IdeaSort,
           page: int, link_invalid: bool = False, errors: dict[str, str] | None = None,
           values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    result = ideas.list_ideas(session, ws, status=IdeaStatus(status) if status else None,
                              sort=sort, page=page, page_size=PAGE_SIZE)
    member = _member(request)
    voted = (ideas.voted_ideas(session, ws, member, [i.id for i in result.items])
             if member is not None else set())
    return render_public(request, "public/ideas/board.html", {
        "result": result, "status": status, "sort": sort.value, "member": member,
        "voted": voted, "statuses": [s.value for s in IdeaStatus], "link_invalid": link_invalid,
        "errors": errors or {}, "values": values or {"title": "", "body": "", "category": ""},
    }, status_code=status_code)


@router.get("/ideas", name="public_ideas")
def board(
    request: Request,
    m: Annotated[str, Query(max_length=300)] = "",
    status: Annotated[str, Query(pattern=STATUS_FILTER)] = "",
    sort: IdeaSort = IdeaSort.TOP,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    runtime: Runtime = request.app.state.runtime
    if m:
        with translate_db_errors(), runtime.sessions() as session, session.begin():
            member: Member | None = ideas.find_member(session, m, runtime.clock.now())
        if member is not None:
            request.session[MEMBER_KEY] = int(member.customer_id)
            request.session[WORKSPACE_KEY] = int(member.workspace_id)
            # Drop the token from the address bar (history, Referer).
            return RedirectResponse(public_path(request, "public_ideas"), status_code=303)
    with _tx(request) as (session, ws, _):
        return _board(request, session, ws, status=status, sort=sort, page=page,
                      link_invalid=bool(m))


@router.post("/ideas", name="public_idea_submit", dependencies=[FormSize])
def submit(
    request: Request,
    csrf: CsrfField = "",
    honeypot: Honeypot = "",
    title: FormStr = "",
    body: FormStr = "",
    category: FormStr = "",
) -> Response:
    check_form(request, csrf)
    limit(request)
    member = _member(request)
    if is_bot(honeypot) or member is None:
        return RedirectResponse(public_path(request, "public_ideas"), status_code=303)
    with _tx(request) as (session, ws, runtime):
        locale = choose_public_locale(request)
        item = IdeaInput(title=title, body=body, category=category or None, locale=locale)
        try:
            idea = ideas.submit_idea(session, ws, member, item, runtime.clock.now())
        except IdeaInvalid as exc:
            field = str(exc.fields.get("field", "title"))
            return _board(request, session, ws, status="", sort=IdeaSort.NEW, page=1,
                          errors={field: str(exc)}, status_code=400,
                          values={"title": title, "body": body, "category": category})
    return RedirectResponse(_idea_url(request, idea.id), status_code=303)


def _idea_page(request: Request, session: Session, ws: WorkspaceId, idea_id: int, *,
               error: str = "", comment: str = "", status_code: int = 200) -> Response:
    idea = ideas.get_idea(session, ws, idea_id)
    member = _member(request)
    target = (ideas.get_idea(session, ws, idea.merged_into_id)
              if idea.merged_into_id is not None else None)
    context: dict[str, Any] = {
        "idea": idea, "target": target, "member": member,
        "comments": ideas.list_comments(session, ws, idea_id),
        "voted": member is not None and ideas.has_voted(session, ws, idea_id, member),
        "error": error, "comment": comment,
    }
    return render_public(request, "public/ideas/idea.html", context, status_code=status_code)


@router.get("/ideas/{idea_id}", name="public_idea")
def idea_page(request: Request, idea_id: int) -> Response:
    with _tx(request) as (session, ws, _):
        return _idea_page(request, session, ws, idea_id)


@router.post("/ideas/{idea_id}/vote", name="public_idea_vote", dependencies=[FormSize])
def vote(
    request: Request,
    idea_id: int,
    csrf: CsrfField = "",
    honeypot: Honeypot = "",
    action: Annotated[str, Form(pattern="^(vote|unvote)$")] = "vote",
) -> Response:
    check_form(request, csrf)
    limit(request)
    member = _member(request)
    if is_bot(honeypot) or member is None:
        return RedirectResponse(_idea_url(request, idea_id), status_code=303)
    with _tx(request) as (session, ws, runtime):
        if action == "unvote":
            ideas.unvote(session, ws, idea_id, member, runtime.clock.now())
        else:
            ideas.vote(session, ws, idea_id, member, runtime.clock.now(),
                       threshold=runtime.settings.idea_review_threshold)
    return RedirectResponse(_idea_url(request, idea_id), status_code=303)


@router.post("/ideas/{idea_id}/comments", name="public_idea_comment", dependencies=[FormSize])
def comment(
    request: Request,
    idea_id: int,
    csrf: CsrfField = "",
    honeypot: Honeypot = "",
    body: FormStr = "",
) -> Response:
    check_form(request, csrf)
    limit(request)
    member = _member(request)
    if is_bot(honeypot) or member is None:
        return RedirectResponse(_idea_url(request, idea_id), status_code=303)
    with _tx(request) as (session, ws, runtime):
        try:
            added = ideas.add_comment(session, ws, idea_id, body, runtime.clock.now(),
                                      customer_id=member)
        except IdeaInvalid as exc:
            return _idea_page(request, session, ws, idea_id, error=str(exc), comment=body,
                              status_code=400)
    return RedirectResponse(_idea_url(request, added.idea_id) + f"#comment-{added.id}",
                            status_code=303)
