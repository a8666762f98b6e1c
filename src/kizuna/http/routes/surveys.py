"""Surveys over HTTP.

Admin API under ``/v1/surveys`` (``Authorization: Bearer <api key>``): an **admin** key
creates, updates, opens / closes, invites and imports; a **read** key lists, reads results and
responses and exports CSV.

Client API (tag ``client``, authenticated like ingest by a source **write key** in HTTP
Basic): ``GET /v1/surveys/eligible`` tells an app which survey to show a user (honouring the
re-contact waiting time) and ``POST /v1/surveys/{key}/responses`` submits the answers.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response

from kizuna.db.translate import translate_db_errors
from kizuna.errors import Invalid, PayloadTooLarge
from kizuna.http.deps import AdminKey, ReadKey, RuntimeDep, SessionDep
from kizuna.http.schemas.customers import Problem
from kizuna.http.schemas.surveys import (
    ClientResponseIn,
    ClientResponseOut,
    EligibleSurveyOut,
    ImportReportOut,
    InvitationIn,
    InvitationOut,
    ResponseListOut,
    StatusIn,
    SurveyListOut,
    SurveyOut,
    SurveyResultsOut,
    client_response_out,
    eligible_out,
    import_report_out,
    invitation_out,
    response_out,
    summary_out,
    survey_out,
)
from kizuna.ingest import api as ingest
from kizuna.ingest.contracts import Source
from kizuna.ingest.errors import WriteKeyMissing
from kizuna.surveys import api as surveys
from kizuna.surveys.contracts import Channel, DateRange, ResponseStart, Survey
from kizuna.surveys.errors import SurveyImportInvalid, SurveyNotFound
from kizuna.types import WorkspaceId

#: Largest CSV accepted by the import route.
MAX_IMPORT_BYTES = 20 * 1024 * 1024

_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": _PROBLEM}


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _problem("Invalid input; `errors` names each field"),
    401: _problem("No or unknown key"),
    403: _problem("The key's scope does not allow this"),
}
_ONE: dict[int | str, dict[str, Any]] = {**_ERRORS, 404: _problem("No such survey")}

router = APIRouter(tags=["surveys"])

KeyPath = Annotated[str, Path(min_length=1, max_length=100,
                              description="The survey's URL key (or its numeric id)")]


def _survey(session: SessionDep, workspace_id: WorkspaceId, key: str) -> Survey:
    survey = surveys.find_survey_by_key(session, workspace_id, key)
    if survey is None and key.isdigit():
        try:
            survey = surveys.get_survey(session, workspace_id, int(key))
        except SurveyNotFound:
            survey = None
    if survey is None:
        raise SurveyNotFound(f"No survey has the key {key!r}; list them with GET /v1/surveys.",
                             key=key)
    return survey


def _out(survey: Survey) -> SurveyOut:
    return survey_out(survey, surveys.definition_to_json(survey.definition))


# --- client API (write key) ----------------------------------------------------------------


def client_source(request: Request, session: SessionDep) -> Source:
    """The source whose write key is the HTTP Basic user name (as the ingest API reads it)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    write_key = ""
    if scheme.lower() == "basic" and value.strip():
        try:
            write_key = base64.b64decode(value.strip(), validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            write_key = ""
    if not write_key:
        raise WriteKeyMissing()
    return ingest.authenticate_write_key(session, write_key)


ClientSource = Annotated[Source, Depends(client_source)]
_CLIENT_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _problem("Invalid answers; `errors` lists them per question"),
    401: _problem("No or unknown write key"),
}


@router.get(
    "/v1/surveys/eligible",
    tags=["client"],
    response_model=EligibleSurveyOut,
    responses={**_CLIENT_ERRORS, 204: {"description": "No survey to show this user now"}},
)
def eligible_survey(
    request: Request,
    source: ClientSource,
    session: SessionDep,
    runtime: RuntimeDep,
    user_id: Annotated[str | None, Query(alias="userId", max_length=200)] = None,
    anonymous_id: Annotated[str | None, Query(alias="anonymousId", max_length=200)] = None,
    locale: Annotated[str | None, Query(pattern="^(ja|en)$")] = None,
) -> Any:
    """The survey this app should show the user now, or 204 when there is none.

    Nobody who answered any survey, or was shown one in-app, within the survey's
    `recontact_days` gets another. Answering 200 records the impression (the app is
    expected to show the survey).
    """
    now = runtime.clock.now()
    customer = surveys.resolve_respondent(session, source.workspace_id, user_id=user_id,
                                          anonymous_id=anonymous_id, at=now)
    survey = surveys.find_eligible_survey(session, source.workspace_id, customer, at=now)
    if survey is None:
        return Response(status_code=204)
    surveys.record_impression(session, source.workspace_id, survey.id, customer, at=now)
    chosen = locale or survey.definition.default_locale
    return eligible_out(survey, chosen, surveys.definition_to_json(survey.definition),
                        str(request.base_url))


@router.post(
    "/v1/surveys/{key}/responses",
    tags=["client"],
    status_code=201,
    response_model=ClientResponseOut,
    responses={**_CLIENT_ERRORS, 404: _problem("No open survey with this key"),
               410: _problem("The survey is closed")},
)
def submit_response(
    source: ClientSource,
    session: SessionDep,
    runtime: RuntimeDep,
    key: KeyPath,
    body: ClientResponseIn,
) -> ClientResponseOut:
    """Answer a survey from an app in one call (start, answers, completion).

    Answers are checked per question type; invalid ones come back as a 400 problem whose
    `errors` name each question. A completed non-anonymous response becomes a
    `Survey Responded` event on the user's timeline.
    """
    now = runtime.clock.now()
    survey = surveys.get_public_survey(session, source.workspace_id, key, at=now)
    customer = None
    if (body.user_id or body.anonymous_id) and not survey.anonymous:
        customer = surveys.resolve_respondent(session, source.workspace_id,
                                              user_id=body.user_id,
                                              anonymous_id=body.anonymous_id, at=now)
    start = ResponseStart(channel=Channel.IN_APP, locale=body.locale, hidden=body.hidden,
                          customer_id=customer)
    progress = surveys.answer_survey(session, source.workspace_id, survey.key, body.answers,
                                     start, at=now)
    score = surveys.get_response(session, source.workspace_id, progress.response_id).score
    return client_response_out(progress, score)


# --- admin API: read key -------------------------------------------------------------------


@router.get("/v1/surveys", response_model=SurveyListOut, responses=_ERRORS)
def list_surveys(key: ReadKey, session: SessionDep) -> SurveyListOut:
    """Every survey with its response counts, newest first."""
    return SurveyListOut(items=[summary_out(s) for s in
                                surveys.list_surveys(session, key.workspace_id)])


@router.get("/v1/surveys/{key}", response_model=SurveyOut, responses=_ONE)
def get_survey(api_key: ReadKey, session: SessionDep, key: KeyPath) -> SurveyOut:
    """A survey with its current definition."""
    return _out(_survey(session, api_key.workspace_id, key))


@router.get("/v1/surveys/{key}/results", response_model=SurveyResultsOut, responses=_ONE)
def survey_results(
    api_key: ReadKey,
    session: SessionDep,
    runtime: RuntimeDep,
    key: KeyPath,
    start: Annotated[date | None, Query(description="First local day (default: 30 days "
                                                    "before `end`)")] = None,
    end: Annotated[date | None, Query(description="Last local day (default: today)")] = None,
    by: Annotated[str | None, Query(max_length=64, description="Break the score down by a "
                                    "hidden field (e.g. `category`), `segment` (RFM) or "
                                    "`stage` (journey stage)")] = None,
) -> SurveyResultsOut:
    """Score with n and 95 % interval, change vs the previous period, monthly trend,
    answer distributions per question, and an optional breakdown (groups under 5 hidden)."""
    survey = _survey(session, api_key.workspace_id, key)
    period = None
    if start is not None or end is not None:
        last = end or runtime.clock.now().date()
        first = start or last - timedelta(days=29)
        if first > last:
            raise Invalid("`start` is after `end`; swap them.",
                          errors=[{"field": "start", "message": "is after end"}])
        period = DateRange(start=first, end=last)
    now = runtime.clock.now()
    if by in ("segment", "stage") and not survey.anonymous:
        # RFM segment / journey stage come from an analytics snapshot of the store, taken
        # outside any open transaction (on SQLite ours would hold the write lock).
        session.commit()
        groups = surveys.customer_groups(runtime.sessions, runtime.settings.database_url,
                                         api_key.workspace_id, by=by, at=now)
        with translate_db_errors(), runtime.sessions() as short, short.begin():
            results = surveys.survey_results(short, api_key.workspace_id, survey.id,
                                             period=period, by=by, groups=groups, at=now)
    else:
        results = surveys.survey_results(session, api_key.workspace_id, survey.id,
                                         period=period, by=by, at=now)
    return SurveyResultsOut.model_validate(results)


@router.get("/v1/surveys/{key}/responses", response_model=ResponseListOut, responses=_ONE)
def list_responses(
    api_key: ReadKey,
    session: SessionDep,
    key: KeyPath,
    complete_only: bool = True,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> ResponseListOut:
    """Responses, most recently completed first (anonymous ones carry no identity)."""
    survey = _survey(session, api_key.workspace_id, key)
    items = surveys.list_responses(session, api_key.workspace_id, survey.id,
                                   complete_only=complete_only, limit=limit, offset=offset)
    return ResponseListOut(items=[response_out(r) for r in items], limit=limit, offset=offset)


@router.get(
    "/v1/surveys/{key}/export",
    responses={**_ONE, 200: {"content": {"text/csv": {}}, "description": "CSV, UTF-8"}},
    response_class=Response,
)
def export_responses(
    api_key: ReadKey,
    session: SessionDep,
    key: KeyPath,
    lang: Annotated[str, Query(pattern="^(ja|en)$")] = "en",
    headers: Annotated[str, Query(pattern="^(labels|ids)$")] = "labels",
) -> Response:
    """Complete responses as CSV: one row per response, one column per question. `headers=ids`
    gives question ids as column names (the import format)."""
    survey = _survey(session, api_key.workspace_id, key)
    text = "".join(surveys.export_responses_csv(session, api_key.workspace_id, survey.id,
                                                locale=lang, headers=headers))
    filename = f"survey-{survey.key}-responses.csv"
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --- admin API: admin key ------------------------------------------------------------------


DefinitionBody = Annotated[dict[str, Any], Body(description="A survey definition document "
                                                "(format: docs/reference/surveys.md)")]


@router.post("/v1/surveys", status_code=201, response_model=SurveyOut,
             responses={**_ERRORS, 409: _problem("The key is taken")})
def create_survey(
    api_key: AdminKey,
    session: SessionDep,
    runtime: RuntimeDep,
    body: DefinitionBody,
    status: Annotated[str, Query(pattern="^(draft|active)$")] = "draft",
) -> SurveyOut:
    """Create a survey from its definition (`?status=active` opens it right away)."""
    definition = surveys.parse_definition(body)
    survey = surveys.create_survey(session, api_key.workspace_id, definition,
                                   at=runtime.clock.now(), status=status)
    return _out(survey)


@router.put("/v1/surveys/{key}", response_model=SurveyOut, responses=_ONE)
def update_survey(
    api_key: AdminKey, session: SessionDep, runtime: RuntimeDep, key: KeyPath,
    body: DefinitionBody,
) -> SurveyOut:
    """Store a new version of the definition; responses keep the version they answered."""
    survey = _survey(session, api_key.workspace_id, key)
    definition = surveys.parse_definition(body)
    return _out(surveys.update_survey(session, api_key.workspace_id, survey.id, definition,
                                      at=runtime.clock.now()))


@router.post("/v1/surveys/{key}/status", response_model=SurveyOut, responses=_ONE)
def set_status(
    api_key: AdminKey, session: SessionDep, runtime: RuntimeDep, key: KeyPath, body: StatusIn
) -> SurveyOut:
    """Open (`active`), close (`closed`) or withdraw (`draft`) a survey."""
    survey = _survey(session, api_key.workspace_id, key)
    return _out(surveys.set_survey_status(session, api_key.workspace_id, survey.id,
                                          body.status, at=runtime.clock.now()))


@router.post("/v1/surveys/{key}/invitations", status_code=201, response_model=InvitationOut,
             responses=_ONE)
def invite(
    request: Request, api_key: AdminKey, session: SessionDep, runtime: RuntimeDep,
    key: KeyPath, body: InvitationIn,
) -> InvitationOut:
    """A single-use personal link for one customer (the token is shown only here)."""
    survey = _survey(session, api_key.workspace_id, key)
    issued = surveys.issue_invitation(session, api_key.workspace_id, survey.id,
                                      body.customer_id, at=runtime.clock.now(),
                                      valid_for=timedelta(days=body.valid_days))
    return invitation_out(issued, survey.key, str(request.base_url))


def _import_size(request: Request) -> None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_IMPORT_BYTES:
        raise PayloadTooLarge(f"The CSV is over {MAX_IMPORT_BYTES // (1024 * 1024)} MB; split "
                              "it into smaller files.", limit=MAX_IMPORT_BYTES)


@router.post(
    "/v1/surveys/{key}/import",
    response_model=ImportReportOut,
    responses={**_ONE, 413: _problem("The file is over 20 MB")},
    dependencies=[Depends(_import_size)],
)
def import_responses(
    api_key: AdminKey,
    session: SessionDep,
    runtime: RuntimeDep,
    key: KeyPath,
    body: Annotated[bytes, Body(media_type="text/csv", description="The CSV file (UTF-8)")],
) -> ImportReportOut:
    """Import past responses from a CSV (UTF-8): good rows are stored, bad rows come back
    with their line numbers; importing the same file again adds nothing."""
    if len(body) > MAX_IMPORT_BYTES:
        raise PayloadTooLarge(f"The CSV is over {MAX_IMPORT_BYTES // (1024 * 1024)} MB.",
                              limit=MAX_IMPORT_BYTES)
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SurveyImportInvalid(
            f"The file is not UTF-8 (byte {exc.start}); save the CSV as UTF-8 and send it "
            "again.") from exc
    survey = _survey(session, api_key.workspace_id, key)
    report = surveys.import_responses_csv(session, api_key.workspace_id, survey.id, text,
                                          at=runtime.clock.now())
    return import_report_out(report)
