"""SQL of the surveys domain. Returns contracts; rows are handed only to this domain's logic."""

from __future__ import annotations

import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, case, func, select
from sqlalchemy.orm import Session

from kizuna.clock import ensure_aware_utc
from kizuna.errors import Invalid
from kizuna.surveys.contracts import (
    Channel,
    ResponseId,
    Survey,
    SurveyDefinition,
    SurveyId,
    SurveyKind,
    SurveyResponse,
    SurveyStatus,
    SurveySummary,
)
from kizuna.surveys.definition import parse_definition, to_json
from kizuna.surveys.errors import (
    SurveyClosed,
    SurveyKeyTaken,
    SurveyNotFound,
    SurveyResponseNotFound,
)
from kizuna.surveys.tables import SurveyResponseRow, SurveyRow, SurveyVersionRow
from kizuna.types import CustomerId, WorkspaceId
from kizuna.workspaces import api as workspaces

_ZONE_TTL = 60.0
_zones: dict[tuple[str, int], tuple[float, ZoneInfo]] = {}
_definitions: dict[tuple[str, int, datetime, datetime, int], SurveyDefinition] = {}


def _db_key(session: Session) -> str:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return engine.url.render_as_string(hide_password=True)


def workspace_zone(session: Session, workspace_id: WorkspaceId) -> ZoneInfo:
    """The workspace's time zone (cached for a minute: every response asks for it)."""
    key = (_db_key(session), int(workspace_id))
    cached = _zones.get(key)
    if cached is not None and time.monotonic() - cached[0] < _ZONE_TTL:
        return cached[1]
    zone = ZoneInfo(workspaces.get_workspace(session, workspace_id).timezone)
    _zones[key] = (time.monotonic(), zone)
    return zone


def local_date(session: Session, workspace_id: WorkspaceId, at: datetime) -> date:
    """The day of ``at`` in the workspace's time zone (all an anonymous response keeps)."""
    return ensure_aware_utc(at).astimezone(workspace_zone(session, workspace_id)).date()


def _definition(session: Session, survey_id: int, version: int) -> SurveyDefinition:
    doc = session.scalar(select(SurveyVersionRow.definition).where(
        SurveyVersionRow.survey_id == survey_id, SurveyVersionRow.version == version))
    if doc is None:
        raise SurveyNotFound(f"Survey {survey_id} has no version {version}.",
                             survey_id=survey_id, version=version)
    return parse_definition(doc)


def to_survey(session: Session, row: SurveyRow, version: int | None = None) -> Survey:
    chosen = row.current_version if version is None else version
    return Survey(
        id=SurveyId(row.id), workspace_id=WorkspaceId(row.workspace_id), key=row.key,
        kind=SurveyKind(row.kind), status=SurveyStatus(row.status), anonymous=row.anonymous,
        version=chosen, definition=_definition(session, row.id, chosen),
        created_at=row.created_at, updated_at=row.updated_at)


def survey_row(session: Session, workspace_id: WorkspaceId, survey_id: int) -> SurveyRow:
    row = session.get(SurveyRow, survey_id)
    if row is None or row.workspace_id != workspace_id:
        raise SurveyNotFound(f"Survey {survey_id} does not exist.", survey_id=survey_id)
    return row


def _key_free(session: Session, workspace_id: WorkspaceId, key: str, but: int | None) -> None:
    taken = session.scalar(select(SurveyRow.id).where(
        SurveyRow.workspace_id == workspace_id, SurveyRow.key == key))
    if taken is not None and taken != but:
        raise SurveyKeyTaken(f"Another survey already uses the key {key!r}; choose another.",
                             field="key", key=key)


def create_survey(session: Session, workspace_id: WorkspaceId, definition: SurveyDefinition,
                  *, at: datetime, status: SurveyStatus) -> Survey:
    at = ensure_aware_utc(at)
    _key_free(session, workspace_id, definition.key, None)
    row = SurveyRow(workspace_id=workspace_id, key=definition.key, kind=definition.kind.value,
                    status=status.value, anonymous=definition.anonymous, current_version=1,
                    closes_at=definition.closes_at, recontact_days=definition.recontact_days,
                    created_at=at, updated_at=at)
    session.add(row)
    session.flush()
    session.add(SurveyVersionRow(survey_id=row.id, version=1, definition=to_json(definition),
                                 created_at=at))
    session.flush()
    return to_survey(session, row)


def update_survey(session: Session, workspace_id: WorkspaceId, survey_id: SurveyId,
                  definition: SurveyDefinition, *, at: datetime) -> Survey:
    at = ensure_aware_utc(at)
    row = survey_row(session, workspace_id, survey_id)
    _key_free(session, workspace_id, definition.key, row.id)
    answered = session.scalar(select(func.count()).select_from(SurveyResponseRow).where(
        SurveyResponseRow.survey_id == row.id)) or 0
    if answered and (definition.kind.value != row.kind or definition.anonymous != row.anonymous):
        raise Invalid("This survey already has responses, so its kind and anonymous setting "
                      "cannot change; create a new survey instead.", field="kind")
    row.current_version += 1
    row.key = definition.key
    row.kind = definition.kind.value
    row.anonymous = definition.anonymous
    row.closes_at = definition.closes_at
    row.recontact_days = definition.recontact_days
    row.updated_at = at
    session.add(SurveyVersionRow(survey_id=row.id, version=row.current_version,
                                 definition=to_json(definition), created_at=at))
    session.flush()
    return to_survey(session, row)


def get_survey(session: Session, workspace_id: WorkspaceId, survey_id: SurveyId, *,
               version: int | None = None) -> Survey:
    return to_survey(session, survey_row(session, workspace_id, survey_id), version)


def find_survey_by_key(session: Session, workspace_id: WorkspaceId, key: str) -> Survey | None:
    row = session.scalar(select(SurveyRow).where(SurveyRow.workspace_id == workspace_id,
                                                 SurveyRow.key == key))
    return None if row is None else to_survey(session, row)


def check_open(row: SurveyRow, *, at: datetime) -> None:
    """``SurveyNotFound`` for drafts, ``SurveyClosed`` for closed or expired surveys."""
    if row.status == SurveyStatus.DRAFT.value:
        raise SurveyNotFound(f"There is no survey {row.key!r}.", key=row.key)
    if row.status == SurveyStatus.CLOSED.value or (
            row.closes_at is not None and ensure_aware_utc(at) >= row.closes_at):
        raise SurveyClosed(key=row.key)


def definition_of(session: Session, row: SurveyRow, version: int | None = None
                  ) -> SurveyDefinition:
    """The parsed definition of a version (versions never change once stored, so parsed
    definitions are cached by database, survey, its creation and update times and version;
    a definition read inside a transaction that rolls back may differ, which the update time
    tells apart)."""
    chosen = row.current_version if version is None else version
    key = (_db_key(session), row.id, row.created_at, row.updated_at, chosen)
    found = _definitions.get(key)
    if found is None:
        found = _definition(session, row.id, chosen)
        if len(_definitions) > 1000:
            _definitions.clear()
        _definitions[key] = found
    return found


def get_public_survey(session: Session, workspace_id: WorkspaceId, key: str, *,
                      at: datetime) -> Survey:
    row = session.scalar(select(SurveyRow).where(SurveyRow.workspace_id == workspace_id,
                                                 SurveyRow.key == key))
    if row is None:
        raise SurveyNotFound(f"There is no survey {key!r}.", key=key)
    check_open(row, at=at)
    return to_survey(session, row)


def list_surveys(session: Session, workspace_id: WorkspaceId) -> list[SurveySummary]:
    r = SurveyResponseRow
    counts = {
        sid: (int(done or 0), int(part or 0), last)
        for sid, done, part, last in session.execute(
            select(r.survey_id, func.sum(case((r.complete, 1), else_=0)),
                   func.sum(case((r.complete, 0), else_=1)), func.max(r.completed_on))
            .where(r.workspace_id == workspace_id).group_by(r.survey_id))
    }
    out: list[SurveySummary] = []
    rows = session.scalars(select(SurveyRow).where(SurveyRow.workspace_id == workspace_id)
                           .order_by(SurveyRow.updated_at.desc(), SurveyRow.id.desc()))
    for row in rows:
        done, part, last = counts.get(row.id, (0, 0, None))
        doc = session.scalar(select(SurveyVersionRow.definition).where(
            SurveyVersionRow.survey_id == row.id,
            SurveyVersionRow.version == row.current_version)) or {}
        out.append(SurveySummary(
            id=SurveyId(row.id), key=row.key, kind=SurveyKind(row.kind),
            status=SurveyStatus(row.status), anonymous=row.anonymous,
            version=row.current_version, title=dict(doc.get("title") or {}), responses=done,
            partial=part, last_response_on=last, updated_at=row.updated_at))
    return out


def set_status(session: Session, workspace_id: WorkspaceId, survey_id: SurveyId,
               status: SurveyStatus | str, *, at: datetime) -> Survey:
    try:
        chosen = SurveyStatus(status)
    except ValueError:
        raise Invalid(f"Unknown survey status {status!r}; use draft, active or closed.",
                      field="status", value=str(status)) from None
    row = survey_row(session, workspace_id, survey_id)
    row.status = chosen.value
    row.updated_at = ensure_aware_utc(at)
    session.flush()
    return to_survey(session, row)


# --- responses -----------------------------------------------------------------------------


def response_row(session: Session, workspace_id: WorkspaceId,
                 response_id: ResponseId) -> SurveyResponseRow:
    row = session.get(SurveyResponseRow, str(response_id)[:32])
    if row is None or row.workspace_id != workspace_id:
        raise SurveyResponseNotFound(response_id=str(response_id)[:64])
    return row


def to_response(row: SurveyResponseRow) -> SurveyResponse:
    return SurveyResponse(
        id=ResponseId(row.id), survey_id=SurveyId(row.survey_id), version=row.version,
        channel=Channel(row.channel), locale=row.locale, complete=row.complete,
        anonymous=row.anonymous, answers=dict(row.answers), hidden=dict(row.hidden),
        score=row.score, comment=row.comment, started_on=row.started_on,
        completed_on=row.completed_on,
        customer_id=None if row.customer_id is None else CustomerId(row.customer_id),
        completed_at=row.completed_at)


def get_response(session: Session, workspace_id: WorkspaceId,
                 response_id: ResponseId) -> SurveyResponse:
    return to_response(response_row(session, workspace_id, response_id))


def list_responses(session: Session, workspace_id: WorkspaceId, survey_id: SurveyId, *,
                   complete_only: bool, limit: int, offset: int) -> list[SurveyResponse]:
    survey_row(session, workspace_id, survey_id)
    query = select(SurveyResponseRow).where(SurveyResponseRow.workspace_id == workspace_id,
                                            SurveyResponseRow.survey_id == survey_id)
    if complete_only:
        query = query.where(SurveyResponseRow.complete.is_(True))
    query = query.order_by(SurveyResponseRow.completed_on.desc(), SurveyResponseRow.id)
    rows = session.scalars(query.limit(min(max(limit, 1), 10_000)).offset(max(offset, 0)))
    return [to_response(row) for row in rows]
