"""The public member page /p/loyalty: link required, ja/en, redeem flow, escaping."""

from __future__ import annotations

import logging
import re

from fastapi.testclient import TestClient

from kizuna.loyalty import api as loyalty
from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from kizuna.web.public_views.surveys import RedactSurveyTokens
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.loyalty.conftest import ESCAPED, XSS
from tests.acceptance.web.conftest import csrf_of


def _link(runtime: Runtime, workspace: Workspace, member: CustomerId) -> str:
    with runtime.sessions.begin() as s:
        return loyalty.issue_member_page_link(s, workspace.id, member, now=runtime.clock.now())


def test_the_page_needs_a_valid_personal_link(
    client: TestClient, runtime: Runtime, workspace: Workspace, member: CustomerId
) -> None:
    assert client.get("/p/loyalty").status_code == 403
    assert client.get("/p/loyalty?m=lm_not-a-token&lang=ja").status_code == 403
    assert "個人用リンク" in client.get("/p/loyalty?lang=ja").text
    token = _link(runtime, workspace, member)
    entered = client.get(f"/p/loyalty?m={token}", follow_redirects=False)
    assert entered.status_code == 303 and entered.headers["location"] == "/p/loyalty"
    assert client.get("/p/loyalty").status_code == 200
    newer = _link(runtime, workspace, member)  # a new link replaces the old one
    fresh = TestClient(client.app)
    assert fresh.get(f"/p/loyalty?m={token}").status_code == 403
    assert fresh.get(f"/p/loyalty?m={newer}").status_code == 200


def test_member_sees_balance_in_japanese_and_redeems_once_per_form(
    client: TestClient, runtime: Runtime, workspace: Workspace, member: CustomerId
) -> None:
    client.get(f"/p/loyalty?m={_link(runtime, workspace, member)}&lang=ja")
    page = client.get("/p/loyalty?lang=ja")
    assert page.status_code == 200 and '<html lang="ja">' in page.text
    assert 'id="balance">500 ' in page.text and "コーヒー1杯" in page.text
    assert XSS not in page.text and ESCAPED not in page.text  # descriptions: en only here
    english = client.get("/p/loyalty?lang=en")
    assert "A coffee" in english.text and ESCAPED in english.text and XSS not in english.text

    csrf = csrf_of(english.text)
    key = re.search(r'name="key" value="([^"]+-coffee)"', english.text).group(1)  # type: ignore[union-attr]
    form = {"csrf_token": csrf, "reward": "coffee", "key": key}
    first = client.post("/p/loyalty/redeem", data=form)
    assert first.status_code == 200
    code = re.search(r'id="coupon-code">([A-Z0-9-]+)<', first.text).group(1)  # type: ignore[union-attr]
    assert code.startswith("CAFE-") and 'id="balance">300 ' in first.text
    again = client.post("/p/loyalty/redeem", data=form)  # the same form sent twice
    assert f'id="coupon-code">{code}<' in again.text and 'id="balance">300 ' in again.text

    too_dear = client.post("/p/loyalty/redeem",
                           data={"csrf_token": csrf, "reward": "bag", "key": "k-bag"})
    assert too_dear.status_code == 409 and 'id="redeem-error"' in too_dear.text
    forged = client.post("/p/loyalty/redeem", data={"reward": "coffee", "key": "k-x"})
    assert forged.status_code == 403
    bot = client.post("/p/loyalty/redeem", follow_redirects=False,
                      data={**form, "key": "k-bot", "website": "http://spam"})
    assert bot.status_code == 303
    assert 'id="balance">300 ' in client.get("/p/loyalty").text


def test_member_page_tokens_are_masked_in_the_access_log() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/p/loyalty?m=lm_SECRET&lang=ja",
                                "1.1", 303), None)
    assert RedactSurveyTokens().filter(record)
    assert "SECRET" not in record.getMessage() and "m=…&lang=ja" in record.getMessage()
