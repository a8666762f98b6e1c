"""`kizuna broadcasts`: create, schedule, send, cancel, list broadcasts and read results."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from kizuna.broadcasts import api as broadcasts
from kizuna.cli.context import console, fail, print_json, runtime_of, session_of
from kizuna.errors import Invalid, KizunaError
from kizuna.workspaces import api as workspaces

app = typer.Typer(help="Broadcasts: one message to a segment, with a holdout, and results.",
                  no_args_is_help=True)


def _json_file(text: str, what: str) -> Any:
    raw = Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise Invalid(f"The {what} is not valid JSON: {exc}", field=what) from exc


def _when(text: str, zone: str) -> datetime:
    """ISO 8601; without an offset the time is in the workspace's time zone."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{text!r} is not a date and time; write e.g. 2026-12-24T18:00 (in "
                      f"{zone}) or 2026-12-24T09:00+00:00.", field="at") from None
    return at if at.tzinfo else at.replace(tzinfo=ZoneInfo(zone))


def _arm(text: str) -> broadcasts.ArmSpec:
    """NAME[:WEIGHT[:TEMPLATE]] with TEMPLATE a JSON document or @FILE."""
    name, _, rest = text.partition(":")
    weight, _, template = rest.partition(":")
    try:
        w = float(weight) if weight else 1.0
    except ValueError:
        raise Invalid(f"Arm {text!r}: the weight must be a number.", field="arms") from None
    return broadcasts.ArmSpec(name=name, weight=w,
                              template=_json_file(template, "template") if template else None)


@app.command("create")
def create(
    ctx: typer.Context, key: str, name: str,
    segment: Annotated[str, typer.Option(help="The segment's key")],
    template: Annotated[str, typer.Option(help="Template document: JSON or @FILE")],
    channel: Annotated[str, typer.Option(help="email, webhook or in_app")] = "email",
    purpose: str = "marketing",
    transactional: bool = False,
    arm: Annotated[list[str] | None, typer.Option(
        help="A/B/n arm NAME[:WEIGHT[:@TEMPLATE.json]] (repeat)")] = None,
    holdout: Annotated[float, typer.Option(help="Holdout percent")] = 10.0,
    global_control: Annotated[float, typer.Option(help="Global control percent")] = 0.0,
    goal_event: Annotated[str | None, typer.Option(help="Default: any order")] = None,
    window_days: float = 7.0,
    throttle: Annotated[int | None, typer.Option(help="Messages per minute")] = None,
    webhook_url: str = "",
    at: Annotated[str | None, typer.Option(
        help="Schedule: ISO time; without offset in the workspace's zone")] = None,
) -> None:
    """Create the broadcast KEY (a draft, or scheduled with --at)."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as s:
            ws = workspaces.ensure_default_workspace(s, rt.clock)
            item = broadcasts.BroadcastInput(
                key=key, name=name, segment_key=segment,
                template=_json_file(template, "template"), channel=channel, purpose=purpose,
                transactional=transactional, arms=tuple(_arm(a) for a in arm or []),
                holdout_pct=holdout, global_control_pct=global_control, goal_event=goal_event,
                window_days=window_days, throttle_per_minute=throttle, webhook_url=webhook_url,
                scheduled_at=_when(at, ws.timezone) if at else None)
            b = broadcasts.create_broadcast(s, ws.id, item, created_by="cli",
                                            now=rt.clock.now())
    except KizunaError as exc:
        raise fail(exc) from exc
    console.print(f"created {b.key}: {b.status.value}")


@app.command("schedule")
def schedule(ctx: typer.Context, key: str,
             at: Annotated[str, typer.Argument(help="ISO time; without offset in the "
                                                    "workspace's zone")]) -> None:
    """Send KEY at a time."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as s:
            ws = workspaces.ensure_default_workspace(s, rt.clock)
            b = broadcasts.schedule_broadcast(s, ws.id, key, at=_when(at, ws.timezone),
                                              now=rt.clock.now())
    except KizunaError as exc:
        raise fail(exc) from exc
    console.print(f"{b.key} scheduled for {b.scheduled_at.isoformat() if b.scheduled_at else ''}")


@app.command("send")
def send(ctx: typer.Context, key: str) -> None:
    """Send KEY now (here, in this process: members, arms, queued messages); a worker
    delivers the messages."""
    try:
        with runtime_of(ctx) as rt:
            with session_of(rt) as s:
                ws = workspaces.ensure_default_workspace(s, rt.clock)
            b = broadcasts.send_broadcast(rt.sessions, ws.id, key, now=rt.clock.now())
    except KizunaError as exc:
        raise fail(exc) from exc
    console.print(f"{b.key}: {b.status.value}, {b.recipients} recipients, "
                  f"{b.enqueued} messages queued")


@app.command("cancel")
def cancel(ctx: typer.Context, key: str) -> None:
    """Cancel KEY (messages already queued still go)."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as s:
            ws = workspaces.ensure_default_workspace(s, rt.clock)
            b = broadcasts.cancel_broadcast(s, ws.id, key, now=rt.clock.now())
    except KizunaError as exc:
        raise fail(exc) from exc
    console.print(f"{b.key}: {b.status.value}")


@app.command("list")
def list_(ctx: typer.Context, status: str | None = None) -> None:
    """List broadcasts, newest first."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as s:
            ws = workspaces.ensure_default_workspace(s, rt.clock)
            page = broadcasts.list_broadcasts(s, ws.id, status=status, page_size=200)
    except KizunaError as exc:
        raise fail(exc) from exc
    table = Table(title=f"Broadcasts ({page.total})")
    for col in ("key", "name", "segment", "status", "scheduled at", "recipients", "queued"):
        table.add_column(col)
    for b in page.items:
        table.add_row(b.key, b.name, b.segment_key, b.status.value,
                      b.scheduled_at.isoformat() if b.scheduled_at else "",
                      str(b.recipients), str(b.enqueued))
    console.print(table)


@app.command("results")
def results(ctx: typer.Context, key: str) -> None:
    """The arms compared with the holdout and the delivery counts (JSON)."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as s:
            ws = workspaces.ensure_default_workspace(s, rt.clock)
            res = broadcasts.results(s, ws.id, key, rt.clock.now())
    except KizunaError as exc:
        raise fail(exc) from exc
    print_json(res.as_dict())
