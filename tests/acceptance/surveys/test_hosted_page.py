"""The hosted survey page /p/s/<key> through the real app: answer, validate, branch, go back,
resume, personal links, anonymous surveys, CSRF, honeypot, rate limit, escaping."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kizuna.ingest import api as ingest
from kizuna.runtime import Runtime
from kizuna.surveys.contracts import Survey
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.surveys.conftest import (
    NPS_DOC,
    answer,
    create_customer,
    invite,
    responses_of,
)

KEY = NPS_DOC["key"]


def test_answer_branch_back_resume_and_thanks_in_english(
    client: TestClient, runtime: Runtime, workspace: Workspace, nps: Survey
) -> None:
    # Hidden fields and ?lang= are taken from the link, then the URL is cleaned.
    page = client.get(f"/p/s/{KEY}?lang=en&order_id=A-1001&category=tea&utm=x")
    assert page.status_code == 200 and page.url.path == f"/p/s/{KEY}" and not page.url.query
    html = page.text
    assert '<html lang="en">' in html and "How likely are you to recommend us" in html
    assert "It takes one minute." in html and "1 / 3" in html
    assert html.count('type="radio" id="q-score-') == 11  # 0..10, each with a label
    assert '<label for="q-score-0">' in html and "Not at all likely" in html
    assert "<fieldset" in html and "<legend>" in html and "<script" not in html
    assert responses_of(runtime, workspace, nps) == []  # nothing stored by looking

    # Out of scale → the form again with an error summary linked to the question.
    bad = answer(client, KEY, page, "score", "11")
    assert bad.status_code == 400
    assert 'id="error-summary"' in bad.text and 'href="#q-score-0"' in bad.text
    assert 'aria-describedby="hint-score error-score"' in bad.text
    assert 'aria-invalid="true"' in bad.text
    empty = answer(client, KEY, bad, "score")
    assert empty.status_code == 400 and 'id="error-score"' in empty.text

    # A detractor gets the "reason" question (2 / 3); Back shows the score kept.
    reason = answer(client, KEY, empty, "score", "6")
    assert reason.status_code == 200 and "What is the main reason?" in reason.text
    assert "2 / 3" in reason.text and 'value="price"' in reason.text
    back = answer(client, KEY, reason, "reason", action="back")
    assert back.url.query == b"step=score"
    assert 'value="6" checked' in back.text

    # Reload: the page resumes at the first unanswered question.
    resumed = client.get(f"/p/s/{KEY}")
    assert "What is the main reason?" in resumed.text

    comment = answer(client, KEY, resumed, "reason", "price")
    assert "Tell us more." in comment.text and "3 / 3" in comment.text
    assert ">Send<" in comment.text
    thanks = answer(client, KEY, comment, "comment", "<script>alert('x')</script> 最高!")
    assert thanks.url.path == f"/p/s/{KEY}/thanks"
    assert "Thank you for your time!" in thanks.text
    # What the respondent typed is shown back, escaped.
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; 最高!" in thanks.text
    assert "<script>alert" not in thanks.text
    assert "Price" in thanks.text

    [stored] = responses_of(runtime, workspace, nps)
    assert stored.complete and stored.score == 6 and stored.channel.value == "link"
    assert stored.answers["comment"] == "<script>alert('x')</script> 最高!"  # stored as typed
    assert dict(stored.hidden) == {"order_id": "A-1001", "category": "tea"}
    assert stored.locale == "en" and stored.customer_id is None

    # A new visit of the public link starts a new response.
    again = client.get(f"/p/s/{KEY}")
    assert "1 / 3" in again.text


def test_promoter_skips_the_reason_and_japanese_is_the_default(
    client: TestClient, runtime: Runtime, workspace: Workspace, nps: Survey
) -> None:
    page = client.get(f"/p/s/{KEY}", headers={"accept-language": "ja-JP,ja;q=0.9"})
    assert '<html lang="ja">' in page.text and "当店を友人や同僚に勧める" in page.text
    assert ">次へ<" in page.text and "まったくそう思わない" in page.text
    comment = answer(client, KEY, page, "score", "10")
    assert "ご意見をお聞かせください。" in comment.text and "一番の理由" not in comment.text
    thanks = answer(client, KEY, comment, "comment", "")
    assert "ご協力ありがとうございました!" in thanks.text
    [stored] = responses_of(runtime, workspace, nps)
    assert stored.complete and stored.score == 10 and "reason" not in stored.answers
    assert stored.locale == "ja"


def test_personal_link_once_then_already_answered(
    client: TestClient, runtime: Runtime, workspace: Workspace, nps: Survey
) -> None:
    customer = create_customer(runtime, workspace)
    token = invite(runtime, workspace, nps, customer)
    page = client.get(f"/p/s/{KEY}?t={token}&lang=en")
    assert page.status_code == 200 and token not in page.text and token not in str(page.url)
    comment = answer(client, KEY, page, "score", "9")
    thanks = answer(client, KEY, comment, "comment", "Fast delivery")
    assert thanks.url.path.endswith("/thanks")
    [stored] = responses_of(runtime, workspace, nps)
    assert stored.customer_id == customer and stored.channel.value == "personal"
    with runtime.sessions() as s, s.begin():  # the answer is on the customer's timeline
        entries = ingest.list_timeline(s, workspace.id, customer, cursor=None, limit=50).entries
    [event] = [e for e in entries if e.event == "Survey Responded"]
    assert event.properties and event.properties["score"] == 9
    assert event.properties["survey_type"] == "nps"

    with TestClient(client.app) as other:  # the same link again, on another device
        replay = other.get(f"/p/s/{KEY}?t={token}&lang=en")
    assert replay.status_code == 409
    assert "already been used to answer" in replay.text
    assert len(responses_of(runtime, workspace, nps)) == 1


def test_anonymous_personal_link_keeps_no_identity(
    client: TestClient, runtime: Runtime, workspace: Workspace, enps: Survey
) -> None:
    customer = create_customer(runtime, workspace)
    token = invite(runtime, workspace, enps, customer)
    page = client.get(f"/p/s/enps-q1?t={token}&department=sales&lang=en")
    assert "anonymous" in page.text
    comment = answer(client, "enps-q1", page, "enps", "4")
    thanks = answer(client, "enps-q1", comment, "comment", "<b>too much overtime</b>")
    assert thanks.url.path.endswith("/thanks") and "Your answers" not in thanks.text
    assert "overtime" not in thanks.text  # not shown back: the session forgot the response
    [stored] = responses_of(runtime, workspace, enps)
    assert stored.complete and stored.customer_id is None and stored.completed_at is None
    assert stored.score == 4 and dict(stored.hidden) == {"department": "sales"}
    with TestClient(client.app) as other:
        assert other.get(f"/p/s/enps-q1?t={token}").status_code == 409
