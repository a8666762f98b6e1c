"""`kizuna feedback deliver-alerts|refresh-themes`: closed-loop alerts and inbox themes."""

from __future__ import annotations

import typer

from kizuna.cli.context import console, fail, runtime_of, session_of
from kizuna.errors import KizunaError
from kizuna.feedback import api as feedback
from kizuna.workspaces import api as workspaces

app = typer.Typer(
    help="Voice-of-customer inbox: send pending follow-up alerts, re-group comments into themes.",
    no_args_is_help=True,
)


@app.command("deliver-alerts")
def deliver_alerts(ctx: typer.Context) -> None:
    """Send the email / webhook alerts of follow-up tasks that have not gone out yet.

    The server sends them right after the request that opened the task; run this after an
    import, from cron, or to retry failed deliveries (at most 5 attempts each).
    """
    try:
        with runtime_of(ctx) as rt:
            report = feedback.deliver_pending_alerts(rt)
    except KizunaError as exc:
        raise fail(exc) from exc
    console.print(f"alerts sent: {report.sent}, failed (will retry): {report.failed}, "
                  f"given up: {report.gave_up}", markup=False)


@app.command("refresh-themes")
def refresh_themes(ctx: typer.Context) -> None:
    """Re-group the latest comments (up to 20,000) into themes and label each comment."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock)
            with console.status("Grouping comments into themes …"):
                themes = feedback.refresh_themes(session, ws.id, at=rt.clock.now())
    except KizunaError as exc:
        raise fail(exc) from exc
    for theme in themes:
        sentiment = "—" if theme.mean_sentiment is None else f"{theme.mean_sentiment:+.2f}"
        detractors = "—" if theme.detractor_share is None else f"{theme.detractor_share:.0%}"
        console.print(f"{theme.size:6d}  {sentiment:>6}  detractors {detractors:>4}  "
                      f"{theme.label}", markup=False)
    console.print(f"{len(themes)} themes", markup=False)
