"""The dispatcher runs inside the served app (``kizuna serve``'s lifespan): an identify sent
over HTTP puts the customer into a segment within a second or two, with no recompute."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kizuna.auth.contracts import Role
from kizuna.db.metadata import import_all_tables
from kizuna.dispatch import Consumer, Dispatcher
from kizuna.http.app import create_app
from kizuna.ingest import api as ingest
from kizuna.ingest.feed_tables import EventFeedCursorRow
from kizuna.runtime import Runtime
from kizuna.segments import api as segments
from kizuna.settings import Settings
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.conftest import login
from tests.acceptance.web.data import create_user


def test_served_app_keeps_segments_up_to_date(settings: Settings, runtime: Runtime,
                                              workspace: Workspace, write_key: str) -> None:
    now = runtime.clock.now()
    with runtime.sessions.begin() as s:
        segments.create_segment(s, workspace.id, key="pro", name="Pro",
                                condition={"trait": "plan", "op": "eq", "value": "pro"},
                                now=now)
        segments.recompute_all(s, workspace.id, now)
    served = settings.model_copy(update={"housekeeping": False, "worker_in_server": False})
    events = import_all_tables().tables["events"]
    with TestClient(create_app(served, runtime, background=True)) as client:
        # a new consumer starts at the end of the feed: wait until it has its position
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with runtime.sessions() as s:
                if s.get(EventFeedCursorRow, "segments") is not None:
                    break
            time.sleep(0.02)
        sent = time.monotonic()
        r = client.post("/v1/identify", auth=(write_key, ""),
                        json={"userId": "u1", "traits": {"plan": "pro"}})
        assert r.status_code == 200, r.text
        found = None
        while found is None and time.monotonic() - sent < 10:
            with runtime.sessions() as s:
                found = s.scalar(select(events.c.customer_id).where(
                    events.c.event == segments.ENTERED))
            time.sleep(0.02)
        elapsed = time.monotonic() - sent
    assert found is not None
    assert elapsed < 5.0  # typically well under a second; generous for a loaded CI machine
    with runtime.sessions() as s:
        assert segments.list_members(s, workspace.id, "pro") == [found]


@pytest.mark.parametrize(("lang", "heading"), [("en", "Event feed consumers"),
                                               ("ja", "イベントフィードの処理")])
def test_jobs_page_shows_the_feed_consumers(client: TestClient, runtime: Runtime,
                                            workspace: Workspace, write_key: str,
                                            lang: str, heading: str) -> None:
    Dispatcher(runtime, [Consumer("segments", segments.apply_events)]).run_once()
    with runtime.sessions.begin() as s:
        source = ingest.find_source_by_write_key(s, write_key)
        assert source is not None
        ingest.ingest_messages(s, source=source, received_at=runtime.clock.now(),
                               messages=[{"type": "track", "userId": "u", "event": "X"}])
    create_user(runtime, workspace, "admin@example.com", Role.ADMIN)
    client.headers["Accept-Language"] = lang
    assert login(client, "admin@example.com").status_code == 303  # type: ignore[attr-defined]
    page = client.get("/app/jobs")
    assert page.status_code == 200 and heading in page.text
    row = page.text.split('id="feed-segments"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">1</td>' in row  # one event behind
