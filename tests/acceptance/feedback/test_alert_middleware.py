"""Alerts leave after the request that opened a task has committed (middleware wiring)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from pydantic import SecretStr

from kizuna.feedback import api as feedback
from kizuna.feedback.contracts import FeedbackInput
from kizuna.http.deps import SessionDep
from kizuna.runtime import build_runtime
from kizuna.settings import Settings
from kizuna.workspaces import api as workspaces
from tests.integration.feedback.data import customers
from tests.unit.feedback.servers import smtp_server


def test_a_post_that_opens_a_task_sends_its_alert_after_commit(settings: Settings) -> None:
    from kizuna.http.app import create_app
    from kizuna.http.routes.feedback import install_alert_delivery

    with smtp_server() as (port, inbox):
        rt = build_runtime(settings.model_copy(update={
            "smtp_url": SecretStr(f"smtp://127.0.0.1:{port}"), "alert_email_to": "cx@example.com"}))
        try:
            with rt.sessions.begin() as s:
                ws = workspaces.ensure_default_workspace(s, rt.clock).id
            [c] = customers(rt, ws, 1)
            app = create_app(rt.settings, rt)
            seen_in_request: list[int] = []

            @app.post("/test-only/answer")
            def answer(session: SessionDep) -> dict[str, int]:
                item = feedback.record_feedback(session, ws, FeedbackInput(
                    kind="survey_response", ref="r1", text="遅い", received_on=date(2026, 5, 1),
                    received_at=datetime(2026, 5, 1, tzinfo=UTC), customer_id=c,
                    score_kind="nps", score=1))
                seen_in_request.append(len(inbox.messages))
                return {"item": item}

            install_alert_delivery(app)
            with TestClient(app) as client:
                assert client.post("/test-only/answer").status_code == 200
            assert seen_in_request == [0] and len(inbox.messages) == 1
            with rt.sessions.begin() as s:
                [d] = feedback.list_deliveries(s, ws)
            assert d.status == "sent" and d.channel == "email"
        finally:
            rt.close()
