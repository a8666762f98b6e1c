"""Dashboard pages of the surveys domain: list, new, editor, status, preview, results,
responses, CSV export and personal links.

Viewers read everything; marketers create, edit, launch, close and issue personal links.
Every form carries the CSRF field. The pages never show anything that identifies the
respondent of an anonymous survey: no customer, channel, language, hidden field or time of
day — only the date.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from kizuna.errors import Invalid, NotFound
from kizuna.http.deps import RuntimeDep, SessionDep
from kizuna.metrics import api as metrics
from kizuna.profiles import api as profiles
from kizuna.surveys import api as surveys
from kizuna.surveys.contracts import (
    DateRange,
    IssuedInvitation,
    Survey,
    SurveyDefinition,
    SurveyResults,
    SurveyStatus,
    SurveySummary,
    localized,
)
from kizuna.surveys.errors import SurveyDefinitionInvalid, SurveyKeyTaken
from kizuna.types import CustomerId, WorkspaceId
from kizuna.web import formatting, i18n
from kizuna.web.deps import MarketerUser, ViewerUser, choose_locale, path_for, render, settings_of
from kizuna.web.security import CSRF_FIELD, check_csrf
from kizuna.web.survey_display import answers_text, customer_names, logic_lines
from kizuna.web.survey_results_model import (
    build_results_view,
    customer_groups,
    fmt_score,
    latest_comments,
)
from kizuna.web.survey_starters import STARTERS, starter_document

router = APIRouter()

FormStr = Annotated[str, Form()]
CsrfField = Annotated[str, Form(alias=CSRF_FIELD)]

#: The editor refuses definitions longer than this (characters of JSON).
MAX_DEFINITION_CHARS = 200_000
RESPONSES_PAGE = 50
INVITE_MAX_DAYS = 365
INVITE_DEFAULT_DAYS = 30
DEFAULT_PERIOD = "last-90d"
PRESETS = ("last-30d", "last-90d", "last-365d")
BREAKDOWN_CUSTOMER = ("segment", "stage")


def _now(runtime: RuntimeDep) -> datetime:
    return runtime.clock.now()


def _committed(session: Session, target: str) -> Response:
    """Commit, then redirect (POST → 303 → GET).

    The request's session dependency commits only after the response has been sent, so a
    browser following the redirect quickly could read the state from before the change.
    """
    session.commit()
    return RedirectResponse(target, status_code=303)


def public_url(request: Request, path: str) -> str:
    """An absolute URL of a public page (``/p/...``) on the host the dashboard is served from."""
    return f"{request.url.scheme}://{request.url.netloc}{path}"


def _survey_page(request: Request, survey: Survey | SurveySummary) -> dict[str, Any]:
    """What every survey page shows in its head: title, badges, tabs and the public link."""
    locale = choose_locale(request, getattr(request.state, "user", None))
    default = survey.definition.default_locale if isinstance(survey, Survey) else "ja"
    title = survey.definition.title if isinstance(survey, Survey) else survey.title
    return {
        "survey": survey,
        "title": localized(title, locale, default) or survey.key,
        "public_link": public_url(request, f"/p/s/{survey.key}"),
    }


# --- list -----------------------------------------------------------------------------------


@router.get("/surveys", name="surveys_list")
def surveys_list(
    request: Request, user: ViewerUser, session: SessionDep, runtime: RuntimeDep
) -> Response:
    summaries = surveys.list_surveys(session, user.workspace_id)
    now = _now(runtime)
    rows = []
    for s in summaries:
        score = None
        if s.responses:
            score = surveys.survey_results(
                session, user.workspace_id, s.id, period=_range(request, DEFAULT_PERIOD, now),
                at=now).score
        rows.append({**_survey_page(request, s), "score": score})
    return render(request, "surveys/list.html", {
        "rows": rows, "period": DEFAULT_PERIOD, "fmt_score": fmt_score})


# --- new ------------------------------------------------------------------------------------


@router.get("/surveys/new", name="survey_new")
def survey_new(request: Request, user: MarketerUser) -> Response:
    return render(request, "surveys/new.html", {
        "starters": STARTERS, "chosen": STARTERS[0], "key": "", "errors": []})


@router.post("/surveys/new", name="survey_create")
def survey_create(
    request: Request,
    user: MarketerUser,
    session: SessionDep,
    runtime: RuntimeDep,
    starter: FormStr = "",
    key: FormStr = "",
    csrf: CsrfField = "",
) -> Response:
    check_csrf(request.session, csrf)
    key = key.strip()
    chosen = starter if starter in STARTERS else STARTERS[0]
    errors: list[dict[str, str]] = []
    if starter not in STARTERS:
        errors.append({"path": "starter", "message": f"unknown template {starter!r}"})
    else:
        try:
            survey_definition = surveys.parse_definition(starter_document(starter, key))
        except SurveyDefinitionInvalid as exc:
            errors.extend(exc.errors)
        else:
            if surveys.find_survey_by_key(session, user.workspace_id, key) is not None:
                errors.append({"path": "key", "message": str(SurveyKeyTaken())})
            else:
                try:
                    created = surveys.create_survey(
                        session, user.workspace_id, survey_definition, at=_now(runtime))
                except SurveyKeyTaken as exc:
                    errors.append({"path": "key", "message": str(exc)})
                else:
                    target = path_for(request, "survey_edit", survey_id=str(created.id))
                    return _committed(session, target + "?created=1")
    return render(request, "surveys/new.html", {
        "starters": STARTERS, "chosen": chosen, "key": key, "errors": errors},
        status_code=400)


# --- editor and status ------------------------------------------------------------------------


def _definition_text(survey_definition: SurveyDefinition) -> str:
    return json.dumps(surveys.definition_to_json(survey_definition), ensure_ascii=False,
                      indent=2)


def _read_definition(t: Any, text: str) -> tuple[SurveyDefinition | None, list[dict[str, str]]]:
    """Parse the editor's JSON; (definition, []) or (None, errors with path and message)."""
    if len(text) > MAX_DEFINITION_CHARS:
        return None, [{"path": "", "message": t("surveys.edit.too_large",
                                                limit=f"{MAX_DEFINITION_CHARS:,}")}]
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [{"path": "", "message": t("surveys.edit.not_json", message=exc.msg,
                                                line=exc.lineno, column=exc.colno)}]
    if not isinstance(doc, dict):
        return None, [{"path": "", "message": t("surveys.edit.not_object")}]
    try:
        return surveys.parse_definition(doc), []
    except SurveyDefinitionInvalid as exc:
        return None, list(exc.errors)


def _editor(request: Request, survey: Survey, text: str, errors: list[dict[str, str]],
            notice: str | None, status_code: int = 200) -> Response:
    return render(request, "surveys/edit.html", {
        **_survey_page(request, survey), "definition_text": text, "errors": errors,
        "notice": notice, "statuses": [s.value for s in SurveyStatus],
    }, status_code=status_code)


@router.get("/surveys/{survey_id}/edit", name="survey_edit")
def survey_edit(
    request: Request,
    user: ViewerUser,
    session: SessionDep,
    survey_id: int,
    created: bool = False,
    saved: Annotated[int | None, Query(ge=1)] = None,
    status: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    survey = surveys.get_survey(session, user.workspace_id, survey_id)
    t = i18n.translator(choose_locale(request, user))
    notice = None
    if created:
        notice = t("surveys.edit.created")
    elif saved is not None:
        notice = t("surveys.edit.saved", version=saved)
    elif status in {s.value for s in SurveyStatus}:
        notice = t(f"surveys.status.changed.{status}")
    return _editor(request, survey, _definition_text(survey.definition), [], notice)


@router.post("/surveys/{survey_id}/edit", name="survey_save")
def survey_save(
    request: Request,
    user: MarketerUser,
    session: SessionDep,
    runtime: RuntimeDep,
    survey_id: int,
    definition: FormStr = "",
    csrf: CsrfField = "",
) -> Response:
    check_csrf(request.session, csrf)
    survey = surveys.get_survey(session, user.workspace_id, survey_id)
    t = i18n.translator(choose_locale(request, user))
    parsed, errors = _read_definition(t, definition)
    if parsed is not None and parsed.key != survey.key:
        other = surveys.find_survey_by_key(session, user.workspace_id, parsed.key)
        if other is not None and other.id != survey.id:
            errors = [{"path": "key", "message": str(SurveyKeyTaken())}]
    if parsed is not None and not errors:
        try:
            updated = surveys.update_survey(session, user.workspace_id, survey.id, parsed,
                                            at=_now(runtime))
        except (Invalid, SurveyKeyTaken) as exc:
            fields: dict[str, Any] = getattr(exc, "fields", {})
            errors = [{"path": str(fields.get("field", "")), "message": str(exc)}]
        else:
            target = path_for(request, "survey_edit", survey_id=str(survey.id))
            return _committed(session, f"{target}?saved={updated.version}")
    return _editor(request, survey, definition, errors, None, status_code=400)


@router.post("/surveys/{survey_id}/status", name="survey_status")
def survey_status(
    request: Request,
    user: MarketerUser,
    session: SessionDep,
    runtime: RuntimeDep,
    survey_id: int,
    status: FormStr = "",
    csrf: CsrfField = "",
) -> Response:
    check_csrf(request.session, csrf)
    if status not in {s.value for s in SurveyStatus}:
        raise Invalid(f"Unknown status {status!r}; use draft, active or closed.",
                      field="status", value=status)
    survey = surveys.set_survey_status(session, user.workspace_id, survey_id, status,
                                       at=_now(runtime))
    target = path_for(request, "survey_edit", survey_id=str(survey.id))
    return _committed(session, f"{target}?status={survey.status.value}")


# --- preview ----------------------------------------------------------------------------------


@router.get("/surveys/{survey_id}/preview", name="survey_preview")
def survey_preview(
    request: Request,
    user: ViewerUser,
    session: SessionDep,
    survey_id: int,
    lang: Annotated[str, Query(max_length=5)] = "",
) -> Response:
    survey = surveys.get_survey(session, user.workspace_id, survey_id)
    shown = i18n.normalise_locale(lang) or survey.definition.default_locale
    d = survey.definition

    def text(value: Any) -> str:
        return localized(value, shown, d.default_locale)

    return render(request, "surveys/preview.html", {
        **_survey_page(request, survey), "shown": shown, "d": d, "text": text,
        "logic": logic_lines(d),
        "public_preview": public_url(request, f"/p/s/{survey.key}?lang={shown}"),
    })


# --- results ----------------------------------------------------------------------------------


def _range(request: Request, period: str, now: datetime) -> DateRange:
    tz = formatting.zone(getattr(request.state, "timezone", None),
                         settings_of(request).default_timezone)
    chosen = metrics.parse_period(period, today=now.astimezone(tz).date())
    return DateRange(start=chosen.start, end=chosen.end)


def _breakdowns(survey: Survey) -> tuple[str, ...]:
    """Hidden fields, then RFM segment and journey stage (not for anonymous surveys: a
    breakdown by customer could single a respondent out)."""
    extra = () if survey.anonymous else BREAKDOWN_CUSTOMER
    return (*survey.definition.hidden_fields, *extra)


def _by_label(t: Any, by: str) -> str:
    key = f"surveys.results.by.{by}"
    text: str = t(key)
    return by if text == key else text


@router.get("/surveys/{survey_id}", name="survey_results")
def survey_results(
    request: Request,
    user: ViewerUser,
    session: SessionDep,
    runtime: RuntimeDep,
    survey_id: int,
    period: Annotated[str, Query(max_length=40)] = DEFAULT_PERIOD,
    by: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    survey = surveys.get_survey(session, user.workspace_id, survey_id)
    now = _now(runtime)
    chosen = period.strip() or DEFAULT_PERIOD
    dates = _range(request, chosen, now)
    choices = _breakdowns(survey)
    breakdown = by.strip() or None
    if breakdown is not None and breakdown not in choices:
        raise Invalid(f"Unknown breakdown {breakdown!r}; use one of "
                      f"{', '.join(choices) or '(none: the survey has no hidden fields)'}.",
                      field="by", value=breakdown)

    def read(s: Session, groups: dict[int, str] | None) -> dict[str, Any]:
        comments = latest_comments(s, user.workspace_id, survey, dates)
        return {"result": surveys.survey_results(s, user.workspace_id, survey.id,
                                                 period=dates, by=breakdown, groups=groups,
                                                 at=now),
                "comments": comments,
                "names": customer_names(s, user.workspace_id, survey, comments)}

    if breakdown in BREAKDOWN_CUSTOMER:
        # The snapshot reads the store outside any transaction (on SQLite a transaction holds
        # the write lock): end the request's, then read the results in a short one.
        session.commit()
        groups = customer_groups(runtime, user.workspace_id, breakdown, now)
        with runtime.sessions() as short, short.begin():
            read_out = read(short, groups)
    else:
        read_out = read(session, None)
    result: SurveyResults = read_out["result"]
    locale = choose_locale(request, user)
    t = i18n.translator(locale)
    view = build_results_view(result, survey.definition, t, locale)
    return render(request, "surveys/results.html", {
        **_survey_page(request, survey), **read_out, "view": view, "period": chosen,
        "presets": PRESETS, "by": breakdown or "",
        "breakdown_choices": choices, "by_labels": {c: _by_label(t, c) for c in choices},
        "export_query": f"period={dates.start.isoformat()}..{dates.end.isoformat()}",
    })


@router.get("/surveys/{survey_id}/export.csv", name="survey_export")
def survey_export(
    request: Request,
    user: ViewerUser,
    session: SessionDep,
    runtime: RuntimeDep,
    survey_id: int,
    period: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    survey = surveys.get_survey(session, user.workspace_id, survey_id)
    dates = _range(request, period, _now(runtime)) if period.strip() else None
    lines = surveys.export_responses_csv(session, user.workspace_id, survey.id,
                                         locale=choose_locale(request, user), period=dates)
    body = "\ufeff" + "".join(lines)  # a BOM, so that spreadsheet software reads UTF-8
    return Response(body.encode("utf-8"), media_type="text/csv; charset=utf-8", headers={
        "content-disposition": f'attachment; filename="survey-{survey.key}.csv"',
        "cache-control": "no-store",
    })


# --- responses --------------------------------------------------------------------------------


@router.get("/surveys/{survey_id}/responses", name="survey_responses")
def survey_responses(
    request: Request,
    user: ViewerUser,
    session: SessionDep,
    survey_id: int,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    survey = surveys.get_survey(session, user.workspace_id, survey_id)
    items = surveys.list_responses(session, user.workspace_id, survey.id, complete_only=False,
                                   limit=RESPONSES_PAGE + 1, offset=(page - 1) * RESPONSES_PAGE)
    locale = choose_locale(request, user)
    d = survey.definition
    shown = items[:RESPONSES_PAGE]
    return render(request, "surveys/responses.html", {
        **_survey_page(request, survey), "items": shown, "page": page,
        "has_next": len(items) > RESPONSES_PAGE,
        "names": customer_names(session, user.workspace_id, survey, shown),
        "answer_text": lambda r: answers_text(d, r, locale),
    })


# --- personal links ---------------------------------------------------------------------------


@router.get("/surveys/{survey_id}/invite", name="survey_invite")
def survey_invite(
    request: Request, user: MarketerUser, session: SessionDep, survey_id: int
) -> Response:
    survey = surveys.get_survey(session, user.workspace_id, survey_id)
    return _invite_page(request, survey, customer="", days=INVITE_DEFAULT_DAYS)


def _invite_page(request: Request, survey: Survey, *, customer: str, days: int | str,
                 error: str | None = None, issued: IssuedInvitation | None = None,
                 issued_for: str = "", status_code: int = 200) -> Response:
    return render(request, "surveys/invite.html", {
        **_survey_page(request, survey), "customer": customer, "days": days, "error": error,
        "issued": issued, "issued_for": issued_for, "max_days": INVITE_MAX_DAYS,
        "issued_link": public_url(request, issued.path) if issued else "",
    }, status_code=status_code)


def _find_customer(session: SessionDep, workspace_id: WorkspaceId,
                   query: str) -> tuple[CustomerId, str] | None:
    """The customer named by a profile id or an exact email, with a display name."""
    if query.isdigit():
        try:
            c = profiles.get_customer(session, workspace_id, int(query))
        except NotFound:
            return None
        return c.id, c.display_name or c.email or f"#{c.id}"
    if "@" in query:
        for c in profiles.search_customers(session, workspace_id, query, page_size=20).items:
            if (c.email or "").lower() == query.lower():
                return c.id, c.display_name or c.email or f"#{c.id}"
    return None


@router.post("/surveys/{survey_id}/invite", name="survey_invite_submit")
def survey_invite_submit(
    request: Request,
    user: MarketerUser,
    session: SessionDep,
    runtime: RuntimeDep,
    survey_id: int,
    customer: FormStr = "",
    days: FormStr = "",
    csrf: CsrfField = "",
) -> Response:
    check_csrf(request.session, csrf)
    survey = surveys.get_survey(session, user.workspace_id, survey_id)
    t = i18n.translator(choose_locale(request, user))
    query = customer.strip()[:320]
    valid_days = int(days) if days.strip().isdigit() else 0
    if not 1 <= valid_days <= INVITE_MAX_DAYS:
        return _invite_page(request, survey, customer=query, days=days[:10],
                            error=t("surveys.invite.bad_days", max=INVITE_MAX_DAYS),
                            status_code=400)
    found = _find_customer(session, user.workspace_id, query)
    if found is None:
        return _invite_page(request, survey, customer=query, days=valid_days,
                            error=t("surveys.invite.unknown_customer", query=query),
                            status_code=400)
    customer_id, name = found
    issued = surveys.issue_invitation(session, user.workspace_id, survey.id, customer_id,
                                      at=_now(runtime), valid_for=timedelta(days=valid_days))
    session.commit()  # the link works as soon as it is shown (see _committed)
    return _invite_page(request, survey, customer="", days=valid_days, issued=issued,
                        issued_for=name)
