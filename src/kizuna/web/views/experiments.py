"""Dashboard pages of PDCA records: the list (what the team tried and learnt), the create /
edit form (marketers; a CSV of per-recipient results can be attached and is analysed into a
snapshot) and a record's page with the result: n per arm, intervals, p-values, CUPED,
always-valid results and "not enough data"."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from kizuna.auth.contracts import Role
from kizuna.errors import Invalid
from kizuna.experiments import api as experiments
from kizuna.experiments.contracts import ActionKind, PdcaInput, PdcaStatus
from kizuna.http.deps import SessionDep
from kizuna.runtime import Runtime
from kizuna.web.deps import MarketerUser, ViewerUser, path_for, render
from kizuna.web.security import CSRF_FIELD, check_csrf

router = APIRouter()

PAGE_SIZE = 50
STATUS_FILTER = "^(|planned|running|measured|closed)$"
DONE = "^(|created|saved)$"
CsrfField = Annotated[str, Form(alias=CSRF_FIELD)]
FormStr = Annotated[str, Form(max_length=20_000)]
CsvField = Annotated[str, Form(max_length=20_000_000)]


def _now(request: Request) -> datetime:
    runtime: Runtime = request.app.state.runtime
    return runtime.clock.now()


@router.get("/pdca", name="pdca_list")
def pdca_list(
    request: Request, user: ViewerUser, session: SessionDep,
    status: Annotated[str, Query(pattern=STATUS_FILTER)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    result = experiments.list_records(session, user.workspace_id, status=status or None,
                                      page=page, page_size=PAGE_SIZE)
    return render(request, "experiments/list.html", {
        "result": result, "status": status, "statuses": [s.value for s in PdcaStatus],
        "can_act": user.has_role(Role.MARKETER)})


def _form(request: Request, values: dict[str, Any], *, record_id: int | None = None,
          error: str = "", status_code: int = 200) -> Response:
    return render(request, "experiments/form.html", {
        "values": values, "record_id": record_id, "error": error,
        "statuses": [s.value for s in PdcaStatus], "kinds": [k.value for k in ActionKind],
    }, status_code=status_code)


_BLANK = {"title": "", "hypothesis": "", "action_kind": "other", "action_ref": "",
          "experiment_key": "", "status": "planned", "result_summary": "", "next_step": "",
          "control": experiments.HOLDOUT, "result_csv": ""}


@router.get("/pdca/new", name="pdca_new")
def pdca_new(request: Request, user: MarketerUser) -> Response:
    return _form(request, dict(_BLANK))


@router.get("/pdca/{record_id}/edit", name="pdca_edit")
def pdca_edit(request: Request, user: MarketerUser, session: SessionDep,
              record_id: int) -> Response:
    rec = experiments.get_record(session, user.workspace_id, record_id)
    values = {**_BLANK, "title": rec.title, "hypothesis": rec.hypothesis,
              "action_kind": rec.action_kind.value, "action_ref": rec.action_ref,
              "experiment_key": rec.experiment_key, "status": rec.status.value,
              "result_summary": rec.result_summary, "next_step": rec.next_step}
    return _form(request, values, record_id=rec.id)


def _input(values: dict[str, str]) -> PdcaInput:
    result = None
    if values["result_csv"].strip():
        report = experiments.analyse(experiments.parse_csv(values["result_csv"]),
                                     control=values["control"].strip() or experiments.HOLDOUT)
        result = report.as_dict()
    return PdcaInput(title=values["title"], hypothesis=values["hypothesis"],
                     action_kind=values["action_kind"], action_ref=values["action_ref"],
                     experiment_key=values["experiment_key"], status=values["status"],
                     result_summary=values["result_summary"], result=result,
                     next_step=values["next_step"])


def _values(title: str, hypothesis: str, action_kind: str, action_ref: str,
            experiment_key: str, status: str, result_summary: str, next_step: str,
            control: str, result_csv: str) -> dict[str, str]:
    return {"title": title, "hypothesis": hypothesis, "action_kind": action_kind,
            "action_ref": action_ref, "experiment_key": experiment_key, "status": status,
            "result_summary": result_summary, "next_step": next_step, "control": control,
            "result_csv": result_csv}


@router.post("/pdca", name="pdca_create")
def pdca_create(
    request: Request, user: MarketerUser, session: SessionDep, csrf: CsrfField = "",
    title: FormStr = "", hypothesis: FormStr = "", action_kind: FormStr = "other",
    action_ref: FormStr = "", experiment_key: FormStr = "", status: FormStr = "planned",
    result_summary: FormStr = "", next_step: FormStr = "", control: FormStr = "holdout",
    result_csv: CsvField = "",
) -> Response:
    check_csrf(request.session, csrf)
    values = _values(title, hypothesis, action_kind, action_ref, experiment_key, status,
                     result_summary, next_step, control, result_csv)
    try:
        with session.begin_nested():
            rec = experiments.create_record(session, user.workspace_id, _input(values),
                                            created_by=user.email, at=_now(request))
    except Invalid as exc:
        return _form(request, values, error=str(exc), status_code=400)
    url = path_for(request, "pdca_detail", record_id=str(rec.id)) + "?done=created"
    return RedirectResponse(url, status_code=303)


@router.post("/pdca/{record_id}", name="pdca_update")
def pdca_update(
    request: Request, user: MarketerUser, session: SessionDep, record_id: int,
    csrf: CsrfField = "", title: FormStr = "", hypothesis: FormStr = "",
    action_kind: FormStr = "other", action_ref: FormStr = "", experiment_key: FormStr = "",
    status: FormStr = "planned", result_summary: FormStr = "", next_step: FormStr = "",
    control: FormStr = "holdout", result_csv: CsvField = "",
) -> Response:
    check_csrf(request.session, csrf)
    rec = experiments.get_record(session, user.workspace_id, record_id)
    values = _values(title, hypothesis, action_kind, action_ref, experiment_key, status,
                     result_summary, next_step, control, result_csv)
    try:
        with session.begin_nested():
            experiments.update_record(session, user.workspace_id, rec.id, _input(values),
                                      at=_now(request))
    except Invalid as exc:
        return _form(request, values, record_id=rec.id, error=str(exc), status_code=400)
    url = path_for(request, "pdca_detail", record_id=str(rec.id)) + "?done=saved"
    return RedirectResponse(url, status_code=303)


@router.get("/pdca/{record_id}", name="pdca_detail")
def pdca_detail(
    request: Request, user: ViewerUser, session: SessionDep, record_id: int,
    done: Annotated[str, Query(pattern=DONE)] = "",
) -> Response:
    rec = experiments.get_record(session, user.workspace_id, record_id)
    return render(request, "experiments/detail.html", {
        "record": rec, "result": rec.result, "done": done,
        "can_act": user.has_role(Role.MARKETER)})
