"""`kizuna feedback refresh-themes` and `deliver-alerts` through the real Typer app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from kizuna.cli.main import app
from kizuna.feedback import api as feedback
from kizuna.feedback.contracts import FeedbackFilters, FeedbackInput
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace

runner = CliRunner()
T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
COMMENTS = (
    "配送が遅くて困りました", "配送がとても遅かったです", "届くまでに時間がかかりました",
    "The delivery was late again", "Shipping took far too long", "Delivery was slow",
    "価格が高すぎます", "値段がもう少し安いと嬉しい", "Prices are too high",
    "Too expensive for what it is", "Great selection of albums", "品揃えが素晴らしい",
)


def test_refresh_themes_labels_comments_and_deliver_alerts_reports(
    database_url: str, runtime: Runtime, workspace: Workspace
) -> None:
    with runtime.sessions.begin() as s:
        for n, text in enumerate(COMMENTS):
            feedback.record_feedback(s, workspace.id, FeedbackInput(
                kind="import", ref=f"cli-{n}", text=text, received_on=T0.date(),
                received_at=T0 + timedelta(minutes=n)))
    result = runner.invoke(app, ["--database-url", database_url, "feedback", "refresh-themes"])
    assert result.exit_code == 0, result.output
    assert "themes" in result.stdout
    with runtime.sessions.begin() as s:
        page = feedback.list_feedback(s, workspace.id, FeedbackFilters())
        assert page.total == len(COMMENTS)
        assert any(item.theme for item in page.items)
    result = runner.invoke(app, ["--database-url", database_url, "feedback", "deliver-alerts"])
    assert result.exit_code == 0, result.output
    assert "alerts sent: 0" in result.stdout
