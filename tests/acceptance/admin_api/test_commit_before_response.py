"""A request's transaction commits before its response starts (regression test).

FastAPI runs the exit code of a ``yield`` dependency after the response has been sent unless
it is declared with ``scope="function"``; kizuna's ``SessionDep`` must commit first, or a
client could be told "created" for a write that then failed, or read stale data right after a
redirect (the dashboard's POST → 303 → GET).
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from kizuna.http.app import create_app
from kizuna.http.deps import SessionDep
from kizuna.ingest import api as ingest
from kizuna.ingest.tables import SourceRow
from kizuna.runtime import Runtime
from kizuna.settings import Settings
from kizuna.workspaces.contracts import Workspace


def test_write_is_committed_when_the_response_starts(
    settings: Settings, runtime: Runtime, workspace: Workspace
) -> None:
    app = create_app(settings, runtime)

    def create(session: SessionDep) -> dict[str, str]:
        ingest.create_source(session, workspace_id=workspace.id, name="committed-first",
                             clock=runtime.clock)
        return {"ok": "yes"}

    app.add_api_route("/test/create-source", create, methods=["POST"])
    seen: dict[str, Any] = {}

    def visible() -> int:
        with runtime.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(SourceRow).where(
                SourceRow.name == "committed-first")) or 0)

    async def call() -> None:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "POST", "scheme": "http", "path": "/test/create-source",
                 "raw_path": b"/test/create-source", "query_string": b"", "root_path": "",
                 "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 1),
                 "server": ("testserver", 80)}
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                seen["rows_at_start"] = await asyncio.to_thread(visible)

        await app(scope, receive, send)

    asyncio.run(call())
    assert seen["status"] == 200
    assert seen["rows_at_start"] == 1
