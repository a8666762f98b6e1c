"""Survey definitions and helpers for the adapter tests (hosted page, API, CLI, browser)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from copy import deepcopy
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from kizuna.auth.contracts import Scope
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.settings import Settings
from kizuna.surveys import api as surveys
from kizuna.surveys.contracts import Survey, SurveyResponse
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.data import create_key

#: An NPS survey: score, (detractors and passives only) a reason, then an optional comment.
NPS_DOC: dict[str, Any] = {
    "key": "nps-2026",
    "kind": "nps",
    "default_locale": "ja",
    "title": {"ja": "お客様満足度アンケート", "en": "Customer survey"},
    "intro": {"ja": "1分で終わります。", "en": "It takes one minute."},
    "thanks": {"ja": "ご協力ありがとうございました!", "en": "Thank you for your time!"},
    "hidden_fields": ["order_id", "category"],
    "allowed_embed_origins": ["https://shop.example"],
    "questions": [
        {"id": "score", "type": "nps",
         "prompt": {"ja": "当店を友人や同僚に勧める可能性はどのくらいありますか?",
                    "en": "How likely are you to recommend us to a friend or colleague?"}},
        {"id": "reason", "type": "single_choice", "required": False,
         "prompt": {"ja": "一番の理由は何ですか?", "en": "What is the main reason?"},
         "options": [
             {"id": "price", "label": {"ja": "価格", "en": "Price"}},
             {"id": "quality", "label": {"ja": "品質", "en": "Quality"}},
             {"id": "service", "label": {"ja": "接客", "en": "Service"}},
         ]},
        {"id": "comment", "type": "free_text", "required": False, "max_length": 500,
         "prompt": {"ja": "ご意見をお聞かせください。", "en": "Tell us more."}},
    ],
    "rules": [{"after": "score", "if": {"question": "score", "op": "gte", "value": 9},
               "goto": "comment"}],
}

#: An anonymous eNPS survey (anonymous by default for kind enps).
ENPS_DOC: dict[str, Any] = {
    "key": "enps-q1",
    "kind": "enps",
    "default_locale": "ja",
    "title": {"ja": "従業員アンケート", "en": "Team survey"},
    "hidden_fields": ["department"],
    "questions": [
        {"id": "enps", "type": "nps",
         "prompt": {"ja": "この職場を友人に勧めますか?",
                    "en": "Would you recommend working here to a friend?"}},
        {"id": "comment", "type": "free_text", "required": False,
         "prompt": {"ja": "自由にご記入ください。", "en": "Anything else?"}},
    ],
}

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
STATE = re.compile(r'name="state" value="([^"]+)"')
LANG = re.compile(r'name="lang" value="([^"]+)"')


def doc(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = deepcopy(base)
    out.update(changes)
    return out


def create_survey(runtime: Runtime, workspace: Workspace, document: dict[str, Any],
                  status: str = "active") -> Survey:
    with runtime.sessions() as s, s.begin():
        return surveys.create_survey(s, workspace.id, surveys.parse_definition(document),
                                     at=runtime.clock.now(), status=status)


def create_customer(runtime: Runtime, workspace: Workspace, user_id: str = "u-hanako",
                    email: str = "hanako@example.jp") -> CustomerId:
    with runtime.sessions() as s, s.begin():
        [customer] = profiles.upsert_customers(
            s, workspace.id, [CustomerUpsert(external_id=user_id, email=email, name="山田 花子")],
            runtime.clock.now())
    return customer


def invite(runtime: Runtime, workspace: Workspace, survey: Survey, customer: CustomerId,
           *, days_ago: int = 0, valid_days: int = 30) -> str:
    with runtime.sessions() as s, s.begin():
        issued = surveys.issue_invitation(
            s, workspace.id, survey.id, customer,
            at=runtime.clock.now() - timedelta(days=days_ago),
            valid_for=timedelta(days=valid_days))
    return issued.token


def responses_of(runtime: Runtime, workspace: Workspace, survey: Survey,
                 complete_only: bool = False) -> list[SurveyResponse]:
    with runtime.sessions() as s, s.begin():
        return surveys.list_responses(s, workspace.id, survey.id, complete_only=complete_only)


def csrf(response: httpx.Response) -> str:
    match = CSRF.search(response.text)
    assert match, response.text[:2000]
    return match.group(1)


def answer(client: TestClient, key: str, page: httpx.Response, step: str,
           *values: str, action: str = "next", **extra: str) -> httpx.Response:
    """Post one step of the hosted form the way a browser does (follows the redirect)."""
    lang = LANG.search(page.text)
    data: dict[str, Any] = {"csrf_token": csrf(page), "step": step, "action": action,
                            "website": "", "lang": lang.group(1) if lang else "", **extra}
    if values:
        data["answer"] = list(values)
    return client.post(f"/p/s/{key}", data=data)


@pytest.fixture
def nps(runtime: Runtime, workspace: Workspace) -> Survey:
    return create_survey(runtime, workspace, NPS_DOC)


@pytest.fixture
def enps(runtime: Runtime, workspace: Workspace) -> Survey:
    return create_survey(runtime, workspace, ENPS_DOC)


@pytest.fixture
def admin_headers(runtime: Runtime, workspace: Workspace) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_key(runtime, workspace, Scope.ADMIN)}"}


@pytest.fixture
def read_headers(runtime: Runtime, workspace: Workspace) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_key(runtime, workspace, Scope.READ)}"}


@pytest.fixture
def limited_client(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    """The app with a public-form budget of 5 posts (the burst floor) per minute."""
    from kizuna.http.app import create_app

    tight = settings.model_copy(update={"public_posts_per_minute": 1.0})
    with TestClient(create_app(tight, runtime)) as c:
        yield c
