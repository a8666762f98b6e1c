"""The dashboard's survey pages (/app/surveys…): list, new, editor, launch / close, preview,
results, responses, CSV export and personal links — on real SQLite and PostgreSQL."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kizuna.auth.contracts import Role
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.surveys import api as surveys
from kizuna.surveys.contracts import Channel, ResponseStart, SurveyStatus
from kizuna.types import CustomerId
from kizuna.web.survey_starters import STARTERS, starter_document
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.conftest import csrf_of, login
from tests.acceptance.web.data import create_user

MARKETER = "marketer@example.com"
VIEWER = "viewer@example.com"
XSS = "<script>alert('x')</script>"


@pytest.fixture
def people(runtime: Runtime, workspace: Workspace) -> dict[str, str]:
    create_user(runtime, workspace, MARKETER, Role.MARKETER)
    create_user(runtime, workspace, VIEWER, Role.VIEWER)
    return {"marketer": MARKETER, "viewer": VIEWER}


@pytest.fixture
def marketer(client: TestClient, people: dict[str, str]) -> TestClient:
    assert login(client, people["marketer"]).status_code == 303  # type: ignore[attr-defined]
    return client


def _csrf(client: TestClient, path: str = "/app/surveys/new") -> str:
    return csrf_of(client.get(path).text)


def _create(client: TestClient, key: str, starter: str = "nps_post_purchase") -> int:
    response = client.post("/app/surveys/new", data={
        "starter": starter, "key": key, "csrf_token": _csrf(client)}, follow_redirects=False)
    assert response.status_code == 303, response.text
    match = re.search(r"/app/surveys/(\d+)/edit\?created=1$", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def _seed_survey(runtime: Runtime, workspace: Workspace, starter: str, key: str) -> int:
    with runtime.sessions() as s, s.begin():
        d = surveys.parse_definition(starter_document(starter, key))
        survey = surveys.create_survey(s, workspace.id, d, at=runtime.clock.now(),
                                       status=SurveyStatus.ACTIVE)
        return int(survey.id)


def _customers(runtime: Runtime, workspace: Workspace, n: int) -> list[CustomerId]:
    with runtime.sessions() as s, s.begin():
        rows = profiles.upsert_customers(s, workspace.id, [
            CustomerUpsert(external_id=f"sv-{i:03d}", email=f"sv{i:03d}@example.org",
                           name=f"Respondent {i:03d}") for i in range(n)],
            runtime.clock.now() - timedelta(days=200))
        return [CustomerId(int(c)) for c in rows]


def _answer(runtime: Runtime, workspace: Workspace, key: str, answers: dict[str, Any], *,
            customer: CustomerId | None = None, hidden: dict[str, str] | None = None,
            days_ago: int = 1, locale: str = "ja") -> None:
    with runtime.sessions() as s, s.begin():
        surveys.answer_survey(s, workspace.id, key, answers, ResponseStart(
            channel=Channel.LINK, locale=locale, hidden=hidden or {}, customer_id=customer),
            at=runtime.clock.now() - timedelta(days=days_ago))


def _svg_ok(html: str) -> int:
    """Every inline <svg> is well-formed XML; returns how many there are."""
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    for markup in svgs:
        ET.fromstring(markup)
    return len(svgs)


# --- list, new, editor, launch ---------------------------------------------------------------


def test_marketer_creates_edits_launches_and_closes_a_survey(marketer: TestClient) -> None:
    c = marketer
    page = c.get("/app/surveys")
    assert page.status_code == 200
    assert "No surveys yet" in page.text and 'id="new-survey"' in page.text
    new = c.get("/app/surveys/new")
    for name in STARTERS:
        assert f'value="{name}"' in new.text
    sid = _create(c, "post-purchase")

    edit = c.get(f"/app/surveys/{sid}/edit?created=1")
    assert edit.status_code == 200
    assert "Draft created" in edit.text
    assert '<textarea id="definition" name="definition"' in edit.text
    assert "&#34;key&#34;: &#34;post-purchase&#34;" in edit.text  # the JSON, escaped
    assert "<code>order_id</code>" in edit.text and "90 days" in edit.text
    assert f'href="/app/surveys/{sid}/preview"' in edit.text
    assert 'id="launch"' in edit.text
    token = csrf_of(edit.text)

    # Not JSON: the parser's message with line and column; nothing saved.
    bad = c.post(f"/app/surveys/{sid}/edit", data={"definition": '{"key": ', "csrf_token": token})
    assert bad.status_code == 400
    assert "Not valid JSON" in bad.text and "line 1" in bad.text
    assert '{&#34;key&#34;: </textarea>' in bad.text  # what was typed is kept
    # Valid JSON, invalid definition: every problem with its path.
    doc = starter_document("nps_post_purchase", "post-purchase")
    doc["questions"][0]["type"] = "stars"
    doc["questions"][1]["prompt"] = {}
    doc["rules"] = [{"after": "comment", "goto": "nps"}]
    import json

    invalid = c.post(f"/app/surveys/{sid}/edit", data={
        "definition": json.dumps(doc), "csrf_token": token})
    assert invalid.status_code == 400
    paths = re.findall(r'<code class="error-path">([^<]+)</code>', invalid.text)
    assert "questions[0].type" in paths
    assert any(p.startswith("questions[1].prompt") for p in paths)
    assert any(p.startswith("rules[0]") for p in paths)
    assert 'aria-invalid="true"' in invalid.text
    # A not-an-object document.
    assert c.post(f"/app/surveys/{sid}/edit", data={
        "definition": "[1, 2]", "csrf_token": token}).status_code == 400

    # A valid change: a new version.
    doc = starter_document("nps_post_purchase", "post-purchase")
    doc["title"]["en"] = "After your order " + XSS
    doc["recontact_days"] = 45
    doc["allowed_embed_origins"] = ["https://shop.example"]
    saved = c.post(f"/app/surveys/{sid}/edit", data={
        "definition": json.dumps(doc, ensure_ascii=False), "csrf_token": token},
        follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].endswith("?saved=2")
    edit = c.get(saved.headers["location"])
    assert "version 2" in edit.text and "45 days" in edit.text
    assert "https://shop.example" in edit.text
    assert XSS not in edit.text and "&lt;script&gt;" in edit.text

    preview = c.get(f"/app/surveys/{sid}/preview?lang=en")
    assert preview.status_code == 200
    assert "How likely are you to recommend us" in preview.text
    assert 'id="pq-nps"' in preview.text and 'id="pq-comment"' in preview.text
    ja = c.get(f"/app/surveys/{sid}/preview?lang=ja")
    assert "友人や同僚にすすめる" in ja.text

    launched = c.post(f"/app/surveys/{sid}/status", data={
        "status": "active", "csrf_token": token}, follow_redirects=False)
    assert launched.status_code == 303
    edit = c.get(launched.headers["location"])
    assert "The survey is live" in edit.text and 'id="close"' in edit.text
    assert 'value="http://testserver/p/s/post-purchase"' in edit.text
    listing = c.get("/app/surveys")
    assert "Active" in listing.text and "post-purchase" in listing.text
    assert 'data-copy="link-' in listing.text
    assert c.post(f"/app/surveys/{sid}/status", data={
        "status": "closed", "csrf_token": token}).status_code == 200
    assert "status-closed" in c.get("/app/surveys").text
    assert c.post(f"/app/surveys/{sid}/status", data={
        "status": "paused", "csrf_token": token}).status_code == 400

    # The key is unique in the workspace.
    taken = c.post("/app/surveys/new", data={
        "starter": "csat", "key": "post-purchase", "csrf_token": token})
    assert taken.status_code == 400 and "key" in taken.text
    bad_key = c.post("/app/surveys/new", data={
        "starter": "csat", "key": "Not A Slug", "csrf_token": token})
    assert bad_key.status_code == 400 and "<code>key</code>" in bad_key.text


def test_viewers_read_but_cannot_change_and_forms_need_csrf(
    client: TestClient, runtime: Runtime, workspace: Workspace, people: dict[str, str]
) -> None:
    sid = _seed_survey(runtime, workspace, "csat", "csat-1")
    assert login(client, people["viewer"]).status_code == 303  # type: ignore[attr-defined]
    listing = client.get("/app/surveys")
    assert listing.status_code == 200 and "csat-1" in listing.text
    assert 'id="new-survey"' not in listing.text
    edit = client.get(f"/app/surveys/{sid}/edit")
    assert edit.status_code == 200
    assert "<textarea" not in edit.text and '<pre class="code" id="definition">' in edit.text
    assert 'id="close"' not in edit.text and "Personal link" not in edit.text
    token = csrf_of(edit.text)
    assert client.get("/app/surveys/new").status_code == 403
    assert client.post(f"/app/surveys/{sid}/status", data={
        "status": "closed", "csrf_token": token}).status_code == 403
    assert client.get(f"/app/surveys/{sid}/invite").status_code == 403
    for path in (f"/app/surveys/{sid}", f"/app/surveys/{sid}/responses",
                 f"/app/surveys/{sid}/preview", f"/app/surveys/{sid}/export.csv"):
        assert client.get(path).status_code == 200, path
    assert client.get("/app/surveys/999999").status_code == 404
    client.post("/app/logout", data={"csrf_token": token})
    assert client.get("/app/surveys", follow_redirects=False).status_code in (303, 401)


def test_forms_without_csrf_are_refused(marketer: TestClient, runtime: Runtime,
                                        workspace: Workspace) -> None:
    sid = _seed_survey(runtime, workspace, "ces", "ces-1")
    for path, data in ((f"/app/surveys/{sid}/status", {"status": "closed"}),
                       ("/app/surveys/new", {"starter": "csat", "key": "x"}),
                       (f"/app/surveys/{sid}/edit", {"definition": "{}"}),
                       (f"/app/surveys/{sid}/invite", {"customer": "1", "days": "3"}),
                       (f"/app/surveys/{sid}/status", {"status": "closed", "csrf_token": "x"})):
        assert marketer.post(path, data=data).status_code == 403, path
    with runtime.sessions() as s:
        assert surveys.get_survey(s, workspace.id, sid).status is SurveyStatus.ACTIVE




# --- results -------------------------------------------------------------------------------


def test_results_page_score_charts_breakdown_comments_and_export(
    marketer: TestClient, runtime: Runtime, workspace: Workspace
) -> None:
    sid = _seed_survey(runtime, workspace, "nps_post_purchase", "after-order")
    people = _customers(runtime, workspace, 14)
    scores = [10, 9, 9, 8, 7, 10, 3, 9, 10, 6, 9, 10, 2, 8]
    for i, (who, score) in enumerate(zip(people, scores, strict=True)):
        category = "Jazz" if i < 10 else "Rock"  # Rock: 4 responses → hidden
        comment = XSS if i == 0 else ("遅い配送" if i == 6 else None)
        _answer(runtime, workspace, "after-order", {"nps": score, "comment": comment},
                customer=who, hidden={"category": category, "order_id": f"o-{i}"},
                days_ago=1 + i)
    for i, score in enumerate([6, 7, 9, 4, 10, 5]):  # the previous 90 days
        _answer(runtime, workspace, "after-order", {"nps": score}, days_ago=100 + i)
    page = marketer.get(f"/app/surveys/{sid}?by=category")
    assert page.status_code == 200, page.text
    html = page.text
    assert "n = 14" in html
    change = html.split('id="tile-change"')[1].split("</li>")[0]
    assert "(n = 6)" in change and "p = 0." in change and "significant" in change
    assert "95 % interval" in html
    assert _svg_ok(html) >= 3  # trend, distribution, per question, breakdown
    assert 'id="trend"' in html and 'id="distribution"' in html
    assert "<th scope=\"row\">Jazz</th>" in html
    assert "Rock" not in html.split('id="breakdown"')[1].split("</section>")[0]
    assert 'id="hidden-groups"' in html and "fewer than 5" in html
    comments = html.split('id="comments"')[1]
    assert XSS not in html and "&lt;script&gt;alert(" in comments
    assert "遅い配送" in comments
    assert f'href="/app/customers/{people[0]}">Respondent 000</a>' in comments
    assert 'id="export-csv"' in html

    ja = marketer.get(f"/app/surveys/{sid}", headers={"accept-language": "ja"})
    assert ja.status_code == 200

    # The period filter: a month with no answers, and a bad period.
    empty = marketer.get(f"/app/surveys/{sid}?period=2020-01")
    assert empty.status_code == 200 and "No scored answers in this period" in empty.text
    assert marketer.get(f"/app/surveys/{sid}?period=yesterday-ish").status_code == 400
    assert marketer.get(f"/app/surveys/{sid}?by=email").status_code == 400

    export = marketer.get(f"/app/surveys/{sid}/export.csv?period=last-90d")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    text = export.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert len(lines) == 1 + 14
    assert "nps" in lines[0]
    assert XSS in text  # stored as typed; the CSV is data, not HTML

    # Breakdowns by customer: journey stage and RFM segment come from the metrics domain.
    stage = marketer.get(f"/app/surveys/{sid}?by=stage")
    assert stage.status_code == 200, stage.text
    assert 'id="breakdown"' in stage.text and "By journey stage" in stage.text
    segment = marketer.get(f"/app/surveys/{sid}?by=segment")
    assert segment.status_code == 200 and "By RFM segment" in segment.text

    listing = marketer.get("/app/surveys")
    assert re.search(r"\(n = 14\)", listing.text)


def test_responses_page_pages_and_shows_answers_escaped(
    marketer: TestClient, runtime: Runtime, workspace: Workspace
) -> None:
    sid = _seed_survey(runtime, workspace, "custom", "how-heard")
    for i in range(52):
        answers: dict[str, Any] = {"channel": "other" if i == 0 else "search"}
        if i == 0:
            answers["other_detail"] = XSS
        _answer(runtime, workspace, "how-heard", answers, days_ago=1, locale="en")
    first = marketer.get(f"/app/surveys/{sid}/responses")
    assert first.status_code == 200
    assert first.text.count('<span class="badge status-completed">') == 50
    assert 'rel="next"' in first.text and "Search" in first.text
    second = marketer.get(f"/app/surveys/{sid}/responses?page=2")
    assert second.text.count('<span class="badge status-completed">') == 2
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text
    both = first.text + second.text
    assert XSS not in both and "&lt;script&gt;" in both
    assert "Not identified" in both

    results = marketer.get(f"/app/surveys/{sid}")
    assert results.status_code == 200
    assert 'id="qr-channel"' in results.text and _svg_ok(results.text) >= 1


# --- anonymous surveys ---------------------------------------------------------------------


def test_anonymous_survey_pages_show_nothing_that_identifies_a_respondent(
    marketer: TestClient, runtime: Runtime, workspace: Workspace
) -> None:
    sid = _seed_survey(runtime, workspace, "enps", "team-pulse")
    staff = _customers(runtime, workspace, 6)
    for i, who in enumerate(staff):
        _answer(runtime, workspace, "team-pulse", {"enps": 9 - i, "comment": f"note {i}"},
                customer=who, days_ago=2)
    with runtime.sessions() as s, s.begin():
        issued = surveys.issue_invitation(s, workspace.id, sid, staff[0],
                                          at=runtime.clock.now())
    pages = [marketer.get(p) for p in (
        f"/app/surveys/{sid}", f"/app/surveys/{sid}/responses", "/app/surveys",
        f"/app/surveys/{sid}/edit")]
    for page in pages:
        assert page.status_code == 200
        html = page.text
        for i, who in enumerate(staff):
            assert f"/app/customers/{who}\"" not in html
            assert f"sv{i:03d}@example.org" not in html and f"Respondent {i:03d}" not in html
        assert issued.token not in html
    responses = pages[1].text
    assert 'id="anonymous-note"' in responses
    table = responses.split('id="responses"')[1].split("</table>")[0]
    assert "Channel" not in table and "Language" not in table and "Customer" not in table
    assert table.count("<tr>") == 1 + 6
    assert not re.search(r"\d{2}:\d{2}", table)  # only dates, never a time of day
    assert 'id="anonymous-note"' in pages[0].text
    assert marketer.get(f"/app/surveys/{sid}?by=segment").status_code == 400
    export = marketer.get(f"/app/surveys/{sid}/export.csv").content.decode("utf-8-sig")
    assert "sv000@example.org" not in export and "customer" not in export.lower()


# --- personal links ------------------------------------------------------------------------


def test_personal_link_form_shows_the_link_once(
    marketer: TestClient, runtime: Runtime, workspace: Workspace
) -> None:
    sid = _seed_survey(runtime, workspace, "csat", "support-csat")
    [who] = _customers(runtime, workspace, 1)
    page = marketer.get(f"/app/surveys/{sid}/invite")
    assert page.status_code == 200 and 'name="customer"' in page.text
    token = csrf_of(page.text)
    by_email = marketer.post(f"/app/surveys/{sid}/invite", data={
        "customer": "SV000@example.org", "days": "7", "csrf_token": token})
    assert by_email.status_code == 200, by_email.text
    match = re.search(r'value="(http://testserver/p/s/support-csat\?t=[^"]+)"', by_email.text)
    assert match, by_email.text
    assert "Respondent 000" in by_email.text and "shown only once" in by_email.text
    assert by_email.headers["cache-control"] == "no-store"
    link = match.group(1).replace("&amp;", "&")
    with runtime.sessions() as s:
        invitation = surveys.check_invitation(s, workspace.id, "support-csat",
                                              link.split("t=", 1)[1], at=runtime.clock.now())
    assert invitation.customer_id == who
    assert invitation.expires_at - runtime.clock.now() <= timedelta(days=7)
    again = marketer.get(f"/app/surveys/{sid}/invite")
    assert link.split("t=", 1)[1] not in again.text

    by_id = marketer.post(f"/app/surveys/{sid}/invite", data={
        "customer": str(who), "days": "30", "csrf_token": token})
    assert by_id.status_code == 200 and 'id="issued"' in by_id.text
    unknown = marketer.post(f"/app/surveys/{sid}/invite", data={
        "customer": "nobody@example.org", "days": "7", "csrf_token": token})
    assert unknown.status_code == 400 and "No customer has the id or email" in unknown.text
    for days in ("0", "400", "soon"):
        bad = marketer.post(f"/app/surveys/{sid}/invite", data={
            "customer": str(who), "days": days, "csrf_token": token})
        assert bad.status_code == 400 and "between 1 and 365" in bad.text
