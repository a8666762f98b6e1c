"""Dashboard pages of the idea board: viewers read, marketers act, everything escaped."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from kizuna.ideas import api as ideas
from kizuna.ideas.contracts import IdeaInput
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.ideas.conftest import XSS
from tests.acceptance.web.conftest import csrf_of, login

T0 = datetime(2026, 5, 1, tzinfo=UTC)
ESCAPED = "&lt;script&gt;alert(&#39;idea&#39;)&lt;/script&gt;"


def _seed(runtime: Runtime, workspace: Workspace) -> tuple[int, int]:
    with runtime.sessions.begin() as s:
        a, b, c = profiles.resolve_customers(
            s, workspace.id, [IdentityRef(user_id=u) for u in ("u-a", "u-b", "u-c")], T0)
        idea = ideas.submit_idea(s, workspace.id, a, IdeaInput(title=XSS, body=XSS,
                                                               category=XSS), T0)
        dup = ideas.submit_idea(s, workspace.id, b, IdeaInput(title="Dup", body=""), T0)
        ideas.vote(s, workspace.id, idea.id, b, T0)
        ideas.vote(s, workspace.id, dup.id, b, T0)
        ideas.vote(s, workspace.id, dup.id, c, T0)
        ideas.add_comment(s, workspace.id, idea.id, XSS, T0, customer_id=c)
    return idea.id, dup.id


def test_viewer_reads_escaped_pages_and_cannot_act(
    client: TestClient, runtime: Runtime, workspace: Workspace, idea_users: dict[str, str]
) -> None:
    idea_id, _ = _seed(runtime, workspace)
    assert login(client, idea_users["viewer"]).status_code == 303  # type: ignore[attr-defined]
    listing = client.get("/app/ideas?status=new&sort=new")
    assert listing.status_code == 200
    assert ESCAPED in listing.text and XSS not in listing.text
    assert 'id="count-new"' in listing.text and 'id="member-link-form"' not in listing.text
    detail = client.get(f"/app/ideas/{idea_id}")
    assert detail.status_code == 200 and XSS not in detail.text
    assert detail.text.count(ESCAPED) >= 3  # title, body, comment (and category)
    assert 'id="status-form"' not in detail.text
    denied = client.post(f"/app/ideas/{idea_id}/status",
                         data={"csrf_token": csrf_of(detail.text), "status": "planned"})
    assert denied.status_code == 403
    assert client.get("/app/ideas/999999").status_code == 404


def test_marketer_changes_status_merges_and_answers(
    client: TestClient, runtime: Runtime, workspace: Workspace, idea_users: dict[str, str]
) -> None:
    idea_id, dup_id = _seed(runtime, workspace)
    assert login(client, idea_users["marketer"]).status_code == 303  # type: ignore[attr-defined]
    page = client.get(f"/app/ideas/{idea_id}")
    token = csrf_of(page.text)
    assert 'id="status-form"' in page.text
    no_csrf = client.post(f"/app/ideas/{idea_id}/status", data={"status": "under_review"})
    assert no_csrf.status_code == 403
    moved = client.post(f"/app/ideas/{idea_id}/status", follow_redirects=False,
                        data={"csrf_token": token, "status": "under_review",
                              "note": "<b>looking</b>"})
    assert moved.status_code == 303
    wrong = client.post(f"/app/ideas/{idea_id}/status",
                        data={"csrf_token": token, "status": "shipped"})
    assert wrong.status_code == 409
    merged = client.post(f"/app/ideas/{dup_id}/merge", follow_redirects=False,
                         data={"csrf_token": token, "into": str(idea_id)})
    assert merged.status_code == 303 and merged.headers["location"].endswith(
        f"/app/ideas/{idea_id}?done=merge")
    answered = client.post(f"/app/ideas/{idea_id}/comments",
                           data={"csrf_token": token, "body": "Thanks <3"})
    assert answered.status_code == 200  # followed the redirect to the idea page
    text = answered.text
    assert 'id="done"' in text and "Thanks &lt;3" in text
    assert "&lt;b&gt;looking&lt;/b&gt;" in text  # the note, escaped, in the history
    assert '<dd id="idea-votes">2</dd>' in text  # b voted for both: counted once
    dup_page = client.get(f"/app/ideas/{dup_id}")
    assert 'id="merged-into"' in dup_page.text and 'id="merge-form"' not in dup_page.text


def test_marketer_issues_a_member_link(
    client: TestClient, runtime: Runtime, workspace: Workspace, idea_users: dict[str, str]
) -> None:
    _seed(runtime, workspace)
    with runtime.sessions.begin() as s:
        [customer] = profiles.resolve_customers(s, workspace.id, [IdentityRef(user_id="u-a")],
                                                T0)
    assert login(client, idea_users["marketer"]).status_code == 303  # type: ignore[attr-defined]
    page = client.get("/app/ideas")
    assert 'id="member-link-form"' in page.text
    issued = client.post("/app/ideas/member-link",
                         data={"csrf_token": csrf_of(page.text), "customer_id": str(customer)})
    assert issued.status_code == 200
    link = re.search(r"<code>(http://testserver/p/ideas\?m=im_[\w-]+)</code>", issued.text)
    assert link is not None
    entered = client.get(link.group(1).removeprefix("http://testserver"),
                         follow_redirects=False)
    assert entered.status_code == 303  # the link works on the public board
    missing = client.post("/app/ideas/member-link",
                          data={"csrf_token": csrf_of(page.text), "customer_id": "999999"})
    assert missing.status_code == 404
