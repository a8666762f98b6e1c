"""Dashboard pages of journeys: the list, create from a ready-made template, a JSON editor
with validation errors and the steps in words, the runs of a journey and its results against
the holdout. Viewers read; marketers (and admins) create, edit and change the status."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from kizuna.auth.contracts import Role, User
from kizuna.errors import KizunaError
from kizuna.http.deps import SessionDep
from kizuna.journeys import api as journeys
from kizuna.runtime import Runtime
from kizuna.web.deps import MarketerUser, ViewerUser, choose_locale, path_for, render
from kizuna.web.security import CSRF_FIELD, check_csrf

router = APIRouter()
CsrfField = Annotated[str, Form(alias=CSRF_FIELD)]
FormStr = Annotated[str, Form(max_length=200_000)]
OPEN = ("active", "waiting", "waiting_event")


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _lang(request: Request) -> str:
    return choose_locale(request, getattr(request.state, "user", None))


def _params(request: Request) -> dict[str, str]:
    return {"public_base_url": _runtime(request).settings.public_base_url or ""}


@router.get("/journeys", name="journeys_list")
def journeys_list(request: Request, user: ViewerUser, session: SessionDep) -> Response:
    rows = []
    for j in journeys.list_journeys(session, user.workspace_id):
        counts = journeys.run_counts(session, user.workspace_id, j.key)
        trigger, _steps = journeys.describe(dict(j.definition), _lang(request))
        rows.append({"journey": j, "trigger": trigger,
                     "runs": sum(counts.by_state.values()),
                     "open": sum(n for s, n in counts.by_state.items() if s in OPEN)})
    return render(request, "journeys/list.html", {
        "rows": rows, "templates": journeys.templates(_params(request)),
        "can_act": user.has_role(Role.MARKETER)})


@router.post("/journeys/from-template", name="journeys_from_template")
def journeys_from_template(request: Request, user: MarketerUser, session: SessionDep,
                           csrf: CsrfField = "", template: FormStr = "",
                           key: FormStr = "") -> Response:
    check_csrf(request.session, csrf)
    try:
        j = journeys.create_from_template(session, user.workspace_id, template,
                                          key=key.strip() or None, locale=_lang(request),
                                          params=_params(request),
                                          now=_runtime(request).clock.now())
    except KizunaError as exc:
        return render(request, "journeys/list.html", {
            "rows": [], "templates": journeys.templates(_params(request)), "can_act": True,
            "error": str(exc)}, status_code=exc.status)
    return RedirectResponse(path_for(request, "journeys_edit", key=j.key), status_code=303)


def _editor(request: Request, user: User, session: Session, *, key: str, name: str,
            text: str, journey: journeys.Journey | None = None, saved: bool = False,
            status: int = 200, error: str = "", error_path: str = "") -> Response:
    ctx: dict[str, Any] = {"key": key, "name": name, "text": text, "error": error,
                           "error_path": error_path, "json_error": "", "trigger": "",
                           "steps": [], "journey": journey, "saved": saved,
                           "can_act": user.has_role(Role.MARKETER), "versions": []}
    if journey is not None:
        ctx["versions"] = journeys.list_versions(session, user.workspace_id, journey.key)
    try:
        doc = json.loads(text)
    except ValueError as exc:
        ctx["json_error"] = str(exc)
        return render(request, "journeys/editor.html", ctx, status_code=400)
    try:
        ctx["trigger"], ctx["steps"] = journeys.describe(doc, _lang(request))
    except KizunaError as exc:
        if not ctx["error"]:
            ctx["error"], ctx["error_path"] = str(exc), str(exc.fields.get("path", ""))
        status = exc.status
    return render(request, "journeys/editor.html", ctx, status_code=status)


@router.get("/journeys/new", name="journeys_new")
def journeys_new(request: Request, user: ViewerUser, session: SessionDep) -> Response:
    example = journeys.template("welcome").definition
    return _editor(request, user, session, key="", name="",
                   text=json.dumps(example, indent=2, ensure_ascii=False))


@router.get("/journeys/{key}", name="journeys_edit")
def journeys_edit(request: Request, user: ViewerUser, session: SessionDep, key: str,
                  saved: Annotated[int, Query(ge=0, le=1)] = 0) -> Response:
    j = journeys.get_journey(session, user.workspace_id, key)
    return _editor(request, user, session, key=j.key, name=j.name, journey=j,
                   text=json.dumps(dict(j.definition), indent=2, ensure_ascii=False),
                   saved=bool(saved))


@router.post("/journeys/check", name="journeys_check")
def journeys_check(request: Request, user: ViewerUser, session: SessionDep,
                   csrf: CsrfField = "", key: FormStr = "", name: FormStr = "",
                   definition: FormStr = "") -> Response:
    """Validate the JSON and show the steps in words (nothing is saved)."""
    check_csrf(request.session, csrf)
    return _editor(request, user, session, key=key, name=name, text=definition)


@router.post("/journeys/save", name="journeys_save")
def journeys_save(request: Request, user: MarketerUser, session: SessionDep,
                  csrf: CsrfField = "", key: FormStr = "", name: FormStr = "",
                  definition: FormStr = "") -> Response:
    check_csrf(request.session, csrf)
    now = _runtime(request).clock.now()
    try:
        doc = json.loads(definition)
        if any(j.key == key for j in journeys.list_journeys(session, user.workspace_id)):
            journeys.update_journey(session, user.workspace_id, key, definition=doc,
                                    name=name, now=now)
        else:
            journeys.create_journey(session, user.workspace_id, key=key, name=name,
                                    definition=doc, now=now)
    except ValueError:
        return _editor(request, user, session, key=key, name=name, text=definition, status=400)
    except KizunaError as exc:
        return _editor(request, user, session, key=key, name=name, text=definition,
                       status=exc.status, error=str(exc),
                       error_path=str(exc.fields.get("path", "")))
    return RedirectResponse(f"{path_for(request, 'journeys_edit', key=key)}?saved=1",
                            status_code=303)


@router.post("/journeys/{key}/status", name="journeys_status")
def journeys_status(request: Request, user: MarketerUser, session: SessionDep, key: str,
                    csrf: CsrfField = "", status: FormStr = "") -> Response:
    check_csrf(request.session, csrf)
    journeys.set_status(session, user.workspace_id, key, status,
                        now=_runtime(request).clock.now())
    return RedirectResponse(path_for(request, "journeys_edit", key=key), status_code=303)


@router.get("/journeys/{key}/runs", name="journeys_runs")
def journeys_runs(request: Request, user: ViewerUser, session: SessionDep, key: str,
                  state: Annotated[str, Query(max_length=20)] = "",
                  before: Annotated[int | None, Query(ge=1)] = None) -> Response:
    j = journeys.get_journey(session, user.workspace_id, key)
    runs = journeys.list_runs(session, user.workspace_id, key, states=[state] if state else (),
                              limit=100, before_id=before)
    return render(request, "journeys/runs.html", {
        "journey": j, "runs": runs, "state": state,
        "counts": journeys.run_counts(session, user.workspace_id, key),
        "next_before": runs[-1].id if len(runs) == 100 else None})


@router.get("/journeys/{key}/results", name="journeys_results")
def journeys_results(request: Request, user: ViewerUser, session: SessionDep,
                     key: str) -> Response:
    res = journeys.journey_results(session, user.workspace_id, key,
                                   now=_runtime(request).clock.now())
    return render(request, "journeys/results.html", {"res": res, "journey": res.journey})
