"""The public idea board: read-only without a member link; with one, submit, vote, comment."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from kizuna.ideas import api as ideas
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.ideas.conftest import XSS
from tests.acceptance.web.conftest import csrf_of

T0 = datetime(2026, 5, 1, tzinfo=UTC)
ESCAPED = "&lt;script&gt;alert(&#39;idea&#39;)&lt;/script&gt;"


def _member_link(runtime: Runtime, workspace: Workspace) -> str:
    with runtime.sessions.begin() as s:
        [customer] = profiles.resolve_customers(s, workspace.id,
                                                [IdentityRef(user_id="u-hana")], T0)
        return ideas.issue_member_link(s, workspace.id, customer, runtime.clock.now()).token


def test_member_submits_votes_and_comments(
    client: TestClient, runtime: Runtime, workspace: Workspace
) -> None:
    anonymous = client.get("/p/ideas")
    assert anonymous.status_code == 200 and 'id="read-only"' in anonymous.text
    assert 'id="idea-form"' not in anonymous.text
    bad = client.get("/p/ideas?m=im_not-a-token")
    assert 'id="link-invalid"' in bad.text
    token = _member_link(runtime, workspace)
    entered = client.get(f"/p/ideas?m={token}", follow_redirects=False)
    assert entered.status_code == 303 and entered.headers["location"] == "/p/ideas"
    board = client.get("/p/ideas")
    assert 'id="idea-form"' in board.text and 'id="read-only"' not in board.text
    csrf = csrf_of(board.text)

    too_long = client.post("/p/ideas", data={"csrf_token": csrf, "title": "t" * 151})
    assert too_long.status_code == 400 and 'id="idea-errors"' in too_long.text
    forged = client.post("/p/ideas", data={"title": "no token"})
    assert forged.status_code == 403
    bot = client.post("/p/ideas", follow_redirects=False,
                      data={"csrf_token": csrf, "title": "spam", "website": "http://x"})
    assert bot.status_code == 303

    made = client.post("/p/ideas", follow_redirects=False,
                       data={"csrf_token": csrf, "title": XSS, "body": f"line 1\n{XSS}"})
    assert made.status_code == 303
    url = made.headers["location"]
    page = client.get(url)
    assert ESCAPED in page.text and XSS not in page.text
    idea_id = int(re.search(r"/p/ideas/(\d+)", url).group(1))  # type: ignore[union-attr]

    for _ in range(2):  # voting twice counts once
        client.post(f"{url}/vote", data={"csrf_token": csrf, "action": "vote"})
    commented = client.post(f"{url}/comments", data={"csrf_token": csrf, "body": XSS})
    assert commented.status_code == 200 and commented.text.count(ESCAPED) >= 3
    assert 'value="unvote"' in commented.text
    empty = client.post(f"{url}/comments", data={"csrf_token": csrf, "body": " "})
    assert empty.status_code == 400 and 'id="comment-error"' in empty.text
    with runtime.sessions.begin() as s:
        idea = ideas.get_idea(s, workspace.id, idea_id)
        listed = ideas.list_ideas(s, workspace.id)
    assert idea.vote_count == 1 and idea.comment_count == 1
    assert listed.total == 1  # the bot's idea was dropped
    client.post(f"{url}/vote", data={"csrf_token": csrf, "action": "unvote"})
    with runtime.sessions.begin() as s:
        assert ideas.get_idea(s, workspace.id, idea_id).vote_count == 0
    top = client.get("/p/ideas?sort=new&status=new")
    assert ESCAPED in top.text and XSS not in top.text
    assert client.get("/p/ideas/999999").status_code == 404
