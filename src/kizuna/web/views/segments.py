"""Dashboard pages of segments: the list, a builder (JSON + readable text + size preview) and
a segment's members. Viewers read and preview; marketers (and admins) save."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from kizuna.auth.contracts import Role, User
from kizuna.errors import KizunaError
from kizuna.http.deps import SessionDep
from kizuna.runtime import Runtime
from kizuna.segments import api as segments
from kizuna.web.deps import MarketerUser, ViewerUser, path_for, render
from kizuna.web.security import CSRF_FIELD, check_csrf

router = APIRouter()
CsrfField = Annotated[str, Form(alias=CSRF_FIELD)]
FormStr = Annotated[str, Form(max_length=50_000)]
EXAMPLE = {"all": [{"trait": "plan", "op": "eq", "value": "pro"},
                   {"orders": {"at_least": 2, "within_days": 365}}]}


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.get("/segments", name="segments_list")
def segments_list(request: Request, user: ViewerUser, session: SessionDep) -> Response:
    return render(request, "segments/list.html", {
        "segments": segments.list_segments(session, user.workspace_id),
        "can_act": user.has_role(Role.MARKETER)})


def _builder(request: Request, user: User, session: Session, *, key: str, name: str,
             text: str, preview: bool, saved: bool = False, status: int = 200,
             error: str = "") -> Response:
    ctx: dict[str, Any] = {"key": key, "name": name, "text": text, "error": error,
                           "error_code": "",
                           "json_error": "", "readable": "", "preview": None, "saved": saved,
                           "can_act": user.has_role(Role.MARKETER), "members": []}
    try:
        cond = json.loads(text)
    except ValueError as exc:
        ctx["json_error"] = str(exc)
        return render(request, "segments/builder.html", ctx, status_code=400)
    try:
        parsed = segments.parse(cond)
        ctx["readable"] = {"en": segments.render(parsed, "en"),
                           "ja": segments.render(parsed, "ja")}
        if preview:
            ctx["preview"] = segments.preview_size(session, user.workspace_id, cond,
                                                   _runtime(request).clock.now())
    except KizunaError as exc:
        ctx["error"], ctx["error_code"] = str(exc), exc.code
        status = exc.status
    if preview and ctx["preview"] is None and not ctx["error"]:
        status = 400
    if key and not ctx["error"]:
        try:
            ctx["members"] = segments.list_members(session, user.workspace_id, key, limit=50)
        except KizunaError:
            ctx["members"] = []
    return render(request, "segments/builder.html", ctx, status_code=status)


@router.get("/segments/new", name="segments_new")
def segments_new(request: Request, user: ViewerUser, session: SessionDep) -> Response:
    return _builder(request, user, session, key="", name="",
                    text=json.dumps(EXAMPLE, indent=2, ensure_ascii=False), preview=False)


@router.get("/segments/{key}", name="segments_edit")
def segments_edit(request: Request, user: ViewerUser, session: SessionDep, key: str,
                  saved: Annotated[int, Query(ge=0, le=1)] = 0) -> Response:
    seg = segments.get_segment(session, user.workspace_id, key)
    return _builder(request, user, session, key=seg.key, name=seg.name,
                    text=json.dumps(seg.condition, indent=2, ensure_ascii=False),
                    preview=False, saved=bool(saved))


@router.post("/segments/preview", name="segments_preview")
def segments_preview(request: Request, user: ViewerUser, session: SessionDep,
                     csrf: CsrfField = "", key: FormStr = "", name: FormStr = "",
                     condition: FormStr = "") -> Response:
    check_csrf(request.session, csrf)
    return _builder(request, user, session, key=key, name=name, text=condition, preview=True)


@router.post("/segments/save", name="segments_save")
def segments_save(request: Request, user: MarketerUser, session: SessionDep,
                  csrf: CsrfField = "", key: FormStr = "", name: FormStr = "",
                  condition: FormStr = "") -> Response:
    check_csrf(request.session, csrf)
    try:
        cond = json.loads(condition)
        now = _runtime(request).clock.now()
        if any(s.key == key for s in segments.list_segments(session, user.workspace_id)):
            segments.update_segment(session, user.workspace_id, key, name=name,
                                    condition=cond, now=now)
        else:
            segments.create_segment(session, user.workspace_id, key=key, name=name,
                                    condition=cond, now=now)
    except ValueError:
        return _builder(request, user, session, key=key, name=name, text=condition,
                        preview=False, status=400)
    except KizunaError as exc:
        return _builder(request, user, session, key=key, name=name, text=condition,
                        preview=False, status=exc.status, error=str(exc))
    return RedirectResponse(f"{path_for(request, 'segments_edit', key=key)}?saved=1",
                            status_code=303)
