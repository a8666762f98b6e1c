"""Fixtures of the surveys integration tests: an active NPS survey and customers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.surveys import api as surveys
from kizuna.surveys.contracts import Survey
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace
from tests.unit.surveys.examples import ENPS_DOC, NPS_DOC

T0 = datetime(2026, 11, 20, 1, 23, 45, tzinfo=UTC)


def customer(session: Session, workspace: Workspace, user_id: str) -> CustomerId:
    return profiles.resolve_customers(session, workspace.id, [IdentityRef(user_id=user_id)],
                                      T0)[0]


@pytest.fixture
def nps_survey(session: Session, workspace: Workspace) -> Survey:
    return surveys.create_survey(session, workspace.id, surveys.parse_definition(NPS_DOC),
                                 at=T0, status="active")


@pytest.fixture
def enps_survey(session: Session, workspace: Workspace) -> Survey:
    return surveys.create_survey(session, workspace.id, surveys.parse_definition(ENPS_DOC),
                                 at=T0, status="active")
