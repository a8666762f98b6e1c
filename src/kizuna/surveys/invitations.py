"""Personal single-use survey links: random tokens, stored only as SHA-256, with an expiry.

The link ``/p/s/<key>?t=<token>`` binds a response to the invited customer (for anonymous
surveys it only proves the right to answer once: when used, the invitation keeps a ``used``
flag and nothing else — no time and no response id).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kizuna.clock import ensure_aware_utc
from kizuna.errors import Invalid
from kizuna.ids import hash_secret
from kizuna.profiles import api as profiles
from kizuna.surveys import store
from kizuna.surveys.contracts import Invitation, IssuedInvitation, SurveyId
from kizuna.surveys.errors import InvitationExpired, InvitationInvalid, InvitationUsed
from kizuna.surveys.tables import SurveyInvitationRow, SurveyRow
from kizuna.types import CustomerId, WorkspaceId

MAX_VALIDITY = timedelta(days=366)


def issue(session: Session, workspace_id: WorkspaceId, survey_id: SurveyId,
          customer_id: CustomerId, *, at: datetime, valid_for: timedelta) -> IssuedInvitation:
    at = ensure_aware_utc(at)
    if not timedelta(minutes=1) <= valid_for <= MAX_VALIDITY:
        raise Invalid("A personal link must be valid for between 1 minute and 366 days.",
                      field="valid_for")
    survey = store.survey_row(session, workspace_id, survey_id)
    customer = profiles.get_customer(session, workspace_id, customer_id)
    token = secrets.token_urlsafe(24)
    row = SurveyInvitationRow(workspace_id=workspace_id, survey_id=survey.id,
                              customer_id=customer.id, token_hash=hash_secret(token),
                              created_at=at, expires_at=at + valid_for, used=False)
    session.add(row)
    session.flush()
    return IssuedInvitation(id=row.id, survey_id=SurveyId(survey.id), customer_id=customer.id,
                            token=token, path=f"/p/s/{survey.key}?t={token}",
                            expires_at=row.expires_at)


def find_row(session: Session, workspace_id: WorkspaceId, survey_id: int,
             token: str) -> SurveyInvitationRow:
    if not token or len(token) > 200:
        raise InvitationInvalid()
    row = session.scalar(select(SurveyInvitationRow).where(
        SurveyInvitationRow.token_hash == hash_secret(token)).with_for_update())
    if row is None or row.workspace_id != workspace_id or row.survey_id != survey_id:
        raise InvitationInvalid()
    return row


def usable_row(session: Session, workspace_id: WorkspaceId, survey_id: int, token: str, *,
               at: datetime) -> SurveyInvitationRow:
    """The invitation if it can still answer, else the reason as an error."""
    row = find_row(session, workspace_id, survey_id, token)
    if row.used:
        raise InvitationUsed()
    if ensure_aware_utc(at) >= row.expires_at:
        raise InvitationExpired(expires_at=row.expires_at.isoformat())
    return row


def check(session: Session, workspace_id: WorkspaceId, survey_key: str, token: str, *,
          at: datetime) -> Invitation:
    survey_id = session.scalar(select(SurveyRow.id).where(
        SurveyRow.workspace_id == workspace_id, SurveyRow.key == survey_key))
    if survey_id is None:
        raise InvitationInvalid()
    row = usable_row(session, workspace_id, survey_id, token, at=at)
    return Invitation(id=row.id, survey_id=SurveyId(row.survey_id),
                      customer_id=None if row.customer_id is None else CustomerId(row.customer_id),
                      expires_at=row.expires_at, used=row.used)


def mark_used(row: SurveyInvitationRow, *, anonymous: bool, response_id: str,
              at: datetime) -> None:
    """Redeem: anonymous surveys keep only the flag (no time, no response)."""
    row.used = True
    if not anonymous:
        row.used_at = ensure_aware_utc(at)
        row.response_id = response_id
