"""Guards of the hosted survey page: CSRF, honeypot, rate limit, oversized / NUL text, expired
and invalid links, unopened surveys, and the embed page.

These check the adapter, not the database, so they run on SQLite only (the flows in
test_hosted_page.py run on SQLite and PostgreSQL).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kizuna.runtime import Runtime
from kizuna.surveys.contracts import Survey
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.surveys.conftest import (
    NPS_DOC,
    answer,
    create_customer,
    create_survey,
    csrf,
    doc,
    invite,
    responses_of,
)

KEY = NPS_DOC["key"]


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "kizuna.db"
    shutil.copy(sqlite_template, target)
    return f"sqlite:///{target}"


def test_oversized_and_nul_text_get_clear_errors(
    client: TestClient, runtime: Runtime, workspace: Workspace, nps: Survey
) -> None:
    page = client.get(f"/p/s/{KEY}?lang=en")
    comment = answer(client, KEY, page, "score", "9")
    too_long = answer(client, KEY, comment, "comment", "あ" * 501)
    assert too_long.status_code == 400 and 'id="error-summary"' in too_long.text
    assert "500" in too_long.text
    assert "あ" * 501 in too_long.text  # what was typed is kept for editing, not truncated
    nul = answer(client, KEY, too_long, "comment", "bad\x00byte")
    assert nul.status_code == 400
    [partial] = responses_of(runtime, workspace, nps)
    assert not partial.complete and "comment" not in partial.answers


def test_csrf_honeypot_and_rate_limit(
    client: TestClient, limited_client: TestClient, runtime: Runtime, workspace: Workspace,
    nps: Survey,
) -> None:
    page = client.get(f"/p/s/{KEY}")
    forged = client.post(f"/p/s/{KEY}", data={"step": "score", "answer": "3"})
    assert forged.status_code == 403
    wrong = client.post(f"/p/s/{KEY}", data={"step": "score", "answer": "3",
                                             "csrf_token": "forged"})
    assert wrong.status_code == 403

    bot = answer(client, KEY, page, "score", "0", website="https://spam.example")
    assert bot.status_code == 200 and bot.url.path == f"/p/s/{KEY}/thanks"
    assert responses_of(runtime, workspace, nps) == []  # pretended success, stored nothing

    first = limited_client.get(f"/p/s/{KEY}")
    statuses = [answer(limited_client, KEY, first, "score", "11").status_code
                for _ in range(7)]
    assert statuses[0] == 400 and statuses[-1] == 429, statuses


def test_expired_and_invalid_links_and_unopened_surveys(
    client: TestClient, runtime: Runtime, workspace: Workspace, nps: Survey
) -> None:
    customer = create_customer(runtime, workspace)
    expired = invite(runtime, workspace, nps, customer, days_ago=40, valid_days=30)
    response = client.get(f"/p/s/{KEY}?t={expired}&lang=en")
    assert response.status_code == 410 and "has expired" in response.text
    response = client.get(f"/p/s/{KEY}?t=not-a-real-token&lang=en")
    assert response.status_code == 404 and "not valid" in response.text

    create_survey(runtime, workspace, doc(NPS_DOC, key="draft-one"), status="draft")
    response = client.get("/p/s/draft-one?lang=en")
    assert response.status_code == 404 and "not open yet" in response.text
    create_survey(runtime, workspace, doc(NPS_DOC, key="closed-one"), status="closed")
    response = client.get("/p/s/closed-one?lang=en")
    assert response.status_code == 410 and "This survey is closed" in response.text
    assert client.get("/p/s/nope?lang=en").status_code == 404


def test_embed_page_is_frameable_by_allowed_origins_and_works_without_cookies(
    client: TestClient, runtime: Runtime, workspace: Workspace, nps: Survey
) -> None:
    page = client.get(f"/p/s/{KEY}/embed?lang=en&category=tea")
    assert page.status_code == 200
    assert "frame-ancestors https://shop.example" in page.headers["content-security-policy"]
    assert "x-frame-options" not in page.headers
    assert 'data-kizuna-frame' in page.text and "survey-embed.js" in page.text
    hosted = client.get(f"/p/s/{KEY}")
    assert "frame-ancestors 'none'" in hosted.headers["content-security-policy"]

    state = re.search(r'name="state" value="([^"]+)"', page.text)
    assert state
    client.cookies.clear()  # a third-party iframe may get no cookies at all
    step2 = client.post(f"/p/s/{KEY}/embed", data={"state": state.group(1), "step": "score",
                                                   "answer": "3", "action": "next"})
    assert step2.status_code == 200 and "What is the main reason?" in step2.text
    state2 = re.search(r'name="state" value="([^"]+)"', step2.text)
    assert state2
    step3 = client.post(f"/p/s/{KEY}/embed", data={"state": state2.group(1), "step": "reason",
                                                   "answer": "service", "action": "next"})
    state3 = re.search(r'name="state" value="([^"]+)"', step3.text)
    assert state3 and "Tell us more." in step3.text
    done = client.post(f"/p/s/{KEY}/embed", data={"state": state3.group(1),
                                                  "step": "comment", "answer": "ok"})
    assert "Thank you for your time!" in done.text
    assert "frame-ancestors https://shop.example" in done.headers["content-security-policy"]
    [stored] = responses_of(runtime, workspace, nps)
    assert stored.complete and stored.channel.value == "embed" and stored.score == 3
    assert dict(stored.hidden) == {"category": "tea"}

    forged = client.post(f"/p/s/{KEY}/embed", data={"state": "forged", "step": "score",
                                                    "answer": "3"})
    assert forged.status_code == 403 and "expired" in forged.text
    assert "frame-ancestors https://shop.example" in forged.headers["content-security-policy"]
    script = client.get("/p/static/survey-embed.js")
    assert script.status_code == 200 and "postMessage" in script.text


def test_token_form_field_is_escaped_and_csrf_field_present(
    client: TestClient, nps: Survey
) -> None:
    page = client.get(f"/p/s/{KEY}?lang=en")
    assert csrf(page) and 'name="website"' in page.text and 'class="hp"' in page.text


def test_personal_link_tokens_are_redacted_from_the_access_log() -> None:
    import logging

    from kizuna.web.public_views.surveys import RedactSurveyTokens

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("10.0.0.1:5000", "GET", "/p/s/nps-2026?t=SECRET&lang=ja", "1.1",
                                303), None)
    assert RedactSurveyTokens().filter(record)
    assert "SECRET" not in record.getMessage() and "t=…&lang=ja" in record.getMessage()
    for path in ("/p/reviews/p-1?t=SECRET", "/p/ideas?m=SECRET&sort=new"):
        other = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                                  '%s - "%s %s HTTP/%s" %d',
                                  ("10.0.0.1:5000", "GET", path, "1.1", 303), None)
        assert RedactSurveyTokens().filter(other)
        assert "SECRET" not in other.getMessage(), path
    assert any(isinstance(f, RedactSurveyTokens)
               for f in logging.getLogger("uvicorn.access").filters)


CUSTOM_DOC = {
    "key": "custom-1",
    "kind": "custom",
    "default_locale": "en",
    "title": {"en": "Tea survey", "ja": "お茶アンケート"},
    "questions": [
        {"id": "teas", "type": "multiple_choice", "prompt": {"en": "Which teas do you buy?"},
         "options": [{"id": "sencha", "label": {"en": "Sencha"}},
                     {"id": "matcha", "label": {"en": "Matcha"}},
                     {"id": "hojicha", "label": {"en": "Hojicha"}}]},
        {"id": "taste", "type": "rating", "scale_min": 1, "scale_max": 4,
         "prompt": {"en": "How do you like the taste?"},
         "min_label": {"en": "Bland"}, "max_label": {"en": "Superb"}},
        {"id": "nickname", "type": "free_text", "multiline": False, "required": False,
         "max_length": 40, "prompt": {"en": "What should we call you?"}},
    ],
}


def test_multiple_choice_rating_and_one_line_text(
    client: TestClient, runtime: Runtime, workspace: Workspace
) -> None:
    survey = create_survey(runtime, workspace, CUSTOM_DOC)
    page = client.get("/p/s/custom-1?lang=en")
    assert page.text.count('type="checkbox"') == 3 and "Choose all that apply." in page.text
    rating = answer(client, "custom-1", page, "teas", "sencha", "matcha")
    assert rating.status_code == 200
    assert rating.text.count('type="radio" id="q-taste-') == 4
    assert "Bland" in rating.text and "Superb" in rating.text
    text = answer(client, "custom-1", rating, "taste", "4")
    assert '<input type="text" id="q-nickname" name="answer"' in text.text
    back = answer(client, "custom-1", text, "nickname", action="back")
    assert 'value="4" checked' in back.text
    back = answer(client, "custom-1", back, "taste", action="back")
    assert back.text.count("checked") == 2  # both teas still ticked
    text = answer(client, "custom-1", back, "teas", "matcha")
    text = answer(client, "custom-1", text, "taste", "2")
    thanks = answer(client, "custom-1", text, "nickname", '"><img src=x onerror=alert(1)>')
    assert thanks.url.path.endswith("/thanks") and "<img" not in thanks.text
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in thanks.text
    [stored] = responses_of(runtime, workspace, survey)
    assert stored.complete and stored.answers["teas"] == ["matcha"]
    assert stored.answers["taste"] == 2
