"""Dashboard pages: inbox with filters, escaped comments, bulk tags, tasks, drivers."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.acceptance.feedback.conftest import MARKETER, VIEWER, Inbox
from tests.acceptance.web.conftest import csrf_of, login


def test_inbox_tasks_and_task_page(client: TestClient, inbox: Inbox) -> None:
    assert login(client, MARKETER).status_code == 303  # type: ignore[attr-defined]
    page = client.get("/app/feedback")
    assert page.status_code == 200
    html = page.text
    assert "<script>alert" not in html and "&lt;script&gt;alert(" in html
    assert "&lt;b&gt;staff&lt;/b&gt;" in html
    # the known customer is linked (twice: two items); the anonymous item never is
    assert html.count(f'/app/customers/{inbox.customer}"') == 2
    assert "Customer 0</a>" in html  # shown by name
    row = re.search(rf'<tr id="item-{inbox.anonymous}">(.*?)</tr>', html, re.S)
    assert row and "/app/customers/" not in row.group(1)

    filtered = client.get("/app/feedback", params={"score_group": "promoter"}).text
    assert f'id="item-{inbox.promoter}"' in filtered
    assert f'id="item-{inbox.detractor}"' not in filtered
    bad = client.get("/app/feedback", params={"date_from": "yesterday"})
    assert bad.status_code == 400

    form = {"csrf_token": csrf_of(html), "item": [str(inbox.detractor)], "add": "vip, 配送",
            "back": "score_group=detractor"}
    tagged = client.post("/app/feedback/tags", data=form, follow_redirects=False)
    assert tagged.status_code == 303
    assert tagged.headers["location"].endswith("/app/feedback?score_group=detractor")
    assert "#配送" in client.get("/app/feedback", params={"tag": "vip"}).text
    no_csrf = client.post("/app/feedback/tags", data={**form, "csrf_token": "x"},
                          follow_redirects=False)
    assert no_csrf.status_code in (400, 403)

    tasks = client.get("/app/feedback/tasks").text
    match = re.search(r'<tr id="task-(\d+)"', tasks)
    assert match, tasks
    task_id = match.group(1)
    detail = client.get(f"/app/feedback/tasks/{task_id}").text
    assert "&lt;script&gt;" in detail and "<script>alert" not in detail
    assert "Customer 0" in detail
    update = {"csrf_token": csrf_of(detail), "note": "<i>called</i>"}
    done = client.post(f"/app/feedback/tasks/{task_id}", data=update, follow_redirects=False)
    assert done.status_code == 303
    done = client.post(f"/app/feedback/tasks/{task_id}",
                       data={"csrf_token": csrf_of(detail), "status": "contacted"})
    assert done.status_code == 200
    assert "&lt;i&gt;called&lt;/i&gt;" in done.text and "cx@example.com" in done.text
    assert 'id="task-status">Contacted' in done.text
    inbox_page = client.get("/app/feedback", params={"date_from": "2026-04-01"}).text
    assert 'id="loop-detractors">100% of 1' in inbox_page
    mine = client.get("/app/feedback/tasks", params={"scope": "mine", "status": "contacted"})
    assert f'id="task-{task_id}"' not in mine.text  # unassigned: not mine
    drivers = client.get("/app/feedback/drivers")
    assert drivers.status_code == 200 and "Key drivers" in drivers.text


def test_viewers_read_but_cannot_change(client: TestClient, inbox: Inbox) -> None:
    assert login(client, VIEWER).status_code == 303  # type: ignore[attr-defined]
    html = client.get("/app/feedback").text
    assert 'name="item"' not in html  # no bulk tagging for viewers
    forbidden = client.post("/app/feedback/tags", data={"csrf_token": csrf_of(html),
                                                        "item": [str(inbox.promoter)],
                                                        "add": "x"})
    assert forbidden.status_code == 403
    client.post("/app/locale", data={"csrf_token": csrf_of(html), "locale": "ja", "next": "/"})
    for path in ["/app/feedback", "/app/feedback/tasks", "/app/feedback/drivers"]:
        page = client.get(path)
        assert page.status_code == 200 and '<html lang="ja">' in page.text
        assert "feedback." not in page.text, path  # every message key was translated
    task = re.search(r'href="(/app/feedback/tasks/\d+)"', client.get("/app/feedback/tasks").text)
    assert task
    detail = client.get(task.group(1)).text
    assert "フォローアップタスク" in detail and "feedback." not in detail
    assert 'name="note"' not in detail  # viewers cannot change a task
