"""In-app surveys: which survey an app should show a person now, honouring the re-contact
waiting time (``recontact_days``) so nobody is over-surveyed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kizuna.db.dialect import insert
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.profiles.errors import IdentityMissing
from kizuna.surveys import store
from kizuna.surveys.contracts import Survey, SurveyId, SurveyStatus
from kizuna.surveys.tables import SurveyImpressionRow, SurveyResponseRow, SurveyRow
from kizuna.types import CustomerId, WorkspaceId


def resolve_respondent(session: Session, workspace_id: WorkspaceId, *, user_id: str | None,
                       anonymous_id: str | None, at: datetime) -> CustomerId:
    user_id = (user_id or "").strip() or None
    anonymous_id = (anonymous_id or "").strip() or None
    if user_id is None and anonymous_id is None:
        raise IdentityMissing("Name the person with userId or anonymousId.", field="userId")
    ref = IdentityRef(user_id=user_id, anonymous_id=anonymous_id)
    return profiles.resolve_customers(session, workspace_id, [ref], at)[0]


def _last_contact(session: Session, workspace_id: WorkspaceId,
                  customer_id: CustomerId) -> tuple[date | None, date | None]:
    answered = session.scalar(select(SurveyResponseRow.completed_on).where(
        SurveyResponseRow.workspace_id == workspace_id,
        SurveyResponseRow.customer_id == customer_id,
        SurveyResponseRow.complete.is_(True)).order_by(
            SurveyResponseRow.completed_on.desc()).limit(1))
    shown = session.scalar(select(SurveyImpressionRow.shown_on).where(
        SurveyImpressionRow.workspace_id == workspace_id,
        SurveyImpressionRow.customer_id == customer_id).order_by(
            SurveyImpressionRow.shown_on.desc()).limit(1))
    return answered, shown


def find_eligible_survey(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId,
                         *, at: datetime) -> Survey | None:
    today = store.local_date(session, workspace_id, at)
    answered, shown = _last_contact(session, workspace_id, customer_id)
    last = max((d for d in (answered, shown) if d is not None), default=None)
    rows = session.scalars(select(SurveyRow).where(
        SurveyRow.workspace_id == workspace_id,
        SurveyRow.status == SurveyStatus.ACTIVE.value,
    ).order_by(SurveyRow.updated_at.desc(), SurveyRow.id.desc()))
    for row in rows:
        if row.closes_at is not None and at >= row.closes_at:
            continue
        if last is not None and today < last + timedelta(days=row.recontact_days):
            continue
        return store.to_survey(session, row)
    return None


def record_impression(session: Session, workspace_id: WorkspaceId, survey_id: SurveyId,
                      customer_id: CustomerId, *, at: datetime) -> None:
    store.survey_row(session, workspace_id, survey_id)
    values = {"workspace_id": workspace_id, "survey_id": survey_id, "customer_id": customer_id,
              "shown_on": store.local_date(session, workspace_id, at)}
    stmt = insert(session, SurveyImpressionRow.__table__).values(**values)  # type: ignore[arg-type]
    session.execute(stmt.on_conflict_do_nothing(
        index_elements=["survey_id", "customer_id", "shown_on"]))
    session.flush()
